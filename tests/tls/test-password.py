# test-password.py: the server password: the --hash-password round trip, hello with the right, a wrong
# or no password (bad_password, then bye), password-file's rules, a reload, and evchat-cli's side.
import os
import pty
import re
import select
import signal
import subprocess
import time

import tls_test as tt
from tls_test import c, t

EX_DATAERR = 65
EX_CONFIG = 78

PKI = tt.Pki()
PASSWORD = "correct horse battery staple"
OTHER = "a new password"


def evchatd(*args, stdin=""):
    evchatd = os.environ.get("EVCHATD")
    if not evchatd:
        t.skip_exit("EVCHATD is not set (path of the evchatd binary)")
    return subprocess.run([evchatd] + list(args), input=stdin,
                          capture_output=True, text=True, timeout=t.TIMEOUT)


def hash_password(password):
    r = evchatd("--hash-password", stdin=password + "\n")
    assert r.returncode == 0 and r.stderr == "", r
    m = re.fullmatch(r"password = (\$y\$\S+)\n", r.stdout)
    assert m, r.stdout
    return m.group(1)


def write(name, text, mode=0o600):
    path = PKI.path(name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


HASH = hash_password(PASSWORD)
CONF = write("password.conf", "password = %s\n" % HASH)
RELOADED = write("reloaded.conf", "password = %s\n" % HASH)
SERVER = ["--config", CONF] + PKI.server_args("server")


def refused(cl, message):
    """The next frames are error bad_password, then bye, then the end."""
    cl.expect_next("error", code="bad_password", message=message, re=1)
    cl.expect_bye("bad password")


def test_hash_password_round_trip(srv):
    """Each hash has its own salt; --check-config takes it back as is; an
    empty line is no password."""
    again = hash_password(PASSWORD)
    assert again != HASH and again.split("$")[2] == HASH.split("$")[2]
    r = evchatd("--config", CONF, "--check-config")
    assert r.returncode == 0, r
    assert "password = %s\n" % HASH in r.stdout, r.stdout
    assert "password-file = none\n" in r.stdout, r.stdout
    for empty in ("", "\n"):
        r = evchatd("--hash-password", stdin=empty)
        assert r.returncode == EX_DATAERR and r.stdout == "", r
        assert r.stderr == "evchatd: no password read\n", r


def on_terminal(*answers):
    """evchatd --hash-password on a pseudo-terminal, given answers as
    it asks; returns (exit status, everything the terminal showed)."""
    evchatd = os.environ["EVCHATD"]
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(evchatd, [evchatd, "--hash-password"])
    shown, todo = b"", list(answers)
    deadline = time.monotonic() + t.TIMEOUT
    try:
        while time.monotonic() < deadline:
            if todo and shown.endswith(b": "):
                os.write(fd, todo.pop(0).encode() + b"\n")
            ready, _, _ = select.select([fd], [], [], 0.1)
            if not ready:
                continue
            try:
                data = os.read(fd, 4096)
            except OSError:
                break
            if not data:
                break
            shown += data
    finally:
        os.close(fd)
        _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), shown.decode()


def test_hash_password_on_a_terminal(srv):
    """A terminal is asked twice and sees neither answer."""
    status, shown = on_terminal(PASSWORD, PASSWORD)
    assert status == 0, shown
    assert PASSWORD not in shown, shown
    assert re.fullmatch(r"Password: \r\nAgain: \r\npassword = \$y\$\S+\r\n",
                        shown), shown
    status, shown = on_terminal(PASSWORD, OTHER)
    assert status == EX_DATAERR, shown
    assert "evchatd: the passwords differ" in shown and \
        "password =" not in shown and OTHER not in shown, shown


@t.daemon_args(*SERVER, "--log-level", "debug")
def test_password_checked(srv):
    cl = tt.client(srv, PKI)
    cl.send({"type": "hello", "id": 1, "nick": "nopass"})
    refused(cl, "this server needs a password")

    cl = tt.client(srv, PKI)
    cl.send({"type": "hello", "id": 1, "nick": "wrong",
             "password": PASSWORD.upper()})
    refused(cl, "wrong password")

    cl = tt.client(srv, PKI)
    cl.send({"type": "hello", "id": 1, "nick": "number", "password": 42})
    refused(cl, "wrong password")

    # Before hello the rules of the protocol are unchanged.
    cl = tt.client(srv, PKI)
    cl.send({"type": "join", "id": 2, "room": "r"})
    cl.expect_error("not_registered", re=2)
    cl.hello("ana", password=PASSWORD)

    # The second match and the next refusal go by the remembered digest.
    other = srv.client()
    other.send({"type": "hello", "id": 3, "nick": "ANA",
                "password": PASSWORD})
    other.expect_error("nick_taken", re=3)
    other.hello("bob", password=PASSWORD)
    cl = srv.client()
    cl.send({"type": "hello", "id": 1, "nick": "eve",
             "password": PASSWORD + " "})
    refused(cl, "wrong password")

    assert PASSWORD not in srv.stderr and \
        PASSWORD.upper() not in srv.stderr, srv.stderr
    tt.wait_log(srv, r"client \d+ \(127\.0\.0\.1:\d+\) closing: bad "
                r"password", count=4)


@t.daemon_args("--config", RELOADED)
def test_reload_changes_password(srv):
    srv.client().hello("first", password=PASSWORD)
    write("reloaded.conf", "password = %s\n" % hash_password(OTHER))
    srv.send_signal(signal.SIGHUP)
    tt.wait_log(srv, r"configuration reloaded")
    cl = srv.client()
    cl.send({"type": "hello", "id": 1, "nick": "old", "password": PASSWORD})
    refused(cl, "wrong password")
    srv.client().hello("new", password=OTHER)


def test_password_file(srv):
    """The file holds the hash alone or as --hash-password prints it; it
    must be the daemon's alone; the password itself is never echoed."""
    printed = write("printed", "password = %s\n" % HASH)
    bare = write("bare", HASH + "\n")
    for path in (printed, bare):
        r = evchatd("--config", os.devnull, "--password-file", path,
                    "--check-config")
        assert r.returncode == 0, r
        assert "password-file = %s\n" % path in r.stdout, r.stdout
        assert HASH not in r.stdout, r.stdout

    loose = write("loose", HASH + "\n", 0o640)
    r = evchatd("--config", os.devnull, "--password-file", loose,
                "--check-config")
    assert r.returncode == EX_CONFIG, r
    assert "is open to others (mode 0640)" in r.stderr, r.stderr

    plain = write("plain", PASSWORD + "\n")
    r = evchatd("--config", os.devnull, "--password-file", plain,
                "--check-config")
    assert r.returncode == EX_CONFIG and "holds no password hash" in \
        r.stderr and PASSWORD not in r.stderr, r

    conf = write("plain.conf", "\n\npassword = %s\n" % PASSWORD)
    r = evchatd("--config", conf, "--check-config")
    assert r.returncode == EX_CONFIG, r
    assert r.stderr.startswith("evchatd: %s:3: password: not a password "
                               "hash" % conf) and PASSWORD not in r.stderr, r
    salt_only = HASH[:HASH.rindex("$")]
    r = evchatd("--config", os.devnull, "--password", salt_only,
                "--check-config")
    assert r.returncode == EX_CONFIG, r

    r = evchatd("--config", CONF, "--password-file", bare, "--check-config")
    assert r.returncode == EX_CONFIG and "exclude each other" in r.stderr, r
    r = evchatd("--config", os.devnull, "--password-file", PKI.path("none"),
                "--check-config")
    assert r.returncode == EX_CONFIG and "No such file" in r.stderr, r


@t.daemon_args(*SERVER)
def test_cli_password(srv):
    """evchat-cli takes the password from a file or the environment, never
    from the command line, and says when it is refused."""
    server = ["--server", "tls://localhost:%d" % tt.tls_port(srv),
              "--ca", PKI.ca]
    ana = c.Cli(server + ["--nick", "ana", "--join", "r"],
                env={"EVCHAT_PASSWORD": PASSWORD})
    ana.expect(r"^\* you joined r \(members: ana\)$")
    secret = write("secret", PASSWORD + "\n")
    bob = c.Cli(server + ["--nick", "bob", "--join", "r", "--password-file",
                          secret])
    bob.expect(r"^\* you joined r \(members: ana, bob\)$")
    ana.expect(r"^\* bob joined r$")
    bob.finish(0)
    ana.finish(0)

    t0 = time.monotonic()
    status, out, err = c.run(server + ["--nick", "eve"], input="x\n",
                             env={"EVCHAT_PASSWORD": OTHER})
    assert status == 1 and err == ["evchat-cli: password refused: wrong "
                                   "password"], (status, out, err)
    status, out, err = c.run(server + ["--nick", "eve"], input="x\n")
    assert status == 1 and err == ["evchat-cli: password refused: this "
                                   "server needs a password (give it with "
                                   "--password-file or EVCHAT_PASSWORD)"], \
        (status, out, err)
    assert time.monotonic() - t0 < 5

    loose = write("loose-secret", PASSWORD + "\n", 0o644)
    status, out, err = c.run(server + ["--nick", "eve", "--password-file",
                                       loose])
    assert status == 1 and len(err) == 1 and \
        "is open to others (mode 0644)" in err[0], (status, out, err)
    status, out, err = c.run(server + ["--nick", "eve", "--password",
                                       PASSWORD])
    assert status == 1 and out == [] and err, (status, out, err)


t.run(globals())
