# test-cli-fail.py: how evchat-cli ends when it cannot go on: refused nicks, a closed port, a bad address,
# a server that shuts down; and that it stays up by answering pings.  It knows nothing of the client's code.
import json
import re
import signal
import socket
import time

import cli_test as c
import evchat_test as t


def one_line(err, pattern):
    assert len(err) == 1 and re.fullmatch(pattern, err[0]), err


def test_nick_taken(srv):
    """A script is never asked for another nick (only a terminal is): it
    ends with one clear line and status 1, reading no line as a nick."""
    srv.client("ana")
    status, out, err = c.run(["--nick", "ANA", "--join", "general"],
                             srv.port, "ANA_\nnever sent\n")
    assert status == 1, (status, out, err)
    one_line(err, r"evchat-cli: nick refused: nick_taken: \S.*")
    assert out == [], out
    # With --json the refusal is also the one frame on stdout.
    status, out, err = c.run(["--json", "--nick", "ANA"], srv.port, "ANA_\n")
    assert status == 1, (status, out, err)
    one_line(err, r"evchat-cli: nick refused: nick_taken: \S.*")
    assert len(out) == 1 and json.loads(out[0])["code"] == "nick_taken", out


def test_invalid_nick(srv):
    status, out, err = c.run(["--nick", "a,b"], srv.port, "")
    assert status == 1, (status, out, err)
    one_line(err, r"evchat-cli: nick refused: invalid_nick: \S.*")


def test_closed_port(srv):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    status, out, err = c.run(["--nick", "ana"], port, "hi\n")
    assert status == 1 and out == [], (status, out, err)
    assert err == ["evchat-cli: cannot connect to 127.0.0.1:%d: "
                   "Connection refused" % port], err


def test_bad_server_address(srv):
    for spec in ("[::1", "host:", ":7667", "[]:1"):
        status, out, err = c.run(["--server", spec, "--nick", "ana"])
        assert status == 1, (spec, status, out, err)
        one_line(err, r"evchat-cli: bad server address: .*")


def test_server_shutdown(srv):
    ana = c.Cli(["--nick", "ana", "--join", "general"], srv.port)
    ana.expect(r"^\* you joined general")
    status, _ = srv.stop(signal.SIGTERM)
    assert status == 0
    status, out, err = ana.wait()
    assert status == 1, ana.show()
    assert err == ["evchat-cli: server closed the connection: server "
                   "shutting down"], ana.show()


@t.daemon_args("--heartbeat", "1", "--timeout", "2")
def test_answers_pings(srv):
    watch = srv.client("watch", auto_pong=True)
    watch.join("general")
    ana = c.Cli(["--nick", "ana", "--join", "general"], srv.port)
    ana.expect(r"^\* you joined general")
    watch.expect("presence", nick="ana", event="join")
    # Until well past the timeout, ana (idle, pinged every second) stays:
    # only pings may arrive, no presence quit.  Time has to pass here.
    deadline = time.monotonic() + 2.5
    while deadline > time.monotonic():
        f = watch.poll(deadline - time.monotonic())
        assert f is None or f["type"] == "ping", f
    ana.send("still here")
    watch.expect("msg", text="still here", timeout=2)
    ana.finish(0)
    watch.expect("presence", nick="ana", event="quit", reason="client quit")


@t.daemon_args(ipv6=True)
def test_ipv6(srv):
    status, out, err = c.run(["--server", "[::1]:%d" % srv.port6, "--nick",
                              "six", "--join", "v6"], None, "over six\n")
    assert status == 0 and err == [], (status, out, err)
    assert out[-1] == "[v6] <six> over six", out


t.run(globals())
