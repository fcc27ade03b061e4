# test-hello.py: end-to-end tests of registration: hello/welcome, request ids, nick rules, errors before hello.
# It drives the real evchatd over sockets and knows nothing of the server's code.
import re
import socket

import evchat_test as t
from evchat_test import ABSENT, ANY


def test_welcome_fields(srv):
    c = srv.connect()
    c.send({"type": "hello", "nick": "Alice", "version": 1, "id": 1})
    c.expect_next("welcome", exact=True, nick="Alice", account=False,
                  server=lambda s: re.fullmatch(r"evchatd \d+\.\d+", s),
                  version=1, heartbeat=30, max_frame=262144, max_text=4096,
                  max_media=160 * 1024, re=1)
    c.expect_quiet()


def test_welcome_without_id_or_version(srv):
    c = srv.connect()
    c.send({"type": "hello", "nick": "bob"})
    c.expect_next("welcome", nick="bob", version=1, re=ABSENT)


@t.daemon_args("--heartbeat", "7", "--timeout", "20", "--max-frame", "5000",
               "--max-media", "3000")
def test_welcome_reflects_options(srv):
    c = srv.connect()
    c.send({"type": "hello", "nick": "carol"})
    c.expect_next("welcome", heartbeat=7, max_frame=5000, max_media=3000,
                  max_text=4096)


def test_id_echo(srv):
    c = srv.client("dave")
    for ident in (7, 0, -3, 2.5, "abc", "", "x" * 64, "é" * 32):
        c.send({"type": "ping", "id": ident})
        c.expect_next("pong", exact=True, re=ident)
    # Errors carry re too.
    c.send({"type": "part", "room": "nowhere", "id": "p1"})
    c.expect_error("not_in_room", re="p1")


def test_bad_id(srv):
    c = srv.client("erin")
    for ident in ({}, [], True, False, None, "x" * 65, "é" * 33):
        c.send({"type": "ping", "id": ident})
        f = c.expect_error("bad_request")
        assert "re" not in f or f["re"] == ident, f
    # The connection is still usable.
    c.request({"type": "ping"}, "pong")


def test_invalid_nicks(srv):
    c = srv.connect()
    bad = ["a b", "a,b", "a:b", "#chan", "a@b", "a/b", "x" * 33, "é" * 33,
           "tab\tx", "nl\n", "ctl\x01", "del\x7f", "c1\x85", "nb\u00a0sp",
           "ideo\u3000sp", "em\u2003sp", "line\u2028sep", ""]
    for nick in bad:
        c.send({"type": "hello", "nick": nick, "id": 1})
        c.expect_error("invalid_nick", re=1)
    # After invalid_nick the connection stays open and hello may follow.
    c.send({"type": "hello", "nick": "é" * 32, "id": 2})
    c.expect_next("welcome", nick="é" * 32, re=2)


def test_hello_bad_request(srv):
    c = srv.connect()
    for req in ({"type": "hello"},
                {"type": "hello", "nick": 5},
                {"type": "hello", "nick": None},
                {"type": "hello", "nick": ["a"]},
                {"type": "hello", "nick": "fred", "version": 2},
                {"type": "hello", "nick": "fred", "version": "1"},
                {"type": "hello", "nick": "fred", "presence": "yes"},
                {"type": "hello", "nick": "fred", "presence": 1},
                {"type": "hello", "nick": "fred", "echo": 0},
                {"type": "hello", "nick": "fred", "echo": "false"},
                {"type": "hello", "nick": "fred", "echo": None}):
        c.send(dict(req, id="h"))
        c.expect_error("bad_request", re="h")
    # None of these registered the client.
    c.send({"type": "who", "id": "w"})
    c.expect_error("not_registered", re="w")
    c.hello("fred", presence=False)


def test_nul_never_cuts_a_nick(srv):
    # "ab\u0000cd" must not register as "ab".
    c = srv.connect()
    c.send({"type": "hello", "nick": "ab\u0000cd", "id": 1})
    c.expect_error(lambda code: code in ("bad_frame", "invalid_nick",
                                         "bad_request"))
    d = srv.client("dd")
    d.request({"type": "who"}, nicks=["dd"])


def test_valid_nick_characters(srv):
    # Punctuation outside ", : # @ /" and non-ASCII letters are fine.
    for nick in ("x", "a-b_c.d", "[bot]", "ünïcødé", "日本語", "a!b?c",
                 "x" * 32):
        c = srv.connect()
        c.send({"type": "hello", "nick": nick})
        c.expect_next("welcome", nick=nick)


def test_nick_taken_case_insensitive(srv):
    a = srv.client("Alice")
    b = srv.connect()
    for nick in ("Alice", "alice", "ALICE", "aLiCe"):
        b.send({"type": "hello", "nick": nick, "id": 3})
        b.expect_error("nick_taken", re=3)
    # Folding is Unicode's full case folding: these are the same nick.
    b.hello("José")
    for i, nick in enumerate(("JOSÉ", "jOSé", "Jose\u0301")):
        c = srv.connect()
        c.send({"type": "hello", "nick": nick, "id": i})
        c.expect_error("nick_taken", re=i)
    # The registered case is kept.
    a.send({"type": "who", "id": 5})
    a.expect_next("who", nicks=["Alice", "José"], re=5)


def test_nick_free_after_quit(srv):
    w = srv.client("watcher", presence=True)
    a = srv.client("Reuse")
    a.send({"type": "quit"})
    a.expect_bye("client quit")
    w.expect_next("presence", nick="Reuse", event="online")
    w.expect_next("presence", nick="Reuse", event="offline")
    b = srv.connect()
    b.send({"type": "hello", "nick": "REUSE"})
    b.expect_next("welcome", nick="REUSE")


def test_already_registered(srv):
    c = srv.client("gina")
    for nick in ("gina", "other"):
        c.send({"type": "hello", "nick": nick, "id": 9})
        c.expect_error("already_registered", re=9)
    c.send({"type": "who", "id": 10})
    c.expect_next("who", nicks=["gina"], re=10)


def test_not_registered(srv):
    c = srv.connect()
    for req in ({"type": "join", "room": "r"},
                {"type": "part", "room": "r"},
                {"type": "msg", "room": "r", "text": "hi"},
                {"type": "msg", "to": "x", "text": "hi"},
                {"type": "rooms"},
                {"type": "who"},
                {"type": "who", "room": "r"},
                {"type": "ping"},
                {"type": "pong"}):
        c.send(dict(req, id="n"))
        c.expect_error("not_registered", re="n")
    c.hello("hank")
    c.request({"type": "rooms"}, rooms=[])


def test_unknown_type(srv):
    c = srv.connect()
    for kind in ("frobnicate", "HELLO", "Join", ""):
        c.send({"type": kind, "id": "u"})
        c.expect_error("unknown_type", re="u")
    c.hello("ivy")
    c.send({"type": "frobnicate", "id": "u2"})
    c.expect_error("unknown_type", re="u2")
    c.request({"type": "ping"}, "pong")


def test_quit_before_hello(srv):
    c = srv.connect()
    c.send({"type": "quit", "reason": "changed my mind"})
    c.expect_bye("changed my mind")
    d = srv.connect()
    d.send({"type": "quit"})
    d.expect_bye("client quit")


@t.daemon_args("--max-clients", "2")
def test_server_full(srv):
    w = srv.client("w1", presence=True)
    a = srv.client("a1")
    w.expect_next("presence", nick="a1", event="online")
    # A third connection is refused whether it says hello or not.
    c = srv.connect()
    try:
        c.send({"type": "hello", "nick": "c1"})
    except OSError:
        pass    # refused at accept and already closed
    c.expect_next("error", code="server_full")
    c.expect_next("bye", reason=ANY)
    c.expect_closed()
    # Once a slot is free again (the watcher saw it go), a client fits.
    a.close()
    w.expect_next("presence", nick="a1", event="offline")
    d = srv.client("d1")
    d.request({"type": "who"}, nicks=["d1", "w1"])


@t.daemon_args(ipv6=True)
def test_ipv6_listener(srv):
    c = srv.connect(host="::1")
    c.hello("six")
    d = srv.client("four")
    d.request({"type": "who"}, nicks=["four", "six"])


def _have_ipv6():
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


if not _have_ipv6():
    del test_ipv6_listener

t.run(globals())
