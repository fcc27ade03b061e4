#!/usr/bin/env python3
# test-store-sqlite.py: end-to-end tests of the SQLite store: history and msgids across a restart, paging
# past the memory cache (the held request), kill -9 under traffic, and files that must be refused untouched.
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time

import evchat_test as t

DIR = tempfile.mkdtemp(prefix="evchat-sqlite.")
EX_CONFIG = 78


def db(name):
    return os.path.join(DIR, name + ".db")


def store(name, *more):
    return ["--rate", "0", "--store", "sqlite:" + db(name)] + list(more)


def restart(srv):
    """Stop srv cleanly and start a daemon on the same arguments."""
    srv.close_clients()
    status, err = srv.stop()
    assert status == 0, err
    again = t.Server(srv.args, prefix=srv.prefix)
    return again.start()


def page_all(c, room, limit):
    """Every text of room's history, paging back: (texts, pages)."""
    msgs, pages = t.history_pages(c, room, limit)
    return [m["text"] for m in msgs], pages


@t.daemon_args(*store("restart"))
def test_history_and_msgids_survive_a_restart(srv):
    a = srv.client("alice")
    a.join("hall")
    ids = t.say(a, "hall", 5)
    srv = restart(srv)
    try:
        b = srv.client("bob")
        b.send({"type": "join", "room": "hall", "history": 10, "id": 2})
        b.expect_next("joined", room="hall", history=5, re=2)
        got = [b.expect_next("msg", history=True) for _ in range(5)]
        assert [f["msgid"] for f in got] == ids, got
        assert [f["text"] for f in got] == ["m%d" % i for i in range(5)]
        assert all(f["from"] == "alice" for f in got), got
        # msgids go on above every stored one, after the restart too.
        new = t.say(b, "hall", 2, 10)
        assert new[0] > ids[-1] and new[1] > new[0], (ids, new)
    finally:
        srv.stop()


@t.daemon_args(*store("paging"))
def test_paging_past_the_cache_reads_the_file(srv):
    a = srv.client("alice")
    a.join("hall")
    t.say(a, "hall", 250)
    srv = restart(srv)
    try:
        b = srv.client("bob")
        b.join("hall")
        texts, pages = page_all(b, "hall", 100)
        assert texts == ["m%d" % i for i in range(250)], texts[:5]
        assert pages == 3
        # A request sent behind a page read from the file waits for it.
        b.send({"type": "history", "room": "hall", "before": 50,
                "limit": 10, "id": 8})
        b.send({"type": "ping", "id": 9})
        kinds = [b.recv()["type"] for _ in range(12)]
        assert kinds == ["msg"] * 10 + ["history", "pong"], kinds
    finally:
        srv.stop()


@t.daemon_args(*store("count", "--history-max", "20"))
def test_retention_by_count_holds_in_the_file(srv):
    a = srv.client("alice")
    a.join("hall")
    t.say(a, "hall", 60)
    srv = restart(srv)
    try:
        b = srv.client("bob")
        b.join("hall")
        texts, _ = page_all(b, "hall", 7)
        assert texts == ["m%d" % i for i in range(40, 60)], texts
    finally:
        srv.stop()
    # The prune has deleted the rest from the file, not only hidden it.
    out = subprocess.run(["python3", "-c",
                          "import sqlite3,sys; print(sqlite3.connect("
                          "sys.argv[1]).execute('select count(*) from "
                          "messages').fetchone()[0])", db("count")],
                         capture_output=True, text=True)
    if out.returncode == 0:
        assert int(out.stdout) <= 60, out.stdout


@t.daemon_args(*store("age", "--history-max-age", "2s"))
def test_retention_by_age_in_the_file(srv):
    a = srv.client("alice")
    a.join("hall")
    t.say(a, "hall", 30)
    time.sleep(3.5)          # past the age and a prune of the file
    t.say(a, "hall", 1, 100)
    srv = restart(srv)
    try:
        b = srv.client("bob")
        b.join("hall")
        texts, _ = page_all(b, "hall", 100)
        assert texts == ["m100"], texts
    finally:
        srv.stop()
    # Deleted from the file, not only hidden (m100 may have aged too).
    con = sqlite3.connect(db("age"))
    n = con.execute("SELECT count(*) FROM messages WHERE content "
                    "NOT LIKE '%m100%'").fetchone()[0]
    con.close()
    assert n == 0, n


def test_kill_9_under_traffic(_):
    path = db("kill")
    args = store("kill", "--max-sendq", "0")
    srv = t.Server(args).start()
    a = srv.client("alice")
    a.join("hall")
    safe = t.say(a, "hall", 100)
    time.sleep(0.5)          # far past a batch: committed
    watch = srv.client("bob")
    watch.join("hall")
    # Steady traffic that the kill cuts off, seen by a member.
    stop = threading.Event()

    def flood():
        i = 100
        try:
            while not stop.is_set():
                a.send({"type": "msg", "room": "hall", "text": "m%d" % i})
                i += 1
                if i % 50 == 0:
                    time.sleep(0.001)
        except OSError:
            pass
    sender = threading.Thread(target=flood, daemon=True)
    sender.start()
    seen = 0
    while seen < 3000:
        f = watch.recv()
        if f["type"] == "msg":
            seen = int(f["text"][1:]) + 1
    srv.proc.send_signal(signal.SIGKILL)
    srv.wait()
    stop.set()
    sender.join(10)
    srv.close_clients()
    srv = t.Server(args).start()
    try:
        b = srv.client("carol")
        b.join("hall")
        texts, _ = page_all(b, "hall", 100)
        n = len(texts)
        # What was committed is there, whole and in order: a prefix.
        assert n >= 100, n
        assert texts == ["m%d" % i for i in range(n)], texts[:3]
        print("kill -9: a member had seen %d messages; %d are in the "
              "store (%d lost)" % (seen, n, max(0, seen - n)))
        new = t.say(b, "hall", 1, 100000)
        assert new[0] > safe[-1]
    finally:
        srv.stop()
    assert os.path.exists(path)


def refused(path, expect):
    """evchatd on that store exits 78 with a line naming the file."""
    srv = t.Server(["--store", "sqlite:" + path])
    p = subprocess.run(srv.argv, stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == EX_CONFIG, (p.returncode, p.stderr)
    assert path in p.stderr and expect in p.stderr, p.stderr
    assert "listening" not in p.stderr, p.stderr


def test_bad_files_are_refused_untouched(_):
    # Not a database.
    junk = db("junk")
    with open(junk, "wb") as f:
        f.write(b"evchat? no: a text file, which SQLite must not "
                b"take for a database, " * 20)
    before = open(junk, "rb").read()
    refused(junk, "not a database")
    assert open(junk, "rb").read() == before
    assert not os.path.exists(junk + "-wal")
    # A database cut short (a disk that lost its end).
    srv = t.Server(store("cut")).start()
    a = srv.client("alice")
    a.join("hall")
    t.say(a, "hall", 300)
    srv.close_clients()
    assert srv.stop()[0] == 0
    cut = db("cut")
    size = os.path.getsize(cut)
    with open(cut, "r+b") as f:
        f.seek(4096)
        f.write(b"\xff" * 4096)
    before = open(cut, "rb").read()
    refused(cut, "")
    assert open(cut, "rb").read() == before
    # Not a file at all: a directory; and a file in no directory.
    refused(DIR, "cannot")
    refused(os.path.join(DIR, "no", "such", "dir.db"), "cannot open")


def test_newer_schema_is_refused(_):
    path = db("newer")
    srv = t.Server(store("newer")).start()
    assert srv.stop()[0] == 0
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version = 42")
    con.commit()
    con.close()
    before = open(path, "rb").read()
    refused(path, "schema version 42 is newer")
    assert open(path, "rb").read() == before


def test_read_only_file_is_refused(_):
    path = db("ro")
    srv = t.Server(store("ro")).start()
    assert srv.stop()[0] == 0
    if os.geteuid() == 0:
        # root writes any file: run evchatd as nobody instead.
        if shutil.which("setpriv") is None:
            raise t.Skip("no setpriv to drop root")
        os.chmod(DIR, 0o755)
        srv = t.Server(["--store", "sqlite:" + path],
                       prefix=["setpriv", "--reuid=65534", "--regid=65534",
                               "--clear-groups"])
        if not os.access(srv.binary, os.X_OK):
            raise t.Skip("evchatd not runnable as nobody")
        p = subprocess.run(srv.argv, stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=30)
        if "Permission denied" in p.stderr and "evchatd" not in p.stderr:
            raise t.Skip("nobody cannot reach the build tree")
        assert p.returncode == EX_CONFIG, (p.returncode, p.stderr)
        assert path in p.stderr, p.stderr
    else:
        os.chmod(path, 0o444)
        refused(path, "read-only")


if __name__ == "__main__":
    try:
        t.run(globals())
    finally:
        shutil.rmtree(DIR, ignore_errors=True)
