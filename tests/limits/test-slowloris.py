# test-slowloris.py: end-to-end tests of the partial-frame and registration timeouts: connections that stall
# inside a frame or trickle bytes are closed on time, while a slow but whole-frame client stays.
import time

import evchat_test as t

HEARTBEAT = 1
TIMEOUT = 2
REGISTER = 2
PERIOD = 0.5            # seconds between two bytes of a trickle
SLACK = 1.5             # a loaded machine may be late by this much


class Slow:
    """A connection fed one chunk every PERIOD; records what it gets."""

    def __init__(self, client, chunks):
        self.client = client
        self.chunks = list(chunks)
        self.frames = []
        self.start = None
        self.bye_at = None

    def tick(self, now):
        if not self.chunks or self.client.eof:
            return
        chunk = self.chunks.pop(0)
        try:
            self.client.send_raw(chunk)
        except OSError:
            # Closed under us: what it sent before is still to read.
            self.chunks = []
            return
        if self.start is None:
            self.start = now

    @property
    def elapsed(self):
        return self.bye_at - self.start


def feed(slows, closing, seconds):
    """Tick every connection each PERIOD and gather their frames, until
    those of closing have had bye or seconds pass."""
    t0 = time.monotonic()
    tick = t0
    while True:
        now = time.monotonic()
        if all(s.bye_at is not None for s in closing) or \
                now > t0 + seconds:
            return
        if now >= tick:
            for s in slows:
                s.tick(now)
            tick += PERIOD
        c, f = t.wait_any([s.client for s in slows if s.bye_at is None],
                          max(0, min(tick, t0 + seconds) - now))
        if c is None:
            continue
        s = next(s for s in slows if s.client is c)
        s.frames.append(f)
        if f["type"] == "bye":
            s.bye_at = time.monotonic()


def closed_with(s, reason, low, high, before=()):
    """s had frames of the types in before (presence aside), then bye
    reason within [low, high] seconds of its first byte, then EOF."""
    assert s.bye_at is not None, "%s: no bye; frames %s" % (s.client,
                                                             s.frames)
    types = [f["type"] for f in s.frames if f["type"] != "presence"]
    assert types == list(before) + ["bye"], "%s: %s" % (s.client, s.frames)
    assert s.frames[-1] == {"type": "bye", "reason": reason}, s.frames[-1]
    assert low <= s.elapsed <= high, "%s: closed after %.2f s, want " \
        "%.1f to %.1f" % (s.client, s.elapsed, low, high)
    s.client.expect_closed()
    print("slowloris: %s closed after %.2f s (%s)" % (s.client, s.elapsed,
                                                      reason))


@t.daemon_args("--heartbeat", str(HEARTBEAT), "--timeout", str(TIMEOUT))
def test_partial_frame_timeout(srv):
    stalled = Slow(srv.client("stalled"), [b"\0\0\0"])
    frame = t.encode({"type": "ping", "id": "slowly"})
    trickle = Slow(srv.client("trickle"),
                   [frame[i:i + 1] for i in range(len(frame))])
    # Whole frames, slowly: this one is alive and stays.
    pinger = Slow(srv.client("pinger"),
                  [t.encode({"type": "ping", "id": i}) for i in range(20)])
    for s in (stalled, trickle, pinger):
        s.client.join("room")
    for s in (stalled, trickle, pinger):
        s.client.drain()
        s.client.queue = []
    feed([stalled, trickle, pinger], [stalled, trickle],
         TIMEOUT + PERIOD + SLACK)
    # Silent for the heartbeat, it is pinged; silent for the timeout, it
    # goes, with the reason naming the half frame.
    closed_with(stalled, "partial frame timeout", TIMEOUT - 0.2,
                TIMEOUT + SLACK, before=["ping"])
    # Never silent, it is timed from its first byte.
    closed_with(trickle, "partial frame timeout", TIMEOUT,
                TIMEOUT + PERIOD + SLACK)
    assert pinger.bye_at is None and not pinger.client.eof, pinger.frames
    pinger.frames += pinger.client.drain()
    events = [(f["nick"], f["event"], f["reason"])
              for f in pinger.frames if f["type"] == "presence"]
    assert sorted(events) == [("stalled", "quit", "partial frame timeout"),
                              ("trickle", "quit", "partial frame timeout")
                              ], events
    pongs = [f["re"] for f in pinger.frames if f["type"] == "pong"]
    assert pongs == list(range(len(pongs))) and len(pongs) >= 3, \
        pinger.frames
    pinger.client.request({"type": "who", "room": "room"}, "who",
                          nicks=["pinger"])


@t.daemon_args("--heartbeat", str(HEARTBEAT), "--timeout", "5",
               "--register-timeout", str(REGISTER))
def test_registration_timeout(srv):
    stalled = Slow(srv.connect(name="stalled"), [b"\0\0\0"])
    frame = t.encode({"type": "hello", "nick": "late"})
    trickle = Slow(srv.connect(name="trickle"),
                   [frame[i:i + 1] for i in range(len(frame))])
    pinger = Slow(srv.connect(name="pinger"),
                  [t.encode({"type": "ping", "id": i}) for i in range(20)])
    feed([stalled, trickle, pinger], [stalled, trickle, pinger],
         REGISTER + PERIOD + SLACK)
    closed_with(stalled, "registration timeout", REGISTER - 0.2,
                REGISTER + SLACK)
    closed_with(trickle, "registration timeout", REGISTER - 0.2,
                REGISTER + PERIOD + SLACK)
    # Whole frames before hello do not hold the connection either.
    n = len(pinger.frames) - 1
    closed_with(pinger, "registration timeout", REGISTER - 0.2,
                REGISTER + PERIOD + SLACK, before=["error"] * n)
    assert n >= 3 and all(f["code"] == "not_registered"
                          for f in pinger.frames[:n]), pinger.frames
    srv.wait_log(r"closing: registration timeout", count=3)


# The partial-frame timeout holds for any frame, hello's included: three
# bytes of a header before hello are closed by it, not left to a later (or
# switched off) registration deadline.
@t.daemon_args("--heartbeat", str(HEARTBEAT), "--timeout", str(TIMEOUT),
               "--register-timeout", "0")
def test_partial_frame_before_hello(srv):
    stalled = Slow(srv.connect(name="stalled"), [b"\0\0\0"])
    idle = srv.connect(name="idle")
    feed([stalled], [stalled], TIMEOUT + SLACK + 1)
    closed_with(stalled, "partial frame timeout", TIMEOUT - 0.2,
                TIMEOUT + SLACK)
    # No frame begun and no registration deadline: nothing to time.
    assert idle.poll(0.3) is None and not idle.eof


@t.daemon_args("--heartbeat", str(HEARTBEAT), "--timeout", str(TIMEOUT),
               "--register-timeout", "60")
def test_partial_frame_before_registration_deadline(srv):
    stalled = Slow(srv.connect(name="stalled"), [b"\0\0\0"])
    feed([stalled], [stalled], TIMEOUT + SLACK + 1)
    closed_with(stalled, "partial frame timeout", TIMEOUT - 0.2,
                TIMEOUT + SLACK)


t.run(globals())
