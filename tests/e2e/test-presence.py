# test-presence.py: end-to-end tests of presence: online/offline watchers, quit and abrupt close, ping/pong.
# It drives the real evchatd over sockets and knows nothing of the server's code.
import evchat_test as t


def test_watchers_online_offline(srv):
    w = srv.client("watcher", presence=True)
    w.expect_quiet()                    # not told about itself
    plain = srv.client("plain")
    w.expect_next("presence", exact=True, nick="plain", event="online")
    a = srv.client("Alice")
    w.expect_next("presence", exact=True, nick="Alice", event="online")
    a.send({"type": "quit", "reason": "off to bed"})
    a.expect_bye("off to bed")
    w.expect_next("presence", exact=True, nick="Alice", event="offline",
                  reason="off to bed")
    # A second watcher: both see each other's arrival, not their own.
    w2 = srv.client("watcher2", presence=True)
    w.expect_next("presence", exact=True, nick="watcher2", event="online")
    w2.expect_quiet()
    plain.close()
    w.expect_next("presence", nick="plain", event="offline",
                  reason="connection closed")
    w2.expect_next("presence", nick="plain", event="offline",
                   reason="connection closed")
    w2.close()
    w.expect_next("presence", nick="watcher2", event="offline",
                  reason="connection closed")
    w.expect_quiet()


def test_no_presence_without_asking(srv):
    a = srv.client("a", presence=False)
    b = srv.client("b")
    c = srv.client("c")
    c.send({"type": "quit"})
    c.expect_bye("client quit")
    a.expect_quiet()
    b.expect_quiet()


def test_unregistered_is_not_online(srv):
    w = srv.client("w", presence=True)
    u = srv.connect()
    u.send({"type": "hello", "nick": "bad nick", "id": 1})
    u.expect_error("invalid_nick", re=1)
    u.send({"type": "quit"})
    u.expect_bye("client quit")
    w.expect_quiet()


def share_rooms(srv):
    a = srv.client("alice")
    b = srv.client("bob")
    c = srv.client("carol")
    d = srv.client("dave")
    for room in ("r1", "r2", "r3"):
        a.join(room)
    b.join("r1")
    b.join("r2")
    c.join("r2")
    d.join("other")
    for x in (a, b, c, d):
        x.drain()
    return a, b, c, d


def test_quit_once_per_peer(srv):
    a, b, c, d = share_rooms(srv)
    a.send({"type": "quit", "reason": "see you", "id": "q"})
    a.expect_bye("see you")
    for peer in (b, c):
        peer.expect_next("presence", exact=True, nick="alice", event="quit",
                         reason="see you")
        peer.expect_quiet()
    d.expect_quiet()
    # Its rooms are left: r3 is gone, r1 and r2 remain.
    d.request({"type": "rooms"}, rooms=[
        {"name": "other", "members": 1}, {"name": "r1", "members": 1},
        {"name": "r2", "members": 2}])


def test_quit_without_reason(srv):
    a, b, c, d = share_rooms(srv)
    a.send({"type": "quit"})
    a.expect_bye("client quit")
    b.expect_next("presence", exact=True, nick="alice", event="quit",
                  reason="client quit")
    b.expect_quiet()


def test_abrupt_close(srv):
    a, b, c, d = share_rooms(srv)
    w = srv.client("w", presence=True)
    a.close()
    for peer in (b, c):
        peer.expect_next("presence", exact=True, nick="alice", event="quit",
                         reason="connection closed")
        peer.expect_quiet()
    w.expect_next("presence", exact=True, nick="alice", event="offline",
                  reason="connection closed")
    d.expect_quiet()
    b.request({"type": "who"}, nicks=["bob", "carol", "dave", "w"])


def test_reset_close(srv):
    a, b, c, d = share_rooms(srv)
    a.reset()
    b.expect_next("presence", exact=True, nick="alice", event="quit",
                  reason="connection closed")
    b.expect_quiet()


def test_close_with_unread_output(srv):
    # A client that leaves with frames still queued for it.
    a, b, c, d = share_rooms(srv)
    for i in range(30):
        b.send({"type": "msg", "room": "r1", "text": "x" * 4000})
    b.drain()
    a.close()
    b.expect("presence", nick="alice", event="quit",
             reason="connection closed")
    b.expect_quiet()


def test_ping_pong(srv):
    a = srv.client("pinger")
    a.send({"type": "ping", "id": 1, "t": 1234567, "s": "x",
            "nested": {"a": [1, 2, {"b": None}]}, "f": 1.5, "ok": True})
    a.expect_next("pong", exact=True, re=1, t=1234567, s="x",
                  nested={"a": [1, 2, {"b": None}]}, f=1.5, ok=True)
    a.send({"type": "ping"})
    a.expect_next("pong", exact=True)


def test_pong_from_client_is_silent(srv):
    a = srv.client("ponger")
    a.send({"type": "pong"})
    a.send({"type": "pong", "ts": 5})
    a.expect_quiet()


t.run(globals())
