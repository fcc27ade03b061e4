# test-cli-hostile.py: evchat-cli against a server that sends what it likes (a socket in this script): file
# names escaping the download folder, junk frames, terminal escapes, a bye, history replays out of the usual
# order, whois replies and presence events of any shape, the events each mode asks for.  It knows nothing of
# the client's code.
import base64
import json
import os
import re
import select
import socket
import tempfile
import time

import cli_test as c
import evchat_test as t


class FakeServer:
    """One accepted connection from the client, spoken to frame by frame."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.port = self.listener.getsockname()[1]
        self.sock = None
        self.reader = t.FrameReader()

    def accept(self, nick):
        """Accept the client, read its hello, answer welcome; returns the
        hello."""
        self.listener.settimeout(t.TIMEOUT)
        self.sock, _ = self.listener.accept()
        hello = self.recv()
        assert hello["type"] == "hello" and hello["nick"] == nick, hello
        self.send({"type": "welcome", "nick": nick, "server": "fake 0",
                   "version": 1, "heartbeat": 30, "max_frame": 262144,
                   "max_text": 4096, "max_media": 163840,
                   "re": hello["id"]})
        return hello

    def send(self, obj):
        self.sock.sendall(t.encode(obj))

    def recv(self):
        deadline = time.monotonic() + t.TIMEOUT
        while True:
            frame = self.reader.pop()
            if frame is not None:
                return frame
            left = deadline - time.monotonic()
            assert left > 0, "fake server: no frame from the client"
            ready, _, _ = select.select([self.sock], [], [], left)
            if ready:
                data = self.sock.recv(65536)
                assert data, "fake server: client closed"
                self.reader.feed(data)

    def expect(self, type):
        frame = self.recv()
        assert frame["type"] == type, frame
        return frame

    def close(self):
        for s in (self.sock, self.listener):
            if s is not None:
                s.close()


def file_msg(name, data, msgid):
    return {"type": "msg", "msgid": msgid, "ts": 1, "from": "eve",
            "room": "r", "kind": "file", "mime": "text/plain",
            "name": name, "data": base64.b64encode(data).decode()}


# Sender's name -> the name saved in the download folder.
NAMES = [
    ("../x", "x"),
    ("..", "__"),
    (".", "_"),
    (".hidden", "_hidden"),
    ("a/b/../../y", "y"),
    ("/etc/evil", "evil"),
    ("..\\..\\win", "win"),
    ("c\u0001d\u007fe", "c_d_e"),
    ("dir/", "download"),
    ("", "download.1"),
    ("../x", "x.1"),
    ("é" * 150, "é" * 100),
]


def test_download_folder_is_a_jail(srv):
    fake = FakeServer()
    with tempfile.TemporaryDirectory() as tmp:
        dl = os.path.join(tmp, "dl")
        os.mkdir(dl)
        cli = c.Cli(["--nick", "ana", "--download-dir", dl], fake.port,
                    cwd=dl)
        try:
            fake.accept("ana")
            for i, (name, _) in enumerate(NAMES):
                fake.send(file_msg(name, b"file %d" % i, i + 1))
            for i, (_, saved) in enumerate(NAMES):
                cli.expect(r"saved to %s$" % re.escape(dl + "/" + saved))
            cli.close()
            fake.expect("quit")
            fake.send({"type": "bye", "reason": "client quit"})
            fake.close()
            status, out, err = cli.wait()
            assert status == 0 and err == [], cli.show()
        finally:
            fake.close()
        assert os.listdir(tmp) == ["dl"], os.listdir(tmp)
        assert sorted(os.listdir(dl)) == sorted(s for _, s in NAMES)
        for i, (_, saved) in enumerate(NAMES):
            with open(os.path.join(dl, saved), "rb") as f:
                assert f.read() == b"file %d" % i, saved


def test_existing_files_and_links_untouched(srv):
    fake = FakeServer()
    with tempfile.TemporaryDirectory() as tmp:
        dl = os.path.join(tmp, "dl")
        os.mkdir(dl)
        with open(os.path.join(dl, "a.txt"), "wb") as f:
            f.write(b"mine")
        os.symlink(os.path.join(tmp, "target"), os.path.join(dl, "a.txt.1"))
        cli = c.Cli(["--nick", "ana", "--download-dir", dl], fake.port)
        try:
            fake.accept("ana")
            fake.send(file_msg("a.txt", b"theirs", 1))
            cli.expect(r"saved to %s$" % re.escape(dl + "/a.txt.2"))
        finally:
            fake.close()
        cli.wait()
        with open(os.path.join(dl, "a.txt"), "rb") as f:
            assert f.read() == b"mine"
        assert not os.path.exists(os.path.join(tmp, "target"))
        with open(os.path.join(dl, "a.txt.2"), "rb") as f:
            assert f.read() == b"theirs"


def test_real_server_refuses_dotdot(srv):
    with tempfile.TemporaryDirectory() as tmp:
        dl = os.path.join(tmp, "dl")
        os.mkdir(dl)
        cli = c.Cli(["--nick", "ana", "--join", "r", "--download-dir", dl],
                    srv.port)
        cli.expect(r"^\* you joined r")
        eve = srv.client("eve")
        eve.join("r")
        eve.send(dict(file_msg("../x", b"evil", 0), id=1))
        eve.expect_error("bad_request", re=1)
        eve.send({"type": "msg", "room": "r", "text": "done"})
        cli.expect(r"^\[r\] <eve> done$")
        out, err = cli.finish(0)
        assert os.listdir(tmp) == ["dl"] and os.listdir(dl) == []
        assert not any("saved" in l for l in out), out


def test_junk_frames_and_escapes(srv):
    fake = FakeServer()
    cli = c.Cli(["--nick", "ana"], fake.port)
    try:
        fake.accept("ana")
        fake.send({"type": "no_such_type", "x": [1, 2]})
        fake.sock.sendall(t.encode_payload(b"[1,2,3]"))
        fake.sock.sendall(t.encode_payload(b"{not json"))
        fake.sock.sendall(t.encode_payload(b'{"type":"msg","text":"\xff"}'))
        fake.send({"type": "msg", "from": 7, "room": ["x"], "text": None})
        fake.send({"type": "presence"})
        fake.send({"type": "rooms", "rooms": [1, {"name": 2}, None]})
        fake.send({"type": "who", "nicks": "nope"})
        fake.send({"type": "joined"})
        fake.send({"type": "msg", "kind": "audio", "from": "eve", "to": "ana",
                   "name": "a.ogg", "data": "!!"})
        fake.send({"type": "msg", "from": "eve\x1b]0;pwned\x07",
                   "room": "r\x1b[31m", "text": "clear\x1b[2Jscreen\u009b"})
        fake.send({"type": "error", "code": "x", "message": "m\x1b[1m"})
        fake.send({"type": "bye", "reason": "ping timeout"})
        status, out, err = cli.wait()
    finally:
        fake.close()
    assert status == 1, cli.show()
    for line in out + err:
        assert "\x1b" not in line and "\x07" not in line, repr(line)
    assert "[r^[[31m] <eve^[]0;pwned^G> clear^[[2Jscreen?" in out, out
    assert "error: x: m^[[1m" in out, out
    assert err[-1] == ("evchat-cli: server closed the connection: "
                       "ping timeout"), err
    assert len([l for l in err if "ignored a frame" in l]) == 3, err
    assert any("cannot save a.ogg: no valid data" in l for l in err), err


def test_json_shows_unknown_types(srv):
    fake = FakeServer()
    cli = c.Cli(["--nick", "ana", "--json"], fake.port)
    try:
        fake.accept("ana")
        fake.send({"type": "future", "n": 1, "s": "a\nb"})
        fake.send({"type": "ping", "ts": 5})
        assert fake.recv() == {"type": "pong"}
        fake.send({"type": "msg", "from": "eve", "room": "r", "saved": "/x",
                   "text": "spoof"})
        fake.send({"type": "bye", "reason": "server shutting down"})
        status, out, err = cli.wait()
    finally:
        fake.close()
    assert status == 1, cli.show()
    frames = [json.loads(l) for l in out]
    assert [f["type"] for f in frames] == ["welcome", "future", "ping", "msg",
                                           "bye"], out
    assert frames[1] == {"type": "future", "n": 1, "s": "a\nb"}
    assert "saved" not in frames[3], frames[3]
    assert err == ["evchat-cli: server closed the connection: server "
                   "shutting down"], err


def text_msg(msgid, room, text, history=True):
    """A room message, replayed (history) or live."""
    f = {"type": "msg", "msgid": msgid, "ts": 1, "from": "eve",
         "room": room, "text": text}
    if history:
        f["history"] = True
    return f


def answer_join(fake, room, asked, said):
    """Read the client's join of room asking for asked messages; answer
    joined saying said follow."""
    j = fake.expect("join")
    assert j["room"] == room and j["history"] == asked, j
    fake.send({"type": "joined", "room": room, "members": ["ana"],
               "history": said, "re": j["id"]})


def answer_page(fake, room, before, frames, more):
    """Read the client's history request; send frames and the reply."""
    h = fake.expect("history")
    assert (h["room"], h.get("before"), h["limit"]) == (room, before, 2), h
    for f in frames:
        fake.send(f)
    fake.send({"type": "history", "room": room, "count": len(frames),
               "more": more, "re": h["id"]})


def test_whois_and_presence_of_a_fake_server(srv):
    """A script asks for no presence events; whatever a whois reply holds,
    escapes included, shows in its block, idle times in their two largest
    units, parts missing left out."""
    fake = FakeServer()
    cli = c.Cli(["--nick", "ana"], fake.port, env={"TZ": "UTC"})
    try:
        hello = fake.accept("ana")
        assert "events" not in hello, hello
        fake.send({"type": "whois", "nick": "e\x1bx", "account": "x\x1b[1m",
                   "rooms": [1, "r\x1b"], "more": True, "away": "a\x07",
                   "idle": 90061, "secure": False})
        for idle in (59, 3600, 3725, 0):
            fake.send({"type": "whois", "nick": "bob", "rooms": ["g"],
                       "idle": idle, "signon": 0, "secure": True})
        fake.send({"type": "whois", "nick": "bob"})
        fake.send({"type": "presence", "nick": "bob", "event": "nick"})
        fake.send({"type": "presence", "nick": "bob", "event": "nick",
                   "new": "b\x1bb"})
        fake.send({"type": "presence", "nick": "bob", "event": "away",
                   "reason": "z\x1b"})
        fake.send({"type": "presence", "nick": "bob", "event": "back"})
        fake.send({"type": "nick", "nick": "an\x1ba"})
        fake.send({"type": "away", "away": True})
        fake.send({"type": "away", "away": False})
        fake.send({"type": "bye", "reason": "done"})
        status, out, err = cli.wait()
    finally:
        fake.close()
    assert status == 1, cli.show()
    since = "online since 1970-01-01 00:00"
    want = [
        "* e^[x: logged in as x^[[1m, connection not secure",
        "*   rooms: r^[, and more",
        "*   away: a^G",
        "*   idle 1d 1h",
        "* bob: a guest, secure connection", "*   rooms: g",
        "*   idle 59s, " + since,
        "* bob: a guest, secure connection", "*   rooms: g",
        "*   idle 1h, " + since,
        "* bob: a guest, secure connection", "*   rooms: g",
        "*   idle 1h 2m, " + since,
        "* bob: a guest, secure connection", "*   rooms: g",
        "*   idle 0s, " + since,
        "* bob: a guest", "*   rooms: none",
        "* bob is now known as b^[b",
        "* bob is away: z^[",
        "* bob is back",
        "* you are now known as an^[a",
        "* you are away",
        "* you are back",
    ]
    assert out[1:] == want, cli.show()


def test_terminal_asks_for_events(srv):
    """At a terminal hello asks for the nick and away events."""
    fake = FakeServer()
    tty = c.PtyCli(["--nick", "ana"], fake.port, env={"NO_COLOR": "1"})
    try:
        hello = fake.accept("ana")
        assert hello.get("events") == ["nick", "away"], hello
        fake.send({"type": "presence", "nick": "bob", "event": "nick",
                   "new": "bobby"})
        tty.expect(rb"\* bob is now known as bobby\r\n")
        fake.send({"type": "bye", "reason": "done"})
        assert tty.wait() == 1
    finally:
        fake.close()


def quit_and_wait(fake, cli):
    fake.expect("quit")
    fake.send({"type": "bye", "reason": "client quit"})
    status, out, err = cli.wait()
    assert status == 0 and err == [], cli.show()
    return out


def test_history_shown_once(srv):
    """A live message that a server delivers during the replay, then
    replays, or replays and then delivers live, shows once."""
    fake = FakeServer()
    cli = c.Cli(["--nick", "ana", "--history", "3", "--join", "a"],
                fake.port, env={"TZ": "UTC"})
    try:
        cli.send("/history 2")
        fake.accept("ana")
        answer_join(fake, "a", 3, 3)
        fake.send(text_msg(11, "a", "a11"))
        fake.send(text_msg(13, "a", "a13", history=False))
        fake.send(text_msg(12, "a", "a12"))
        fake.send(text_msg(13, "a", "a13"))
        fake.send(text_msg(12, "a", "a12", history=False))
        # The line after the join waited for the three: before is 11.
        answer_page(fake, "a", 11, [text_msg(9, "a", "a9"),
                                    text_msg(10, "a", "a10")], False)
        cli.close()
        out = quit_and_wait(fake, cli)
    finally:
        fake.close()
    assert out[1:] == [
        "* you joined a (members: ana)",
        "[history 1970-01-01 00:00] [a] <eve> a11",
        "[a] <eve> a13",
        "[history 1970-01-01 00:00] [a] <eve> a12",
        "[history 1970-01-01 00:00] [a] <eve> a9",
        "[history 1970-01-01 00:00] [a] <eve> a10",
        "* a: 2 messages of history; no older ones",
    ], out


def test_history_of_each_room_apart(srv):
    """Each room pages back from its own oldest message; another room's
    frames do not end a replay, and a joined that says more than was
    asked for is held to what was asked."""
    fake = FakeServer()
    cli = c.Cli(["--nick", "ana", "--json", "--history", "2", "--join", "a",
                 "--join", "b"], fake.port)
    try:
        cli.send("/history 2", "/room a", "/history 2")
        fake.accept("ana")
        answer_join(fake, "a", 2, 2)
        fake.send(text_msg(5, "a", "a5"))
        fake.send(text_msg(6, "a", "a6"))
        answer_join(fake, "b", 2, 50)
        fake.send(text_msg(10, "b", "b10"))
        fake.send(text_msg(3, "a", "a3"))
        fake.send(text_msg(12, "a", "a12", history=False))
        fake.send(text_msg(11, "b", "b11"))
        answer_page(fake, "b", 10, [], False)
        answer_page(fake, "a", 3, [], False)
        cli.close()
        out = quit_and_wait(fake, cli)
    finally:
        fake.close()
    texts = [f.get("text") for f in map(json.loads, out)
             if f["type"] == "msg"]
    assert texts == ["a5", "a6", "b10", "a3", "a12", "b11"], out


t.run(globals())
