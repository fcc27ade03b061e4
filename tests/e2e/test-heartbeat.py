# test-heartbeat.py: end-to-end tests of liveness: server pings, ping timeout with its presence, registration timeout.
# It drives the real evchatd over sockets and knows nothing of the server's code.
import time

import evchat_test as t
from evchat_test import wait_any

HEARTBEAT = 1
TIMEOUT = 2
REGISTER = 10          # seconds, fixed by the protocol


def is_ping(f):
    return (f["type"] == "ping" and set(f) == {"type", "ts"} and
            isinstance(f["ts"], int) and
            abs(f["ts"] - time.time() * 1000) < 10000)


def silent_client_dropped(srv):
    """A registered client that never answers is dropped after TIMEOUT s
    with bye "ping timeout"; its room and the watchers are told."""
    p = srv.client("peer", presence=True, auto_pong=True)
    p.join("hb")
    s = srv.client("silent")
    s.join("hb")
    t_last = time.monotonic()           # the last byte silent sends
    seen = {}
    deadline = t_last + TIMEOUT + 3
    while len(seen) < 2:
        f = p.recv(max(0.1, deadline - time.monotonic()))
        if f["type"] == "presence" and f.get("nick") == "silent" and \
                f["event"] in ("quit", "offline"):
            seen[f["event"]] = (f, time.monotonic())
        elif f["type"] not in ("ping", "presence"):
            raise AssertionError("peer: unexpected %r" % f)
    quit, t_quit = seen["quit"]
    assert quit == {"type": "presence", "nick": "silent", "event": "quit",
                    "reason": "ping timeout"}, quit
    off, _ = seen["offline"]
    assert off == {"type": "presence", "nick": "silent", "event": "offline",
                   "reason": "ping timeout"}, off
    waited = t_quit - t_last
    assert TIMEOUT - 0.2 <= waited <= TIMEOUT + 2, \
        "silent client dropped after %.2f s, timeout is %d s" % (waited,
                                                                 TIMEOUT)
    # What silent got: pings, then bye, then the end.
    f = s.recv()
    assert is_ping(f), "silent: want ping first, got %r" % f
    while f["type"] == "ping":
        assert is_ping(f), f
        f = s.recv()
    assert f == {"type": "bye", "reason": "ping timeout"}, f
    s.expect_closed()
    p.send({"type": "quit"})
    p.expect("bye")


def check_silence(who, ping, sent):
    """A ping is due only after HEARTBEAT s without a byte from the client:
    compare its ts with the client's last send before it (same clock)."""
    before = [x for x in sent if x <= ping["ts"] / 1000.0]
    gap = ping["ts"] / 1000.0 - before[-1]
    assert gap >= HEARTBEAT - 0.1, \
        "%s pinged %.2f s after its last frame; heartbeat is %d s" % (
            who, gap, HEARTBEAT)


def pongs_keep_alive(srv):
    """A client that answers pings, and one that talks more often than the
    heartbeat, both outlive the timeout; pings come only after silence."""
    k = srv.client("keeper")
    a = srv.client("talker")
    k_sent = [time.time()]
    a_sent = [time.time()]
    k_pings = 0
    end = time.monotonic() + 2 * TIMEOUT
    next_talk = time.monotonic() + 0.6 * HEARTBEAT
    while True:
        now = time.monotonic()
        if now >= end:
            break
        if now >= next_talk:
            a.send({"type": "rooms"})
            a_sent.append(time.time())
            next_talk += 0.6 * HEARTBEAT
        c, f = wait_any([k, a], min(end, next_talk) - now)
        if f is None:
            assert c is None and not (k.eof or a.eof), \
                "connection closed: keeper %s, talker %s" % (k.eof, a.eof)
            continue
        if f["type"] == "ping":
            assert is_ping(f), f
            check_silence(c.nick, f, k_sent if c is k else a_sent)
            if c is k:
                k.send({"type": "pong"})
                k_sent.append(time.time())
                k_pings += 1
        else:
            assert c is a and f == {"type": "rooms", "rooms": []}, f
    assert k_pings >= 2, "keeper got %d pings in %d s" % (k_pings,
                                                           2 * TIMEOUT)
    # Both are still served; a server ping due at this moment may come
    # first (heartbeat 1 s), and is answered as above.
    for c in (k, a):
        c.send({"type": "ping", "id": "last"})
        while True:
            f = c.recv()
            if f["type"] != "ping":
                break
            assert is_ping(f), f
            c.send({"type": "pong"})
        assert f["type"] == "pong" and f.get("re") == "last", f
    k.close()
    a.close()


@t.daemon_args("--heartbeat", str(HEARTBEAT), "--timeout", str(TIMEOUT))
def test_heartbeat_and_registration_timeout(srv):
    # The registration timeout takes 10 s: the heartbeat checks run while
    # it elapses.
    u = srv.connect()
    t_u = time.monotonic()
    u2 = srv.connect()
    u2.send({"type": "hello", "nick": "no good", "id": 1})
    u2.expect_error("invalid_nick", re=1)
    c = srv.connect()
    c.send({"type": "hello", "nick": "w"})
    c.expect_next("welcome", heartbeat=HEARTBEAT)
    c.close()

    silent_client_dropped(srv)
    pongs_keep_alive(srv)

    # Neither a ping nor the ping timeout for connections without hello.
    left = t_u + REGISTER + 3 - time.monotonic()
    u.expect_next("bye", timeout=left, reason="registration timeout")
    waited = time.monotonic() - t_u
    assert REGISTER - 0.5 <= waited <= REGISTER + 3, \
        "registration timeout after %.2f s" % waited
    u.expect_closed()
    u2.expect_bye("registration timeout")


t.run(globals())
