#!/usr/bin/env python3
# test-cluster.py: three evchatd nodes on one redis-server of the test's own: rooms, private messages, nicks,
# presence, history, accounts and bans across nodes, and one order of a busy room on every node.
import signal
import subprocess

import evchat_test as t
import irc_test
from cluster_test import Nodes, joined_everywhere, need_redis, wait_for, who

REDIS = need_redis()
PW = "correct horse"
EX_CONFIG = 78


def cluster(prefix):
    return t.daemon_args(*REDIS.cluster(prefix))


@cluster("chat:")
def test_room_and_private_across_nodes(srv):
    n = Nodes(srv, 3)
    try:
        a = n[0].client("alice")
        b = n[1].client("bob")
        c = n[2].client("carol")
        for x in (a, b, c):
            x.join("hall")
        joined_everywhere((a, b, c), "hall", ["alice", "bob", "carol"])
        for x in (a, b, c):
            x.drain()
        b.send({"type": "msg", "room": "hall", "text": "hi from B",
                "id": 7})
        echo = b.expect_next("msg", room="hall", text="hi from B", re=7)
        for x in (a, c):
            got = x.expect_next("msg", room="hall", text="hi from B",
                                **{"from": "bob"})
            assert got["msgid"] == echo["msgid"], (got, echo)
            assert "re" not in got, got
        # Private, to a user of another node, in any letter case.
        a.send({"type": "msg", "to": "CAROL", "text": "psst", "id": 8})
        a.expect_next("msg", to="carol", text="psst", re=8)
        c.expect_next("msg", to="carol", text="psst", **{"from": "alice"})
        b.expect_quiet(0.3)
        # Nobody got anything twice.
        for x in (a, b, c):
            x.expect_quiet(0.3)
    finally:
        n.stop()


@cluster("nicks:")
def test_nick_unique_in_every_case(srv):
    n = Nodes(srv, 3)
    try:
        n[0].client("Dana")
        for node in n[1:]:
            for nick in ("dana", "DANA", "dAnA"):
                x = node.connect()
                x.send({"type": "hello", "nick": nick, "version": 1,
                        "id": 1})
                x.expect_next("error", code="nick_taken", re=1)
        # A client gone before (or just after) its claim's answer leaves
        # its nick free.
        for i in range(5):
            x = n[1].connect()
            x.send({"type": "hello", "nick": "brief%d" % i, "version": 1})
            x.close()
        for i in range(5):
            wait_for("brief%d free" % i, lambda: REDIS.cli(
                "EXISTS", "nicks:nick:brief%d" % i) == "0")
            n[2].client("brief%d" % i).close()
        # A change of nick to one held on another node is refused too.
        e = n[2].client("erin")
        e.send({"type": "nick", "nick": "DANA", "id": 2})
        e.expect_next("error", code="nick_taken", re=2)
        # A change of nick on C is seen on A, the old nick free again.
        w = n[0].connect()
        w.hello("watcher", events=["nick", "away"])
        w.join("hall")
        e.join("hall")
        joined_everywhere((w, e), "hall", ["erin", "watcher"])
        w.drain()
        e.drain()
        e.request({"type": "nick", "nick": "Erin2"}, "nick")
        w.expect_next("presence", nick="erin", event="nick", new="Erin2")
        wait_for("erin2 on A", lambda: who(w, "hall") == ["Erin2",
                                                            "watcher"])
        n[1].client("erin").close()
        # Away on C, seen on A.
        e.request({"type": "away", "message": "lunch"}, "away")
        w.expect_next("presence", nick="Erin2", event="away",
                      reason="lunch")
        w.request({"type": "whois", "nick": "erin2"}, "whois",
                  away="lunch")
        w.close()
        # Once Dana is gone, its nick is free everywhere.
        n[0].close_clients()
        wait_for("dana free on C", lambda: who(e) == ["Erin2"])
        n[2].client("dana")
    finally:
        n.stop()


@cluster("presence:")
def test_member_lists_and_presence_agree(srv):
    n = Nodes(srv, 3)
    try:
        w = [node.client("w%d" % i, presence=True)
             for i, node in enumerate(n)]
        for x in w:
            x.drain()
        a = n[0].client("alice")
        for x in w:
            x.expect("presence", nick="alice", event="online")
        a.join("r1")
        b = n[1].client("bob")
        b.join("r1")
        a.expect_next("presence", room="r1", nick="bob", event="join")
        c = n[2].client("carol")
        c.join("r1")
        c.join("r2")
        for x in (a, b):
            x.expect("presence", room="r1", nick="carol", event="join")
        joined_everywhere((a, b, c), "r1", ["alice", "bob", "carol"])
        joined_everywhere((a, b, c), "r2", ["carol"])
        # The same rooms and the same users online on every node.
        rooms = [x.request({"type": "rooms"}, "rooms")["rooms"]
                 for x in (a, b, c)]
        assert rooms[0] == rooms[1] == rooms[2], rooms
        online = sorted(["alice", "bob", "carol", "w0", "w1", "w2"])
        for x in (a, b, c):
            assert who(x) == online, (x, who(x))
        # A part and a quit reach every node.
        b.send({"type": "part", "room": "r1", "reason": "lunch"})
        for x in (a, c):
            x.expect("presence", room="r1", nick="bob", event="part",
                     reason="lunch")
        c.send({"type": "quit", "reason": "bye all"})
        a.expect("presence", nick="carol", event="quit", reason="bye all")
        for x in w:
            x.expect("presence", nick="carol", event="offline",
                     reason="bye all")
        joined_everywhere((a, b), "r1", ["alice"])
        for x in (a, b):
            assert who(x, "r2") is None
    finally:
        n.stop()


@cluster("state:")
def test_history_accounts_and_bans(srv):
    n = Nodes(srv, 3)
    try:
        a = n[0].client("alice")
        a.request({"type": "register", "password": PW}, "registered")
        a.join("hall")
        a.request({"type": "claim", "room": "hall"}, "claimed")
        ids = t.say(a, "hall", 5)
        # History on C of what was said on A, from Redis: replayed on
        # join by a node that never heard the room, and paged.
        c = n[2].client("carol")
        c.send({"type": "join", "room": "hall", "history": 10, "id": 2})
        c.expect_next("joined", room="hall", history=5, re=2)
        got = [c.expect_next("msg", history=True) for _ in range(5)]
        assert [f["msgid"] for f in got] == ids, got
        msgs, _ = t.history_pages(c, "hall", 100)
        assert [m["msgid"] for m in msgs] == ids, msgs
        msgs, pages = t.history_pages(c, "hall", 2)
        assert pages == 3, pages
        assert [m["msgid"] for m in msgs] == ids, msgs
        # The account made on A holds on B: no nick alice without it.
        x = n[1].connect()
        x.send({"type": "hello", "nick": "ALICE", "version": 1, "id": 3})
        x.expect_next("error", re=3)
        # A ban made on A (owner of hall) holds on B: bob is put out
        # and cannot come back.
        b = n[1].client("bob")
        b.join("hall")
        a.expect("presence", room="hall", nick="bob", event="join")
        # A topic and a mute made on A hold on B.
        a.request({"type": "topic", "room": "hall", "text": "exams"},
                  "topic")
        a.expect_next("presence", room="hall", event="topic")
        b.expect("presence", room="hall", event="topic", topic="exams")
        a.request({"type": "mute", "room": "hall", "nick": "bob"}, "muted")
        a.expect_next("presence", room="hall", nick="bob", event="mute")
        b.expect("presence", room="hall", nick="bob", event="mute")
        b.send({"type": "msg", "room": "hall", "text": "hey", "id": 5})
        b.expect_next("error", code="muted", re=5)
        a.request({"type": "unmute", "room": "hall", "nick": "bob"},
                  "unmuted")
        a.expect_next("presence", room="hall", nick="bob", event="unmute")
        b.expect("presence", room="hall", nick="bob", event="unmute")
        b.send({"type": "msg", "room": "hall", "text": "hey", "id": 6})
        b.expect_next("msg", text="hey", re=6)
        a.expect_next("msg", text="hey")
        a.request({"type": "ban", "room": "hall", "mask": "bob"}, "banned")
        b.expect("presence", room="hall", nick="bob", event="part",
                 sanction="ban")
        b.send({"type": "join", "room": "hall", "id": 4})
        b.expect_next("error", code="banned", re=4)
    finally:
        n.stop()


@cluster("esc:")
def test_escaped_text_ids_and_bursts(srv):
    """A room's publication carries escaped, Unicode and long texts, ids of
    every JSON kind and a pass's burst, each delivered once and in order on
    every node and kept as delivered (cluster-msg.c reads publications by
    hand, cJSON taking over where it cannot)."""
    n = Nodes(srv, 3)
    try:
        a = n[0].client("alice")
        b = n[1].client("bob")
        c = n[2].client("carol")
        for x in (a, b, c):
            x.join("hall")
        joined_everywhere((a, b, c), "hall", ["alice", "bob", "carol"])
        for x in (a, b, c):
            x.drain()
        texts = ['say "hi"\\ok', "line\nnext\ttab", "\u00e9\u2028\U0001F600",
                 "plain", "x" * 3000]
        ids = ["s\"id", 9, None, "plain", 12]
        for txt, i in zip(texts, ids):
            m = {"type": "msg", "room": "hall", "text": txt}
            if i is not None:
                m["id"] = i
            b.send(m)
            kw = {"re": i} if i is not None else {}
            echo = b.expect_next("msg", room="hall", text=txt, **kw)
            if i is None:
                assert "re" not in echo, echo
            for x in (a, c):
                got = x.expect_next("msg", room="hall", text=txt,
                                    **{"from": "bob"})
                assert got["msgid"] == echo["msgid"], (got, echo)
                assert "re" not in got, got
        # A burst, in one pass: plain, escaped and plain in one publication.
        burst = ["p%d" % i if i % 3 else 'e"%d\\' % i for i in range(30)]
        for i, txt in enumerate(burst):
            b.send({"type": "msg", "room": "hall", "text": txt, "id": 100 + i})
        ids = [b.expect_next("msg", room="hall", text=txt, re=100 + i)["msgid"]
               for i, txt in enumerate(burst)]
        assert ids == sorted(ids), ids
        for x in (a, c):
            got = [x.expect_next("msg", room="hall", text=txt)["msgid"]
                   for txt in burst]
            assert got == ids, (got, ids)
        for x in (a, b, c):
            x.expect_quiet(0.3)
        # What Redis kept is what was delivered, from any node.
        msgs, _ = t.history_pages(c, "hall", 100)
        assert [m["text"] for m in msgs] == texts + burst, msgs
        assert [m["msgid"] for m in msgs][len(texts):] == ids, msgs
        assert all(m["from"] == "bob" for m in msgs), msgs
    finally:
        n.stop()

@cluster("order:")
def test_one_order_on_every_node(srv):
    n = Nodes(srv, 3)
    try:
        pubs = [node.client("p%d" % i) for i, node in enumerate(n)]
        subs = [node.client("s%d" % i) for i, node in enumerate(n)]
        for x in pubs + subs:
            x.join("busy")
        everyone = ["p0", "p1", "p2", "s0", "s1", "s2"]
        joined_everywhere(subs, "busy", everyone)
        for x in pubs + subs:
            x.drain()
        per = 100
        for i in range(per):
            for k, p in enumerate(pubs):
                p.send({"type": "msg", "room": "busy",
                        "text": "%d-%d" % (k, i)})
        seqs = []
        for s in subs:
            got = [s.expect("msg", room="busy") for _ in range(3 * per)]
            seqs.append([(f["msgid"], f["text"]) for f in got])
        assert seqs[0] == seqs[1] == seqs[2], "orders differ"
        ids = [m for m, _ in seqs[0]]
        assert ids == sorted(ids) and len(set(ids)) == len(ids), ids
        # Each publisher's own messages in the order it sent them.
        for k in range(3):
            mine = [x for _, x in seqs[0] if x.startswith("%d-" % k)]
            assert mine == ["%d-%d" % (k, i) for i in range(per)], mine
        for s in subs:
            s.expect_quiet(0.3)
        # SIGUSR1: what went through Redis, on each node.
        for node in n:
            node.send_signal(signal.SIGUSR1)
            m = node.wait_log(r"stats: cluster node \S+ up msgs_out (\d+) "
                              r"msgs_in (\d+) .* renewals (\d+)")
            assert int(m.group(1)) >= per, m.group(0)
            assert int(m.group(2)) >= 3 * per, m.group(0)
    finally:
        n.stop()


@cluster("replay:")
def test_join_replay_in_a_busy_room(srv):
    """A join on another node while the room talks: the replay, then the
    live messages, each once and in the room's order."""
    n = Nodes(srv, 3)
    try:
        p = n[0].client("pub")
        s = n[0].client("sub")
        for x in (p, s):
            x.join("busy")
        s.drain()
        # History first, then a join on C while the room talks.
        total = 400
        for i in range(100):
            p.send({"type": "msg", "room": "busy", "text": "m%d" % i})
        heard = [s.expect("msg", room="busy")["msgid"] for _ in range(100)]
        for i in range(100, total):
            p.send({"type": "msg", "room": "busy", "text": "m%d" % i})
            if i == 250:
                j = n[2].connect()
                j.hello("late")
                j.send({"type": "join", "room": "busy", "history": 50,
                        "id": "j"})
        heard += [s.expect("msg", room="busy")["msgid"]
                  for _ in range(total - 100)]
        joined = j.expect("joined", room="busy", re="j")
        seen = [j.expect_next("msg", room="busy", history=True)["msgid"]
                for _ in range(joined["history"])]
        while not seen or seen[-1] != heard[-1]:
            f = j.expect("msg", room="busy")
            assert "history" not in f, f
            seen.append(f["msgid"])
        print("replayed %d, live %d" % (joined["history"],
                                        len(seen) - joined["history"]))
        assert joined["history"] == 50, joined
        start = heard.index(seen[0])
        assert seen == heard[start:], (seen, heard[start:])
    finally:
        n.stop()


@t.daemon_args(*REDIS.cluster("op:"), "--operators", "alice")
def test_kick_and_kill_across_nodes(srv):
    n = Nodes(srv, 2)
    try:
        a = n[0].client("alice")
        a.request({"type": "register", "password": PW}, "registered")
        b = n[1].client("bob")
        for x in (a, b):
            x.join("hall")
        joined_everywhere((a, b), "hall", ["alice", "bob"])
        a.drain()
        b.drain()
        # Done by bob's node, told to everyone.
        a.request({"type": "kick", "room": "hall", "nick": "bob",
                   "reason": "noise"}, "kicked")
        for x in (a, b):
            x.expect("presence", room="hall", nick="bob", event="part",
                     sanction="kick", by="alice", reason="noise")
        joined_everywhere((a,), "hall", ["alice"])
        a.request({"type": "kill", "nick": "BOB", "reason": "spam"},
                  "killed", nick="bob")
        b.expect_bye("killed by alice: spam")
        wait_for("bob gone from A", lambda: who(a) == ["alice"])
    finally:
        n.stop()


@t.daemon_args(*REDIS.cluster("irc:"), "--irc-listen", "127.0.0.1:0",
               "--server-name", "irc.test")
def test_irc_on_every_node(srv):
    n = Nodes(srv, 2)
    try:
        e = n[0].client("eve")
        e.join("lobby")
        x = n[1].client("x")
        wait_for("eve in lobby on B", lambda: who(x, "lobby") == ["eve"])
        x.close()
        c = irc_test.client(n[1], "ann")
        c.join("#lobby")
        e.expect_next("presence", room="lobby", nick="ann", event="join")
        c.send("PRIVMSG #lobby :hello from irc")
        e.expect_next("msg", room="lobby", text="hello from irc",
                      **{"from": "ann"})
        c.expect_quiet()            # no echo without echo-message
        e.request({"type": "msg", "room": "lobby", "text": "hi irc"}, "msg")
        c.expect_next("PRIVMSG", "#lobby", "hi irc", source="eve")
        e.request({"type": "msg", "to": "ANN", "text": "psst"}, "msg")
        c.expect_next("PRIVMSG", "ann", "psst", source="eve")
        # A nick held on another node is in use for IRC too.
        d = irc_test.connect(n[1])
        d.send("NICK EVE")
        d.send("USER u 0 * :x")
        d.expect("433")
    finally:
        n.stop()


def test_config(_):
    """The store is the cluster's Redis; another store contradicts it."""
    evchatd = t.Server().binary
    key = "redis://127.0.0.1:%d" % REDIS.port
    p = subprocess.run([evchatd, "--check-config", "--cluster", key],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "\nstore = %s\n" % key in p.stdout, p.stdout
    p = subprocess.run([evchatd, "--check-config", "--cluster",
                        "unix:/run/redis.sock"], capture_output=True,
                       text=True)
    assert "\nstore = redis+unix:/run/redis.sock\n" in p.stdout, p.stdout
    for bad in (["--store", "sqlite:/tmp/x.db"], ["--store", "memory"]):
        p = subprocess.run([evchatd, "--check-config", "--cluster", key] +
                           bad, capture_output=True, text=True)
        assert p.returncode == EX_CONFIG, (p.returncode, p.stderr)
        assert "contradicts cluster" in p.stderr, p.stderr
    p = subprocess.run([evchatd, "--check-config", "--cluster",
                        "http://x"], capture_output=True, text=True)
    assert p.returncode == EX_CONFIG and "unix:/PATH" in p.stderr, p.stderr


@cluster("names:")
def test_node_name_held(srv):
    """A second node under a running node's name does not start."""
    name = wait_for("the node's lease",
                    lambda: REDIS.cli("SMEMBERS", "names:nodes"))
    p = subprocess.run(t.Server(srv.args + ["--node-name", name]).argv,
                       stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == 1, (p.returncode, p.stderr)
    assert "node-name %s is held by a running node" % name in p.stderr, \
        p.stderr


if __name__ == "__main__":
    t.run(globals())
