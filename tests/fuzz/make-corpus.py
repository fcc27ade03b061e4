#!/usr/bin/env python3
# make-corpus.py: writes the seed corpora of the fuzz targets (valid and malformed frames and lines) into
# tests/fuzz/corpus-*; it knows the wire format and the fuzz input layouts only.
"""Regenerate the seed corpora of tests/fuzz (Python 3 standard library only).

    python3 tests/fuzz/make-corpus.py [FUZZDIR]

Each seed is written under a fixed descriptive name, so running it again
rewrites the same files; other files in the corpus directories (the inputs
of crashes found by fuzzing, kept as regression tests) are left alone.

fuzz-frame input: one byte that picks max_frame (top two bits: 16, 256,
1024 or 4096 bytes) and how the stream is cut into pieces, then the stream.

fuzz-web input: as fuzz-server's, on web connections: F is a masked
WebSocket text frame, and the seeds' first R records a handshake to /ws.

fuzz-irc input: as fuzz-server's, on IRC connections: F is a line (CR LF
added after the body).

fuzz-server input: records separated by the bytes 0xff 0x0a; a record is an
operation letter, a client digit (0-2) and a body: F (a frame of the body),
R (the body's bytes as they are), L (run the loop once), E (end of file),
T (the client's read timeout fires: registration, heartbeat, linger).
"""

import base64
import json
import os
import struct
import sys

MAX_SEED = 8192
SEP = b"\xff\n"

MAX_16, MAX_256, MAX_1024, MAX_4096 = 0x00, 0x40, 0x80, 0xc0


def payload(obj):
    return json.dumps(obj, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def frame(data):
    """A frame of raw payload bytes, or of an object serialized."""
    if not isinstance(data, bytes):
        data = payload(data)
    return struct.pack(">I", len(data)) + data


def hello(nick, **kw):
    return dict(dict(type="hello", nick=nick, version=1), **kw)


def b64(n):
    return base64.b64encode(bytes(range(256)) * (n // 256) +
                            bytes(range(n % 256))).decode()


AUDIO = {"type": "msg", "room": "lobby", "kind": "audio", "mime": "audio/ogg",
         "name": "voice.ogg", "data": b64(300)}
FILE = {"type": "msg", "to": "bob", "kind": "file",
        "mime": "application/octet-stream", "name": "notes.txt",
        "data": b64(100)}
STICKER = {"type": "msg", "room": "lobby", "kind": "sticker",
           "sticker": "thumbs_up"}


def frame_seeds():
    """name -> fuzz-frame input."""
    s = {}
    one = lambda seed, *frames: bytes([seed]) + b"".join(frames)
    s["hello"] = one(MAX_256, frame(hello("alice")))
    s["hello-split"] = one(MAX_256 | 0x01, frame(hello("bob", presence=True)))
    s["join"] = one(MAX_1024, frame({"type": "join", "room": "lobby", "id": 1}))
    s["msg-text"] = one(MAX_1024 | 0x13,
                        frame({"type": "msg", "room": "lobby",
                               "text": "h\u00e9llo \u2603 \U0001f600"}))
    s["msg-private"] = one(MAX_1024, frame({"type": "msg", "to": "Bob",
                                            "text": "psst", "id": "a"}))
    s["msg-sticker"] = one(MAX_256 | 0x05, frame(STICKER))
    s["msg-audio"] = one(MAX_4096 | 0x21, frame(AUDIO))
    s["msg-file"] = one(MAX_4096 | 0x02, frame(FILE))
    s["part"] = one(MAX_256, frame({"type": "part", "room": "lobby",
                                     "reason": "bye all"}))
    s["rooms-who-ping"] = one(MAX_256 | 0x07,
                              frame({"type": "rooms"}),
                              frame({"type": "who", "room": "lobby"}),
                              frame({"type": "who"}),
                              frame({"type": "ping", "t": 12.5, "x": [1]}),
                              frame({"type": "pong"}))
    s["quit"] = one(MAX_256, frame({"type": "quit", "reason": "done"}))
    s["session"] = one(MAX_1024 | 0x2a, *[frame(o) for o in (
        hello("carol"), {"type": "join", "room": "#a"},
        {"type": "msg", "room": "#a", "text": "x" * 200},
        {"type": "part", "room": "#a"}, {"type": "quit"})])
    s["many-small"] = one(MAX_16 | 0x00, *[frame({"type": "x"})] * 40)
    s["zero-length"] = one(MAX_256, frame({"type": "ping"}),
                           b"\x00\x00\x00\x00", frame({"type": "ping"}))
    s["too-large"] = one(MAX_16, frame({"type": "ping", "x": 12345}))
    s["too-large-header"] = one(MAX_4096, b"\xff\xff\xff\xff" + b"{}" * 8)
    s["header-only"] = one(MAX_256, b"\x00\x00\x00\x10")
    s["partial-header"] = one(MAX_256, b"\x00\x00")
    s["truncated"] = one(MAX_256 | 0x11, frame(hello("dave"))[:-3])
    s["bad-utf8"] = one(MAX_256, frame(b'{"type":"msg","text":"\xc3\x28"}'))
    s["overlong-utf8"] = one(MAX_256, frame(b'{"type":"\xc0\xaf"}'))
    s["surrogate-utf8"] = one(MAX_256, frame(b'{"type":"\xed\xa0\x80"}'))
    s["surrogate-escape"] = one(MAX_256,
                                frame(b'{"type":"\\ud800","x":"\\udc00"}'),
                                frame(b'{"type":"\\ud83d\\ude00"}'))
    s["nul-escape"] = one(MAX_256, frame(b'{"type":"a\\u0000b"}'))
    s["nul-raw"] = one(MAX_256, frame(b'{"type":"ping"}\x00'),
                       frame(b'{"type":"p\x00"}'))
    s["control-raw"] = one(MAX_256, frame(b'{\x01"type":"x"}'),
                           frame(b'{"type":"a\tb"}'),
                           frame(b'{"type":"x",\x0b"a":1}'),
                           frame(b'{"type":"\\u0001\\"\\\\"}'))
    s["not-json"] = one(MAX_256, frame(b"hello"), frame(b"{"),
                        frame(b'{"type":}'))
    s["not-object"] = one(MAX_256, frame(b"[1,2]"), frame(b'"s"'),
                          frame(b"42"), frame(b"null"))
    s["no-type"] = one(MAX_256, frame(b"{}"), frame(b'{"type":1}'),
                       frame(b'{"Type":"x"}'), frame(b'{"type":null}'))
    s["trailing"] = one(MAX_256, frame(b'{"type":"ping"} \r\n\t'),
                        frame(b'{"type":"ping"}{}'),
                        frame(b'{"type":"ping"} x'))
    s["duplicate-type"] = one(MAX_256,
                              frame(b'{"type":"a","type":"b","type":3}'))
    s["numbers"] = one(MAX_256, frame(b'{"type":"n","a":1e400,"b":-0,'
                                      b'"c":1.5e-320,"d":123456789012345678901}'))
    s["deep"] = one(MAX_4096, frame(b'{"type":"d","x":' + b"[" * 1100 +
                                    b"]" * 1100 + b"}"))
    s["whitespace"] = one(MAX_256, frame(b' \n{ "type" : "ping" }\n'))
    s["escapes"] = one(MAX_256, frame(b'{"type":"\\"\\\\\\/\\b\\f\\n\\r\\t'
                                      b'\\u00e9\\u2603"}'))
    s["empty-input"] = b""
    s["seed-only"] = bytes([0xff])
    return s


def rec(op, client=0, body=b""):
    if not isinstance(body, bytes):
        body = payload(body)
    return op.encode() + str(client).encode() + body


def F(client, obj):
    return rec("F", client, obj)


def server(*records):
    for r in records:
        assert SEP not in r, "a record holds the separator: %r" % r[:40]
    return SEP.join(records)


def server_seeds():
    """name -> fuzz-server input."""
    s = {}
    s["hello"] = server(F(0, hello("alice")))
    s["hello-all"] = server(F(0, hello("alice")), F(1, hello("bob")),
                            F(2, hello("carol", presence=True)))
    s["join-msg-part-quit"] = server(
        F(0, hello("alice")), F(1, hello("bob")),
        F(0, {"type": "join", "room": "lobby", "id": 1}),
        F(1, {"type": "join", "room": "LOBBY", "id": 2}),
        F(0, {"type": "msg", "room": "lobby", "text": "hi", "id": 3}),
        F(1, {"type": "msg", "room": "Lobby", "text": "hello"}),
        F(1, {"type": "part", "room": "lobby", "reason": "later"}),
        F(0, {"type": "quit", "reason": "bye"}))
    s["private"] = server(
        F(0, hello("alice")), F(1, hello("Bob")),
        F(0, {"type": "msg", "to": "bob", "text": "psst", "id": "x"}),
        F(0, {"type": "msg", "to": "ALICE", "text": "me"}),
        F(1, {"type": "msg", "to": "nobody", "text": "?"}))
    s["media"] = server(
        F(0, hello("alice")), F(1, hello("bob")),
        F(0, {"type": "join", "room": "lobby"}),
        F(1, {"type": "join", "room": "lobby"}),
        F(0, AUDIO), F(0, FILE), F(1, STICKER))
    s["media-bad"] = server(
        F(0, hello("alice")), F(0, {"type": "join", "room": "lobby"}),
        F(0, dict(AUDIO, data="abc")), F(0, dict(AUDIO, data="ab=c")),
        F(0, dict(AUDIO, mime="audio")), F(0, dict(AUDIO, name="..")),
        F(0, dict(AUDIO, name="a/b")), F(0, dict(AUDIO, kind="video")),
        F(0, dict(STICKER, sticker="x" * 65)), F(0, dict(AUDIO, kind=7)),
        F(0, {k: v for k, v in AUDIO.items() if k != "data"}))
    s["msg-bad"] = server(
        F(0, hello("alice")), F(0, {"type": "join", "room": "r"}),
        F(0, {"type": "msg", "text": "no target"}),
        F(0, {"type": "msg", "room": "r", "to": "alice", "text": "both"}),
        F(0, {"type": "msg", "room": 5, "text": "x"}),
        F(0, {"type": "msg", "room": "r", "text": ""}),
        F(0, {"type": "msg", "room": "r", "text": 42}),
        F(0, {"type": "msg", "room": "r", "text": "y" * 4097}),
        F(0, {"type": "msg", "room": "elsewhere", "text": "z"}))
    # Room history: a join that asks for a replay, paging back, bad asks.
    s["history-join"] = server(
        F(0, hello("alice")), F(1, hello("bob")),
        F(0, {"type": "join", "room": "lobby"}),
        F(0, {"type": "msg", "room": "lobby", "text": "one"}),
        F(0, dict(STICKER, room="lobby")),
        F(0, {"type": "part", "room": "lobby"}),
        F(1, {"type": "join", "room": "LOBBY", "history": 5, "id": 1}),
        F(1, {"type": "join", "room": "x", "history": -1}),
        F(1, {"type": "join", "room": "y", "history": 1.5}))
    s["history-request"] = server(
        F(0, hello("alice")), F(1, hello("bob")),
        F(0, {"type": "join", "room": "r"}),
        F(0, {"type": "msg", "room": "r", "text": "a"}),
        F(0, {"type": "msg", "room": "r", "text": "b"}),
        F(0, {"type": "history", "room": "r", "limit": 1, "id": 2}),
        F(0, {"type": "history", "room": "r", "before": 2, "limit": 100}),
        F(0, {"type": "history", "room": "r", "before": 0}),
        F(0, {"type": "history", "room": "r", "limit": 101}),
        F(1, {"type": "history", "room": "r"}))
    s["rooms-who"] = server(
        F(0, hello("alice")), F(1, hello("bob")),
        F(0, {"type": "join", "room": "b"}), F(1, {"type": "join", "room": "A"}),
        F(1, {"type": "join", "room": "b"}),
        F(0, {"type": "rooms", "id": 1}), F(0, {"type": "who", "room": "B"}),
        F(0, {"type": "who"}), F(0, {"type": "who", "room": "none"}),
        F(0, {"type": "who", "room": []}))
    # The cursor of rooms and who: names, a bad type, a cursor past all.
    s["paging"] = server(
        F(0, hello("alice")), F(1, hello("Bob")), F(2, hello("carol")),
        *[F(i % 3, {"type": "join", "room": r})
          for i, r in enumerate(("a", "B", "c", "a", "b"))],
        F(0, {"type": "rooms", "after": "A", "id": 1}),
        F(0, {"type": "rooms", "after": "zz"}),
        F(0, {"type": "rooms", "after": 5}),
        F(1, {"type": "who", "after": "ALICE"}),
        F(1, {"type": "who", "room": "a", "after": "bob"}),
        F(1, {"type": "who", "room": "b", "after": None}),
        F(2, {"type": "who", "after": "\u00e9" * 70}))
    s["ping-pong"] = server(
        F(0, hello("alice")),
        F(0, {"type": "ping", "id": 7, "t": 1.5, "x": {"y": [1, None]}}),
        F(0, {"type": "pong"}), F(1, {"type": "ping"}))
    s["not-registered"] = server(
        F(0, {"type": "join", "room": "r"}), F(0, {"type": "msg", "to": "a",
                                                   "text": "b"}),
        F(0, {"type": "who"}), F(0, {"type": "nope"}), F(0, hello("late")))
    s["hello-bad"] = server(
        F(0, {"type": "hello"}), F(0, hello("a b")), F(0, hello("a,b")),
        F(0, hello("x" * 33)), F(0, hello("\u00e9" * 32)),
        F(0, hello("ok", version=2)), F(0, hello("ok", presence="yes")),
        F(0, hello("ok")), F(0, hello("again")), F(1, hello("OK")),
        F(1, hello("Jos\u00e9")), F(2, hello("JOS\u00c9")))
    # Ids and ping members echoed as sent; numbers by JSON's grammar.
    s["ping-numbers"] = server(
        F(0, hello("alice")),
        rec("F", 0, frame(b'{"type":"ping","id":9007199254740993,'
                          b'"n":1e999,"a":[1.50,-0.0,{"b":[]}],'
                          b'"\\u0069d":2,"re":"forged"}')[4:]),
        rec("F", 0, frame(b'{"type":"ping","id":01}')[4:]),
        rec("F", 0, frame(b'{"type":"rooms","id":-1.5E+3}')[4:]),
        rec("L"), rec("E", 0))
    s["ping-budget"] = server(
        F(0, hello("alice")),
        *[F(0, {"type": "ping", "id": i}) for i in range(60)])
    s["reset-with-input"] = server(
        F(0, hello("alice")), F(1, hello("bob")),
        F(0, {"type": "join", "room": "r"}),
        F(1, {"type": "join", "room": "r"}),
        *([F(0, {"type": "msg", "room": "r", "text": "x"})] * 40 +
          [rec("E", 0), rec("L")]))
    s["names-unicode"] = server(
        F(0, hello("\u00e9l\u00e8ve")),
        F(0, {"type": "join", "room": "caf\u00e9\u2603"}),
        F(0, {"type": "join", "room": "a\u3000b"}),
        F(0, {"type": "join", "room": "a\u0085b"}),
        F(0, {"type": "join", "room": "r" * 65}),
        F(0, {"type": "join", "room": "\U0001f600" * 64}))
    # The Unicode rules: hidden code points, NFC, full folding, skeletons.
    s["names-hidden"] = server(
        F(0, hello("\u200b")), F(0, hello("\u2800")), F(0, hello("\u0301")),
        F(0, hello("ann\U000e0041")), F(0, hello("\u202enna")),
        F(0, hello("ann\ufe0f")), F(0, hello("a\u0301\u0301")),
        F(0, hello("ann")),
        F(0, {"type": "join", "room": "gnp.\u202eexe"}),
        F(0, {"type": "join", "room": "\u3164"}),
        F(0, {"type": "join", "room": "r\ue000"}),
        F(0, {"type": "join", "room": "lobby"}),
        F(0, dict(AUDIO, name="gnp.\u202eexe")),
        F(0, dict(AUDIO, name="\u0301.ogg")),
        F(0, dict(STICKER, sticker="x\u200d")))
    s["names-fold"] = server(
        F(0, hello("Jose\u0301")), F(1, hello("JOS\u00c9")),
        F(1, hello("Stra\u00dfe")), F(2, hello("STRASSE")),
        F(2, hello("\u212aate")),
        F(0, {"type": "join", "room": "Cafe\u0301"}),
        F(1, {"type": "join", "room": "CAF\u00c9"}),
        F(2, {"type": "join", "room": "\u1e9e" * 64}),
        F(2, {"type": "join", "room": "\u1fb7" * 64}),
        F(0, {"type": "msg", "to": "stra\u00dfe", "text": "t"}),
        F(0, {"type": "who", "room": "caf\u00e9"}))
    s["names-confusable"] = server(
        F(0, hello("ann")), F(1, hello("\u0430nn")), F(1, hello("\u0391NN")),
        F(1, hello("rn")), F(2, hello("m")), rec("E", 0), rec("L"),
        F(2, hello("\u0430nn")), F(0, hello("\ufdfa" * 32)))
    s["ids"] = server(
        F(0, hello("alice", id=1)), F(0, {"type": "who", "id": "s" * 64}),
        F(0, {"type": "who", "id": "s" * 65}), F(0, {"type": "who", "id": {}}),
        F(0, {"type": "who", "id": True}), F(0, {"type": "who", "id": -1e300}))
    s["reasons"] = server(
        F(0, hello("alice")), F(0, {"type": "join", "room": "r"}),
        F(0, {"type": "part", "room": "r", "reason": 3}),
        F(0, {"type": "part", "room": "r", "reason": "q" * 4097}),
        F(0, {"type": "part", "room": "s"}),
        F(0, {"type": "quit", "reason": ["no"]}),
        F(0, {"type": "quit", "reason": "\u00e9"}))
    s["already"] = server(
        F(0, hello("alice")), F(0, {"type": "join", "room": "r"}),
        F(0, {"type": "join", "room": "R"}), F(0, hello("alice")))
    s["presence"] = server(
        F(0, hello("w", presence=True)), F(1, hello("a")), F(2, hello("b")),
        F(1, {"type": "join", "room": "r"}), F(2, {"type": "join", "room": "r"}),
        rec("E", 1), rec("L"), F(2, {"type": "quit"}))
    s["eof-in-room"] = server(
        F(0, hello("alice")), F(1, hello("bob")),
        F(0, {"type": "join", "room": "r"}), F(1, {"type": "join", "room": "r"}),
        F(0, {"type": "join", "room": "s"}), F(1, {"type": "join", "room": "s"}),
        rec("E", 0), F(1, {"type": "msg", "room": "r", "text": "anyone?"}))
    s["eof-before-hello"] = server(rec("E", 0), F(0, hello("ghost")), rec("L"))
    s["zero-length"] = server(F(0, hello("alice")), F(0, b""),
                              F(0, {"type": "who"}))
    s["too-large"] = server(F(0, hello("alice")),
                            rec("R", 0, b"\x7f\xff\xff\xff{}"))
    s["split-frames"] = server(
        rec("R", 0, frame(hello("alice"))[:2]), rec("L"),
        rec("R", 0, frame(hello("alice"))[2:7]), rec("L"),
        rec("R", 0, frame(hello("alice"))[7:] + frame({"type": "who"})[:5]),
        rec("R", 0, frame({"type": "who"})[5:]))
    s["partial-then-eof"] = server(F(0, hello("a")),
                                   rec("R", 0, b"\x00\x00\x01"), rec("E", 0))
    s["bad-payloads"] = server(
        F(0, b"not json"), F(0, b"[]"), F(0, b"{}"), F(0, b'{"type":1}'),
        F(0, b'{"type":"hello","nick":"\xc3\x28"}'), F(0, b'{"type":"x"} y'),
        F(0, b'{"type":"hello","nick":"a\\u0000b"}'), F(0, hello("ok")))
    s["control-raw"] = server(
        F(0, b'{"type":"hello","nick":"ali\x00ce"}'),
        F(0, b'{"type":"hello",\x01"nick":"ann"}'), F(0, hello("ann")),
        F(0, b'{"type":"join","room":"\\u0000"}'),
        F(0, b'{"type":"msg","to":"ann","text":"a\x07b"}'))
    s["many-frames"] = server(
        F(0, hello("alice")),
        rec("R", 0, b"".join(frame({"type": "ping", "n": i})
                             for i in range(100))),
        F(0, {"type": "who"}))
    s["flood"] = server(
        F(0, hello("alice")), F(0, {"type": "join", "room": "r"}),
        rec("R", 0, b"".join(frame({"type": "msg", "room": "r", "text": "f"})
                             for i in range(200))))
    s["many-rooms"] = server(
        F(0, hello("alice")),
        *[F(0, {"type": "join", "room": "r%d" % i}) for i in range(34)],
        F(0, {"type": "rooms"}))
    s["after-quit"] = server(
        F(0, hello("alice")), F(0, {"type": "quit"}), F(0, {"type": "who"}),
        F(0, hello("again")))
    s["garbage"] = server(rec("R", 0, bytes(range(0, 255, 3))),
                          rec("R", 1, b"\x00\x00\x00\x02{}"),
                          rec("R", 2, b"GET / HTTP/1.0\r\n\r\n"))
    s["three-way"] = server(
        F(0, hello("a")), F(1, hello("b")), F(2, hello("c")),
        *[F(i, {"type": "join", "room": "r"}) for i in range(3)],
        *[F(i, {"type": "msg", "room": "r", "text": "m%d" % i})
          for i in range(3)],
        F(1, {"type": "part", "room": "r"}), F(2, {"type": "quit"}),
        F(0, {"type": "who", "room": "r"}))
    # Regression (found by fuzz-server): an error message naming a long
    # non-ASCII room or nick was cut inside a UTF-8 sequence.
    s["error-utf8-cut"] = server(
        F(0, hello("a")), F(0, {"type": "who", "room": "\u00e9" * 300}),
        F(0, {"type": "who", "room": "x" + "\u2603" * 200}),
        F(0, {"type": "msg", "room": "ab" + "\U0001f600" * 150, "text": "t"}),
        F(0, {"type": "msg", "to": "xy" + "\U0001f600" * 150, "text": "t"}))
    # Callbacks of the pairs run in the loop: L after each step lets it act.
    s["timeouts"] = server(
        F(0, hello("a")), F(2, hello("c")), F(0, {"type": "join", "room": "r"}),
        F(2, {"type": "join", "room": "r"}), rec("L"), rec("T", 0), rec("L"),
        F(2, {"type": "ping"}), rec("L"), rec("T", 0), rec("L"), rec("T", 1),
        rec("L"), rec("R", 2, b"\x00\x00"), rec("L"), rec("T", 2), rec("L"),
        rec("T", 2), rec("L"), rec("T", 1), F(1, hello("late")))
    # Accounts: hashes are made off the loop, so L lets verdicts in.
    pw = "password one"
    s["accounts"] = server(
        F(0, hello("ana")), F(0, {"type": "register", "password": pw,
                                  "id": 1}),
        rec("L"), rec("L"), F(1, hello("ANA")),
        F(1, hello("ana", account_password="wrong password")),
        F(2, hello("ana", account_password=pw)), rec("L"),
        F(0, {"type": "passwd", "old": pw, "new": "password two"}),
        F(0, {"type": "passwd", "old": 5, "new": "short"}),
        F(0, {"type": "register", "password": "x"}), rec("L"), rec("L"),
        F(0, {"type": "unregister", "password": "wrong"}), rec("L"),
        F(0, {"type": "unregister", "password": "password two"}),
        F(0, {"type": "who"}), rec("L"))
    s["moderation"] = server(
        F(0, hello("root")), F(0, {"type": "register", "password": pw}),
        F(1, hello("teacher")), F(1, {"type": "register", "password": pw}),
        F(2, hello("kid")), rec("L"), rec("L"),
        F(1, {"type": "join", "room": "class"}),
        F(1, {"type": "claim", "room": "class"}),
        F(2, {"type": "join", "room": "CLASS"}),
        F(2, {"type": "claim", "room": "class"}),
        F(1, {"type": "moderator", "room": "class", "nick": "root"}),
        F(1, {"type": "moderator", "room": "class", "nick": "kid",
              "remove": True}),
        F(1, {"type": "topic", "room": "class", "text": "today"}),
        F(2, {"type": "topic", "room": "class"}),
        F(1, {"type": "mute", "room": "class", "nick": "kid"}),
        F(2, {"type": "msg", "room": "class", "text": "hey"}),
        F(1, {"type": "unmute", "room": "class", "nick": "KID"}),
        F(1, {"type": "kick", "room": "class", "nick": "kid",
              "reason": "out"}),
        F(1, {"type": "ban", "room": "class", "mask": "Kid",
              "duration": 60, "reason": "spam"}),
        F(2, {"type": "join", "room": "class"}),
        F(1, {"type": "unban", "room": "class", "mask": "kid"}),
        F(1, {"type": "unban", "room": "class", "mask": "kid"}),
        F(2, {"type": "kick", "room": "class", "nick": "teacher"}),
        F(0, {"type": "ban", "mask": "192.0.2.3/32", "reason": "x"}),
        F(0, {"type": "ban", "mask": "2001:db8::/32"}),
        F(0, {"type": "unban", "mask": "192.0.2.3"}),
        F(0, {"type": "kill", "nick": "kid", "reason": "bye"}),
        F(1, {"type": "topic", "room": "class", "text": ""}),
        F(1, {"type": "part", "room": "class"}))
    s["moderation-bad"] = server(
        F(0, hello("a")), F(0, {"type": "join", "room": "r"}),
        F(0, {"type": "claim", "room": 1}), F(0, {"type": "claim"}),
        F(0, {"type": "kick", "room": "r"}),
        F(0, {"type": "kick", "room": "none", "nick": "a"}),
        F(0, {"type": "ban", "room": "r", "mask": "a b"}),
        F(0, {"type": "ban", "mask": "not an address"}),
        F(0, {"type": "ban", "room": "r", "mask": "a", "duration": 0}),
        F(0, {"type": "ban", "room": "r", "mask": "a", "duration": 1e20}),
        F(0, {"type": "mute", "room": "r", "nick": "nobody"}),
        F(0, {"type": "moderator", "room": "r", "nick": "a",
              "remove": "yes"}),
        F(0, {"type": "topic", "room": "r", "text": "t" * 4097}),
        F(0, {"type": "kill", "nick": "a"}))
    s["empty-input"] = b""
    s["ops-only"] = server(rec("L"), rec("E", 2), rec("X"), b"", b"Q")
    return s


HANDSHAKE = (b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
             b"Connection: Upgrade\r\nOrigin: http://127.0.0.1\r\n"
             b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
             b"Sec-WebSocket-Version: 13\r\n\r\n")


def ws(opcode, payload, fin=True, mask=b"\x01\x02\x03\x04"):
    """A client WebSocket frame, masked unless mask is None."""
    n = len(payload)
    head = bytes([(0x80 if fin else 0) | opcode])
    m = 0 if mask is None else 0x80
    if n < 126:
        head += bytes([m | n])
    else:
        head += bytes([m | 126]) + struct.pack(">H", n)
    if mask is None:
        return head + payload
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def web_seeds():
    """name -> fuzz-web input: HTTP requests, then WebSocket traffic (F
    records are masked text frames there)."""
    s = {}
    up = lambda c=0: rec("R", c, HANDSHAKE)
    s["http-get"] = server(rec("R", 0, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
                                       b"HEAD /index.html HTTP/1.0\r\n\r\n"),
                           rec("L"))
    s["http-refusals"] = server(
        rec("R", 0, b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 2"
                    b"\r\n\r\nab"),
        rec("R", 1, b"GET / HTTP/1.1\r\nHost: x\r\nIf-None-Match: *\r\n\r\n"
                    b"\x00garbage\r\n\r\n"),
        rec("R", 2, b"GET / HTTP/1.1\r\nX: " + b"a" * 2000), rec("L"),
        rec("T", 2), rec("L"))
    s["ws-chat"] = server(
        up(0), up(1), rec("L"), F(0, hello("a")), F(1, hello("b")),
        F(0, {"type": "join", "room": "r"}), F(1, {"type": "join", "room": "r"}),
        rec("L"), F(0, {"type": "msg", "room": "r", "text": "hi"}),
        F(1, {"type": "msg", "to": "a", "text": "yo"}), rec("L"),
        F(0, {"type": "quit"}), rec("E", 1), rec("L"))
    s["ws-control"] = server(
        up(0), rec("L"), F(0, hello("a")),
        rec("R", 0, ws(9, b"ping") + ws(1, b'{"type":', fin=False) +
            ws(10, b"") + ws(0, b'"ping"}')),
        rec("L"), rec("T", 0), rec("L"),
        rec("R", 0, ws(8, b"\x03\xe8bye")), rec("L"))
    s["ws-broken"] = server(
        up(0), up(1), up(2), rec("L"),
        rec("R", 0, ws(2, b"\x00\x01")),
        rec("R", 1, ws(1, b'"\xff"')),
        rec("R", 2, ws(1, b'{"type":"ping"}', mask=None)), rec("L"))
    return s


def irc_seeds():
    """name -> fuzz-irc input: IRC lines (F records are a line each, CR LF
    added; R records bytes as they are)."""
    s = {}
    L = lambda c, line: rec("F", c, line)
    reg = lambda c, nick: [L(c, b"NICK " + nick),
                           L(c, b"USER u 0 * :Real " + nick)]
    s["irc-register"] = server(
        L(0, b"CAP LS 302"), L(0, b"CAP REQ :server-time message-tags "
                                  b"echo-message labeled-response batch"),
        *reg(0, b"ann"), L(0, b"CAP END"), L(0, b"LUSERS"), L(0, b"MOTD"),
        L(0, b"VERSION"), L(0, b"CAP LIST"), L(0, b"PING :x"), rec("L"))
    s["irc-chat"] = server(
        *reg(0, b"ann"), *reg(1, b"bob"), rec("L"),
        L(0, b"JOIN #r,#s"), L(1, b"JOIN #r"), rec("L"),
        L(0, b"PRIVMSG #r,bob :hello"), L(1, b"NOTICE #r :notice"),
        L(0, b"PRIVMSG #r :\x01ACTION waves\x01"),
        L(1, b"PRIVMSG #r :\x01STICKER cat\x01"), L(0, b"TAGMSG #r"),
        L(0, b"TOPIC #r :t"), L(0, b"TOPIC #r"), L(1, b"NAMES #r"),
        L(1, b"WHO #r"), L(0, b"LIST"), L(0, b"MODE #r +b x!*@*"),
        L(0, b"MODE #r -o+b bob"), L(0, b"MODE ann"), L(0, b"KICK #r bob :x"),
        L(1, b"PART #r :bye"), L(0, b"QUIT :gone"), rec("L"))
    s["irc-sasl"] = server(
        L(0, b"CAP REQ sasl"), L(0, b"AUTHENTICATE PLAIN"),
        L(0, b"AUTHENTICATE " + base64.b64encode(b"\0root\0pw")),
        *reg(0, b"root"), L(0, b"CAP END"), L(0, b"OPER root pw"),
        L(0, b"KILL nobody :x"), L(1, b"CAP REQ :sasl"),
        L(1, b"AUTHENTICATE PLAIN"), L(1, b"AUTHENTICATE " + b"A" * 400),
        L(1, b"AUTHENTICATE +"), L(1, b"AUTHENTICATE *"), rec("L"))
    s["irc-lines"] = server(
        rec("R", 0, b"NICK a\nUSER a 0 * :a\rPING :cr\r\n\r\n"),
        rec("R", 1, b"@label=x;+y=a\\sb :src PRIVMSG #r :caf\xe9\r\n"),
        rec("R", 2, b"PRIVMSG #r :" + b"x" * 600 + b"\r\n"),
        rec("L"), rec("R", 2, b"@" + b"t" * 3000 + b" PING x\r\n"),
        rec("R", 1, b"p" * 2000), rec("L"), rec("T", 1), rec("E", 0),
        rec("L"))
    return s


def write(directory, seeds):
    os.makedirs(directory, exist_ok=True)
    for name, data in sorted(seeds.items()):
        if len(data) > MAX_SEED:
            sys.exit("make-corpus.py: seed %s is %d bytes, over %d" %
                     (name, len(data), MAX_SEED))
        with open(os.path.join(directory, name), "wb") as f:
            f.write(data)
    print("%s: %d seeds" % (directory, len(seeds)))


def main():
    here = (sys.argv[1] if len(sys.argv) > 1 else
            os.path.dirname(os.path.abspath(__file__)))
    write(os.path.join(here, "corpus-frame"), frame_seeds())
    write(os.path.join(here, "corpus-server"), server_seeds())
    write(os.path.join(here, "corpus-web"), web_seeds())
    write(os.path.join(here, "corpus-irc"), irc_seeds())


if __name__ == "__main__":
    main()
