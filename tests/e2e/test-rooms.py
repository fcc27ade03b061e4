# test-rooms.py: end-to-end tests of join, part, rooms and who: members, presence, room names and their errors.
# It drives the real evchatd over sockets and knows nothing of the server's code.
import evchat_test as t
from evchat_test import ABSENT


def test_join_and_presence(srv):
    a = srv.client("alice")
    a.send({"type": "join", "room": "lobby", "id": 1})
    a.expect_next("joined", exact=True, room="lobby", members=["alice"],
                  re=1)
    b = srv.client("bob")
    b.send({"type": "join", "room": "lobby", "id": 2})
    b.expect_next("joined", exact=True, room="lobby",
                  members=["alice", "bob"], re=2)
    a.expect_next("presence", exact=True, room="lobby", nick="bob",
                  event="join")
    b.expect_quiet()
    a.expect_quiet()


def test_members_sorted_by_folded_name(srv):
    nicks = ["bob", "Zed", "carol", "Alice", "_under", "[x]", "Ölaf",
             "Émile"]
    for n in nicks:
        srv.client(n).join("sorted")
    # Folded bytes: "[x]" (0x5b) < "_under" (0x5f) < "alice" < "bob" <
    # "carol" < "zed" < "zz" < "émile" (0xc3 0xa9) < "ölaf" (0xc3 0xb6).
    want = ["[x]", "_under", "Alice", "bob", "carol", "Zed", "zz", "Émile",
            "Ölaf"]
    c = srv.client("zz")
    c.join("sorted", members=want)
    c.request({"type": "who", "room": "sorted"}, room="sorted", nicks=want)
    c.request({"type": "who"}, nicks=want)


def test_already_in_room(srv):
    a = srv.client("carl")
    a.join("Den")
    for room in ("Den", "den", "DEN"):
        a.send({"type": "join", "room": room, "id": "again"})
        a.expect_error("already_in_room", re="again")
    a.request({"type": "who", "room": "den"}, room="Den", nicks=["carl"])


def test_part(srv):
    a = srv.client("ann")
    b = srv.client("ben")
    a.join("hall")
    b.join("hall")
    a.expect_next("presence", room="hall", nick="ben", event="join")
    b.send({"type": "part", "room": "HALL", "reason": "lunch", "id": "p"})
    b.expect_next("parted", exact=True, room="hall", re="p")
    a.expect_next("presence", exact=True, room="hall", nick="ben",
                  event="part", reason="lunch")
    b.join("hall")
    a.expect_next("presence", room="hall", nick="ben", event="join")
    b.send({"type": "part", "room": "hall"})
    b.expect_next("parted", exact=True, room="hall")
    a.expect_next("presence", exact=True, room="hall", nick="ben",
                  event="part")
    b.expect_quiet()
    a.request({"type": "who", "room": "hall"}, nicks=["ann"])


def test_part_not_in_room(srv):
    a = srv.client("dan")
    b = srv.client("eve")
    b.join("elsewhere")
    for room in ("nowhere", "elsewhere"):
        a.send({"type": "part", "room": room, "id": 4})
        a.expect_error("not_in_room", re=4)
    a.join("mine")
    a.request({"type": "part", "room": "mine"}, "parted")
    a.send({"type": "part", "room": "mine", "id": 5})
    a.expect_error("not_in_room", re=5)


def test_invalid_room(srv):
    a = srv.client("fay")
    for room in ("", "a b", "a,b", "#a,#b", "x" * 65, "é" * 65, "tab\t",
                 "ctl\x01x", "c1\x9f", "nb\u00a0sp", "ideo\u3000sp"):
        for kind in ("join", "part"):
            a.send({"type": kind, "room": room, "id": kind})
            a.expect_error("invalid_room", re=kind)
        # No room has that name, and none can: either answer is right.
        a.send({"type": "who", "room": room, "id": "who"})
        a.expect_error(lambda c: c in ("invalid_room", "no_such_room"),
                       re="who")
        a.send({"type": "msg", "room": room, "text": "x", "id": "m"})
        a.expect_error(lambda c: c in ("invalid_room", "not_in_room"),
                       re="m")


def test_valid_room_names(srv):
    a = srv.client("gil")
    for room in ("#general", "x" * 64, "é" * 64, "a:b@c/d", "日本"):
        a.join(room)
        a.request({"type": "who", "room": room}, room=room, nicks=["gil"])


def test_room_bad_request(srv):
    a = srv.client("gus")
    for req in ({"type": "join"},
                {"type": "join", "room": 3},
                {"type": "join", "room": None},
                {"type": "part"},
                {"type": "part", "room": ["x"]},
                {"type": "who", "room": 1},
                {"type": "part", "room": "x", "reason": 5}):
        a.send(dict(req, id="b"))
        try:
            a.expect_error("bad_request", re="b")
        except AssertionError as e:
            raise AssertionError("%r: %s" % (req, e))


def test_room_destroyed_when_empty(srv):
    a = srv.client("hal")
    b = srv.client("ida")
    a.join("Temp")
    b.join("temp")
    a.expect_next("presence", nick="ida", event="join")
    a.request({"type": "part", "room": "temp"}, "parted", room="Temp")
    b.expect_next("presence", room="Temp", nick="hal", event="part")
    b.request({"type": "rooms"}, rooms=[{"name": "Temp", "members": 1}])
    b.request({"type": "part", "room": "TEMP"}, "parted", room="Temp")
    b.request({"type": "rooms"}, rooms=[])
    b.request({"type": "who", "room": "Temp"}, code="no_such_room")
    # A new room of that name takes the new case.
    b.request({"type": "join", "room": "TEMP"}, "joined", room="TEMP",
              members=["ida"])


def test_room_destroyed_on_quit_and_close(srv):
    a = srv.client("jan")
    b = srv.client("kim")
    a.join("gone1")
    b.join("gone2")
    a.send({"type": "quit"})
    a.expect_bye("client quit")
    w = srv.client("watch", presence=True)
    b.close()
    w.expect_next("presence", nick="kim", event="offline")
    w.request({"type": "rooms"}, rooms=[])
    for room in ("gone1", "gone2"):
        w.request({"type": "who", "room": room}, code="no_such_room")


def test_rooms_list(srv):
    a = srv.client("lee")
    b = srv.client("max")
    c = srv.connect()
    c.hello("ned")
    c.request({"type": "rooms"}, exact=True, rooms=[])
    for room in ("beta", "Alpha", "gamma", "_x", "Zulu", "émoji"):
        a.join(room)
    b.join("BETA")
    b.join("zulu")
    c.join("beta")
    c.request({"type": "rooms"}, exact=True, rooms=[
        {"name": "_x", "members": 1},
        {"name": "Alpha", "members": 1},
        {"name": "beta", "members": 3},
        {"name": "gamma", "members": 1},
        {"name": "Zulu", "members": 2},
        {"name": "émoji", "members": 1},
    ])


def test_who(srv):
    a = srv.client("Oscar")
    b = srv.client("pam")
    srv.connect()                       # not registered: not listed
    c = srv.client("quinn")
    a.join("w1")
    c.join("W1")
    a.expect_next("presence", room="w1", nick="quinn", event="join")
    a.request({"type": "who"}, exact=True, nicks=["Oscar", "pam", "quinn"],
              room=ABSENT)
    b.request({"type": "who", "room": "w1"}, exact=True, room="w1",
              nicks=["Oscar", "quinn"])
    b.request({"type": "who", "room": "nope"}, code="no_such_room")
    # Anyone may ask about a room without being in it.
    b.send({"type": "who", "room": "W1"})
    b.expect_next("who", room="w1", nicks=["Oscar", "quinn"], re=ABSENT)


def test_case_insensitive_room_keeps_first_case(srv):
    a = srv.client("ray")
    b = srv.client("sue")
    a.request({"type": "join", "room": "MyRoom"}, "joined", room="MyRoom")
    b.request({"type": "join", "room": "MYROOM"}, "joined", room="MyRoom",
              members=["ray", "sue"])
    a.expect_next("presence", room="MyRoom", nick="sue", event="join")
    b.request({"type": "part", "room": "myroom"}, "parted", room="MyRoom")
    a.expect_next("presence", room="MyRoom", nick="sue", event="part")
    # Folding is Unicode's: "ÉTÉ" and "été" are one room.
    a.join("été")
    b.request({"type": "join", "room": "ÉTÉ"}, "joined", room="été",
              members=["ray", "sue"])


def test_presence_not_echoed_to_joiner(srv):
    a = srv.client("tom")
    a.join("solo")
    a.expect_quiet()
    a.request({"type": "part", "room": "solo", "reason": "bye"}, "parted")
    a.expect_quiet()


t.run(globals())
