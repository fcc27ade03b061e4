#!/usr/bin/env python3
# test-store-redis.py: end-to-end tests of the Redis store, on a redis-server the test starts on a loopback port:
# history and accounts across a restart, two evchatd on one Redis, a Redis missing at start or gone for a while.
import subprocess
import time

import evchat_test as t
from cluster_test import free_port, need_redis

EX_CONFIG = 78
PW = "correct horse"
REDIS = need_redis()


def refused_without_password(srv, nick):
    """nick is an account that srv knows."""
    g = srv.connect()
    g.send({"type": "hello", "nick": nick, "version": 1, "id": 1})
    g.expect_next("error", code="nick_registered", re=1)


def register(srv, nick):
    c = srv.client(nick)
    c.request({"type": "register", "password": PW}, "registered")
    return c


@t.daemon_args("--rate", "0", *REDIS.key("restart:"))
def test_history_and_accounts_survive_a_restart(srv):
    a = register(srv, "alice")
    a.join("hall")
    ids = t.say(a, "hall", 5)
    srv.close_clients()
    status, err = srv.stop()
    assert status == 0, err
    # What a sysadmin sees.
    assert REDIS.cli("ZCARD", "restart:history:hall") == "5"
    assert '"nick":"alice"' in REDIS.cli("HGET", "restart:accounts",
                                         "alice")
    srv = t.Server(srv.args).start()
    try:
        refused_without_password(srv, "alice")
        a = srv.connect()
        a.hello("alice", account_password=PW)
        a.send({"type": "join", "room": "hall", "history": 10, "id": 2})
        a.expect_next("joined", room="hall", history=5, re=2)
        got = [a.expect_next("msg", history=True) for _ in range(5)]
        assert [f["msgid"] for f in got] == ids, got
        assert [f["text"] for f in got] == ["m%d" % i for i in range(5)]
        new = t.say(a, "hall", 2, 10)
        assert ids[-1] < new[0] < new[1], (ids, new)
    finally:
        srv.stop()


@t.daemon_args("--rate", "0", *REDIS.key("nodes:"))
def test_two_nodes_on_one_redis(srv):
    register(srv, "alice").close()
    REDIS.until("1", "HEXISTS", "nodes:accounts", "alice")
    # Started after the account was written, node B loads it.
    b_srv = t.Server(srv.args).start()
    try:
        refused_without_password(b_srv, "alice")
        a = srv.connect()
        a.hello("alice", account_password=PW)
        b = b_srv.client("bob")
        a.join("hall")
        b.join("hall")
        on_a, on_b = [], []
        for i in range(0, 20, 2):
            on_a += t.say(a, "hall", 1, i)
            on_b += t.say(b, "hall", 1, i + 1)
        # Each node's rise; no msgid is given twice.
        assert on_a == sorted(on_a) and on_b == sorted(on_b), (on_a, on_b)
        assert not set(on_a) & set(on_b), (on_a, on_b)
        # History on B holds A's messages too: read from Redis.
        REDIS.until("20", "ZCARD", "nodes:history:hall")
        msgs, _ = t.history_pages(b, "hall", 100)
        assert sorted(m["msgid"] for m in msgs) == sorted(on_a + on_b)
        assert [m["msgid"] for m in msgs] == sorted(on_a + on_b)
    finally:
        b_srv.close_clients()
        b_srv.stop()


def test_missing_redis_stops_the_start(_):
    key = "redis://127.0.0.1:%d" % free_port()
    srv = t.Server(["--store", key])
    p = subprocess.run(srv.argv, stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == EX_CONFIG, (p.returncode, p.stderr)
    assert key in p.stderr and "cannot connect" in p.stderr, p.stderr
    assert "listening" not in p.stderr, p.stderr


@t.daemon_args("--rate", "0", *REDIS.key("away:"))
def test_redis_away_then_back(srv):
    a, b = srv.pair("hall")
    t.say(a, "hall", 3)
    REDIS.until("3", "ZCARD", "away:history:hall")
    REDIS.stop()
    try:
        # Clients are served meanwhile; the outage is logged once.
        for i in range(3, 13):
            t.say(a, "hall", 1, i)
            b.expect("msg", text="m%d" % i)
            time.sleep(0.02)
        srv.wait_log("history is kept in memory")
        assert srv.stderr.count("history is kept in memory") == 1, \
            srv.stderr
        c = srv.client("carol")
        c.send({"type": "join", "room": "hall", "history": 100, "id": 5})
        c.expect_next("joined", room="hall", history=13, re=5)
    finally:
        REDIS.start()
    # Back (a Redis that kept nothing): what waited is written.
    srv.wait_log("connected again")
    REDIS.until("10", "ZCARD", "away:history:hall")


if __name__ == "__main__":
    t.run(globals())
