#!/usr/bin/env python3
# test-cluster-faults.py: faults of a cluster of three evchatd on one redis-server of the test's own: a node
# killed, Redis restarted or paused past the lease, a node stopped cleanly; after each, fresh clients on every
# node see one world, and nothing was delivered twice.  Leases of 2 s keep each test to a few seconds.
import signal
import time

import evchat_test as t
from cluster_test import Nodes, joined_everywhere, need_redis, wait_for, who

REDIS = need_redis()
LEASE = 2


def cluster(prefix, lease=LEASE):
    return t.daemon_args(*REDIS.cluster(prefix, lease))


def chat(nodes, room, nicks):
    """One client per node, each in room, all seeing each other."""
    cs = [node.client(nick) for node, nick in zip(nodes, nicks)]
    for c in cs:
        c.join(room)
    joined_everywhere(cs, room, nicks)
    for c in cs:
        c.drain()
    return cs


def round_trip(cs, room, tag):
    """Each client says one message; each gets every one exactly once.
    The msgids, as the first client saw them."""
    for i, c in enumerate(cs):
        c.send({"type": "msg", "room": room, "text": "%s-%d" % (tag, i)})
    want = sorted("%s-%d" % (tag, i) for i in range(len(cs)))
    ids = None
    for c in cs:
        got = [c.expect("msg", room=room) for _ in cs]
        assert sorted(f["text"] for f in got) == want, (c, got)
        c.expect_quiet(0.3)
        ids = ids or [f["msgid"] for f in got]
    return ids


def consistent(nodes, room, nicks):
    """A fresh client on each node sees nicks online and in room."""
    fresh = [node.client("fresh%d" % i) for i, node in enumerate(nodes)]
    everyone = sorted(nicks + ["fresh%d" % i for i in range(len(nodes))])
    for f in fresh:
        wait_for("%s sees %s" % (f, everyone), lambda: who(f) == everyone)
        wait_for("%s sees %s in %s" % (f, nicks, room),
                 lambda: who(f, room) == sorted(nicks))
    for f in fresh:
        f.close()


def no_duplicates(c):
    """Every msgid c was given, once."""
    seen = [f["msgid"] for f in c.drain() if f["type"] == "msg"]
    assert len(seen) == len(set(seen)), seen


def one_world(nodes, cs, room, nicks):
    """After a fault: every node agrees on room and who is online, and a
    round of messages reaches each client once."""
    joined_everywhere(cs, room, nicks)
    consistent(nodes, room, nicks)
    for x in cs:
        x.drain()
    ids = round_trip(cs, room, "after")
    for x in cs:
        no_duplicates(x)
    return ids


@cluster("kill:")
def test_node_killed(srv):
    n = Nodes(srv, 3)
    try:
        a, b, c = chat(n, "hall", ["alice", "bob", "carol"])
        killed = time.monotonic()
        n[1].proc.send_signal(signal.SIGKILL)
        n[1].wait()
        # Within the lease (and a sweep's period): a quit naming node B.
        for x in (a, c):
            x.expect("presence", nick="bob", event="quit",
                     reason="node nodeB lost", timeout=3 * LEASE)
        assert time.monotonic() - killed < 3 * LEASE
        live = [n[0], n[2]]
        consistent(live, "hall", ["alice", "carol"])
        # bob's nick is free again.
        n[2].client("bob").close()
        round_trip([a, c], "hall", "after")
        assert REDIS.cli("SISMEMBER", "kill:nodes", "nodeB") == "0"
    finally:
        n.nodes = [n[0], n[2]]
        n.stop()


@cluster("stop:", lease=30)
def test_node_stopped_cleanly(srv):
    n = Nodes(srv, 3)
    try:
        a, b, c = chat(n, "hall", ["alice", "bob", "carol"])
        status, err = n[1].stop()
        assert status == 0, err
        b.expect_bye("server shutting down")
        # At once, not after the lease of 30 s.
        for x in (a, c):
            x.expect("presence", nick="bob", event="quit",
                     reason="node nodeB shutting down", timeout=3)
        consistent([n[0], n[2]], "hall", ["alice", "carol"])
        round_trip([a, c], "hall", "after")
    finally:
        n.nodes = [n[0], n[2]]
        n.stop()


@cluster("restart:")
def test_redis_restarted(srv):
    n = Nodes(srv, 3)
    try:
        a, b, c = chat(n, "hall", ["alice", "bob", "carol"])
        before = round_trip([a, b, c], "hall", "before")
        REDIS.stop()
        try:
            # Clients stay; each node's own still hear each other.
            a2 = n[0].client("alice2")
            a2.join("hall")
            a.expect("presence", nick="alice2", event="join")
            a2.send({"type": "msg", "room": "hall", "text": "local"})
            a.expect("msg", text="local")
            for node in n:
                node.wait_log("messages go to this node's clients only")
        finally:
            REDIS.start()
        for node in n:
            node.wait_log("connected again")
            assert node.stderr.count("only until Redis is back") == 1, \
                node.stderr
        a2.drain()
        after = one_world(n, [a, b, c], "hall",
                          ["alice", "alice2", "bob", "carol"])
        # Redis kept nothing, yet msgids go on rising.
        assert min(after) > max(before), (before, after)
    finally:
        n.stop()


@cluster("twice:")
def test_nick_claimed_twice_during_outage(srv):
    n = Nodes(srv, 2)
    try:
        a = n[0].client("alice")
        REDIS.stop()
        try:
            for node in n:
                node.wait_log("only until Redis is back")
            z1 = n[0].client("Zed")
            z2 = n[1].client("zed")
        finally:
            REDIS.start()
        # One keeps it, the other is told why and disconnected.
        zs = [z1, z2]
        loser = None
        deadline = time.monotonic() + t.TIMEOUT
        while loser is None and time.monotonic() < deadline:
            for z in zs:
                f = z.poll(0.05)
                if f is not None:
                    assert f["type"] == "error" and \
                        f["code"] == "nick_taken", f
                    assert "was taken on node" in f["message"], f
                    loser = z
                    break
        assert loser is not None, "neither Zed was told"
        loser.expect("bye")
        winner = z2 if loser is z1 else z1
        winner.expect_quiet(0.5)
        want = sorted(["alice", winner.nick])
        fresh = [node.client("fresh%d" % i) for i, node in enumerate(n)]
        want = sorted(want + ["fresh0", "fresh1"])
        for f in fresh:
            wait_for("one zed", lambda: who(f) == want)
    finally:
        n.stop()


@cluster("pause:")
def test_redis_paused_past_the_lease(srv):
    n = Nodes(srv, 3)
    try:
        a, b, c = chat(n, "hall", ["alice", "bob", "carol"])
        REDIS.pause()
        try:
            time.sleep(LEASE + 1.5)
        finally:
            REDIS.resume()
        # Every node's lease ran out: whoever sweeps first drops the
        # others, which announce their users again.
        one_world(n, [a, b, c], "hall", ["alice", "bob", "carol"])
    finally:
        n.stop()


if __name__ == "__main__":
    t.run(globals())
