# auth-load.py: a manual load tool, not part of make check: parallel password guessers (of the server
# password, or of an account's) against evchatd on loopback while one registered client measures its ping.
"""Usage: PYTHONPATH=tests/e2e python3 tests/tls/auth-load.py EVCHATD [SECONDS] [MODE]

MODE is one of:
  (none)       30 guessers of the server password, from 127.0.0.1
  cold         the same, the password hashed anew and reloaded once the
               legitimate client is in, so that no check can go by a
               remembered match
  account      20 guessers of the account "victim"'s password, each from
               its own address 127.0.0.1x
  account-one  the same, all 20 from 127.0.0.1

Each guesser keeps one connection guessing and opens a new one after the
answer.  Prints the legitimate client's ping round trip (median, p99, max)
alone and then under the guessing, the guesses answered per second and the
daemon's CPU use; for an account, the owner's login time under attack.
The legitimate client connects from 127.0.0.2.
"""

import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import evchat_test as t

PASSWORD = "correct horse battery staple"


def hash_config(binary, path):
    r = subprocess.run([binary, "--hash-password"], input=PASSWORD + "\n",
                       capture_output=True, text=True, check=True)
    with open(path, "w") as f:
        f.write(r.stdout)


def pings(legit, seconds):
    """Ping every 20 ms for seconds; the round trips, summed up."""
    rtts = []
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        s = time.monotonic()
        legit.request({"type": "ping"}, "pong")
        rtts.append((time.monotonic() - s) * 1000)
        time.sleep(0.02)
    rtts.sort()
    return "%d pings: median %.2f ms, p99 %.2f ms, max %.2f ms" % (
        len(rtts), statistics.median(rtts),
        rtts[max(0, int(len(rtts) * 0.99) - 1)], rtts[-1])


def start(binary, mode, conf):
    """The server for mode and its legitimate client."""
    args = ["--max-clients-per-ip", "0", "--rate", "0"]
    account = mode.startswith("account")
    if not account:
        hash_config(binary, conf)
        args += ["--config", conf]
    srv = t.Server(args, binary=binary)
    srv.start()
    if account:
        owner = srv.connect(timeout=60)
        owner.hello("victim")
        owner.request({"type": "register", "password": PASSWORD},
                      "registered")
        owner.close()
    legit = srv.connect(bind="127.0.0.2", timeout=60)
    legit.hello("legit", **({} if account else {"password": PASSWORD}))
    if mode == "cold":
        hash_config(binary, conf)
        srv.send_signal(signal.SIGHUP)
        srv.wait_log(r"configuration reloaded")
    return srv, legit


def main():
    binary = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 10
    mode = sys.argv[3] if len(sys.argv) > 3 else ""
    account = mode.startswith("account")
    guessers = 20 if account else 30
    conf = tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False)
    conf.close()
    srv, legit = start(binary, mode, conf.name)
    print("alone:   " + pings(legit, seconds))

    stop = time.monotonic() + seconds
    answered = [0]
    lock = threading.Lock()

    def guess(k):
        n = 0
        bind = "127.0.0.%d" % (10 + k) if mode == "account" else "127.0.0.1"
        while time.monotonic() < stop:
            hello = {"type": "hello", "id": 1, "nick": "g"}
            if account:
                hello.update(nick="victim",
                             account_password="guess %d %d" % (k, n))
            else:
                hello["password"] = "guess %d" % n
            try:
                c = t.Client(srv.port, bind=bind, timeout=60)
                c.send(hello)
                f = c.recv()
                c.close()
            except (OSError, AssertionError):
                continue
            n += 1
            if f.get("code") == "bad_password":
                with lock:
                    answered[0] += 1

    cpu0, t0 = srv.cpu_time(), time.monotonic()
    threads = [threading.Thread(target=guess, args=(k,))
               for k in range(guessers)]
    for th in threads:
        th.start()
    print("guessed: " + pings(legit, seconds))
    cpu1, t1 = srv.cpu_time(), time.monotonic()
    if account:
        s = time.monotonic()
        c = srv.connect(bind="127.0.0.3", timeout=60)
        c.hello("victim", account_password=PASSWORD)
        print("owner's login under attack: %.0f ms" %
              ((time.monotonic() - s) * 1000))
    for th in threads:
        th.join()
    print("guesses answered: %d (%.1f/s)" % (answered[0],
                                              answered[0] / (t1 - t0)))
    print("evchatd CPU: %.2f s in %.1f s (%.0f%%)" % (
        cpu1 - cpu0, t1 - t0, 100 * (cpu1 - cpu0) / (t1 - t0)))
    print("throttle log lines: %d" % len(re.findall(r"wrong password",
                                                     srv.stderr)))
    srv.close_clients()
    srv.stop()
    os.unlink(conf.name)


main()
