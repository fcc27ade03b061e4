# test-nick.py: end-to-end tests of the nick, away and whois requests and of hello's "events": what a
# version-1 client sees of a nick change and what one that asked sees, refusals, roles and mutes that follow.
import os
import subprocess
import tempfile
import time

import evchat_test as t
from evchat_test import ABSENT

PW = "correct horse"
OPS = ["--max-clients-per-ip", "0", "--rate", "0"]


def account(srv, nick, **hello):
    """A client registered as nick and logged in to its new account."""
    c = srv.connect()
    c.hello(nick, **hello)
    c.request({"type": "register", "password": PW}, "registered")
    return c


def join_all(clients, *rooms):
    """Every client joins every room, each seeing the others come."""
    for room in rooms:
        for c in clients:
            c.join(room)
            for x in clients:
                x.drain()


def nick(c, new, **fields):
    """Change c's nick; the reply (or error, with code=) is returned."""
    req = {"type": "nick", "nick": new}
    if "account_password" in fields:
        req["account_password"] = fields.pop("account_password")
    if "code" in fields:
        return c.request(req, **fields)
    return c.request(req, "nick", exact=True, nick=new, **fields)


@t.daemon_args(*OPS)
def test_v1_sees_part_join_new_sees_one_event(srv):
    v1 = srv.client("old")
    new = srv.connect()
    new.hello("new", events=["nick", "from-the-future"])
    w1 = srv.client("w1", presence=True)
    w2 = srv.connect()
    w2.hello("w2", presence=True, events=["nick"])
    w1.drain()
    b = srv.client("bob")
    join_all((v1, new, b), "r1", "r2")
    for c in (w1, w2):
        c.drain()
    nick(b, "bobby")
    b.expect_quiet()
    for room in ("r1", "r2"):
        v1.expect_next("presence", exact=True, room=room, nick="bob",
                       event="part", reason="nick change")
        v1.expect_next("presence", exact=True, room=room, nick="bobby",
                       event="join", reason="nick change")
    v1.expect_quiet()
    # Two shared rooms, one event.
    new.expect_next("presence", exact=True, nick="bob", event="nick",
                    new="bobby")
    new.expect_quiet()
    w1.expect_next("presence", exact=True, nick="bob", event="offline",
                   reason="nick change")
    w1.expect_next("presence", exact=True, nick="bobby", event="online")
    w1.expect_quiet()
    w2.expect_next("presence", exact=True, nick="bob", event="nick",
                   new="bobby")
    w2.expect_quiet()
    # Rooms follow, and the old nick is free.
    v1.request({"type": "who", "room": "r2"}, nicks=["bobby", "new", "old"])
    b.send({"type": "msg", "room": "r1", "text": "hi"})
    new.expect_next("msg", room="r1", text="hi", **{"from": "bobby"})
    srv.client("Bob")
    v1.drain()
    v1.request({"type": "msg", "to": "bobby", "text": "x"}, "msg")
    b.expect("msg", to="bobby", text="x")


@t.daemon_args(*OPS)
def test_hello_events_must_be_strings(srv):
    c = srv.connect()
    for bad in ("nick", ["nick", 1], {"nick": True}):
        c.send({"type": "hello", "nick": "x", "events": bad, "id": 1})
        c.expect_next("error", code="bad_request", re=1,
                      message="events must be an array of strings")
    assert c.hello("x", events=[])["nick"] == "x"


@t.daemon_args(*OPS)
def test_refusals_and_letter_case(srv):
    srv.client("alice")
    account(srv, "carol").close()
    b = srv.client("bob")
    mate = srv.client("mate")
    join_all((b, mate), "room")
    nick(b, "ALICE", code="nick_taken",
         message="nick ALICE is already in use")
    nick(b, "\u0430lice", code="nick_taken",
         message="nick \u0430lice is confusable with one in use")
    nick(b, "bad nick", code="invalid_nick")
    nick(b, "Carol", code="nick_registered",
         message="nick carol is registered: its account password is needed")
    nick(b, "c\u0430rol", code="nick_registered",
         message="nick c\u0430rol is confusable with a registered one")
    nick(b, "carol", code="bad_password", account_password="wrong guess")
    mate.expect_quiet()
    # The same nick again: a reply, nobody told; another case: a change.
    nick(b, "bob")
    mate.expect_quiet()
    nick(b, "Bob")
    mate.expect_next("presence", nick="bob", event="part")
    mate.expect_next("presence", nick="Bob", event="join")
    # The account's password logs the session in to it.
    nick(b, "CAROL", account_password=PW)
    mate.expect_next("presence", nick="Bob", event="part")
    mate.expect_next("presence", nick="CAROL", event="join")
    w = mate.request({"type": "whois", "nick": "carol"}, "whois")
    assert w["nick"] == "CAROL" and w["account"] == "carol", w
    mate.request({"type": "who", "room": "room"}, nicks=["CAROL", "mate"],
                 accounts=["CAROL"])


def test_registered_only_server(srv):
    """With guests = no, a session may not leave for a guest's nick."""
    with tempfile.TemporaryDirectory() as tmp:
        store = "sqlite:" + os.path.join(tmp, "evchat.db")
        r = subprocess.run([os.environ["EVCHATD"], "--config", "/dev/null",
                            "--store", store, "--account", "add", "ana"],
                           input=PW + "\n", capture_output=True, text=True,
                           timeout=t.TIMEOUT * 4)
        if r.returncode == 78:
            raise t.Skip("store sqlite is not built in")
        assert r.returncode == 0, r
        with t.Server(["--store", store, "--guests", "no"]) as s:
            c = s.connect()
            c.hello("ana", account_password=PW)
            nick(c, "someone", code="not_permitted",
                 message="this server admits registered nicks only")
            nick(c, "ANA")


@t.daemon_args(*OPS)
def test_roles_and_mutes_follow(srv):
    teacher = account(srv, "teacher")
    teacher.join("class")
    teacher.request({"type": "claim", "room": "class"}, "claimed")
    student = srv.client("student")
    student.join("class")
    teacher.drain()
    teacher.request({"type": "mute", "room": "class", "nick": "student"},
                    "muted")
    teacher.drain()
    student.drain()
    # The muted one is still muted under another nick.
    nick(student, "pupil")
    student.request({"type": "msg", "room": "class", "text": "hi"},
                    code="muted")
    # The owner keeps the room under another nick: roles are the account's.
    teacher.drain()
    nick(teacher, "prof")
    student.expect_next("presence", nick="teacher", event="part")
    student.expect_next("presence", nick="prof", event="join")
    w = student.request({"type": "whois", "nick": "prof"}, "whois")
    assert w["account"] == "teacher", w
    # "accounts" lists nicks that are an account's: prof is not one.
    student.request({"type": "who", "room": "class"}, nicks=["prof", "pupil"],
                    accounts=ABSENT)
    teacher.drain()
    teacher.request({"type": "unmute", "room": "class", "nick": "pupil"},
                    "unmuted")
    teacher.expect_next("presence", nick="pupil", event="unmute", by="prof")
    teacher.request({"type": "topic", "room": "class", "text": "T"}, "topic")
    # The account's nick stays its own: a guest cannot take it...
    srv.connect().send({"type": "hello", "nick": "teacher", "id": 1})
    g = srv.client("guest")
    nick(g, "Teacher", code="nick_registered")
    # ...and the session logged in to it takes it back without password.
    teacher.expect_next("presence", nick="prof", event="topic", topic="T")
    nick(teacher, "Teacher")
    student.drain()
    student.request({"type": "who", "room": "class"},
                    nicks=["pupil", "Teacher"], accounts=["Teacher"])


@t.daemon_args(*OPS)
def test_unregister_drops_every_session_of_the_account(srv):
    """Once its nick is left, a second session may log in to an account;
    dropping it makes both guests (none keeps a freed account)."""
    first = account(srv, "ana")
    nick(first, "ana-away")
    second = srv.connect()
    second.hello("ana", account_password=PW)
    second.request({"type": "unregister", "password": PW}, "unregistered")
    w = second.request({"type": "whois", "nick": "ana-away"}, "whois")
    assert "account" not in w, w
    first.request({"type": "passwd", "old": PW, "new": PW + "!"},
                  code="not_permitted")


@t.daemon_args(*OPS)
def test_away_and_back(srv):
    a = srv.client("alice")
    b = srv.connect()
    b.hello("bob", events=["away"])
    v1 = srv.client("carol")
    far = srv.connect()
    far.hello("far", events=["away"])       # shares no room
    join_all((a, b, v1), "room")
    a.request({"type": "away", "message": "lunch"}, "away", exact=True,
              away=True)
    b.expect_next("presence", exact=True, nick="alice", event="away",
                  reason="lunch")
    v1.expect_quiet()
    far.expect_quiet()
    a.request({"type": "away", "message": "lunch"}, "away", away=True)
    b.expect_quiet()
    # A private message to an away nick: who asked hears it, after the echo.
    b.send({"type": "msg", "to": "alice", "text": "hi", "id": 5})
    b.expect_next("msg", to="alice", re=5)
    b.expect_next("presence", exact=True, nick="alice", event="away",
                  reason="lunch")
    v1.send({"type": "msg", "to": "alice", "text": "hi", "id": 6})
    v1.expect_next("msg", to="alice", re=6)
    v1.expect_quiet()
    w = v1.request({"type": "whois", "nick": "alice"}, "whois")
    assert w["away"] == "lunch", w
    a.drain()
    a.request({"type": "away", "message": "x" * 301}, code="text_too_long")
    a.request({"type": "away"}, "away", exact=True, away=False)
    b.expect_next("presence", exact=True, nick="alice", event="back")
    v1.expect_quiet()
    b.send({"type": "msg", "to": "alice", "text": "back?", "id": 7})
    b.expect_next("msg", re=7)
    b.expect_quiet()
    w = v1.request({"type": "whois", "nick": "alice"}, "whois")
    assert "away" not in w, w


@t.daemon_args(*OPS)
def test_away_joiner_is_told_after_its_join(srv):
    """An away client joining a room: the members that asked for away
    events get its away event right after its join (as away-notify has
    it on IRC); a version-1 client sees the join alone."""
    a = srv.client("alice")
    a.request({"type": "away", "message": "lunch"}, "away", away=True)
    b = srv.connect()
    b.hello("bob", events=["away"])
    v1 = srv.client("carol")
    join_all((b, v1), "room")
    b.drain()
    a.join("room")
    b.expect_next("presence", exact=True, room="room", nick="alice",
                  event="join")
    b.expect_next("presence", exact=True, nick="alice", event="away",
                  reason="lunch")
    b.expect_quiet()
    v1.expect_next("presence", exact=True, room="room", nick="alice",
                   event="join")
    v1.expect_quiet()
    # A nick change seen as a part and a join is followed by it too.
    nick(a, "alicia")
    b.expect_next("presence", nick="alice", event="part")
    b.expect_next("presence", nick="alicia", event="join")
    b.expect_next("presence", exact=True, nick="alicia", event="away",
                  reason="lunch")
    b.expect_quiet()
    v1.expect_next("presence", nick="alice", event="part")
    v1.expect_next("presence", nick="alicia", event="join")
    v1.expect_quiet()
    # Back, a join is a join alone.
    a.request({"type": "away"}, "away", away=False)
    b.expect_next("presence", exact=True, nick="alicia", event="back")
    a.request({"type": "part", "room": "room"}, "parted")
    b.expect_next("presence", nick="alicia", event="part")
    a.join("room")
    b.expect_next("presence", nick="alicia", event="join")
    b.expect_quiet()


@t.daemon_args(*OPS)
def test_whois(srv):
    a = account(srv, "ana")
    a.join("r1")
    a.join("r2")
    g = srv.client("guest")
    w = g.request({"type": "whois", "nick": "ANA"}, "whois")
    assert sorted(w) == ["account", "idle", "nick", "re", "rooms", "secure",
                         "signon", "type"], w
    assert w["nick"] == "ana" and w["account"] == "ana", w
    assert w["rooms"] == ["r1", "r2"], w
    assert w["secure"] is True, w
    assert isinstance(w["idle"], int) and w["idle"] >= 0, w
    # The wall clock of its hello: before the guest's, and today.
    assert abs(w["signon"] - time.time() * 1000) < 3600 * 1000, w
    w2 = a.request({"type": "whois", "nick": "guest"}, "whois", rooms=[])
    assert "account" not in w2 and w2["signon"] >= w["signon"], w2
    g.request({"type": "whois", "nick": "nobody"}, code="no_such_user")
    g.request({"type": "whois"}, code="bad_request")


if __name__ == "__main__":
    t.run(globals())
