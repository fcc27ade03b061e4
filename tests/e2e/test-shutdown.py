# test-shutdown.py: end-to-end tests of SIGTERM and SIGINT: every client gets bye, the daemon exits 0 promptly.
# It drives the real evchatd over sockets and knows nothing of the server's code.
import signal
import struct
import time

import evchat_test as t


def shutdown(srv, sig):
    a = srv.client("alice")
    b = srv.client("bob")
    w = srv.client("watcher", presence=True)
    a.join("room")
    b.join("room")
    b.join("other")
    a.expect_next("presence", nick="bob", event="join")
    a.send({"type": "msg", "room": "room", "text": "last words"})
    a.expect_next("msg")
    u = srv.connect()                           # never said hello
    half = srv.client("half")
    half.send_raw(struct.pack(">I", 100) + b'{"type":')   # mid-frame
    for x in (a, b, w):
        x.drain()
    u.send({"type": "ping", "id": 1})
    u.expect_error("not_registered", re=1)

    t0 = time.monotonic()
    status, stderr = srv.stop(sig)
    took = time.monotonic() - t0
    assert status == 0, "exit status %s after %s; stderr:\n%s" % (
        status, signal.Signals(sig).name, stderr)
    assert took < 3, "exit took %.2f s" % took
    for x in (a, b, w, u, half):
        # Presence of others leaving may come first; bye is the last frame.
        f = x.recv()
        while f["type"] == "presence":
            f = x.recv()
        assert f == {"type": "bye", "reason": "server shutting down"}, \
            "%s: want bye, got %r" % (x, f)
        x.expect_closed()
    # Nothing listens any more.
    try:
        t.Client(srv.port, timeout=1)
    except OSError:
        pass
    else:
        raise AssertionError("port %d still accepts connections" % srv.port)


def test_sigterm(srv):
    shutdown(srv, signal.SIGTERM)


def test_sigint(srv):
    shutdown(srv, signal.SIGINT)


def test_sigterm_idle(srv):
    status, stderr = srv.stop()
    assert status == 0, "exit status %s; stderr:\n%s" % (status, stderr)


def test_sigterm_with_slow_reader(srv):
    # A client that never reads must not hold the exit back much beyond
    # the grace period.
    a = srv.client("reader")
    b = srv.client("sleeper")
    a.join("r")
    b.join("r")
    for i in range(300):
        a.send({"type": "msg", "room": "r", "text": "x" * 4000})
    a.drain()
    t0 = time.monotonic()
    status, stderr = srv.stop()
    took = time.monotonic() - t0
    assert status == 0, "exit status %s; stderr:\n%s" % (status, stderr)
    assert took < 5, "exit took %.2f s" % took
    a.expect("bye", reason="server shutting down")


t.run(globals())
