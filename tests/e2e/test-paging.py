# test-paging.py: end-to-end tests of paged rooms, who and joined replies: the "after" cursor, "more",
# the bounds (max_frame, half of max-sendq) and the v1 bytes when all fits. It knows nothing of the code.
import evchat_test as t
from evchat_test import ABSENT

FRAME = 1024
LIMITS = ["--rate", "0", "--max-rooms-per-client", "0"]


class SizedReader(t.FrameReader):
    """A FrameReader that also keeps each frame's payload and its size."""

    def __init__(self):
        super().__init__()
        self.sizes = []
        self.payloads = []

    def pop(self):
        size = int.from_bytes(self.buf[:4], "big")
        payload = bytes(self.buf[4:4 + size])
        frame = super().pop()
        if frame is not None:
            self.sizes.append(size)
            self.payloads.append(payload)
        return frame


def sized(c):
    """c, reading through a SizedReader (nothing read yet)."""
    c.reader = SizedReader()
    return c


def fold(name):
    return name.translate(str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                                        "abcdefghijklmnopqrstuvwxyz"))


def in_order(names):
    return sorted(names, key=lambda n: fold(n).encode("utf-8"))


def room_names(n):
    """n names of 60 characters, mixed case so that folding orders them."""
    return [("R%04d" if i % 2 else "r%04d") % i + "x" * 55
            for i in range(n)]


def make_rooms(srv, names):
    """One client in every room of names (joins sent at once)."""
    c = srv.client("maker")
    c.send_raw(b"".join(t.encode({"type": "join", "room": r})
                        for r in names))
    for r in names:
        c.expect_next("joined", room=r)
    return c


def page_all(c, req, key, entry, limit):
    """Page req (rooms or who) to its end with after; returns the entries
    in order.  Every reply must fit limit and only the last lacks more."""
    got, after = [], None
    while True:
        r = dict(req)
        if after is not None:
            r["after"] = after
        reply = c.request(r)
        size = c.reader.sizes[-1]
        assert size <= limit, "reply of %d bytes, limit %d" % (size, limit)
        assert reply[key], "an empty page: %r" % reply
        got += reply[key]
        after = entry(reply[key][-1])
        if "more" not in reply:
            return got
        assert reply["more"] is True, reply


@t.daemon_args("--max-frame", str(FRAME), *LIMITS)
def test_rooms_paged(srv):
    names = room_names(300)
    make_rooms(srv, names)
    c = sized(srv.client("asker"))
    got = page_all(c, {"type": "rooms"}, "rooms", lambda e: e["name"], FRAME)
    assert [e["name"] for e in got] == in_order(names), got[:3]
    assert all(e["members"] == 1 for e in got)
    assert len(c.reader.sizes) > 20, c.reader.sizes
    # after is a folded cursor, and need not name a room that exists.
    first = c.request({"type": "rooms", "after": "R0298"}, more=ABSENT)
    assert [e["name"] for e in first["rooms"]] == in_order(names)[-2:]
    c.request({"type": "rooms", "after": "zzz"}, rooms=[], more=ABSENT)
    c.request({"type": "rooms", "after": 3}, code="bad_request")


def nick_clients(srv, n, room=None):
    t.raise_fd_limit(n + 64)
    nicks = [("N%04d" if i % 2 else "n%04d") % i + "y" * 25
             for i in range(n)]
    for nick in nicks:
        c = srv.client(nick)
        if room is not None:
            c.join(room)
    return nicks


@t.daemon_args("--max-frame", str(FRAME), *LIMITS)
def test_who_paged(srv):
    nicks = nick_clients(srv, 200, "crowd")
    c = sized(srv.client("asker"))
    want = in_order(nicks + ["asker"])
    got = page_all(c, {"type": "who"}, "nicks", str, FRAME)
    assert got == want, got[:3]
    got = page_all(c, {"type": "who", "room": "CROWD"}, "nicks", str, FRAME)
    assert got == in_order(nicks), got[:3]
    c.request({"type": "who", "after": ["x"]}, code="bad_request")
    c.request({"type": "who", "room": "crowd", "after": "zzz"},
              room="crowd", nicks=[], more=ABSENT)


@t.daemon_args("--max-frame", str(FRAME), *LIMITS)
def test_joined_paged(srv):
    nicks = nick_clients(srv, 200, "crowd")
    c = sized(srv.client("Joiner"))
    joined = c.join("crowd")
    assert c.reader.sizes[-1] <= FRAME, c.reader.sizes
    assert joined["more"] is True, joined
    members = joined["members"]
    assert 0 < len(members) < 201, len(members)
    want = in_order(nicks + ["Joiner"])
    assert members == want[:len(members)], members[:3]
    rest = page_all(c, {"type": "who", "room": "crowd",
                        "after": members[-1]}, "nicks", str, FRAME)
    assert members + rest == want


@t.daemon_args("--max-sendq", "65536", *LIMITS)
def test_rooms_within_half_sendq(srv):
    # About 85 KB of rooms: one v1 reply would be more than all of
    # max-sendq, which only a reply alone in the queue may pass.
    names = room_names(1000)
    make_rooms(srv, names)
    c = sized(srv.client("asker"))
    got = page_all(c, {"type": "rooms"}, "rooms", lambda e: e["name"],
                   65536 // 2)
    assert [e["name"] for e in got] == in_order(names)
    c.request({"type": "who"}, nicks=["asker", "maker"])


def test_v1_bytes_when_all_fits(srv):
    a = sized(srv.client("alice"))
    b = srv.client("Bob")
    a.send({"type": "join", "room": "Hall", "id": 1})
    a.expect_next("joined", exact=True, room="Hall", members=["alice"],
                  re=1)
    b.join("hall")
    a.expect_next("presence", nick="Bob", event="join")
    a.send({"type": "rooms", "id": 2})
    a.expect_next("rooms", exact=True, rooms=[{"name": "Hall",
                                                "members": 2}], re=2)
    a.send({"type": "who", "room": "hall", "id": 3})
    a.expect_next("who", exact=True, room="Hall", nicks=["alice", "Bob"],
                  re=3)
    a.send({"type": "who", "id": 4})
    a.expect_next("who", exact=True, nicks=["alice", "Bob"], re=4)
    # The bytes too: the frames are exactly protocol v1's.
    want = [b'{"type":"joined","room":"Hall","members":["alice"],"re":1}',
            b'{"type":"rooms","rooms":[{"name":"Hall","members":2}],"re":2}',
            b'{"type":"who","room":"Hall","nicks":["alice","Bob"],"re":3}',
            b'{"type":"who","nicks":["alice","Bob"],"re":4}']
    got = a.reader.payloads
    assert [got[0]] + got[2:] == want, got


t.run(globals())
