# test-cli-presence.py: evchat-cli's /nick (an account's nick included), /away and /whois against the real
# evchatd, and the presence events nick, away and back that a terminal asks for and a script does not (its
# output stays as it was).
import json
import re

import cli_test as c
import evchat_test as t

OPS = ["--max-clients-per-ip", "0", "--rate", "0"]
PW = "correct horse"


def tty_in(srv, nick, room="general"):
    """An interactive client as nick, in room, colours off."""
    tty = c.PtyCli(["--nick", nick, "--history", "0", "--join", room],
                   srv.port, env={"NO_COLOR": "1"})
    tty.expect(rb"you joined " + room.encode())
    return tty


def test_nick_scripted(srv):
    """/nick takes effect with the server's reply: the client's messages
    are the new nick's, a taken nick is refused and nothing changes."""
    bob = srv.client("bob")
    bob.join("general")
    script = ("/nick anna\nhi\n/nick BOB\n/msg bob psst\n/nick a,b\n"
              "/nick\nagain\n")
    status, out, err = c.run(["--nick", "ana", "--join", "general"],
                             srv.port, script)
    assert status == 0, (status, out, err)
    assert err == ["evchat-cli: usage: /nick NICK"], err
    assert out[1:6] == [
        "* you joined general (members: ana, bob)",
        "* you are now known as anna",
        "[general] <anna> hi",
        out[4],
        "[pm -> bob] <anna> psst",
    ], out
    # The server's messages are for people and may change; codes do not.
    assert re.match(r"^error: nick_taken: \S", out[4]), out
    assert re.match(r"^error: invalid_nick: \S", out[6]), out
    assert out[7:] == ["[general] <anna> again"], out
    # bob, without nick events, saw a part and a join, then anna's lines.
    bob.expect("presence", nick="ana", event="part", reason="nick change")
    bob.expect_next("presence", nick="anna", event="join",
                    reason="nick change")
    bob.expect_next("msg", text="hi", **{"from": "anna"})
    bob.expect_next("msg", text="psst", to="bob", **{"from": "anna"})
    bob.expect_next("msg", text="again", **{"from": "anna"})


def test_nick_at_a_terminal(srv):
    """The prompt follows the new nick; a refused one leaves it; another
    terminal is told with one line, a script with a part and a join."""
    srv.client("carol")
    bob = tty_in(srv, "bob")
    script = c.Cli(["--nick", "eve", "--join", "general"], srv.port)
    script.expect(r"^\* you joined general")
    ana = tty_in(srv, "ana")
    bob.expect(rb"\* ana joined general\r\n")
    script.expect(r"^\* ana joined general$")
    ana.expect(rb"\[general\] ana> ")

    ana.type("/nick carol\r")
    ana.expect(rb"error: nick_taken: [^\r\n]+\r\n")
    ana.expect(rb"\[general\] ana> ")
    ana.type("/nick anna\r")
    ana.expect(rb"\* you are now known as anna\r\n")
    ana.expect(rb"\[general\] anna> ")
    bob.expect(rb"\* ana is now known as anna\r\n")
    script.expect(r"^\* ana left general \(nick change\)$")
    script.expect(r"^\* anna joined general \(nick change\)$")

    # Completion knows the new nick, and /nick completes nothing.
    bob.type("/whois an\t\r")
    bob.expect(rb"\* anna: a guest, secure connection\r\n")
    ana.type("/nick b\t\r")
    ana.expect(rb"\* you are now known as b\r\n")
    bob.expect(rb"\* anna is now known as b\r\n")
    ana.type("/quit\r")
    assert ana.wait() == 0
    bob.type("/quit\r")
    assert bob.wait() == 0
    out, err = script.finish(0)
    assert err == [], script.show()
    assert not any("known as" in l for l in out), out


@t.daemon_args(*OPS)
def test_nick_of_an_account(srv):
    """At a terminal, /nick to an account's nick asks its password, without
    echo: a wrong one is refused, an empty answer keeps the nick, the right
    one logs in; a script is refused with nick_registered."""
    owner = srv.client("ana")
    owner.request({"type": "register", "password": PW}, "registered")
    owner.close()
    status, out, err = c.run(["--nick", "guest"], srv.port, "/nick ana\n")
    assert status == 0 and err == [], (status, out, err)
    assert re.match(r"^error: nick_registered: \S", out[1]), out
    assert len(out) == 2, out

    tty = c.PtyCli(["--nick", "guest"], srv.port, env={"NO_COLOR": "1"})
    tty.expect(rb"guest> ")
    question = rb"account password of ana \(empty: keep your nick\): "
    tty.type("/nick ana\r")
    tty.expect(rb"error: nick_registered: [^\r\n]+\r\n")
    tty.expect(question)
    tty.type("\r")
    tty.expect(rb"guest> ")
    tty.type("/nick ana\r")
    tty.expect(question)
    tty.type("not the password\r")
    tty.expect(rb"error: bad_password: [^\r\n]+\r\n")
    tty.expect(rb"guest> ")
    tty.type("/nick ANA\r")
    tty.expect(rb"account password of ANA")
    tty.type(PW + "\r")
    tty.expect(rb"\* you are now known as ANA\r\n")
    tty.expect(rb"ANA> ")
    tty.type("/whois guest\r")
    tty.expect(rb"error: no_such_user: ")
    tty.type("/whois ana\r")
    tty.expect(rb"\* ANA: logged in as ana, secure connection\r\n")
    tty.type("/quit\r")
    assert tty.wait() == 0
    assert PW.encode() not in tty.data and b"not the password" not in \
        tty.data, tty.data


def test_away_and_back_seen_by_another_cli(srv):
    """/away TEXT and a bare /away: a terminal sharing a room is told each
    change, and a private message to the away user brings the away notice
    once per message; a script hears of none of it."""
    ana = tty_in(srv, "ana")
    script = c.Cli(["--nick", "eve", "--join", "general"], srv.port)
    script.expect(r"^\* you joined general")
    bob = tty_in(srv, "bob")
    ana.expect(rb"\* bob joined general\r\n")
    script.expect(r"^\* bob joined general$")

    ana.type("/away at lunch\r")
    ana.expect(rb"\* you are away\r\n")
    bob.expect(rb"\* ana is away: at lunch\r\n")
    bob.type("/msg ana one\r")
    bob.expect(rb"\[pm -> ana\] <bob> one\r\n")
    bob.expect(rb"\* ana is away: at lunch\r\n")
    bob.type("/msg ana two\r")
    bob.expect(rb"\[pm -> ana\] <bob> two\r\n")
    bob.expect(rb"\* ana is away: at lunch\r\n")
    ana.expect(rb"\[pm\] <bob> two\r\n")
    script.send("/msg ana three")
    script.expect(r"^\[pm -> ana\] <eve> three$")
    ana.expect(rb"\[pm\] <eve> three\r\n")

    ana.type("/away\r")
    ana.expect(rb"\* you are back\r\n")
    bob.expect(rb"\* ana is back\r\n")
    bob.type("/msg ana four\r")
    bob.expect(rb"\[pm -> ana\] <bob> four\r\n")
    ana.expect(rb"\[pm\] <bob> four\r\n")
    for tty in (ana, bob):
        tty.type("/quit\r")
        assert tty.wait() == 0
    # One away line when ana left, one after each of the two messages.
    assert bob.data.count(b"ana is away") == 3, bob.data
    assert bob.data.count(b"ana is back") == 1, bob.data
    out, err = script.finish(0)
    assert err == [], script.show()
    assert out[1:] == [
        "* you joined general (members: ana, eve)",
        "* bob joined general",
        "[pm -> ana] <eve> three",
        "* ana quit (client quit)",
        "* bob quit (client quit)",
    ], out


@t.daemon_args(*OPS)
def test_whois(srv):
    """/whois shows the reply whole: nick, account, rooms, away, idle,
    sign-on and whether the link is secure; --json prints it as sent."""
    bob = srv.client("bob")
    bob.request({"type": "register", "password": PW},
                "registered")
    bob.join("general")
    bob.join("dev")
    bob.request({"type": "away", "message": "gone fishing"}, "away")
    bob.request({"type": "nick", "nick": "bobby"}, "nick")
    srv.client("carol")

    script = "/whois BOBBY\n/whois carol\n/whois nobody\n/whois\n"
    status, out, err = c.run(["--nick", "ana"], srv.port, script)
    assert status == 0, (status, out, err)
    assert err == ["evchat-cli: usage: /whois NICK"], err
    assert out[1:4] == [
        "* bobby: logged in as bob, secure connection",
        "*   rooms: general, dev",
        "*   away: gone fishing",
    ], out
    assert re.match(r"^\*   idle \d+s, online since \d\d:\d\d$", out[4]), out
    assert out[5:7] == ["* carol: a guest, secure connection",
                        "*   rooms: none"], out
    assert re.match(r"^\*   idle \d+s, online since \d\d:\d\d$", out[7]), out
    assert re.match(r"^error: no_such_user: \S", out[8]), out
    assert len(out) == 9, out

    status, out, err = c.run(["--nick", "ana", "--json"], srv.port,
                             "/whois bobby\n")
    assert status == 0 and err == [], (status, out, err)
    frames = [json.loads(l) for l in out]
    assert [f["type"] for f in frames] == ["welcome", "whois", "bye"], out
    w = frames[1]
    assert w["nick"] == "bobby" and w["account"] == "bob", w
    assert w["rooms"] == ["general", "dev"] and w["away"] == "gone fishing"
    assert w["secure"] is True and isinstance(w["idle"], (int, float)), w


def test_script_output_unchanged(srv):
    """Without the new commands a script prints what it always did, and
    --json the same frames: a nick change is a part and a join, away and
    back are not shown, a private message to an away user gets no notice."""
    bob = srv.client("bob")
    bob.join("general")
    bob.request({"type": "away", "message": "afk"}, "away")
    ana = c.Cli(["--nick", "ana", "--join", "general"], srv.port)
    ana.expect(r"^\* you joined general \(members: ana, bob\)$")
    jsn = c.Cli(["--nick", "jay", "--json", "--join", "general"], srv.port)
    jsn.expect(r'"type":"joined"')
    bob.expect("presence", nick="ana", event="join")
    bob.expect("presence", nick="jay", event="join")
    ana.send("/msg bob hi")
    ana.expect(r"^\[pm -> bob\] <ana> hi$")
    bob.expect("msg", text="hi", to="bob")
    bob.request({"type": "nick", "nick": "robert"}, "nick")
    bob.request({"type": "away"}, "away")
    bob.request({"type": "away", "message": "afk again"}, "away")
    bob.send({"type": "msg", "room": "general", "text": "done"})
    ana.expect(r"^\[general\] <robert> done$")
    jsn.expect(r'"text":"done"')
    # jay leaves first, so that ana's last line is jay's quit.
    out, err = jsn.finish(0)
    assert err == [], jsn.show()
    got = [(f["type"], f.get("event")) for f in map(json.loads, out)]
    assert got == [("welcome", None), ("joined", None),
                   ("presence", "part"), ("presence", "join"),
                   ("msg", None), ("bye", None)], out
    assert "events" not in out[0] and "away" not in "".join(out), out
    out, err = ana.finish(0)
    assert err == [], ana.show()
    assert out[1:] == [
        "* you joined general (members: ana, bob)",
        "* jay joined general",
        "[pm -> bob] <ana> hi",
        "* bob left general (nick change)",
        "* robert joined general (nick change)",
        "[general] <robert> done",
        "* jay quit (client quit)",
    ], out

t.run(globals())
