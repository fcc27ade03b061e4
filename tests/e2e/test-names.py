# test-names.py: end-to-end tests of the Unicode rules for nicks, rooms and file names: hidden code points refused,
# NFC kept, full case folding and confusable nicks; it drives the real evchatd over sockets and knows nothing of its code.
import base64

import evchat_test as t

# The invisible, reversed and unseen-mark names, and one of each
# other hidden class (see NICKS AND ROOM NAMES in evchat-protocol(7)).
HIDDEN = [
    "\u200b",                   # zero width space alone
    "ann\u200b",
    "\u2800",                   # braille pattern blank
    "\u0301",                   # a lone combining mark
    "\u0301ann",                # a mark with no base
    "ann\U000e0041",            # tag character
    "\U000e0041\U000e0042",
    "\u202enna",                # right-to-left override
    "gnp.\u202eexe",
    "ann\u2066",                # left-to-right isolate
    "\u3164",                   # Hangul filler
    "ann\ufe0f",                # variation selector
    "ann\u034f",                # combining grapheme joiner
    "ann\ue000",                # private use
    "ann\u0378",                # unassigned
    "ann\u0301\u0301",          # the same mark twice
    "ann\u00ad",                # soft hyphen
]


def test_hidden_nicks_refused(srv):
    c = srv.connect()
    for nick in HIDDEN:
        c.send({"type": "hello", "nick": nick, "id": 1})
        c.expect_error("invalid_nick", re=1)
    c.hello("ann")


def test_hidden_rooms_refused(srv):
    a = srv.client("fay")
    for room in HIDDEN:
        a.send({"type": "join", "room": room, "id": "j"})
        a.expect_error("invalid_room", re="j")
    a.request({"type": "rooms"}, "rooms", rooms=[])


def test_hidden_file_names_refused(srv):
    a, b = srv.pair("files")
    data = base64.b64encode(b"x").decode()
    for name in ("gnp.\u202eexe", "a\u200b.png", "\u2800.png",
                 "\u0301.png", "a\U000e0041.png", "a\ue000.txt"):
        a.send({"type": "msg", "room": "files", "kind": "file",
                "mime": "image/png", "name": name, "data": data, "id": "f"})
        a.expect_error("bad_request", re="f")
    b.expect_quiet()


def test_ascii_unchanged(srv):
    """ASCII names fold A-Z only and are never refused as confusable."""
    a = srv.client("Alice")
    for nick in ("bill", "bi11", "rn", "m", "O0", "oo", "l", "I"):
        srv.client(nick)
    b = srv.connect()
    for nick in ("alice", "ALICE", "BILL", "RN", "i"):
        b.send({"type": "hello", "nick": nick, "id": 2})
        b.expect_error("nick_taken", re=2)
    a.request({"type": "who"}, nicks=["Alice", "bi11", "bill", "I", "l",
                                      "m", "O0", "oo", "rn"])


def test_nfc_kept(srv):
    """What others see is the NFC form of what was sent."""
    w = srv.client("watcher", presence=True)
    c = srv.connect()
    c.send({"type": "hello", "nick": "Jose\u0301", "id": 3})
    c.expect_next("welcome", nick="Jos\u00e9", re=3)
    w.expect_next("presence", nick="Jos\u00e9", event="online")
    k = srv.connect()
    k.send({"type": "hello", "nick": "\u212aate"})  # Kelvin sign
    k.expect_next("welcome", nick="Kate")
    c.request({"type": "join", "room": "Cafe\u0301"}, "joined",
              room="Caf\u00e9")


def test_nick_taken_folded(srv):
    """Full case folding of the NFC forms: é precomposed or decomposed,
    É and é, ß and ss, the Kelvin sign and k are the same."""
    srv.client("Jos\u00e9")
    srv.client("Stra\u00dfe")
    srv.client("kate")
    b = srv.connect()
    for nick in ("jose\u0301", "JOS\u00c9", "JOSE\u0301", "jos\u00e9",
                 "STRASSE", "strasse", "Stra\u1e9ee", "\u212aATE"):
        b.send({"type": "hello", "nick": nick, "id": 4})
        b.expect_error("nick_taken", re=4)
    b.hello("Josef")


def test_nick_taken_confusable(srv):
    """A nick with the same UTS #39 skeleton as one in use, one of the
    two not all ASCII, is taken."""
    srv.client("ann")
    srv.client("ana")
    srv.client("paypal")
    srv.client("\u0441at")              # Cyrillic с
    b = srv.connect()
    for nick in ("\u0430nn", "\u0410NN", "\u0391NA", "\u03b1na",
                 "p\u0430yp\u0430l", "cat", "CAT", "\u0441\u0430t"):
        b.send({"type": "hello", "nick": nick, "id": 5})
        b.expect_error("nick_taken", re=5)
    b.hello("anne")


def test_confusable_free_after_quit(srv):
    """The skeleton is held while any holder is online: two ASCII nicks
    may share one, and it is free only when both have left."""
    a = srv.client("bill")
    b = srv.client("bi11")
    c = srv.connect()
    a.send({"type": "quit"})
    a.expect_bye("client quit")
    c.send({"type": "hello", "nick": "b\u0456ll", "id": 6})   # Cyrillic і
    c.expect_error("nick_taken", re=6)
    b.send({"type": "quit"})
    b.expect_bye("client quit")
    c.send({"type": "hello", "nick": "b\u0456ll", "id": 7})
    c.expect_next("welcome", nick="b\u0456ll", re=7)
    d = srv.connect()
    for nick in ("bill", "bi11"):
        d.send({"type": "hello", "nick": nick, "id": 8})
        d.expect_error("nick_taken", re=8)


def test_rooms_folded(srv):
    """Rooms fold like nicks: ß and SS, é in both forms are one room,
    named as the join that created it (in NFC)."""
    a = srv.client("alice")
    b = srv.client("bob")
    a.request({"type": "join", "room": "Stra\u00dfe"}, "joined",
              room="Stra\u00dfe")
    b.request({"type": "join", "room": "STRASSE"}, "joined",
              room="Stra\u00dfe", members=["alice", "bob"])
    a.expect_next("presence", room="Stra\u00dfe", nick="bob", event="join")
    a.request({"type": "join", "room": "cafe\u0301"}, "joined",
              room="caf\u00e9")
    b.request({"type": "join", "room": "CAF\u00c9"}, "joined",
              room="caf\u00e9", members=["alice", "bob"])
    a.expect_next("presence", room="caf\u00e9", nick="bob", event="join")
    b.request({"type": "who", "room": "Caf\u00e9"}, "who", room="caf\u00e9",
              nicks=["alice", "bob"])
    # Rooms are not compared by skeleton.
    b.request({"type": "join", "room": "\u0441af\u00e9"}, "joined",
              room="\u0441af\u00e9", members=["bob"])
    a.expect_quiet()


t.run(globals())
