#!/usr/bin/env python3
# test-history.py: end-to-end tests of room history: the replay a join asks for, the history request
# paging back, the byte budget, retention by count, members only, bad arguments and v1 bytes unchanged.
import time

import evchat_test as t
from evchat_test import ABSENT

LIMITS = ["--rate", "0"]


def replayed(c, room, n):
    """The n history frames that follow a reply, oldest first."""
    frames = [c.expect_next("msg", room=room, history=True)
              for _ in range(n)]
    return frames


@t.daemon_args(*LIMITS)
def test_replay_on_join(srv):
    a = srv.client("alice")
    a.join("hall")
    ids = t.say(a, "hall", 5)
    b = srv.client("bob")
    b.send({"type": "join", "room": "Hall", "history": 3, "id": 9})
    b.expect_next("joined", room="hall", history=3, re=9)
    got = replayed(b, "hall", 3)
    assert [f["msgid"] for f in got] == ids[2:], got
    assert [f["text"] for f in got] == ["m2", "m3", "m4"], got
    # Exactly as first delivered, plus history: no re of alice's.
    assert got[0] == {"type": "msg", "msgid": ids[2], "ts": got[0]["ts"],
                      "from": "alice", "room": "hall", "text": "m2",
                      "history": True}, got[0]
    # Then live messages, without the flag.
    a.send({"type": "msg", "room": "hall", "text": "live"})
    b.expect_next("msg", text="live", history=ABSENT)


@t.daemon_args(*LIMITS)
def test_paging_to_the_beginning(srv):
    a = srv.client("alice")
    a.join("hall")
    ids = t.say(a, "hall", 12)
    msgs, pages = t.history_pages(a, "hall", 5)
    assert [m["msgid"] for m in msgs] == ids, (msgs, ids)
    assert all(m["room"] == "hall" for m in msgs) and pages == 3
    # The newest without before; a before past the start gives none.
    a.request({"type": "history", "room": "hall", "before": ids[0]},
              count=0, more=False)


def page(c, req):
    """The messages a history request sends, then its reply."""
    c.send(req)
    msgs = []
    while True:
        f = c.recv()
        if f["type"] == "history":
            return msgs, f
        assert f["type"] == "msg" and f.get("history") is True, f
        msgs.append(f)


@t.daemon_args(*LIMITS)
def test_paging_forward(srv):
    a = srv.client("alice")
    a.join("hall")
    ids = t.say(a, "hall", 12)
    # Catching up: the oldest after a msgid, page after page.
    got, after = [], ids[2]
    while True:
        msgs, reply = page(a, {"type": "history", "room": "hall",
                               "after": after, "limit": 4, "id": 7})
        assert reply["count"] == len(msgs) and reply["re"] == 7, reply
        got += msgs
        if not reply["more"]:
            break
        after = msgs[-1]["msgid"]
    assert [m["msgid"] for m in got] == ids[3:], (got, ids)
    # Between two msgids; after 0 is from the very first.
    msgs, reply = page(a, {"type": "history", "room": "hall",
                           "after": ids[4], "before": ids[8]})
    assert [m["msgid"] for m in msgs] == ids[5:8] and not reply["more"]
    msgs, reply = page(a, {"type": "history", "room": "hall", "after": 0,
                           "limit": 2})
    assert [m["msgid"] for m in msgs] == ids[:2] and reply["more"]
    a.request({"type": "history", "room": "hall", "after": -1},
              code="bad_request")


@t.daemon_args(*LIMITS, "--history-replay-bytes", "1024")
def test_byte_budget(srv):
    a = srv.client("alice")
    a.join("hall")
    t.say(a, "hall", 20, 0)
    big = "x" * 300
    for i in range(6):
        a.request({"type": "msg", "room": "hall", "text": big}, "msg")
    b = srv.client("bob")
    r = b.request({"type": "join", "room": "hall", "history": 100},
                  "joined")
    # Three of 300 bytes and more fit in 1024, never four.
    assert 1 <= r["history"] <= 3, r
    got = replayed(b, "hall", r["history"])
    assert all(f["text"] == big for f in got), got
    b.expect_quiet(0.2)


@t.daemon_args(*LIMITS, "--history-max", "4")
def test_retention_by_count(srv):
    a = srv.client("alice")
    a.join("hall")
    ids = t.say(a, "hall", 10)
    b = srv.client("bob")
    r = b.request({"type": "join", "room": "hall", "history": 100},
                  "joined")
    assert r["history"] == 4, r
    assert [f["msgid"] for f in replayed(b, "hall", 4)] == ids[6:]


@t.daemon_args(*LIMITS, "--history-max", "0")
def test_history_off(srv):
    a = srv.client("alice")
    a.join("hall")
    t.say(a, "hall", 3)
    b = srv.client("bob")
    b.request({"type": "join", "room": "hall", "history": 10}, "joined",
              history=0)
    b.request({"type": "history", "room": "hall"}, count=0, more=False)


@t.daemon_args(*LIMITS)
def test_members_only_and_bad_arguments(srv):
    a = srv.client("alice")
    a.join("hall")
    t.say(a, "hall", 2)
    b = srv.client("bob")
    b.request({"type": "history", "room": "hall"}, code="not_in_room")
    b.request({"type": "history", "room": "nowhere"}, code="not_in_room")
    for bad in ({"before": 0}, {"before": -1}, {"before": 1.5},
                {"before": "1"}, {"limit": 0}, {"limit": 101},
                {"limit": 2.5}, {"limit": True}):
        req = {"type": "history", "room": "hall"}
        req.update(bad)
        a.request(req, code="bad_request")
    for bad in (-1, 101, 0.5, "3"):
        b.request({"type": "join", "room": "hall", "history": bad},
                  code="bad_request")
    # Refused joins leave bob out, and nothing else arrived.
    b.request({"type": "history", "room": "hall"}, code="not_in_room")


@t.daemon_args(*LIMITS)
def test_v1_clients_see_no_new_frames(srv):
    a = srv.client("alice")
    a.join("hall")
    t.say(a, "hall", 3)
    b = srv.client("bob")
    b.send({"type": "join", "room": "hall", "id": 1})
    b.expect_next("joined", exact=True, room="hall",
                  members=["alice", "bob"], re=1)
    a.expect_next("presence", event="join", nick="bob")
    a.send({"type": "msg", "room": "hall", "text": "hi"})
    b.expect_next("msg", exact=True, msgid=t.ANY, ts=t.ANY, room="hall",
                  text="hi", **{"from": "alice"})
    b.expect_quiet(0.2)


@t.daemon_args(*LIMITS)
def test_history_outlives_the_room(srv):
    a = srv.client("alice")
    a.join("hall")
    ids = t.say(a, "hall", 3)
    a.request({"type": "part", "room": "hall"}, "parted")
    a.request({"type": "rooms"}, rooms=[])
    a.request({"type": "join", "room": "hall", "history": 10}, "joined",
              history=3)
    assert [f["msgid"] for f in replayed(a, "hall", 3)] == ids
    # Private messages are never kept.
    b = srv.client("bob")
    a.request({"type": "msg", "to": "bob", "text": "secret"}, "msg")
    b.expect_next("msg", text="secret")
    b.request({"type": "join", "room": "hall", "history": 10}, "joined",
              history=3)


@t.daemon_args(*LIMITS, "--history-max-age", "2s")
def test_retention_by_age(srv):
    a = srv.client("alice")
    a.join("hall")
    t.say(a, "hall", 3)
    # Pruned from the loop, once a second: past 2 s and a prune, gone.
    time.sleep(3.5)
    fresh = t.say(a, "hall", 1, 10)
    msgs, _ = t.history_pages(a, "hall", 100)
    assert [m["msgid"] for m in msgs] == fresh, msgs
    b = srv.client("bob")
    b.send({"type": "join", "room": "hall", "history": 100, "id": 3})
    b.expect_next("joined", room="hall", history=1, re=3)
    b.expect_next("msg", text="m10", history=True)


t.run(globals())
