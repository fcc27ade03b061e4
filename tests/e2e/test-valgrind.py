# test-valgrind.py: a scripted session against evchatd under valgrind: no leak, no memory error, exit 0 on SIGTERM.
# It drives the real evchatd over sockets and knows nothing of the server's code.
import base64
import os
import shutil
import signal
import struct

import evchat_test as t

VALGRIND = os.environ.get("VALGRIND", "")


def stop(srv, *clients):
    """SIGTERM; the clients read their bye and close, as real ones do."""
    srv.send_signal(signal.SIGTERM)
    for c in clients:
        c.expect("bye", reason="server shutting down")
        c.close()
    status = srv.wait()
    assert status == 0, "valgrind/evchatd exit status %s" % status


def test_session(srv):
    """register, join, message, part, quit, then SIGTERM with clients left
    in rooms; the runner requires exit status 0, which valgrind turns into
    1 on any error or definite/indirect leak."""
    a = srv.client("alice", presence=True)
    b = srv.client("bob")
    a.expect_next("presence", nick="bob", event="online")
    a.join("room")
    b.join("ROOM")
    a.expect_next("presence", nick="bob", event="join")
    a.join("second")
    a.send({"type": "msg", "room": "room", "text": "hello", "id": 1})
    a.expect_next("msg", re=1)
    b.expect_next("msg", text="hello")
    b.send({"type": "msg", "to": "ALICE", "text": "psst", "id": 2})
    b.expect_next("msg", to="alice", re=2)
    a.expect_next("msg", to="alice")
    a.send({"type": "msg", "room": "room", "kind": "audio",
            "mime": "audio/ogg", "name": "v.ogg",
            "data": base64.b64encode(b"\x00" * 100).decode()})
    a.expect_next("msg", kind="audio")
    b.expect_next("msg", kind="audio")
    a.request({"type": "rooms"}, "rooms")
    a.request({"type": "who", "room": "room"}, "who")
    a.request({"type": "who"}, "who")
    a.request({"type": "ping", "x": [1, {"y": 2}]}, "pong")

    # Error paths allocate and free too.
    for req, code in (({"type": "join", "room": "a b"}, "invalid_room"),
                      ({"type": "join", "room": "room"}, "already_in_room"),
                      ({"type": "part", "room": "zzz"}, "not_in_room"),
                      ({"type": "msg", "to": "nobody", "text": "x"},
                       "no_such_user"),
                      ({"type": "msg", "room": "room", "text": ""},
                       "bad_request"),
                      ({"type": "msg", "room": "room", "text": "x" * 4097},
                       "text_too_long"),
                      ({"type": "who", "room": "nope"}, "no_such_room"),
                      ({"type": "hello", "nick": "again"},
                       "already_registered"),
                      ({"type": "frob"}, "unknown_type"),
                      ({"type": "ping", "id": {"no": 1}}, "bad_request")):
        a.send(req)
        a.expect_error(code)
    a.send_raw(struct.pack(">I", 5) + b"[1,2]")
    a.expect_error("bad_frame")

    # Part (room destroyed), quit, an abrupt close, a fatal frame.
    a.request({"type": "part", "room": "second", "reason": "x"}, "parted")
    c = srv.client("carol")
    c.join("room")
    c.send({"type": "quit", "reason": "done"})
    c.expect_bye("done")
    d = srv.client("dave")
    d.join("room")
    d.close()
    e = srv.client("erin")
    e.join("room")
    e.send_raw(struct.pack(">I", 0))
    e.expect("bye", reason="bad frame")
    u = srv.connect()
    u.send({"type": "hello", "nick": "bad,nick"})
    u.expect_error("invalid_nick")
    u.close()
    f = srv.client("frank")
    f.send_raw(struct.pack(">I", 10 ** 9))
    f.expect("bye", reason="frame too large")

    # alice and bob stay, in a room, for SIGTERM to clean up, and one
    # client is in the middle of a frame.
    h = srv.client("half")
    h.send_raw(struct.pack(">I", 50) + b'{"type":"msg",')
    a.drain()
    b.drain()
    stop(srv, a, b, h)


@t.daemon_args("--heartbeat", "1", "--timeout", "2")
def test_ping_timeout(srv):
    """The timers' paths: a client pinged, then dropped for silence."""
    p = srv.client("peer", auto_pong=True)
    p.join("r")
    s = srv.client("silent")
    s.join("r")
    p.expect("presence", nick="silent", event="quit", reason="ping timeout",
             timeout=10)
    s.expect("bye", reason="ping timeout")
    stop(srv, p)


@t.daemon_args("--operators", "teacher")
def test_accounts_and_moderation(srv):
    """Accounts, held requests and the lasting state: a register hashed by
    the worker, a claimed room left empty, bans and a topic left for
    SIGTERM to free, every moderation request once."""
    n = [100]

    def req(c, obj, reply=None, **fields):
        """obj answered: other frames (presence) may come first."""
        n[0] += 1
        c.send(dict(obj, id=n[0]))
        return c.expect(reply or "error", re=n[0], **fields)

    a = srv.client("teacher")
    a.join("class")
    a.send({"type": "register", "password": "correct horse", "id": 1})
    a.expect("registered", re=1, timeout=60)
    req(a, {"type": "claim", "room": "class"}, "claimed")
    b = srv.client("kid")
    b.join("class")
    req(a, {"type": "moderator", "room": "class", "nick": "teacher"},
        "moderators")
    req(a, {"type": "topic", "room": "class", "text": "t"}, "topic")
    req(a, {"type": "mute", "room": "class", "nick": "kid"}, "muted")
    req(b, {"type": "msg", "room": "class", "text": "x"}, code="muted")
    req(a, {"type": "unmute", "room": "class", "nick": "kid"}, "unmuted")
    req(a, {"type": "kick", "room": "class", "nick": "kid", "reason": "r"},
        "kicked")
    req(b, {"type": "join", "room": "class"}, "joined")
    req(a, {"type": "ban", "room": "class", "mask": "kid", "duration": 60},
        "banned")
    req(b, {"type": "join", "room": "class"}, code="banned")
    req(a, {"type": "ban", "room": "other", "mask": "x"},
        code="no_such_room")
    req(a, {"type": "ban", "mask": "127.0.0.99"}, "banned")
    req(a, {"type": "ban", "mask": "10.0.0.0/8"}, "banned")
    req(a, {"type": "unban", "mask": "10.0.0.0/8"}, "unbanned")
    req(a, {"type": "kill", "nick": "kid", "reason": "done"}, "killed")
    b.expect("bye", reason="killed by teacher: done")
    req(a, {"type": "part", "room": "class"}, "parted")
    g = srv.connect()
    g.send({"type": "hello", "nick": "TEACHER"})
    g.expect_error("nick_registered")
    g.close()
    a.drain()
    stop(srv, a)


if not VALGRIND:
    t.skip_exit("valgrind not found (Debian package valgrind)")
if not shutil.which(VALGRIND):
    t.skip_exit("VALGRIND=%s is not executable" % VALGRIND)

t.run(globals(), prefix=[VALGRIND, "--leak-check=full", "--error-exitcode=1",
                         "--errors-for-leak-kinds=definite,indirect",
                         "--show-leak-kinds=definite,indirect"],
      tail=300)
