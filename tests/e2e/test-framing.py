# test-framing.py: end-to-end tests of the frame layer: malformed payloads, bad lengths, split and batched frames.
# It drives the real evchatd over sockets and knows nothing of the server's code.
import struct
import time

import evchat_test as t
from evchat_test import encode, encode_payload

BAD_PAYLOADS = [
    b'{"type":',                        # truncated JSON
    b'not json',
    b'{"type":"ping"} trailing',
    b'{"type":"ping"}{"type":"ping"}',  # two objects in one frame
    b'[1,2,3]',                         # not an object
    b'"ping"',
    b'42',
    b'null',
    b'{}',                              # no type
    b'{"id":1}',
    b'{"type":5}',                      # type not a string
    b'{"type":null}',
    b'{"type":["ping"]}',
    b'{"type":"ping","x":"\xc3\x28"}',  # bad UTF-8: broken sequence
    b'{"type":"ping","x":"\xc0\xaf"}',  # overlong encoding
    b'{"type":"ping","x":"\xed\xa0\x80"}',  # UTF-16 surrogate
    b'{"type":"ping","x":"\xf4\x90\x80\x80"}',  # above U+10FFFF
    b'{"type":"ping","x":"\xff"}',
    b'\xef\xbb\xbf',                    # a lone byte order mark
    b'{"type":"ping","x":"\\ud800"}',    # a lone surrogate escape
    b'{"type":"ping","x":"\\udc00x"}',
    b'{"type":"ping","x":"a\x00b"}',     # raw control characters
    b'{"type":"ping","x":"a\x01b"}',
    b'{"type":"ping","x":"a\tb"}',
    b'{"type":"ping","x":"a\\u0000b"}',  # NUL would cut the string
    b'{"type":"ping\\u0000x"}',
    b'{"type":"ping","id":1}\x00',       # NUL after the object
]


def check_bad_payloads(c):
    for payload in BAD_PAYLOADS:
        c.send_raw(encode_payload(payload))
        try:
            c.expect_error("bad_frame")
        except AssertionError as e:
            raise AssertionError("payload %r: %s" % (payload, e))
        # The connection stays open.
        c.send({"type": "ping", "id": "alive"})
        c.expect_next("pong", re="alive")


def test_bad_payload_before_hello(srv):
    c = srv.connect()
    for payload in BAD_PAYLOADS:
        c.send_raw(encode_payload(payload))
        c.expect_error("bad_frame")
    c.hello("early")


def test_bad_payload_after_hello(srv):
    c = srv.client("late")
    check_bad_payloads(c)


def test_escapes_kept(srv):
    # Valid escapes arrive decoded; an escaped backslash before "u0000" is
    # no NUL.
    c = srv.client("esc")
    for raw, value in ((rb'\u00e9', "é"), (rb'\ud83d\ude00', "😀"),
                       (rb'\\u0000', "\\u0000"), (rb'\"\/\b\f\n\r\t',
                                                   '"/\b\f\n\r\t'),
                       (rb'\u0001\u001f\u007f', "\x01\x1f\x7f")):
        c.send_raw(encode_payload(b'{"type":"ping","id":1,"x":"%s"}' % raw))
        c.expect_next("pong", re=1, x=value)


def test_length_zero(srv):
    peer = srv.client("peer0")
    peer.join("zero")
    c = srv.client("zed")
    c.join("zero")
    peer.expect_next("presence", room="zero", nick="zed", event="join")
    c.send_raw(struct.pack(">I", 0))
    c.expect_error("bad_frame")
    c.expect_bye("bad frame")
    peer.expect_next("presence", nick="zed", event="quit", reason="bad frame")


def test_length_zero_before_hello(srv):
    c = srv.connect()
    c.send_raw(struct.pack(">I", 0) + encode({"type": "ping"}))
    c.expect_error("bad_frame")
    c.expect_bye("bad frame")


def test_too_large(srv):
    peer = srv.client("peer1")
    peer.join("big")
    c = srv.client("huge")
    c.join("big")
    peer.expect_next("presence", room="big", nick="huge", event="join")
    c.send_raw(struct.pack(">I", 262145))
    c.expect_error("frame_too_large")
    c.expect_bye("frame too large")
    peer.expect_next("presence", nick="huge", event="quit",
                     reason="frame too large")


def test_too_large_before_hello(srv):
    c = srv.connect()
    c.send_raw(struct.pack(">I", 0xffffffff))
    c.expect_error("frame_too_large")
    c.expect_bye("frame too large")


def ping_of_size(size, ident):
    """A ping payload of exactly size bytes."""
    base = b'{"type":"ping","id":%d,"pad":""}' % ident
    payload = base[:-2] + b"x" * (size - len(base)) + base[-2:]
    assert len(payload) == size
    return payload


def test_exactly_max_frame(srv):
    c = srv.client("maxi")
    payload = ping_of_size(262144, 1)
    c.send_raw(encode_payload(payload))
    f = c.expect_next("pong", re=1)
    assert f["pad"] == "x" * (262144 - len(b'{"type":"ping","id":1,"pad":""}'))
    c.request({"type": "ping"}, "pong")


@t.daemon_args("--max-frame", "1024", "--max-text", "500", "--max-media",
               "500")
def test_small_max_frame(srv):
    c = srv.connect()
    c.send({"type": "hello", "nick": "mini"})
    c.expect_next("welcome", max_frame=1024)
    c.send_raw(encode_payload(ping_of_size(1024, 2)))
    c.expect_next("pong", re=2)
    c.send_raw(encode_payload(ping_of_size(1025, 3)))
    c.expect_error("frame_too_large")
    c.expect_bye("frame too large")


def send_slowly(c, data, step=1):
    # A pause between writes is the only way to make the server see each
    # piece in a read of its own; it cannot be replaced by polling.
    for i in range(0, len(data), step):
        c.send_raw(data[i:i + step])
        time.sleep(0.001)


def test_byte_by_byte(srv):
    peer = srv.client("bbpeer")
    peer.join("bytes")
    c = srv.connect()
    data = (encode({"type": "hello", "nick": "slow", "id": 1}) +
            encode({"type": "join", "room": "bytes", "id": 2}) +
            encode({"type": "msg", "room": "bytes", "text": "héllo wörld",
                    "id": 3}))
    send_slowly(c, data)
    c.expect_next("welcome", nick="slow", re=1)
    c.expect_next("joined", room="bytes", members=["bbpeer", "slow"], re=2)
    c.expect_next("msg", room="bytes", text="héllo wörld", re=3,
                  **{"from": "slow"})
    peer.expect_next("presence", room="bytes", nick="slow", event="join")
    peer.expect_next("msg", room="bytes", text="héllo wörld",
                     **{"from": "slow"})


# Pings as the probe, more than their budget allows: limits off.
@t.daemon_args("--rate", "0")
def test_split_across_writes(srv):
    c = srv.client("splitter")
    # Every cut point of a pair of frames, two writes each.
    data = encode({"type": "ping", "id": 1}) + encode({"type": "ping",
                                                      "id": 2})
    for cut in range(1, len(data)):
        c.send_raw(data[:cut])
        time.sleep(0.001)
        c.send_raw(data[cut:])
        c.expect_next("pong", re=1)
        c.expect_next("pong", re=2)


def test_many_frames_one_write(srv):
    c = srv.connect()
    c.send_raw(encode({"type": "hello", "nick": "batch", "id": "h"}) +
               encode({"type": "join", "room": "pile", "id": "j"}) +
               encode({"type": "msg", "room": "pile", "text": "one",
                       "id": "m"}) +
               encode({"type": "rooms", "id": "r"}) +
               encode({"type": "who", "room": "pile", "id": "w"}) +
               encode({"type": "part", "room": "pile", "id": "p"}) +
               encode({"type": "quit", "reason": "done"}))
    c.expect_next("welcome", re="h")
    c.expect_next("joined", room="pile", members=["batch"], re="j")
    c.expect_next("msg", text="one", re="m")
    c.expect_next("rooms", rooms=[{"name": "pile", "members": 1}], re="r")
    c.expect_next("who", room="pile", nicks=["batch"], re="w")
    c.expect_next("parted", room="pile", re="p")
    c.expect_bye("done")


@t.daemon_args("--rate", "0")
def test_more_frames_than_one_pass(srv):
    # Far more frames than the server handles per read callback: none may
    # be lost or reordered, and the rest must not wait for more input.
    c = srv.client("flood")
    n = 1000
    c.send_raw(b"".join(encode({"type": "ping", "id": i}) for i in range(n)))
    for i in range(n):
        c.expect_next("pong", re=i)
    c.expect_quiet()


def test_flooder_does_not_starve_others(srv):
    # One client writes pings as fast as the socket takes them and never
    # reads; another must still get prompt answers.
    flood = srv.client("flooder")
    calm = srv.client("calm")
    chunk = b"".join(encode({"type": "ping", "n": i}) for i in range(2000))
    flood.sock.setblocking(False)
    worst = 0
    flooding = True
    for i in range(30):
        try:
            while flooding:
                flood.sock.send(chunk)
        except BlockingIOError:
            pass
        except OSError:
            flooding = False    # dropped by a send queue limit: fine
        t0 = time.monotonic()
        calm.request({"type": "ping", "i": i}, "pong", i=i)
        worst = max(worst, time.monotonic() - t0)
    assert worst < 1.0, "a round trip took %.2f s beside a flood" % worst


def test_bad_frame_among_good(srv):
    c = srv.client("mixed")
    c.send_raw(encode({"type": "ping", "id": 1}) +
               encode_payload(b"{oops") +
               encode({"type": "ping", "id": 2}))
    c.expect_next("pong", re=1)
    c.expect_error("bad_frame")
    c.expect_next("pong", re=2)


def test_garbage_after_fatal_frame_ignored(srv):
    # After a framing error the server sends error and bye, then closes;
    # what follows in the same write is not answered.
    c = srv.client("fatal")
    c.send_raw(encode({"type": "ping", "id": 1}) + struct.pack(">I", 0) +
               encode({"type": "ping", "id": 2}))
    c.expect_next("pong", re=1)
    c.expect_error("bad_frame")
    c.expect_bye("bad frame")


def raw_payloads(c, n):
    """The next n frames' payloads as bytes, not parsed."""
    out = []
    deadline = time.monotonic() + t.TIMEOUT
    while len(out) < n:
        buf = c.reader.buf
        if len(buf) >= 4:
            (length,) = struct.unpack(">I", buf[:4])
            if len(buf) >= 4 + length:
                out.append(bytes(buf[4:4 + length]))
                del buf[:4 + length]
                continue
        assert c._fill(deadline), "no frame: %r" % bytes(buf)
    return out


# Ids and ping members come back as the client wrote them: a number is
# not turned into a double (9007199254740993 is not a double, 1e999 is
# infinite), and a ping's own "re" cannot forge the pong's.
def test_numbers_unchanged(srv):
    c = srv.client("num")
    c.send_raw(t.encode_payload(
        b'{"type":"ping","id":9007199254740993,"n":1e999,'
        b'"x":123456789012345678901234567890,"a":[1.50, -0.0],'
        b'"re":"forged"}'))
    c.send_raw(t.encode_payload(b'{"type":"rooms","id":1E+2}'))
    c.send_raw(t.encode_payload(b'{"type":"nope","id":-0.000001}'))
    pong, rooms, error = raw_payloads(c, 3)
    assert pong == (b'{"type":"pong","n":1e999,'
                    b'"x":123456789012345678901234567890,'
                    b'"a":[1.50, -0.0],"re":9007199254740993}'), pong
    assert rooms.endswith(b',"re":1E+2}'), rooms
    assert error.endswith(b',"re":-0.000001}'), error
    # A number JSON does not allow is refused, so an echo is always JSON.
    c.send_raw(t.encode_payload(b'{"type":"ping","id":01}'))
    c.expect_error("bad_frame")


# Requests that arrived whole before the client reset the connection are
# its last words: all are handled, even past one pass's budget.
@t.daemon_args("--rate", "0")
def test_frames_before_reset_handled(srv):
    a, b = srv.pair("last")
    # About 45 KB: within what loopback takes at once, so every byte has
    # reached the server before the reset (a reset discards what the
    # sender had not yet sent), and four times one pass's 256 frames.
    n = 1000
    a.send_raw(b"".join(t.encode({"type": "msg", "room": "last",
                                  "text": "m%d" % i}) for i in range(n)))
    a.reset()
    for i in range(n):
        b.expect_next("msg", text="m%d" % i)
    b.expect_next("presence", nick="alice", event="quit")


t.run(globals())
