# test-flood.py: end-to-end tests of flood control: the token bucket (rate, burst), rate_limited, the flood
# kick, pings exempt, and every limit switched off with 0.  It drives the real evchatd over sockets.
import re
import time

import evchat_test as t

RATE = 1
BURST = 10
KICK = 15
FLOOD = ("--rate", str(RATE), "--burst", str(BURST), "--flood-kick",
         str(KICK))


def burst(c, n, room="flood", tag="m", **extra):
    """Send n msgs in one write, texts tag0, tag1, ..."""
    c.send_raw(b"".join(t.encode(dict(type="msg", room=room,
                                      text="%s%d" % (tag, i), **extra))
                        for i in range(n)))


def is_rate_limited(f):
    return not t.match(f, {"type": "error", "code": "rate_limited",
                           "message": lambda m: isinstance(m, str)})


@t.daemon_args(*FLOOD)
def test_flood(srv):
    t0 = time.monotonic()
    a, b = srv.pair("flood")
    burst(a, 3 * KICK)
    frames = []
    while True:
        f = a.recv()
        frames.append(f)
        if f["type"] == "bye":
            break
        assert f["type"] == "msg" or is_rate_limited(f), f
    elapsed = time.monotonic() - t0
    assert frames[-1] == {"type": "bye", "reason": "flood"}, frames[-1]
    a.expect_closed()
    echoed = [f["text"] for f in frames if f["type"] == "msg"]
    refused = [f for f in frames if f["type"] == "error"]
    print("flood: %d delivered, %d refused, then bye (%.2f s)" % (
        len(echoed), len(refused), elapsed))
    # hello and join took two tokens; the bucket refills RATE a second.
    assert BURST - 2 <= len(echoed) <= BURST + RATE * elapsed, echoed
    assert echoed[:BURST - 2] == ["m%d" % i for i in range(BURST - 2)], \
        echoed
    # The KICK-th refusal within 10 s is answered with bye alone.
    assert len(refused) == KICK - 1, len(refused)
    # The peer gets what the flooder had echoed, and nothing refused.
    got = []
    while True:
        f = b.recv()
        if f["type"] == "presence":
            break
        assert f["type"] == "msg" and f["from"] == "alice", f
        got.append(f["text"])
    assert got == echoed, (got, echoed)
    assert not t.match(f, {"type": "presence", "nick": "alice",
                           "event": "quit", "reason": "flood"},
                       exact=True), f
    b.expect_quiet()
    srv.wait_log(r"\(alice\) closing: flood")


@t.daemon_args(*FLOOD)
def test_rate_limited_then_recovers(srv):
    a, b = srv.pair("flood")
    burst(a, BURST + 2)
    frames = [a.recv() for _ in range(BURST + 2)]
    refused = [f for f in frames if f["type"] != "msg"]
    assert refused and all(is_rate_limited(f) for f in refused), frames
    echoed = [f["text"] for f in frames if f["type"] == "msg"]
    # Under the kick, a client that slows down is served again once
    # the bucket refills.
    deadline = time.monotonic() + 2.0 / RATE + srv.timeout
    while True:
        a.send({"type": "msg", "room": "flood", "text": "later"})
        f = a.recv()
        if f["type"] == "msg":
            break
        assert is_rate_limited(f), f
        refused.append(f)
        assert len(refused) < KICK - 1, "kicked on the way"
        assert time.monotonic() < deadline, "no token within 2 periods"
        assert a.poll(0.5 / RATE) is None
    assert f["text"] == "later", f
    assert [g["text"] for g in (b.recv() for _ in echoed)] == echoed
    b.expect_next("msg", text="later")
    for c in (a, b):
        c.expect_quiet()


@t.daemon_args(*FLOOD)
def test_rate_limited_carries_re(srv):
    # The error answers the request, so it carries its id like any other
    # (evchat-protocol(7), Request identifiers).
    a, b = srv.pair("flood")
    burst(a, BURST + 2, id="x")
    frames = [a.recv() for _ in range(BURST + 2)]
    refused = [f for f in frames if f["type"] != "msg"]
    assert refused, frames
    for f in frames:
        assert f.get("re") == "x", "no re=\"x\" in %s" % f


# Pings have a budget of their own (50 at once, 10 a second: see
# evchat-protocol(7)) and pongs none: pings within it are all answered on a
# server whose message rate is tiny, and they take no tokens from the
# messages that follow.
@t.daemon_args("--rate", "1", "--burst", "2", "--flood-kick", "10")
def test_pings_not_counted(srv):
    t0 = time.monotonic()
    a = srv.client("alice")
    n = 40  # of 50: the harness syncs with pings too
    a.send_raw(b"".join(t.encode({"type": "ping", "id": i})
                        for i in range(n)))
    for i in range(n):
        a.expect_next("pong", re=i)
    a.send_raw(b"".join(t.encode({"type": "pong", "ts": i})
                        for i in range(300)))
    a.expect_quiet()
    # hello took one token of two: the next frame is served, and the
    # bucket, refilled at one a second, runs dry soon after.
    a.send_raw(t.encode({"type": "rooms"}) * 5)
    replies = [a.recv()["type"] for _ in range(5)]
    elapsed = time.monotonic() - t0
    assert replies[0] == "rooms", replies
    if elapsed < 4:
        assert "error" in replies, replies
    a.expect_quiet()


# A ping flood beyond its budget is refused like any other flood, and
# kicked: a pong echoes its ping, so unlimited pings would let one client
# keep the loop busy for everyone.
@t.daemon_args("--flood-kick", "20")
def test_ping_flood_kicked(srv):
    a = srv.client("pinger")
    b = srv.client("bystander")
    a.send_raw(b"".join(t.encode({"type": "ping", "id": i, "pad": [[1] * 50]})
                        for i in range(200)))
    pongs = refused = 0
    while True:
        f = a.recv()
        if f["type"] == "bye":
            assert f["reason"] == "flood", f
            break
        if f["type"] == "pong":
            pongs += 1
        else:
            assert f["type"] == "error" and f["code"] == "rate_limited", f
            refused += 1
    assert 50 <= pongs < 200 and refused == 19, (pongs, refused)
    b.request({"type": "ping"}, "pong")


@t.daemon_args("--rate", "0")
def test_rate_off(srv):
    srv.wait_log(r"limit rate is off")
    a, b = srv.pair("flood")
    n = 1000
    burst(a, n)
    for c in (a, b):
        for i in range(n):
            c.expect_next("msg", text="m%d" % i)
        c.expect_quiet()


@t.daemon_args("--rate", "1", "--burst", "2", "--flood-kick", "0")
def test_flood_kick_off(srv):
    t0 = time.monotonic()
    srv.wait_log(r"limit flood-kick is off")
    a = srv.client("alice")
    a.join("flood")
    n = 300             # refusals past the default kick, 180
    burst(a, n)
    frames = [a.recv() for _ in range(n)]
    served = sum(not is_rate_limited(f) for f in frames)
    assert served <= time.monotonic() - t0 + 1, frames
    a.expect_quiet()


OFF = ("max-clients", "max-clients-per-ip", "max-rooms-per-client",
       "max-members-per-room", "rate", "burst", "flood-kick",
       "register-timeout", "max-sendq")


@t.daemon_args(*[a for k in OFF for a in ("--" + k, "0")],
               "--limit-exempt", "none")
def test_all_off(srv):
    srv.wait_log(r"ready")
    off = sorted(re.findall(r"limit (\S+) is off", srv.stderr))
    assert off == sorted(OFF), off
    # Beyond the defaults: 32 rooms a client, 50 clients an address.
    a = srv.client("alice")
    for i in range(40):
        a.join("room%d" % i)
    more = [srv.client("c%d" % i) for i in range(60)]
    more[-1].join("room0")
    a.expect_next("presence", nick="c59", event="join")


def test_defaults_on(srv):
    srv.wait_log(r"ready")
    assert " is off" not in srv.stderr, srv.stderr


t.run(globals())
