# test-shutdown.py: end-to-end tests of SIGTERM and SIGINT: every client gets bye, the daemon exits 0 promptly.
# It drives the real evchatd over sockets and knows nothing of the server's code.
import base64
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

    # Each client behaves like a real one: it reads up to bye and the
    # server's end of stream, then closes.  Then nothing is left to flush
    # or linger on, and the daemon must not wait for its grace period.
    t0 = time.monotonic()
    srv.send_signal(sig)
    for x in (a, b, w, u, half):
        # Presence of others leaving may come first; bye is the last frame.
        f = x.recv()
        while f["type"] == "presence":
            f = x.recv()
        assert f == {"type": "bye", "reason": "server shutting down"}, \
            "%s: want bye, got %r" % (x, f)
        x.expect_closed()
        x.close()
    status = srv.wait()
    took = time.monotonic() - t0
    assert status == 0, "exit status %s after %s; stderr:\n%s" % (
        status, signal.Signals(sig).name, srv.stderr)
    assert took < 1.5, "exit took %.2f s though every client had closed" % (
        took)
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
    t0 = time.monotonic()
    status, stderr = srv.stop()
    took = time.monotonic() - t0
    assert status == 0, "exit status %s; stderr:\n%s" % (status, stderr)
    assert took < 1.5, "exit took %.2f s with no client" % took


def test_sigterm_client_never_closes(srv):
    # A client that reads but keeps its end open holds the exit back no
    # longer than the grace period (2 s).
    a = srv.client("only")
    t0 = time.monotonic()
    status, stderr = srv.stop()
    took = time.monotonic() - t0
    assert status == 0, "exit status %s; stderr:\n%s" % (status, stderr)
    assert took < 3, "exit took %.2f s" % took
    a.expect_bye("server shutting down")


# Without a send queue limit the sleeper keeps megabytes queued.
@t.daemon_args("--max-sendq", "0")
def test_sigterm_with_slow_reader(srv):
    # A client that never reads must not hold the exit back much beyond
    # the grace period.  Big media frames fill its buffers in few frames,
    # far below any flood limit.
    a = srv.client("reader")
    b = srv.connect(rcvbuf=4096)
    b.hello("sleeper")
    a.join("r")
    b.join("r")
    a.expect_next("presence", nick="sleeper", event="join")
    data = base64.b64encode(bytes(160 * 1024)).decode()
    for i in range(40):
        a.send({"type": "msg", "room": "r", "kind": "file",
                "mime": "application/octet-stream", "name": "f%d" % i,
                "data": data})
        a.expect_next("msg", name="f%d" % i)
    t0 = time.monotonic()
    status, stderr = srv.stop()
    took = time.monotonic() - t0
    assert status == 0, "exit status %s; stderr:\n%s" % (status, stderr)
    assert took < 5, "exit took %.2f s" % took
    a.expect_bye("server shutting down")


t.run(globals())
