# test-media.py: end-to-end tests of stickers, audio and file messages: relaying unchanged, field checks, size limit.
# It drives the real evchatd over sockets and knows nothing of the server's code.
import base64
import time

import evchat_test as t

MAX_MEDIA = 1000
DEL = object()          # a field to leave out


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def now_ms(v):
    return is_int(v) and abs(v - time.time() * 1000) < 10000


def b64(n, seed=0):
    return base64.b64encode(bytes((i * 7 + seed) & 0xff
                                  for i in range(n))).decode()


def check_relay(a, b, fields):
    """a sends a msg with fields; echo and delivery carry them unchanged,
    plus from/msgid/ts, and nothing else."""
    a.send(dict(fields, type="msg", id="r"))
    want = dict(fields, msgid=is_int, ts=now_ms)
    want["from"] = "alice"
    if "to" in want:
        want["to"] = "bob"
    echo = a.expect_next("msg", exact=True, re="r", **want)
    want.update(msgid=echo["msgid"], ts=echo["ts"])
    b.expect_next("msg", exact=True, **want)


@t.daemon_args("--max-media", str(MAX_MEDIA))
def test_welcome_max_media(srv):
    c = srv.connect()
    c.send({"type": "hello", "nick": "m"})
    c.expect_next("welcome", max_media=MAX_MEDIA)


@t.daemon_args("--max-media", str(MAX_MEDIA))
def test_sticker(srv):
    a, b = srv.pair("media")
    for name in ("thumbs_up", "x", "s" * 64, "héllo", "🐱"):
        check_relay(a, b, {"room": "media", "kind": "sticker",
                           "sticker": name})
    check_relay(a, b, {"to": "BOB", "kind": "sticker", "sticker": "wave"})


@t.daemon_args("--max-media", str(MAX_MEDIA))
def test_audio_and_file(srv):
    a, b = srv.pair("media")
    check_relay(a, b, {"room": "media", "kind": "audio", "mime": "audio/ogg",
                       "name": "voice.ogg", "data": b64(MAX_MEDIA)})
    check_relay(a, b, {"room": "media", "kind": "audio", "mime": "audio/ogg",
                       "name": "short.ogg", "data": b64(1)})
    check_relay(a, b, {"to": "bob", "kind": "file",
                       "mime": "application/vnd.oasis.opendocument.text",
                       "name": "notes v2 (final).odt",
                       "data": b64(MAX_MEDIA - 1, 3)})
    check_relay(a, b, {"room": "media", "kind": "file", "mime": "text/plain",
                       "name": "é.txt", "data": b64(2, 9)})


@t.daemon_args("--max-media", str(MAX_MEDIA))
def test_media_too_large(srv):
    a, b = srv.pair("media")
    for kind in ("audio", "file"):
        for n in (MAX_MEDIA + 1, MAX_MEDIA + 2, 10 * MAX_MEDIA):
            a.send({"type": "msg", "room": "media", "kind": kind,
                    "mime": "audio/ogg", "name": "big.ogg", "data": b64(n),
                    "id": "big"})
            a.expect_error("media_too_large", re="big")
    a.send({"type": "msg", "to": "bob", "kind": "file",
            "mime": "audio/ogg", "name": "big.ogg",
            "data": b64(MAX_MEDIA + 1), "id": "big"})
    a.expect_error("media_too_large", re="big")
    b.expect_quiet()


def test_default_max_media(srv):
    a, b = srv.pair("media")
    limit = 160 * 1024
    check_relay(a, b, {"room": "media", "kind": "file",
                       "mime": "application/octet-stream", "name": "max.bin",
                       "data": b64(limit)})
    a.send({"type": "msg", "room": "media", "kind": "file",
            "mime": "application/octet-stream", "name": "over.bin",
            "data": b64(limit + 1), "id": "o"})
    a.expect_error("media_too_large", re="o")


@t.daemon_args("--max-media", str(MAX_MEDIA))
def test_media_bad_request(srv):
    a, b = srv.pair("media")
    good = {"room": "media", "kind": "audio", "mime": "audio/ogg",
            "name": "v.ogg", "data": b64(10)}
    cases = [
        # invalid base64
        {"data": "abc"}, {"data": "YQ"}, {"data": "YQ="}, {"data": "Y==="},
        {"data": "ab!="}, {"data": "YWJj\n"}, {"data": "YW Jj"},
        {"data": "YQ==YQ=="}, {"data": "-_-_"}, {"data": 5},
        {"data": None},
        # bad mime
        {"mime": "audio"}, {"mime": "audio/"}, {"mime": "/ogg"},
        {"mime": "au dio/ogg"}, {"mime": "audio/ogg/x"}, {"mime": ""},
        {"mime": "audio/ogg; codecs=opus"}, {"mime": 7},
        # bad name
        {"name": "a/b"}, {"name": "/etc/passwd"}, {"name": ".."},
        {"name": "."}, {"name": ""}, {"name": "ctl\x01.ogg"},
        {"name": None}, {"name": ["v.ogg"]},
        # missing fields
        {"data": DEL}, {"mime": DEL}, {"name": DEL}, {"kind": "file",
                                                      "data": DEL},
        # the room/to rules hold for media too
        {"to": "bob"}, {"room": DEL}, {"room": 1},
    ]
    for change in cases:
        req = dict(good, type="msg", id="b")
        for k, v in change.items():
            if v is DEL:
                del req[k]
            else:
                req[k] = v
        a.send(req)
        try:
            a.expect_error("bad_request", re="b")
        except AssertionError as e:
            raise AssertionError("%r: %s" % (change, e))
    b.expect_quiet()


@t.daemon_args("--max-media", str(MAX_MEDIA))
def test_sticker_bad_request(srv):
    a, b = srv.pair("media")
    for sticker in ("s" * 65, "é" * 33, "", "two words", "tab\t", "ctl\x01",
                    5, None, ["x"]):
        req = {"type": "msg", "room": "media", "kind": "sticker", "id": "s"}
        if sticker is not None:
            req["sticker"] = sticker
        a.send(req)
        try:
            a.expect_error("bad_request", re="s")
        except AssertionError as e:
            raise AssertionError("sticker %r: %s" % (sticker, e))
    b.expect_quiet()


@t.daemon_args("--max-media", str(MAX_MEDIA))
def test_media_membership_errors(srv):
    a, b = srv.pair("media")
    a.send({"type": "msg", "room": "other", "kind": "sticker",
            "sticker": "x", "id": 1})
    a.expect_error("not_in_room", re=1)
    a.send({"type": "msg", "to": "nobody", "kind": "audio",
            "mime": "audio/ogg", "name": "v.ogg", "data": b64(3), "id": 2})
    a.expect_error("no_such_user", re=2)


t.run(globals())
