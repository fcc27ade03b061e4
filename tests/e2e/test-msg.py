# test-msg.py: end-to-end tests of text messages: room and private delivery, echo, msgid/ts, and their errors.
# It drives the real evchatd over sockets and knows nothing of the server's code.
import time

import evchat_test as t
from evchat_test import ABSENT


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def now_ms(v):
    return is_int(v) and abs(v - time.time() * 1000) < 10000


def frm(nick):
    return {"from": nick}


def room_of_three(srv, room="chat"):
    a = srv.client("alice")
    b = srv.client("bob")
    c = srv.client("carol")
    a.join(room)
    b.join(room)
    c.join(room)
    a.expect_next("presence", nick="bob", event="join")
    a.expect_next("presence", nick="carol", event="join")
    b.expect_next("presence", nick="carol", event="join")
    return a, b, c


def test_room_message(srv):
    a, b, c = room_of_three(srv)
    out = srv.client("outsider")
    a.send({"type": "msg", "room": "chat", "text": "hello all", "id": "m1"})
    echo = a.expect_next("msg", exact=True, msgid=is_int, ts=now_ms,
                         room="chat", text="hello all", re="m1",
                         **frm("alice"))
    for peer in (b, c):
        peer.expect_next("msg", exact=True, msgid=echo["msgid"],
                         ts=echo["ts"], room="chat", text="hello all",
                         **frm("alice"))
    for x in (a, b, c, out):
        x.expect_quiet()


def test_msgid_increasing(srv):
    a, b, c = room_of_three(srv)
    last = -1
    for i in range(20):
        sender = (a, b, c)[i % 3]
        sender.send({"type": "msg", "room": "chat", "text": "n%d" % i})
        ids = set()
        for x in (a, b, c):
            f = x.expect_next("msg", text="n%d" % i, re=ABSENT)
            ids.add(f["msgid"])
        assert len(ids) == 1, "one message, several msgids: %s" % ids
        msgid = ids.pop()
        assert msgid > last, "msgid %d after %d" % (msgid, last)
        last = msgid
    # Private messages draw from the same counter.
    a.send({"type": "msg", "to": "bob", "text": "psst"})
    f = a.expect_next("msg", to="bob")
    assert f["msgid"] > last, f


def test_from_set_by_server(srv):
    a, b, c = room_of_three(srv)
    a.send({"type": "msg", "room": "chat", "text": "spoof",
            "from": "carol", "msgid": 1, "ts": 5})
    echo = a.expect_next("msg", text="spoof", **frm("alice"))
    assert echo["ts"] != 5 and now_ms(echo["ts"]), echo
    b.expect_next("msg", text="spoof", msgid=echo["msgid"], **frm("alice"))
    a.send({"type": "msg", "to": "bob", "text": "spoof2", "from": "carol"})
    a.expect_next("msg", text="spoof2", **frm("alice"))
    b.expect_next("msg", text="spoof2", **frm("alice"))


def test_room_name_case(srv):
    a, b, c = room_of_three(srv, "MixedCase")
    a.send({"type": "msg", "room": "mixedcase", "text": "x", "id": 1})
    a.expect_next("msg", room="MixedCase", re=1)
    b.expect_next("msg", room="MixedCase", re=ABSENT)


def test_not_in_room(srv):
    a, b, c = room_of_three(srv)
    d = srv.client("dave")
    for room in ("chat", "nonexistent"):
        d.send({"type": "msg", "room": room, "text": "hi", "id": 2})
        d.expect_error("not_in_room", re=2)
    a.request({"type": "part", "room": "chat"}, "parted")
    a.send({"type": "msg", "room": "chat", "text": "hi", "id": 3})
    a.expect_error("not_in_room", re=3)
    b.expect_next("presence", nick="alice", event="part")
    b.expect_quiet()


def test_private_message(srv):
    a = srv.client("Alice")
    b = srv.client("Bob")
    c = srv.client("carl")
    a.send({"type": "msg", "to": "bOB", "text": "secret", "id": 7})
    echo = a.expect_next("msg", exact=True, msgid=is_int, ts=now_ms,
                         to="Bob", text="secret", re=7, **frm("Alice"))
    b.expect_next("msg", exact=True, msgid=echo["msgid"], ts=echo["ts"],
                  to="Bob", text="secret", **frm("Alice"))
    c.expect_quiet()
    b.send({"type": "msg", "to": "alice", "text": "reply"})
    b.expect_next("msg", to="Alice", text="reply", re=ABSENT,
                  **frm("Bob"))
    a.expect_next("msg", to="Alice", text="reply", **frm("Bob"))
    a.expect_quiet()
    b.expect_quiet()


def test_private_to_self(srv):
    a = srv.client("narcissus")
    a.send({"type": "msg", "to": "NARCISSUS", "text": "me", "id": 1})
    a.expect_next("msg", to="narcissus", text="me", re=1,
                  **frm("narcissus"))
    a.expect_quiet()


def test_no_echo_private(srv):
    """hello echo:false: the sender's private messages reach the
    recipient only; a version-1 client (no echo member) and one with
    echo:true are still echoed."""
    a = srv.connect(name="quiet")
    a.hello("quiet", echo=False)
    b = srv.client("plain")
    c = srv.connect(name="loud")
    c.hello("loud", echo=True)
    a.send({"type": "msg", "to": "plain", "text": "one", "id": 1})
    b.expect_next("msg", exact=True, msgid=is_int, ts=now_ms, to="plain",
                  text="one", **frm("quiet"))
    a.send({"type": "msg", "to": "loud", "text": "two"})
    c.expect_next("msg", to="loud", text="two", re=ABSENT, **frm("quiet"))
    b.send({"type": "msg", "to": "quiet", "text": "three", "id": 3})
    b.expect_next("msg", to="quiet", text="three", re=3, **frm("plain"))
    a.expect_next("msg", exact=True, msgid=is_int, ts=now_ms, to="quiet",
                  text="three", **frm("plain"))
    c.send({"type": "msg", "to": "quiet", "text": "four"})
    c.expect_next("msg", to="quiet", text="four", re=ABSENT,
                  **frm("loud"))
    a.expect_next("msg", to="quiet", text="four", **frm("loud"))
    # A refused message is still answered; one to oneself still arrives.
    a.send({"type": "msg", "to": "nobody", "text": "x", "id": "e"})
    a.expect_error("no_such_user", re="e")
    a.send({"type": "msg", "to": "QUIET", "text": "me", "id": 9})
    a.expect_next("msg", to="quiet", text="me", **frm("quiet"))
    for x in (a, b, c):
        x.expect_quiet()


def test_no_echo_room(srv):
    """hello echo:false: a room message goes to the other members only,
    with or without an id; the others are echoed as before."""
    a = srv.connect(name="quiet")
    a.hello("quiet", echo=False)
    b = srv.client("plain")
    a.join("chat")
    b.join("chat")
    a.expect_next("presence", nick="plain", event="join")
    for req in ({"text": "with id", "id": "m"}, {"text": "no id"}):
        a.send(dict(req, type="msg", room="chat"))
        b.expect_next("msg", exact=True, msgid=is_int, ts=now_ms,
                      room="chat", text=req["text"], **frm("quiet"))
    b.send({"type": "msg", "room": "chat", "text": "back", "id": "b"})
    b.expect_next("msg", room="chat", text="back", re="b", **frm("plain"))
    a.expect_next("msg", room="chat", text="back", re=ABSENT,
                  **frm("plain"))
    a.send({"type": "msg", "room": "elsewhere", "text": "x", "id": "n"})
    a.expect_error("not_in_room", re="n")
    a.expect_quiet()
    b.expect_quiet()


def test_no_such_user(srv):
    a = srv.client("eve")
    b = srv.client("gone")
    for to in ("nobody", "somebody"):
        a.send({"type": "msg", "to": to, "text": "hi", "id": "x"})
        a.expect_error("no_such_user", re="x")
    b.send({"type": "quit"})
    b.expect_bye("client quit")
    # The server has handled the quit before anything a.sends next only
    # if a waits for a sign of it: ask who until gone has left.
    deadline = time.monotonic() + srv.timeout
    while "gone" in a.request({"type": "who"})["nicks"]:
        assert time.monotonic() < deadline, "gone never left"
    a.send({"type": "msg", "to": "gone", "text": "hi", "id": "y"})
    a.expect_error("no_such_user", re="y")
    u = srv.connect()                   # connected, not registered
    a.send({"type": "msg", "to": "u", "text": "hi", "id": "z"})
    a.expect_error("no_such_user", re="z")
    u.close()


def test_bad_request(srv):
    a, b, c = room_of_three(srv)
    cases = [
        {"text": "no target"},
        {"room": "chat", "to": "bob", "text": "both"},
        {"room": 5, "text": "x"},
        {"room": None, "text": "x"},
        {"to": ["bob"], "text": "x"},
        {"room": "chat"},
        {"room": "chat", "text": ""},
        {"room": "chat", "text": 42},
        {"room": "chat", "text": None},
        {"room": "chat", "text": ["a"]},
        {"to": "bob", "text": ""},
        {"to": "bob", "text": {"a": 1}},
        {"room": "chat", "kind": "video", "text": "x"},
        {"room": "chat", "kind": 3, "text": "x"},
        # Field checks come before the membership and nick checks.
        {"room": "elsewhere", "text": ""},
        {"to": "nobody", "text": 1},
    ]
    for fields in cases:
        a.send(dict(fields, type="msg", id="bad"))
        try:
            a.expect_error("bad_request", re="bad")
        except AssertionError as e:
            raise AssertionError("%r: %s" % (fields, e))
    for x in (a, b, c):
        x.expect_quiet()


def test_text_length(srv):
    a, b, c = room_of_three(srv)
    for text in ("x" * 4096, "é" * 2048, "€" * 1365 + "x", "😀" * 1024):
        assert len(text.encode()) == 4096
        a.send({"type": "msg", "room": "chat", "text": text, "id": "ok"})
        a.expect_next("msg", text=text, re="ok")
        b.expect_next("msg", text=text)
    for text in ("x" * 4097, "é" * 2048 + "x", "😀" * 1025):
        a.send({"type": "msg", "room": "chat", "text": text, "id": "long"})
        a.expect_error("text_too_long", re="long")
        a.send({"type": "msg", "to": "bob", "text": text, "id": "long2"})
        a.expect_error("text_too_long", re="long2")
    b.expect_quiet()


@t.daemon_args("--max-text", "100")
def test_max_text_option(srv):
    a = srv.connect()
    a.send({"type": "hello", "nick": "short"})
    a.expect_next("welcome", max_text=100)
    a.join("r")
    a.send({"type": "msg", "room": "r", "text": "é" * 50, "id": 1})
    a.expect_next("msg", re=1)
    a.send({"type": "msg", "room": "r", "text": "x" * 101, "id": 2})
    a.expect_error("text_too_long", re=2)


def test_nul_never_cuts_a_text(srv):
    # A text with U+0000 is refused or relayed whole, never cut short.
    a, b, c = room_of_three(srv)
    a.send({"type": "msg", "room": "chat", "text": "hi\u0000there", "id": 1})
    f = a.recv()
    if f["type"] == "error":
        assert f["code"] in ("bad_frame", "bad_request"), f
        b.expect_quiet()
    else:
        assert f["type"] == "msg" and f["text"] == "hi\u0000there", f
        b.expect_next("msg", text="hi\u0000there")


def test_text_content_relayed_unchanged(srv):
    a, b, c = room_of_three(srv)
    for text in ("with spaces  and\ttabs", "line1\nline2", 'quote " \\ /',
                 "日本語 ünïcødé 😀", "\u2028\u2029", "<b>&amp;</b>",
                 "\u00a0"):
        a.send({"type": "msg", "room": "chat", "text": text})
        a.expect_next("msg", text=text)
        b.expect_next("msg", text=text)


t.run(globals())
