# test-fanout.py: end-to-end test of one busy room: 300 clients each send one message and all receive all 300.
# It drives the real evchatd over sockets and knows nothing of the server's code.
import selectors
import socket
import time

import evchat_test as t
from evchat_test import FrameReader, encode

N = 300


class Peer:
    def __init__(self, port, i):
        self.nick = "user%03d" % i
        self.sock = socket.create_connection(("127.0.0.1", port), t.TIMEOUT)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = FrameReader()
        self.frames = []
        self.eof = False


def pump(sel, peers, done, timeout, what):
    """Read from every socket until done(peer) holds for all of them."""
    deadline = time.monotonic() + timeout
    waiting = {p for p in peers if not done(p)}
    while waiting:
        left = deadline - time.monotonic()
        if left <= 0:
            sample = sorted(waiting, key=lambda p: p.nick)[0]
            raise AssertionError(
                "%d of %d clients still waiting for %s after %.0f s; "
                "%s has %d frames, last: %s" % (
                    len(waiting), len(peers), what, timeout, sample.nick,
                    len(sample.frames), sample.frames[-3:]))
        for key, _ in sel.select(left):
            p = key.data
            data = p.sock.recv(1 << 20)
            if not data:
                raise AssertionError("%s: server closed the connection; "
                                     "last frames %s" % (p.nick,
                                                         p.frames[-3:]))
            p.reader.feed(data)
            while True:
                f = p.reader.pop()
                if f is None:
                    break
                p.frames.append(f)
            if done(p):
                waiting.discard(p)


def test_fanout(srv):
    timeout = 4 * srv.timeout
    peers = [Peer(srv.port, i) for i in range(N)]
    sel = selectors.DefaultSelector()
    for p in peers:
        sel.register(p.sock, selectors.EVENT_READ, p)
    try:
        run_fanout(srv, sel, peers, timeout)
    finally:
        sel.close()
        for p in peers:
            p.sock.close()


def run_fanout(srv, sel, peers, timeout):
    t0 = time.monotonic()
    for p in peers:
        p.sock.sendall(encode({"type": "hello", "nick": p.nick}) +
                       encode({"type": "join", "room": "crowd", "id": 1}))

    def joined(p):
        return any(f["type"] == "joined" for f in p.frames)
    pump(sel, peers, joined, timeout, "welcome and joined")
    for p in peers:
        assert p.frames[0]["type"] == "welcome", (p.nick, p.frames[0])
        assert p.frames[1]["type"] == "joined", (p.nick, p.frames[1])
        assert p.nick in p.frames[1]["members"], (p.nick, p.frames[1])
    # Everyone joined (each joiner saw itself in members, which the server
    # built after adding it), so every message now reaches all N.
    t1 = time.monotonic()
    for p in peers:
        p.sock.sendall(encode({"type": "msg", "room": "crowd",
                               "text": "hi from %s" % p.nick,
                               "id": "m"}))

    def got_all(p):
        return sum(1 for f in p.frames if f["type"] == "msg") >= N
    pump(sel, peers, got_all, timeout, "%d messages" % N)
    t2 = time.monotonic()

    senders = {p.nick for p in peers}
    reference = None
    for p in peers:
        msgs = [f for f in p.frames if f["type"] == "msg"]
        assert len(msgs) == N, "%s got %d messages" % (p.nick, len(msgs))
        assert {f["from"] for f in msgs} == senders, p.nick
        ids = [f["msgid"] for f in msgs]
        assert ids == sorted(ids) and len(set(ids)) == N, \
            "%s: msgids not unique and increasing" % p.nick
        for f in msgs:
            assert f["text"] == "hi from %s" % f["from"], f
            assert f["room"] == "crowd", f
            assert ("re" in f) == (f["from"] == p.nick), \
                "%s: re on %s" % (p.nick, f)
        if reference is None:
            reference = set(ids)
        assert set(ids) == reference, "%s saw other msgids" % p.nick
        bad = [f for f in p.frames
               if f["type"] not in ("welcome", "joined", "presence", "msg")]
        assert not bad, "%s: unexpected %s" % (p.nick, bad[:3])
        joins = [f for f in p.frames if f["type"] == "presence"]
        assert all(f["event"] == "join" for f in joins), p.nick
        # Those there before it in members, those after it as presence.
        assert len(p.frames[1]["members"]) + len(joins) == N, \
            "%s: %d members + %d joins" % (p.nick,
                                           len(p.frames[1]["members"]),
                                           len(joins))
    print("fanout: %d clients joined in %.2f s; %d deliveries in %.2f s "
          "(%.0f msg/s)" % (N, t1 - t0, N * N, t2 - t1,
                            N * N / max(t2 - t1, 1e-6)))


t.raise_fd_limit(2 * N + 64)
t.run(globals())
