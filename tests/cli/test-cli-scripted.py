# test-cli-scripted.py: evchat-cli with piped stdin against the real evchatd: rooms, private messages,
# stickers, audio and files saved, /quit, EOF, --json, errors and options.  It knows nothing of the client's code.
import base64
import json
import os
import re
import tempfile

import cli_test as c
import evchat_test as t

ESC = "\x1b"


def joined(cli, room):
    cli.expect(r"^\* you joined %s \(members: " % re.escape(room))


def no_colour(lines):
    for line in lines:
        assert ESC not in line, "escape sequence in piped output: %r" % line


def test_room_chat(srv):
    ana = c.Cli(["--nick", "ana", "--join", "general"], srv.port)
    ana.expect(r"^\* connected to 127\.0\.0\.1:%d \(evchatd [0-9.]+\) as "
               r"ana$" % srv.port)
    joined(ana, "general")
    bob = c.Cli(["--nick", "bob", "--join", "general"], srv.port)
    bob.expect(r"^\* you joined general \(members: ana, bob\)$")
    ana.expect(r"^\* bob joined general$")

    bob.send("hola")
    ana.expect(r"^\[general\] <bob> hola$")
    bob.expect(r"^\[general\] <bob> hola$")
    bob.send("/msg ana hi there")
    ana.expect(r"^\[pm\] <bob> hi there$")
    bob.expect(r"^\[pm -> ana\] <bob> hi there$")
    bob.send("/sticker thumbs_up")
    ana.expect(r"^\[general\] <bob> \[sticker: thumbs_up\]$")
    bob.send("//slash is text")
    ana.expect(r"^\[general\] <bob> /slash is text$")

    # /quit ends the client by itself, with the reason shown to the others.
    bob.send("/quit see you")
    status, out, err = bob.wait()
    assert status == 0, bob.show()
    assert err == [], bob.show()
    ana.expect(r"^\* bob quit \(see you\)$")
    out, err = ana.finish(0)
    assert err == [], ana.show()
    no_colour(out)


def test_eof_runs_every_line_in_order(srv):
    obs = srv.client("obs")
    obs.join("r1")
    script = "one\ntwo\n/join r2\nthree\n/room r1\nfour\n/part r2\nfive"
    status, out, err = c.run(["--nick", "ana", "--join", "r1"], srv.port,
                             script)
    assert status == 0 and err == [], (status, out, err)
    assert out[1:] == [
        "* you joined r1 (members: ana, obs)",
        "[r1] <ana> one",
        "[r1] <ana> two",
        "* you joined r2 (members: ana)",
        "[r2] <ana> three",
        "[r1] <ana> four",
        "* you left r2",
        "[r1] <ana> five",
    ], out
    # The observer got exactly r1's lines, then the quit at EOF.
    obs.expect_next("presence", nick="ana", event="join", room="r1")
    for text in ("one", "two", "four", "five"):
        obs.expect_next("msg", room="r1", text=text)
    obs.expect_next("presence", nick="ana", event="quit",
                    reason="client quit")


def test_json_lines(srv):
    bob = srv.client("bob")
    bob.join("general")
    script = "hola\n/who general\n/rooms\n/msg nobody x\n/msg bob psst\n"
    status, out, err = c.run(["--nick", "ana", "--json", "--join",
                              "general"], srv.port, script)
    assert status == 0 and err == [], (status, out, err)
    frames = [json.loads(line) for line in out]
    for f in frames:
        assert isinstance(f, dict) and isinstance(f.get("type"), str), f
    types = [f["type"] for f in frames]
    assert types == ["welcome", "joined", "msg", "who", "rooms", "error",
                     "msg", "bye"], types
    assert frames[0]["nick"] == "ana"
    assert frames[1]["members"] == ["ana", "bob"]
    assert frames[2]["text"] == "hola" and frames[2]["from"] == "ana"
    assert frames[3]["nicks"] == ["ana", "bob"]
    assert frames[4]["rooms"] == [{"name": "general", "members": 2}]
    assert frames[5]["code"] == "no_such_user"
    assert frames[6]["to"] == "bob" and frames[6]["text"] == "psst"
    assert frames[7]["reason"] == "client quit"
    bob.expect("msg", text="hola")
    bob.expect("msg", text="psst", to="bob")


def test_no_echo(srv):
    """--no-echo in a script: the server sends none of ana's messages
    back, so none is printed; the others get them, a refusal still shows."""
    bob = srv.client("bob")
    bob.join("general")
    script = "hola\n/msg bob psst\n/msg nobody x\n"
    status, out, err = c.run(["--nick", "ana", "--json", "--no-echo",
                              "--join", "general"], srv.port, script)
    assert status == 0 and err == [], (status, out, err)
    types = [json.loads(line)["type"] for line in out]
    assert types == ["welcome", "joined", "error", "bye"], types
    bob.expect_next("presence", nick="ana", event="join", room="general")
    bob.expect_next("msg", text="hola", room="general")
    bob.expect_next("msg", text="psst", to="bob")


def test_who_rooms_part_and_errors(srv):
    bob = srv.client("bob")
    bob.join("general")
    script = ("/who general\n/who\n/rooms\n/msg nobody hi\n/bogus\n"
              "/join\n/r x\n/room elsewhere\n/part\nafter part\n/help\n")
    status, out, err = c.run(["--nick", "ana", "--join", "general"],
                             srv.port, script)
    assert status == 0, (status, out, err)
    assert "* in general: ana, bob" in out, out
    assert "* online: ana, bob" in out, out
    assert "* rooms: general (2)" in out, out
    assert any(re.match(r"^error: no_such_user: \S", l) for l in out), out
    assert "* you left general" in out, out
    assert err == [
        "evchat-cli: unknown command /bogus (try /help)",
        "evchat-cli: usage: /join ROOM",
        "evchat-cli: ambiguous command /r (try /help)",
        "evchat-cli: not in elsewhere (use /join elsewhere)",
        "evchat-cli: no current room (use /join ROOM)",
    ], err
    helped = [l.split()[0] for l in out if l.startswith("/")]
    assert helped == ["/join", "/part", "/room", "/msg", "/rooms", "/who",
                      "/whois", "/nick", "/away", "/history", "/sticker", "/audio", "/file", "/register",
                      "/passwd", "/claim", "/topic", "/kick", "/ban", "/unban",
                      "/mute", "/unmute", "/quit", "/help"], out


@t.daemon_args("--max-media", "1000")
def test_audio_and_file_saved(srv):
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "src")
        dl = os.path.join(tmp, "dl")
        os.mkdir(src)
        os.mkdir(dl)
        voice = bytes(range(256)) * 3
        with open(os.path.join(src, "voice.ogg"), "wb") as f:
            f.write(voice)
        with open(os.path.join(src, "notes.TXT"), "wb") as f:
            f.write(b"hello\n")
        with open(os.path.join(src, "big.bin"), "wb") as f:
            f.write(b"x" * 1001)

        raw = srv.client("raw")
        raw.join("media")
        bob = c.Cli(["--nick", "bob", "--join", "media", "--download-dir",
                     dl], srv.port)
        joined(bob, "media")
        raw.expect("presence", nick="bob")
        ana = c.Cli(["--nick", "ana", "--join", "media"], srv.port, cwd=src)
        joined(ana, "media")

        ana.send("/audio voice.ogg", "/file notes.TXT", "/audio voice.ogg",
                 "/file big.bin", "/file missing.pdf", "after")
        m = raw.expect("msg", kind="audio")
        assert m["mime"] == "audio/ogg" and m["name"] == "voice.ogg"
        assert base64.b64decode(m["data"]) == voice
        m = raw.expect_next("msg", kind="file", name="notes.TXT",
                            mime="text/plain")
        raw.expect_next("msg", kind="audio", name="voice.ogg")
        raw.expect_next("msg", text="after")

        bob.expect(r"^\[media\] <ana> \[audio: voice\.ogg \(audio/ogg, 768 "
                   r"bytes\)\] saved to %s$" % re.escape(dl + "/voice.ogg"))
        bob.expect(r"^\[media\] <ana> \[file: notes\.TXT \(text/plain, 6 "
                   r"bytes\)\] saved to %s$" % re.escape(dl + "/notes.TXT"))
        bob.expect(r"saved to %s$" % re.escape(dl + "/voice.ogg.1"))
        bob.expect(r"^\[media\] <ana> after$")
        out, err = ana.finish(0)
        assert err == [
            "evchat-cli: big.bin is 1001 bytes, over the server's limit of "
            "1000 bytes",
            "evchat-cli: missing.pdf: No such file or directory",
        ], ana.show()
        # The sender's own echo is shown, not saved again.
        assert "[media] <ana> [audio: voice.ogg (audio/ogg, 768 bytes)]" \
            in out, out
        assert sorted(os.listdir(src)) == ["big.bin", "notes.TXT",
                                           "voice.ogg"]
        bob.finish(0)
        assert sorted(os.listdir(dl)) == ["notes.TXT", "voice.ogg",
                                          "voice.ogg.1"]
        for name in ("voice.ogg", "voice.ogg.1"):
            with open(os.path.join(dl, name), "rb") as f:
                assert f.read() == voice
        with open(os.path.join(dl, "notes.TXT"), "rb") as f:
            assert f.read() == b"hello\n"


def test_environment_and_options(srv):
    env = {"EVCHAT_SERVER": "127.0.0.1:%d" % srv.port, "EVCHAT_NICK": "envy"}
    status, out, err = c.run(["--join", "e"], None, "hi\n", env=env)
    assert status == 0 and err == [], (status, out, err)
    assert out[-1] == "[e] <envy> hi", out
    # The option wins over the environment.
    status, out, err = c.run(["-n", "opt", "-j", "e"], None, "hi\n", env=env)
    assert status == 0 and out[-1] == "[e] <opt> hi", (status, out, err)

    status, out, err = c.run(["--version"])
    assert status == 0 and out == ["evchat-cli 0.1"], (status, out, err)
    status, out, err = c.run(["--help"])
    assert status == 0 and out[0].startswith("usage: evchat-cli"), out
    for opt in ("--server", "--nick", "--join", "--history", "--json",
                "--download-dir", "--help", "--version"):
        assert any(opt in l for l in out), (opt, out)
    status, out, err = c.run(["--no-such-option"])
    assert status != 0 and out == [] and err, (status, out, err)



def test_plain_password_warning(srv):
    """A password over plain TCP is warned about unless the server is this
    host.  The missing download directory ends the run before any lookup
    or connection, so no address here is ever used."""
    missing = os.path.join(tempfile.gettempdir(), "evchat-no-such-dir-%d"
                           % os.getpid())
    for server, warned in (("localhost:1", False), ("localhost", False),
                           ("127.0.0.2:1", False), ("[::1]:1", False),
                           ("::1", False), ("localhostx:1", True),
                           ("chat.example.org:1", True),
                           ("tls-less.example:1", True)):
        status, out, err = c.run(["--server", server, "--nick", "ana",
                                  "--download-dir", missing],
                                 env={"EVCHAT_PASSWORD": "secret"})
        assert status == 1 and out == [], (server, status, out, err)
        assert err[-1].startswith("evchat-cli: download directory "), err
        warning = ("evchat-cli: warning: the password goes to %s "
                   "unencrypted (use --tls)" % server)
        assert (warning in err) == warned, (server, err)

def test_valgrind_session(srv):
    """A scripted session (every command, a file received and saved, bad
    input) under valgrind: no leak, no memory error."""
    valgrind = os.environ.get("VALGRIND")
    if not valgrind:
        raise t.Skip("valgrind is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "v.ogg"), "wb") as f:
            f.write(b"ogg" * 100)
        eve = srv.client("eve")
        eve.join("general")
        eve.request({"type": "msg", "room": "general", "text": "before"},
                    "msg")
        ana = c.Cli(["--nick", "ana", "--history", "5", "--join", "general",
                     "--download-dir", tmp], srv.port, cwd=tmp,
                    timeout=t.TIMEOUT * t.SLOW_FACTOR,
                    prefix=[valgrind, "-q", "--leak-check=full",
                            "--error-exitcode=99"])
        ana.expect(r"^\* you joined general")
        ana.expect(r"^\[history .*\] \[general\] <eve> before$")
        eve.expect("presence", nick="ana", event="join")
        eve.send({"type": "msg", "room": "general", "kind": "file",
                  "mime": "text/plain", "name": "got.txt",
                  "data": base64.b64encode(b"data").decode()})
        ana.expect(r"saved to .*/got\.txt$")
        ana.send("hi", "/msg eve psst", "/msg nobody x", "/sticker s",
                 "/audio v.ogg", "/who", "/who general", "/rooms", "/bogus",
                 "/join other", "/room general", "/history 2", "/history",
                 "/part other", "/help", "/whois eve", "/whois nobody",
                 "/nick anna", "/nick eve", "/away brb", "/away",
                 "/part", "after part")
        ana.proc.stdin.write(b"\xff bad utf-8\n")
        out, err = ana.finish(0)
        assert "error: no_such_user" in " ".join(out), out
        assert "* you are now known as anna" in out, out
        assert "* eve: a guest, secure connection" in out, out
        assert not any("==" in l for l in err), ana.show()


@t.daemon_args("--max-frame", "1024", "--max-rooms-per-client", "0")
def test_cut_lists_say_more(srv):
    # 40 rooms of 60 characters do not fit in one 1024-byte reply.
    bob = srv.client("bob")
    rooms = ["room%02d" % i + "x" * 54 for i in range(40)]
    for r in rooms:
        bob.join(r)
    status, out, err = c.run(["--nick", "ana"], srv.port, "/rooms\n")
    assert status == 0, (status, out, err)
    line = [l for l in out if l.startswith("* rooms: ")]
    assert len(line) == 1 and line[0].endswith(", and more"), out
    assert rooms[0] in line[0] and rooms[-1] not in line[0], line


t.run(globals())
