# test-cli-history.py: evchat-cli and room history against the real evchatd: the replay a join asks for,
# /history paging back, --json frames, a replay the server cuts or refuses.  It knows nothing of the client's code.
import json
import re
import time

import cli_test as c
import evchat_test as t

UTC = {"TZ": "UTC"}


def say(raw, room, n, first=0, text="m%d"):
    """n texts from raw to room (echoes read); their msg frames."""
    frames = []
    for i in range(first, first + n):
        raw.send({"type": "msg", "room": room, "text": text % i, "id": i + 1})
        frames.append(raw.expect_next("msg", room=room, re=i + 1))
    return frames


def when(frame):
    """The client's time of frame in UTC: HH:MM, after the date when that
    is not today (the test may cross midnight), as a regular expression."""
    tm = time.gmtime(frame["ts"] / 1000)
    return r"(?:%s )?%s" % (time.strftime("%Y-%m-%d", tm),
                            time.strftime("%H:%M", tm))


def replayed(frame, room="hall"):
    """The whole plain line of a replayed text message."""
    return r"^\[history %s\] \[%s\] <%s> %s$" % (
        when(frame), room, frame["from"], re.escape(frame["text"]))


def hall(srv, n, rooms=("hall",)):
    """alice in rooms, and her n texts to hall; alice and their frames."""
    alice = srv.client("alice")
    for room in rooms:
        alice.join(room)
    return alice, say(alice, "hall", n)


def bob(srv, args, script="", env=None):
    """Run the client as bob with args to a clean end; its stdout."""
    status, out, err = c.run(["--nick", "bob"] + args, srv.port, script,
                             env=env)
    assert status == 0 and err == [], (status, out, err)
    return out


def matching(lines, patterns):
    """lines match patterns one for one."""
    assert len(lines) == len(patterns), (lines, patterns)
    for line, p in zip(lines, patterns):
        assert re.match(p, line), (line, p)


@t.daemon_args("--rate", "0")
def test_replay_on_join(srv):
    alice, sent = hall(srv, 5)
    out = bob(srv, ["--history", "3", "--join", "hall"], "live\n", UTC)
    # The last three, oldest first, with their time, before anything
    # live; the line after the join waited for them.
    matching(out[1:], [r"^\* you joined hall \(members: alice, bob\)$"] +
             [replayed(f) for f in sent[2:]] + [r"^\[hall\] <bob> live$"])


@t.daemon_args("--rate", "0")
def test_scripted_silent_unless_asked(srv):
    hall(srv, 3)
    out = bob(srv, ["--join", "hall"], "live\n")
    assert out[1:] == ["* you joined hall (members: alice, bob)",
                       "[hall] <bob> live"], out
    # --json shows that nothing was asked: joined says nothing of history.
    out = bob(srv, ["--json", "--join", "hall"])
    frames = [json.loads(l) for l in out]
    assert [f["type"] for f in frames] == ["welcome", "joined", "bye"], out
    assert "history" not in frames[1], frames[1]
    # Asked for, a script gets it: the last message, its own "live".
    out = bob(srv, ["--history", "1", "--join", "hall"])
    assert len(out) == 3 and out[2].startswith("[history ") and \
        out[2].endswith("] [hall] <bob> live"), out


@t.daemon_args("--rate", "0")
def test_json_keeps_history_true(srv):
    alice, sent = hall(srv, 4)
    out = bob(srv, ["--json", "--history", "2", "--join", "hall"],
              "/history 1\n")
    frames = [json.loads(l) for l in out]
    assert [f["type"] for f in frames] == ["welcome", "joined", "msg", "msg",
                                           "msg", "history", "bye"], frames
    assert frames[1]["history"] == 2, frames[1]
    # Printed as they came: the frame first delivered, and history: true.
    for f, orig in zip(frames[2:4], sent[2:]):
        want = dict(orig, history=True)
        del want["re"]
        assert f == want, (f, want)
    # /history 1 asked for the one before the oldest seen.
    assert frames[4]["msgid"] == sent[1]["msgid"], frames[4]
    assert frames[4]["history"] is True
    assert frames[5] == {"type": "history", "room": "hall", "count": 1,
                         "more": True, "re": frames[5]["re"]}, frames[5]


@t.daemon_args("--rate", "0")
def test_paging_to_the_beginning(srv):
    alice, sent = hall(srv, 11)
    out = bob(srv, ["--history", "3", "--join", "hall"],
              "/history 4\n/history 4\n/history 4\n/history\n", UTC)
    matching(out[1:], [r"^\* you joined hall "] +
             [replayed(f) for f in sent[8:]] +
             [replayed(f) for f in sent[4:8]] +
             [r"^\* hall: 4 messages of history; older ones with /history$"] +
             [replayed(f) for f in sent[0:4]] +
             [r"^\* hall: 4 messages of history; no older ones$"] +
             [r"^\* hall: 0 messages of history; no older ones$",
              r"^\* hall: 0 messages of history; no older ones$"])


@t.daemon_args("--rate", "0")
def test_page_counts_live_messages(srv):
    """Without a replay, a page goes back from the oldest live message."""
    alice, sent = hall(srv, 3)
    bob = c.Cli(["--nick", "bob", "--join", "hall"], srv.port, env=UTC)
    bob.expect(r"^\* you joined hall ")
    alice.expect("presence", nick="bob")
    live = say(alice, "hall", 1, 3)[0]
    bob.expect(r"^\[hall\] <alice> m3$")
    bob.send("/history 2")
    bob.expect(replayed(sent[1]))
    bob.expect(replayed(sent[2]))
    bob.expect(r"^\* hall: 2 messages of history; older ones")
    bob.send("/history 9")
    bob.expect(replayed(sent[0]))
    bob.expect(r"^\* hall: 1 message of history; no older ones$")
    out, err = bob.finish(0)
    assert sum(1 for l in out if l.endswith("> m3")) == 1, out
    assert live["msgid"] > sent[2]["msgid"]


@t.daemon_args("--rate", "0", "--history-replay-bytes", "1024")
def test_replay_cut_by_the_server(srv):
    """joined says fewer than asked: the lines after the join wait for as
    many as it says, no more, and page back from the oldest of them."""
    alice, _ = hall(srv, 3)
    big = say(alice, "hall", 6, 3, "%d" + "x" * 300)
    out = bob(srv, ["--json", "--history", "50", "--join", "hall"],
              "/history 1\n")
    frames = [json.loads(l) for l in out]
    n = frames[1]["history"]
    assert 1 <= n <= 3, frames[1]
    got = [f["msgid"] for f in frames[2:2 + n]]
    assert got == [f["msgid"] for f in big[-n:]], (got, frames)
    assert frames[2 + n]["msgid"] == big[-n - 1]["msgid"], frames
    assert frames[3 + n]["type"] == "history", frames


@t.daemon_args("--rate", "0", "--history-max-replay", "5")
def test_replay_refused_then_paged(srv):
    """A server that replays fewer than --history on join refuses it: the
    client joins without and pages back instead, then and on later joins."""
    alice, sent = hall(srv, 8, ("hall", "den"))
    say(alice, "den", 2)
    out = bob(srv, ["--history", "7", "--join", "hall", "--join", "den"],
              "hi\n", UTC)
    matching(out[1:], [r"^the server replays fewer than 7 messages on "
                       r"join: paging back instead$",
                       r"^\* you joined hall "] +
             [replayed(f) for f in sent[1:]] +
             [r"^\* hall: 7 messages of history; older ones",
              r"^\* you joined den ",
              r"^\[history .*\] \[den\] <alice> m0$",
              r"^\[history .*\] \[den\] <alice> m1$",
              r"^\* den: 2 messages of history; no older ones$",
              r"^\[den\] <bob> hi$"])
    # In --json the refusal, handled, is not printed; the notice goes to
    # stderr.
    status, out, err = c.run(["--nick", "bob", "--json", "--history", "7",
                              "--join", "hall"], srv.port)
    assert status == 0 and err == [
        "evchat-cli: the server replays fewer than 7 messages on join: "
        "paging back instead"], (status, out, err)
    types = [json.loads(l)["type"] for l in out]
    assert types == ["welcome", "joined"] + ["msg"] * 7 + ["history",
                                                          "bye"], types


def test_bad_history_arguments(srv):
    for arg in ("-1", "x", "", "10000001", "1.5"):
        status, out, err = c.run(["--nick", "bob", "--history", arg],
                                 srv.port)
        assert status == 1 and out == [], (arg, status, out, err)
        assert err == ["evchat-cli: --history: not a number from 0 to "
                       "10000000: %s" % arg], (arg, err)
    status, out, err = c.run(["--nick", "bob", "--join", "hall"], srv.port,
                             "/history 0\n/history 101\n/history x\n"
                             "/part\n/history\n")
    assert status == 0, (status, out, err)
    assert err == [
        "evchat-cli: /history: not a number from 1 to 100: 0",
        "evchat-cli: /history: not a number from 1 to 100: 101",
        "evchat-cli: /history: not a number from 1 to 100: x",
        "evchat-cli: no current room (use /join ROOM)",
    ], err


t.run(globals())
