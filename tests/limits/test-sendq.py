# test-sendq.py: end-to-end tests of max-sendq: a client that stops reading while 100 others chat is dropped
# alone, and a busy room under the default limits drops nobody.  It drives the real evchatd over sockets.
import base64
import time

import evchat_test as t

N = 100                 # chatting clients
HANDFUL = 5             # messages each sends at once, within the rate
SENDQ = 64 * 1024
ROOM = "chat"


def text(nick, k, size):
    head = "%s says %d " % (nick, k)
    return head + "x" * (size - len(head))


def msgs(c):
    return [f for f in c.queue if f["type"] == "msg"]


def crowd(srv, first=()):
    """N registered clients in ROOM after the clients of first; join
    presence already read."""
    peers = [srv.client("peer%03d" % i) for i in range(N)]
    for i, p in enumerate(peers):
        p.join(ROOM, members=lambda m, i=i: len(m) == len(first) + i + 1)
    for p in peers:
        rest = [f for f in p.drain()
                if f["type"] != "presence" or f["event"] != "join"]
        assert not rest, (p, rest)
        p.queue = []
    return peers


def chat(srv, peers, size):
    """Every peer sends HANDFUL messages of size bytes at once; returns
    once each has received all N * HANDFUL."""
    for p in peers:
        p.send_raw(b"".join(t.encode({"type": "msg", "room": ROOM,
                                      "text": text(p.nick, k, size)})
                            for k in range(HANDFUL)))
    t.gather(peers, lambda c: len(msgs(c)) >= N * HANDFUL, 6 * srv.timeout,
             "%d messages" % (N * HANDFUL))


def check_stream(peers, size):
    """Every peer got every message exactly once, each sender's in the
    order sent, all in the same order; returns that stream."""
    reference = msgs(peers[0])
    ids = [f["msgid"] for f in reference]
    assert ids == sorted(set(ids)), "%s: msgids out of order" % peers[0]
    for p in peers:
        got = msgs(p)
        assert len(got) == N * HANDFUL, "%s got %d messages" % (p,
                                                                len(got))
        assert [f["msgid"] for f in got] == ids, \
            "%s saw another stream than %s" % (p, peers[0])
        seen = {}
        for f in got:
            assert f["room"] == ROOM and "re" not in f, f
            k = seen.get(f["from"], 0)
            assert f["text"] == text(f["from"], k, size), \
                "%s: from %s, want message %d, got %r" % (
                    p, f["from"], k, f["text"][:30])
            seen[f["from"]] = k + 1
        assert seen == {q.nick: HANDFUL for q in peers}, p
    return reference


# A msg frame of 450 bytes of text is about 545 bytes: the N * HANDFUL
# messages are some 270 KiB for the reader that stalls, four times SENDQ.
@t.daemon_args("--max-sendq", str(SENDQ), "--max-frame", "32K",
               "--max-media", "8K")
def test_slow_reader(srv):
    # Small receive buffer and segments: the kernel buffers tens of KiB
    # for it, as across a real network, not the megabytes of loopback.
    slow = srv.client("slow", rcvbuf=4096, mss=1200)
    slow.join(ROOM)
    peers = crowd(srv, [slow])
    t0 = time.monotonic()
    chat(srv, peers, 450)
    t.gather(peers, lambda c: len(c.queue) > N * HANDFUL, srv.timeout,
             "presence quit of slow")
    print("sendq: %d clients x %d messages in %.2f s" % (
        N, HANDFUL, time.monotonic() - t0))
    reference = check_stream(peers, 450)
    drop = None
    for p in peers:
        quits = [(i, f) for i, f in enumerate(p.queue) if f["type"] != "msg"]
        assert len(quits) == 1 and not t.match(
            quits[0][1], {"type": "presence", "nick": "slow",
                          "event": "quit", "reason": "send queue exceeded"},
            exact=True), "%s: %s" % (p, [f for i, f in quits])
        assert drop in (None, quits[0][0]), "%s: quit at another place" % p
        drop = quits[0][0]
        p.queue = []
    check_slow(srv, slow, reference, drop)
    peers[0].request({"type": "who", "room": ROOM}, "who",
                     nicks=lambda n: sorted(n) == [p.nick for p in peers])
    for p in peers:
        p.expect_quiet()


def check_slow(srv, slow, reference, drop):
    """What slow reads now is the start of the stream, without gaps, up
    to where the others saw it quit, then perhaps its bye, then EOF."""
    assert slow.closed(2 * srv.timeout), "slow was not disconnected"
    got = [f["msgid"] for f in slow.queue if f["type"] == "msg"]
    want = [f["msgid"] for f in reference[:len(got)]]
    assert got == want, "slow read msgids %s..., want %s..." % (got[:5],
                                                                 want[:5])
    rest = [f for f in slow.queue if f["type"] not in ("msg", "presence")]
    assert rest in ([], [{"type": "bye", "reason": "send queue exceeded"}]), \
        rest
    queued = sum(len(t.encode(f)) for f in reference[:len(got)])
    print("sendq: slow read %d of %d messages (%d bytes) before the drop, "
          "bye %s; the others saw it quit after message %d" % (
              len(got), len(reference), queued,
              "read" if rest else "not read", drop))
    # Dropped at the limit, not before: the frame that would have passed
    # it is the first slow never got, and its peers saw the quit after.
    assert queued > SENDQ, "dropped with %d bytes queued" % queued
    assert drop > len(got), "quit at %d, slow had %d" % (drop, len(got))
    srv.wait_log(r"\(slow\) closing: send queue exceeded")
    assert srv.stderr.count("send queue exceeded") == 1, srv.stderr


# The default limits (max-sendq 1 MiB, rate 20/s, burst 60): every client of
# a busy room reads as fast as the server writes, so none is dropped, even
# when one pass of the server fans out far more than max-sendq in all.
def test_busy_room_defaults(srv):
    peers = crowd(srv)
    t0 = time.monotonic()
    chat(srv, peers, 4000)
    print("sendq: busy room of %d, %d messages of 4000 bytes each, in "
          "%.2f s" % (N, HANDFUL, time.monotonic() - t0))
    check_stream(peers, 4000)
    for p in peers:
        p.queue = []
        p.expect_quiet()
    assert "send queue exceeded" not in srv.stderr, srv.stderr


t.raise_fd_limit(2 * N + 64)
# A frame larger than max-sendq is still sent when nothing else waits for
# that client: the limit is on a reader falling behind, not on frame size.
@t.daemon_args("--max-sendq", "65536")
def test_frame_larger_than_sendq(srv):
    a, b = srv.pair("big")
    data = base64.b64encode(b"x" * 150000).decode()
    a.send({"type": "msg", "room": "big", "kind": "file",
            "mime": "application/octet-stream", "name": "big.bin",
            "data": data, "id": 1})
    a.expect_next("msg", re=1)
    f = b.expect_next("msg", name="big.bin")
    assert f["data"] == data
    b.request({"type": "ping"}, "pong")


t.run(globals())
