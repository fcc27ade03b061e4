# test-cli-tty.py: evchat-cli's interactive mode on a pseudo-terminal (Python's pty support): messages
# printed above a half-typed line that survives intact, completion, colours, Ctrl-D, signals, another nick.
import re
import signal
import time

import cli_test as c
import evchat_test as t

PROMPT = rb"\[general\] ana> "


def start(srv, env=None, cols=80):
    bob = srv.client("bob")
    bob.join("general")
    tty = c.PtyCli(["--nick", "ana", "--join", "general"], srv.port,
                   env={"NO_COLOR": "1"} if env is None else env, cols=cols)
    tty.expect(rb"you joined .*general.* \(members: .*ana.*, .*bob.*\)")
    bob.expect("presence", nick="ana", event="join")
    return bob, tty


def test_message_above_half_typed_line(srv):
    bob, tty = start(srv)
    tty.expect(PROMPT)
    tty.type("hello wor")
    tty.expect(rb"hello wor")
    bob.send({"type": "msg", "room": "general", "text": "interrupting"})
    bob.expect_next("msg", text="interrupting")     # the echo
    # The message gets its own line, then the prompt and the half-typed
    # text are drawn again, as they were.
    tty.expect(rb"\r\[general\] <bob> interrupting\r\n" + PROMPT +
               rb"hello wor(?!l)")
    tty.type("ld\r")
    bob.expect_next("msg", room="general", text="hello world")
    tty.expect(rb"\[general\] <ana> hello world\r\n")

    # Tab completes commands and the nicks seen.
    tty.type("/ms\tb\tpsst\r")
    bob.expect_next("msg", to="bob", text="psst")
    tty.expect(rb"\[pm -> bob\] <ana> psst\r\n")

    # Ctrl-D quits like /quit.
    tty.type("\x04")
    assert tty.wait() == 0
    bob.expect_next("presence", nick="ana", event="quit",
                    reason="client quit")


def test_wrapped_line_is_replaced_by_the_echo(srv):
    bob, tty = start(srv, cols=30)
    tty.expect(PROMPT)
    text = "a line that wraps: twenty"     # 15 + 25 columns: 2 rows
    tty.type(text + "\r")
    bob.expect_next("msg", text=text)
    # Both rows of the typed line are taken back before the echo.
    tty.expect(rb"\x1b\[2A\r\x1b\[J")
    tty.expect(rb"\[general\] <ana> " + re.escape(text.encode()))
    tty.type("/quit bye now\r")
    assert tty.wait() == 0
    bob.expect_next("presence", nick="ana", event="quit", reason="bye now")


def test_colours_on_a_terminal(srv):
    bob, tty = start(srv, env={})
    bob.send({"type": "msg", "room": "general", "text": "in colour"})
    bob.expect_next("msg", text="in colour")     # the echo
    tty.expect(rb"\[\x1b\[[0-9;]+mgeneral\x1b\[0m\] <\x1b\[[0-9;]+mbob"
               rb"\x1b\[0m> in colour")
    tty.proc.send_signal(signal.SIGTERM)
    assert tty.wait() == 0


def test_no_colour_and_sigint(srv):
    bob, tty = start(srv)
    bob.send({"type": "msg", "room": "general", "text": "plain"})
    bob.expect_next("msg", text="plain")     # the echo
    tty.expect(rb"\[general\] <bob> plain\r\n")
    assert b"\x1b[0m" not in tty.data and b"\x1b[1" not in tty.data
    tty.proc.send_signal(signal.SIGINT)
    assert tty.wait() == 0
    bob.expect_next("presence", nick="ana", event="quit")


def test_server_goes_away(srv):
    bob, tty = start(srv)
    tty.expect(PROMPT)
    tty.type("half")
    tty.expect(rb"half")
    status, _ = srv.stop()
    assert status == 0
    assert tty.wait() == 1
    # The prompt is taken away and the reason is the last thing shown.
    tail = tty.data[tty.pos:]
    assert tail.endswith(b"evchat-cli: server closed the connection: "
                         b"server shutting down\r\n"), tail


def posted(srv, n):
    """bob in general, and his n texts there; bob and their frames."""
    bob = srv.client("bob")
    bob.join("general")
    return bob, [bob.request({"type": "msg", "room": "general",
                              "text": "m%d" % i}, "msg") for i in range(n)]


def when(frame):
    """frame's time as the client shows it in UTC: HH:MM, after the date
    when that is not today (the test may cross midnight)."""
    tm = time.gmtime(frame["ts"] / 1000)
    return rb"(?:%s )?%s" % (time.strftime("%Y-%m-%d", tm).encode(),
                             time.strftime("%H:%M", tm).encode())


def test_replay_dimmed_with_its_time(srv):
    """At a terminal a join replays the room's last messages, 50 by
    default, each dimmed whole (SGR 2 again after every colour) and
    starting with its time; live messages are not dimmed."""
    bob, sent = posted(srv, 3)
    tty = c.PtyCli(["--nick", "ana", "--join", "general"], srv.port,
                   env={"TZ": "UTC"})
    col = rb"\x1b\[[0-9;]+m"
    for f in sent:
        tty.expect(rb"\x1b\[2m\[" + when(f) + rb"\] \[" + col +
                   rb"general\x1b\[0m\x1b\[2m\] <" + col +
                   rb"bob\x1b\[0m\x1b\[2m> " + f["text"].encode() +
                   rb"\x1b\[0m\r\n")
    bob.expect("presence", nick="ana", event="join")
    bob.send({"type": "msg", "room": "general", "text": "live"})
    m = tty.expect(rb"(.{4})\[" + col + rb"general\x1b\[0m\] <" + col +
                   rb"bob\x1b\[0m> live\r\n")
    assert not m.group(1).endswith(b"\x1b[2m"), m.group(0)
    tty.proc.send_signal(signal.SIGTERM)
    assert tty.wait() == 0


def test_plain_mark_and_history_0(srv):
    """Without colours a word marks replayed lines; --history 0 asks for
    none, even at a terminal."""
    bob, sent = posted(srv, 2)
    tty = c.PtyCli(["--nick", "ana", "--join", "general"], srv.port,
                   env={"NO_COLOR": "1", "TZ": "UTC"})
    for f in sent:
        tty.expect(rb"\r\[history " + when(f) + rb"\] \[general\] <bob> " +
                   f["text"].encode() + rb"\r\n")
    tty.type("/quit\r")
    assert tty.wait() == 0
    bob.expect("presence", nick="ana", event="quit")

    tty = c.PtyCli(["--nick", "ana", "--history", "0", "--join", "general"],
                   srv.port, env={"NO_COLOR": "1"})
    tty.expect(rb"you joined general")
    bob.expect("presence", nick="ana", event="join")
    bob.send({"type": "msg", "room": "general", "text": "live"})
    tty.expect(rb"\[general\] <bob> live\r\n")
    assert b"m0" not in tty.data and b"history" not in tty.data, tty.data
    tty.type("/quit\r")
    assert tty.wait() == 0


def offered(tty, code, offer):
    """The server's refusal shown, then offer proposed as another nick."""
    tty.expect(rb"error: " + code + rb": [^\r\n]+\r\n")
    tty.expect(rb"another nick \(empty to quit\): " + re.escape(offer))


def test_nick_taken_offers_another(srv):
    """A taken nick is shown refused and nick_ offered; Enter takes it, on
    the same connection, and the chat goes on."""
    bob = srv.client("ana")
    bob.join("general")
    tty = c.PtyCli(["--nick", "ANA", "--join", "general"], srv.port,
                   env={"NO_COLOR": "1"})
    offered(tty, b"nick_taken", b"ANA_")
    tty.type("\r")
    tty.expect(rb"\* connected to [^\r\n]* as ANA_\r\n")
    tty.expect(rb"you joined general \(members: ana, ANA_\)")
    bob.expect("presence", nick="ANA_", event="join")
    tty.expect(rb"\[general\] ANA_> ")
    tty.type("hello\r")
    bob.expect_next("msg", room="general", text="hello", **{"from": "ANA_"})
    tty.expect(rb"\[general\] <ANA_> hello\r\n")
    tty.type("\x04")
    assert tty.wait() == 0
    bob.expect_next("presence", nick="ANA_", event="quit")


# The hash of "pw", as evchatd --hash-password prints it.
PW_HASH = ("$y$j9T$zP7R3/wddNm2WQGbHqEnV1$"
           "hemmjHdpOPra.F6/SILWkn.17HIkPGf5gCxFwVgPcvC")


@t.daemon_args("--password", PW_HASH)
def test_another_nick_with_a_password(srv):
    """The server checks the password in every hello, so the second hello
    carries it too."""
    bob = srv.connect(name="ana")
    bob.hello("ana", password="pw")
    tty = c.PtyCli(["--nick", "ana"], srv.port,
                   env={"NO_COLOR": "1", "EVCHAT_PASSWORD": "pw"})
    offered(tty, b"nick_taken", b"ana_")
    tty.type("\r")
    tty.type("/msg ana psst\r")
    bob.expect("msg", to="ana", text="psst", **{"from": "ana_"})
    tty.type("/quit\r")
    assert tty.wait() == 0


def test_invalid_nick_edited(srv):
    """An invalid nick is offered as it was, to edit; one still invalid is
    refused at once and asked for again."""
    bob = srv.client("bob")
    bob.join("general")
    tty = c.PtyCli(["--nick", "a,b", "--join", "general"], srv.port,
                   env={"NO_COLOR": "1"})
    offered(tty, b"invalid_nick", b"a,b")
    tty.type("\x7f\x7fc:\r")          # a,b -> ac: (from a,b_: a,c:)
    offered(tty, b"invalid_nick", b"ac:")
    tty.type("\x7fe\r")                # ac: -> ace
    tty.expect(rb"you joined general \(members: ace, bob\)")
    bob.expect("presence", nick="ace", event="join")
    tty.type("/quit\r")
    assert tty.wait() == 0


def test_no_other_nick_quits(srv):
    """An empty answer, or Ctrl-D, quits cleanly: quit, bye, status 0."""
    srv.client("ana")
    for keys in ("\x15\r", "\x15\x04"):      # Ctrl-U, then Enter or Ctrl-D
        tty = c.PtyCli(["--nick", "ana"], srv.port, env={"NO_COLOR": "1"})
        offered(tty, b"nick_taken", b"ana_")
        tty.type(keys)
        assert tty.wait() == 0, tty.data
        assert b"evchat-cli:" not in tty.data[tty.pos:], tty.data


t.run(globals())
