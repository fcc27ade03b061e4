# test-auth-throttle.py: password guessing end to end: hashing happens off the loop, so a registered
# client's pings are answered while guessers hammer; wrong guesses from one address are answered later
# and later, also after a correct login, and each is logged with its delay.
import os
import re
import subprocess
import time

import evchat_test as t

PASSWORD = "correct horse battery staple"


def hash_password():
    r = subprocess.run([os.environ["EVCHATD"], "--hash-password"],
                       input=PASSWORD + "\n", capture_output=True,
                       text=True, timeout=t.TIMEOUT)
    return re.fullmatch(r"password = (\S+)\n", r.stdout).group(1)


SERVER = ["--password", hash_password(), "--max-clients-per-ip", "0",
          "--rate", "0"]


def guessers(srv, n, bind):
    """n connections from bind, each sending a wrong password."""
    gs = [srv.connect(bind=bind, name="guesser%d" % i) for i in range(n)]
    for i, g in enumerate(gs):
        g.send({"type": "hello", "id": 1, "nick": "g%d" % i,
                "password": "guess %d" % i})
    return gs


def refused_within(gs, seconds):
    """How many of gs get their bad_password within seconds (a bound
    that a slow machine can only lower)."""
    got = set()
    deadline = time.monotonic() + seconds
    while len(got) < len(gs):
        g, f = t.wait_any([g for g in gs if g not in got],
                          deadline - time.monotonic())
        if g is None:
            break
        assert f["type"] == "error" and f["code"] == "bad_password" and \
            f["re"] == 1, f
        got.add(g)
    return len(got)

@t.daemon_args(*SERVER)
def test_pings_answered_while_guessed(srv):
    legit = srv.connect(bind="127.0.0.2")
    legit.hello("legit", password=PASSWORD)
    gs = guessers(srv, 10, "127.0.0.1")
    for i in range(20):
        legit.request({"type": "ping", "n": i}, "pong", n=i)
    # Two wrong guesses are free, the third waits a second, the fourth two.
    srv.wait_log(r"wrong password from 127\.0\.0\.1: failure 3, answered "
                 r"in 1000 ms")
    assert refused_within(gs, 0.5) < 5
    assert "wrong password from 127.0.0.2" not in srv.stderr
    legit.request({"type": "ping"}, "pong")
    for g in gs:
        g.close()


@t.daemon_args(*SERVER)
def test_guesses_throttled_after_login(srv):
    """A correct login does not make wrong guesses free (the server used
    to refuse them at once, thousands a second)."""
    srv.connect(bind="127.0.0.3").hello("ana", password=PASSWORD)
    gs = guessers(srv, 8, "127.0.0.3")
    # Answers at 0, 0, 1 s and 3 s: at most three within 2.5 s.
    n = refused_within(gs, 2.5)
    assert 2 <= n <= 3, n
    lines = re.findall(r"wrong password from 127\.0\.0\.3: failure (\d+), "
                       r"answered in (\d+) ms", srv.stderr)
    assert lines[:3] == [("1", "0"), ("2", "0"), ("3", "1000")], lines
    # A guesser that hangs up is never answered, and nothing breaks.
    for g in gs:
        g.close()
    srv.connect(bind="127.0.0.3").hello("bob", password=PASSWORD)


t.run(globals())
