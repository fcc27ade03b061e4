# test-moderation.py: end-to-end tests of moderation: claim, moderators, topic, kick, ban, unban, mute,
# kill and server-wide bans, who may do each (not_permitted for others); a restart with a SQLite store.
import os
import tempfile

import evchat_test as t
from evchat_test import ABSENT

PW = "correct horse"
OPS = ["--operators", "root", "--max-clients-per-ip", "0", "--rate", "0"]


def account(srv, nick, bind=None):
    """A client registered as nick and logged in to its new account."""
    c = srv.connect(bind=bind) if bind else srv.connect()
    c.hello(nick)
    c.request({"type": "register", "password": PW}, "registered")
    return c


def owned(srv, room="class"):
    """teacher owns room, where the guest student is too."""
    teacher = account(srv, "teacher")
    teacher.join(room)
    teacher.request({"type": "claim", "room": room}, "claimed", room=room,
                    owner="teacher")
    student = srv.client("student")
    student.join(room)
    teacher.expect_next("presence", nick="student", event="join")
    return teacher, student


@t.daemon_args(*OPS)
def test_claim_rules(srv):
    g = srv.client("guest")
    g.join("hall")
    g.request({"type": "claim", "room": "hall"}, code="not_permitted")
    a = account(srv, "ana")
    a.join("hall")
    b = account(srv, "ben")
    b.join("hall")
    a.expect_next("presence", nick="ben", event="join")
    # Only the first account in the room may claim it.
    b.request({"type": "claim", "room": "hall"}, code="not_permitted")
    a.request({"type": "claim", "room": "hall"}, "claimed", owner="ana")
    a.request({"type": "claim", "room": "hall"}, code="not_permitted")
    a.request({"type": "claim", "room": "nowhere"}, code="not_in_room")


@t.daemon_args(*OPS)
def test_kick_by_owner_not_by_others(srv):
    teacher, student = owned(srv)
    other = srv.client("other")
    other.join("class")
    teacher.expect_next("presence", nick="other", event="join")
    student.expect_next("presence", nick="other", event="join")
    student.request({"type": "kick", "room": "class", "nick": "other"},
                    code="not_permitted")
    student.request({"type": "kick", "room": "class", "nick": "teacher"},
                    code="not_permitted")
    teacher.request({"type": "kick", "room": "class", "nick": "student",
                     "reason": "be nice"}, "kicked", nick="student")
    for c in (teacher, student, other):
        c.expect("presence", room="class", nick="student", event="part",
                 by="teacher", sanction="kick", reason="be nice")
    # The kicked one is out of the room, and may come back.
    student.request({"type": "msg", "room": "class", "text": "hi"},
                    code="not_in_room")
    student.join("class")


@t.daemon_args(*OPS)
def test_ban_by_nick_in_any_case_and_unban(srv):
    teacher, student = owned(srv)
    teacher.request({"type": "ban", "room": "class", "mask": "STUDENT",
                     "reason": "spam"}, "banned", mask="student")
    for c in (teacher, student):
        c.expect_next("presence", nick="student", event="part",
                      sanction="ban", reason="spam", by="teacher")
    student.request({"type": "join", "room": "Class"}, code="banned")
    student.request({"type": "ban", "room": "class", "mask": "teacher"},
                    code="not_permitted")
    teacher.request({"type": "unban", "room": "class", "mask": "Student"},
                    "unbanned", mask="student")
    teacher.request({"type": "unban", "room": "class", "mask": "student"},
                    code="bad_request")
    student.join("class")


@t.daemon_args(*OPS)
def test_mute(srv):
    teacher, student = owned(srv)
    teacher.request({"type": "mute", "room": "class", "nick": "student"},
                    "muted", nick="student")
    student.expect_next("presence", nick="student", event="mute",
                        by="teacher")
    student.request({"type": "msg", "room": "class", "text": "hello"},
                    code="muted")
    # A muted member still receives.
    teacher.send({"type": "msg", "room": "class", "text": "quiet please"})
    student.expect("msg", text="quiet please", **{"from": "teacher"})
    # Private messages are not a room's to stop.
    student.send({"type": "msg", "to": "teacher", "text": "sorry"})
    teacher.expect("msg", text="sorry")
    teacher.request({"type": "unmute", "room": "class", "nick": "student"},
                    "unmuted")
    student.send({"type": "msg", "room": "class", "text": "thanks", "id": 9})
    student.expect("msg", text="thanks", re=9)


@t.daemon_args(*OPS)
def test_moderators_and_topic(srv):
    teacher, student = owned(srv)
    helper = account(srv, "helper")
    helper.join("class")
    for c in (teacher, student):
        c.expect_next("presence", nick="helper", event="join")
    helper.request({"type": "topic", "room": "class", "text": "x"},
                   code="not_permitted")
    student.request({"type": "moderator", "room": "class",
                     "nick": "helper"}, code="not_permitted")
    teacher.request({"type": "moderator", "room": "class",
                     "nick": "Helper"}, "moderators", owner="teacher",
                    moderators=["helper"])
    helper.request({"type": "topic", "room": "class", "text": "Chapter 3"},
                   "topic", topic="Chapter 3", topic_by="helper")
    for c in (helper, teacher, student):
        c.expect_next("presence", room="class", nick="helper",
                      event="topic", topic="Chapter 3")
    # Anyone may read it, member or not; joiners see it.
    g = srv.client("passer")
    g.request({"type": "topic", "room": "class"}, "topic",
              topic="Chapter 3")
    j = g.join("class")
    assert j["topic"] == "Chapter 3" and j["topic_by"] == "helper", j
    # Who moderates is named beside the members, guests never.
    assert j["roles"] == {"teacher": "owner", "helper": "moderator"}, j
    w = g.request({"type": "who", "room": "class"}, "who")
    assert w["roles"] == j["roles"], w
    w = g.request({"type": "who"}, "who", roles=t.ABSENT)
    for c in (helper, teacher, student):
        c.expect_next("presence", nick="passer", event="join")
    # A moderator cannot act on another moderator or the owner.
    helper.request({"type": "kick", "room": "class", "nick": "teacher"},
                   code="not_permitted")
    teacher.request({"type": "moderator", "room": "class", "nick": "helper",
                     "remove": True}, "moderators", moderators=[])
    helper.request({"type": "mute", "room": "class", "nick": "student"},
                   code="not_permitted")


@t.daemon_args(*OPS)
def test_operator_kill_and_kick_anywhere(srv):
    root = account(srv, "root")
    a = srv.client("alice")
    a.join("lobby")
    a.request({"type": "kill", "nick": "root"}, code="not_permitted")
    # An unclaimed room is moderated by operators only.
    root.request({"type": "kick", "room": "lobby", "nick": "alice"},
                 "kicked")
    a.expect("presence", nick="alice", event="part", sanction="kick",
             by="root")
    b = srv.client("bob")
    b.join("lobby")
    a.join("lobby")
    b.expect_next("presence", nick="alice", event="join")
    root.request({"type": "kill", "nick": "alice", "reason": "enough"},
                 "killed", nick="alice")
    a.expect_bye("killed by root: enough")
    b.expect_next("presence", nick="alice", event="quit",
                  reason="killed by root: enough")


@t.daemon_args(*OPS)
def test_server_ban_by_address(srv):
    root = account(srv, "root", bind="127.0.0.1")
    victim = srv.connect(bind="127.0.0.9")
    victim.hello("victim")
    guest = srv.client("guest")
    guest.request({"type": "ban", "mask": "127.0.0.9"},
                  code="not_permitted")
    root.request({"type": "ban", "mask": "127.0.0.8/31",
                  "reason": "abuse"}, "banned", mask="127.0.0.8/31",
                 room=ABSENT)
    victim.expect_next("error", code="banned")
    victim.expect_bye("banned")
    again = srv.connect(bind="127.0.0.8")
    again.expect_next("error", code="banned")
    again.expect_bye("banned")
    root.request({"type": "unban", "mask": "127.0.0.8/31"}, "unbanned")
    srv.connect(bind="127.0.0.9").hello("back")


def sqlite_store(tmp):
    store = "sqlite:" + os.path.join(tmp, "evchat.db")
    import subprocess
    r = subprocess.run([os.environ["EVCHATD"], "--config", "/dev/null",
                        "--store", store, "--check-config"],
                       capture_output=True, text=True, timeout=t.TIMEOUT)
    if r.returncode != 0:
        raise t.Skip("store sqlite is not built in: " + r.stderr.strip())
    return store


def test_restart_keeps_owners_topics_and_bans(srv):
    with tempfile.TemporaryDirectory() as tmp:
        store = sqlite_store(tmp)
        args = ["--store", store] + OPS
        with t.Server(args) as s:
            teacher, student = owned(s)
            teacher.request({"type": "topic", "room": "class",
                             "text": "kept"}, "topic")
            teacher.expect_next("presence", event="topic", topic="kept")
            teacher.request({"type": "ban", "room": "class",
                             "mask": "student"}, "banned")
            root = account(s, "root")
            root.request({"type": "ban", "mask": "127.0.0.77"}, "banned")
        with t.Server(args) as s:
            c = s.connect()
            c.hello("teacher", account_password=PW)
            j = c.join("class")
            assert j["topic"] == "kept", j
            c.request({"type": "kick", "room": "class", "nick": "teacher"},
                      code="not_permitted")
            st = s.client("student")
            st.request({"type": "join", "room": "class"}, code="banned")
            x = s.connect(bind="127.0.0.77")
            x.expect_next("error", code="banned")


t.run(globals())
