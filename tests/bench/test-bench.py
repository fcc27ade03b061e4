# test-bench.py: end-to-end test of evchat-bench with tiny parameters against the real evchatd: its JSON
# results, the exactly-once accounting (also of a deliberately lossy run, and with --ws over WebSocket),
# join's replay checks (also against a fake server that replays wrongly), the WebSocket client's framing
# against a fake server (fragments, pings, close, a refused handshake), the loopback-only rule, --tls with
# connect and --resume, clients spread over several --server, --redis against a redis-server of its own,
# --mqtt against a mosquitto of its own (skipped when it is not installed) and pingpong --no-echo (also
# against a fake server that echoes all the same).
# It runs both binaries and knows neither one's code; timings are never asserted.
import atexit
import base64
import hashlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import evchat_test as t

BENCH = os.path.join(os.environ.get("top_builddir", "."), "src",
                     "evchat-bench")


def limits_off():
    """evchatd's limit options that exist, each set to 0 (off)."""
    binary = os.environ.get("EVCHATD")
    if not binary:
        return []
    out = subprocess.run([binary, "--help"], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, universal_newlines=True,
                         timeout=10).stdout
    have = {w for line in out.splitlines() for w in line.split()
            if w.startswith("--")}
    args = []
    for opt in ("--rate", "--burst", "--flood-kick", "--max-sendq",
                "--max-clients-per-ip", "--max-members-per-room",
                "--max-rooms-per-client"):
        if opt in have:
            args += [opt, "0"]
    return args


LIMITS_OFF = limits_off()


def bench(srv, *args, status=0):
    """Run evchat-bench against srv; return its JSON results."""
    argv = [BENCH, "--server", "127.0.0.1:%d" % srv.port, "--duration", "20"]
    if getattr(srv, "proc", None) is not None:
        argv += ["--server-pid", str(srv.proc.pid)]
    argv += list(args)
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=60)
    assert p.returncode == status, (
        "%s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s" % (
            " ".join(argv), p.returncode, status, p.stdout, p.stderr))
    results = [json.loads(line) for line in p.stdout.splitlines()]
    assert "mode" in p.stderr, "no table on stderr: %r" % p.stderr
    return results


def check_latency(r):
    lat = r["latency_us"]
    assert lat["n"] > 0, lat
    assert 0 <= lat["min"] <= lat["p50"] <= lat["p99"] <= lat["p99.9"] \
        <= lat["max"], lat


def check_measured(r):
    assert r["server"]["cpu_s"] >= 0, r
    assert r["server"]["rss_kb_after"] > 0, r
    assert r["generator"]["cpu_s"] >= 0, r


@t.daemon_args(*LIMITS_OFF)
def test_broadcast_exactly_once(srv):
    (r,) = bench(srv, "--subscribers", "3", "--messages", "300",
                 "--window", "50", "broadcast")
    assert r["mode"] == "broadcast" and r["ok"] and r["complete"], r
    assert r["sent"] == 300 and r["subscribers"] == 3, r
    assert r["ops"] == r["deliveries"] == 900, r
    assert (r["lost"], r["duplicated"], r["out_of_order"], r["errors"],
            r["closed"]) == (0, 0, 0, 0, 0), r
    assert r["per_subscriber"] == [
        {"received": 300, "lost": 0, "duplicated": 0, "out_of_order": 0}
    ] * 3, r["per_subscriber"]
    assert r["latency_us"]["n"] == 900, r
    check_latency(r)
    check_measured(r)


@t.daemon_args(*LIMITS_OFF)
def test_broadcast_lossy(srv):
    # The first subscriber is reset after 100 messages: the 200 it never
    # got must be reported lost, and the run must fail.
    (r,) = bench(srv, "--subscribers", "3", "--messages", "300",
                 "--window", "50", "--kill-subscriber-after", "100",
                 "broadcast", status=1)
    assert not r["ok"] and r["complete"], r
    assert r["lost"] == 200 and r["closed"] == 1, r
    assert r["duplicated"] == 0 and r["out_of_order"] == 0, r
    assert r["per_subscriber"][0] == {
        "received": 100, "lost": 200, "duplicated": 0, "out_of_order": 0
    }, r["per_subscriber"]
    for s in r["per_subscriber"][1:]:
        assert s["received"] == 300 and s["lost"] == 0, r["per_subscriber"]
    assert r["sent"] == 300, r


@t.daemon_args(*LIMITS_OFF)
def test_broadcast_rate(srv):
    # 200 messages offered at 2000/s cannot take less than ~0.1 s.
    (r,) = bench(srv, "--subscribers", "2", "--messages", "200",
                 "--rate", "2000", "broadcast")
    assert r["ok"] and r["ops"] == 400 and r["rate"] == 2000, r
    assert r["seconds"] >= 0.09, r
    check_latency(r)


@t.daemon_args(*LIMITS_OFF)
def test_broadcast_deadline(srv):
    (r,) = bench(srv, "--subscribers", "2", "--messages", "100000000",
                 "--duration", "0.5", "broadcast", status=1)
    assert not r["ok"] and not r["complete"], r
    assert "deadline" in r["why"], r
    assert 0 < r["sent"] < 100000000, r


@t.daemon_args(*LIMITS_OFF)
def test_pingpong_and_idle(srv):
    pp, idle = bench(srv, "--pairs", "2", "--time", "1",
                     "--connections", "20", "--hold", "0.2",
                     "pingpong", "idle")
    assert pp["mode"] == "pingpong" and pp["ok"] and pp["complete"], pp
    assert pp["pairs"] == 2 and pp["clients"] == 4, pp
    assert pp["ops"] > 0 and pp["deliveries"] == 4 * pp["ops"], pp
    assert pp["echo"] is True and pp["target"] == "evchatd", pp
    assert pp["requests"] >= pp["ops"], pp
    assert (pp["lost"], pp["duplicated"], pp["out_of_order"],
            pp["errors"]) == (0, 0, 0, 0), pp
    assert 0.9 <= pp["seconds"] < 2, pp
    check_latency(pp)
    check_measured(pp)

    assert idle["mode"] == "idle" and idle["ok"], idle
    assert idle["ops"] == idle["connections"] == 20, idle
    assert idle["source_addrs"] == 1 and idle["room_size"] == 10, idle
    assert idle["server_rss_per_conn"] >= 0, idle
    assert idle["hold_s"] >= 0.2, idle
    check_measured(idle)


@t.daemon_args(*LIMITS_OFF)
def test_pingpong_no_echo(srv):
    # hello echo:false: two messages per trip, and not one echo.
    (pp,) = bench(srv, "--pairs", "2", "--time", "1", "--no-echo",
                  "pingpong")
    assert pp["ok"] and pp["complete"] and pp["echo"] is False, pp
    assert pp["ops"] > 0 and pp["deliveries"] == 2 * pp["ops"], pp
    assert (pp["lost"], pp["duplicated"], pp["errors"], pp["bogus"]) == (
        0, 0, 0, 0), pp
    check_latency(pp)
    check_measured(pp)


def web_port(srv):
    """The port of the daemon's web listener (--web-listen 127.0.0.1:0)."""
    m = srv.wait_log(r"listening on 127\.0\.0\.1:(\d+) \(web\)")
    return int(m.group(1))


WEB_DEBUG = ("--web-listen", "127.0.0.1:0", "--log-level", "debug")


@t.daemon_args(*LIMITS_OFF, *WEB_DEBUG)
def test_broadcast_websocket(srv):
    # --ws: the subscribers open WebSockets to the web listener, the
    # publisher stays native; every message is counted, exactly once.
    (r,) = bench(srv, "--ws", "127.0.0.1:%d" % web_port(srv),
                 "--subscribers", "3", "--messages", "300", "--window", "50",
                 "broadcast")
    assert r["ok"] and r["complete"] and r["transport"] == "websocket", r
    assert r["sent"] == 300 and r["ops"] == r["deliveries"] == 900, r
    assert (r["lost"], r["duplicated"], r["out_of_order"], r["errors"],
            r["closed"], r["bogus"]) == (0, 0, 0, 0, 0, 0), r
    assert r["per_subscriber"] == [
        {"received": 300, "lost": 0, "duplicated": 0, "out_of_order": 0}
    ] * 3, r["per_subscriber"]
    check_latency(r)
    check_measured(r)
    assert srv.stderr.count(": WebSocket open") == 3, srv.stderr


@t.daemon_args(*LIMITS_OFF, *WEB_DEBUG, "--heartbeat", "1")
def test_pingpong_idle_websocket(srv):
    # Both ends of each pair, and every idle connection, on WebSocket.
    # Held idle past the heartbeat, each connection gets the server's ping
    # (a JSON ping, then a WebSocket ping frame): a bad answer to either
    # would close it, and the run would fail.
    pp, idle = bench(srv, "--ws", "127.0.0.1:%d" % web_port(srv),
                     "--pairs", "2", "--time", "1", "--connections", "20",
                     "--hold", "1.5", "pingpong", "idle")
    assert pp["ok"] and pp["transport"] == "websocket", pp
    assert pp["ops"] > 0 and pp["deliveries"] == 4 * pp["ops"], pp
    assert (pp["lost"], pp["duplicated"], pp["out_of_order"],
            pp["errors"]) == (0, 0, 0, 0), pp
    assert idle["ok"] and idle["transport"] == "websocket", idle
    assert idle["ops"] == 20 and idle["unexpected_msgs"] == 0, idle
    assert idle["closed"] == 0 and idle["errors"] == 0, idle
    assert srv.stderr.count(": WebSocket open") == 4 + 20, srv.stderr


@t.daemon_args(*LIMITS_OFF)
def test_websocket_refused(srv):
    # --ws aimed at the native listener: the handshake gets no HTTP answer
    # (the server drops what is not a frame) and the setup fails.
    (r,) = bench(srv, "--ws", "127.0.0.1:%d" % srv.port, "--subscribers",
                 "2", "--messages", "10", "--duration", "5", "broadcast",
                 status=1)
    assert not r["ok"] and "setup" in r["why"], r
    p = subprocess.run([BENCH, "--ws", "192.0.2.1:80", "broadcast"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=10)
    assert p.returncode == 64 and "loopback" in p.stderr, p.stderr


class FakeWebSocket:
    """One WebSocket client's server, written from RFC 6455 alone, to try
    what evchatd never does: a welcome in three fragments with a ping
    between them, a joined longer than 125 bytes, and on request a refused
    handshake ("refuse"), a wrong accept key ("accept") or a bye and a
    close frame once joined ("close").  It keeps every frame the client
    sent, unmasked, with whether it was masked."""

    GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    def __init__(self, how="ok"):
        self.how = how
        self.request = None
        self.frames = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    @staticmethod
    def frame(op, payload, fin=True):
        n = len(payload)
        head = bytes([(0x80 if fin else 0) | op])
        if n < 126:
            head += bytes([n])
        elif n < 65536:
            head += bytes([126]) + n.to_bytes(2, "big")
        else:
            head += bytes([127]) + n.to_bytes(8, "big")
        return head + payload

    def read_frame(self, conn):
        head = self.read(conn, 2)
        n = head[1] & 0x7f
        if n == 126:
            n = int.from_bytes(self.read(conn, 2), "big")
        elif n == 127:
            n = int.from_bytes(self.read(conn, 8), "big")
        masked = bool(head[1] & 0x80)
        key = self.read(conn, 4) if masked else b"\0\0\0\0"
        data = bytes(b ^ key[i % 4] for i, b in enumerate(self.read(conn, n)))
        f = (head[0] & 0x0f, masked, data)
        self.frames.append(f)
        return f

    def read(self, conn, n):
        while len(self.buf) < n:
            data = conn.recv(65536)
            if not data:
                raise EOFError
            self.buf += data
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def serve(self):
        conn, _ = self.sock.accept()
        self.buf = b""
        try:
            self.talk(conn)
        except (EOFError, OSError):
            pass
        conn.close()

    def talk(self, conn):
        while b"\r\n\r\n" not in self.buf:
            self.buf += conn.recv(65536)
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        self.request = (lines[0], {k.lower(): v.strip() for k, v in (
            line.split(":", 1) for line in lines[1:])})
        key = self.request[1].get("sec-websocket-key", "").encode()
        accept = base64.b64encode(hashlib.sha1(key + self.GUID).digest())
        if self.how == "accept":
            accept = base64.b64encode(hashlib.sha1(key).digest())
        if self.how == "refuse":
            conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0"
                         b"\r\n\r\n")
            return
        conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: "
                     b"WebSocket\r\nConnection: upgrade\r\n"
                     b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n")
        hello = json.loads(self.read_frame(conn)[2])
        join = json.loads(self.read_frame(conn)[2])
        welcome = json.dumps({"type": "welcome", "nick": hello["nick"],
                              "version": 1}).encode()
        conn.sendall(self.frame(1, welcome[:5], fin=False) +
                     self.frame(9, b"hb") +
                     self.frame(0, welcome[5:9], fin=False) +
                     self.frame(0, welcome[9:]))
        conn.sendall(self.frame(1, json.dumps({
            "type": "joined", "room": join["room"], "members": [],
            "topic": "t" * 200}).encode()))
        if self.how == "close":
            conn.sendall(self.frame(1, json.dumps({
                "type": "bye", "reason": "server shutting down"}).encode()) +
                self.frame(8, (1001).to_bytes(2, "big") + b"going"))
        while True:
            self.read_frame(conn)

    def close(self):
        self.sock.close()
        self.thread.join(10)


def fake_idle(how, status):
    fake = FakeWebSocket(how)
    try:
        (r,) = bench(fake, "--ws", "127.0.0.1:%d" % fake.port,
                     "--connections", "1", "--hold", "0.3", "--duration",
                     "5", "idle", status=status)
    finally:
        fake.close()
    return fake, r


def test_websocket_framing(srv):
    fake, r = fake_idle("ok", 0)
    assert r["ok"] and r["ops"] == 1 and r["closed"] == 0, r
    line, head = fake.request
    assert line == "GET /ws HTTP/1.1", line
    assert head["host"] == "127.0.0.1:%d" % fake.port, head
    assert head["upgrade"].lower() == "websocket", head
    assert head["connection"].lower() == "upgrade", head
    assert head["sec-websocket-version"] == "13", head
    assert len(base64.b64decode(head["sec-websocket-key"],
                                validate=True)) == 16, head
    # Every frame masked; hello and join, then the pong to the ping sent
    # between the welcome's fragments, with its payload.
    assert [f[1] for f in fake.frames] == [True] * len(fake.frames), \
        fake.frames
    ops = [(f[0], f[2]) for f in fake.frames]
    assert [op for op, _ in ops[:2]] == [1, 1], ops
    assert json.loads(ops[0][1])["type"] == "hello", ops
    assert json.loads(ops[1][1])["type"] == "join", ops
    assert (10, b"hb") in ops[2:], ops


def test_websocket_handshake_and_close(srv):
    for how, why in (("refuse", "handshake refused: HTTP 403"),
                     ("accept", "wrong Sec-WebSocket-Accept"),
                     ("close", "bye: server shutting down")):
        fake, r = fake_idle(how, 1)
        assert not r["ok"] and why in r["why"], (how, r)
    # The close is echoed with its code.
    assert (8, True, (1001).to_bytes(2, "big")) in fake.frames, fake.frames


def check_join(r, clients, replay):
    """A correct join run: every client got replay messages, nothing else."""
    assert r["mode"] == "join" and r["ok"] and r["complete"], r
    assert r["clients"] == clients and r["ops"] == clients, r
    assert r["replay_min"] == r["replay_max"] == replay, r
    assert (r["lost"], r["duplicated"], r["out_of_order"], r["errors"],
            r["closed"], r["replay_short"], r["live_early"], r["stray"],
            r["bogus"]) == (0,) * 9, r
    # Each client's replay, and every live message sent after its join.
    assert r["deliveries"] >= clients * replay, r
    assert r["latency_us"]["n"] == clients, r
    check_latency(r)


@t.daemon_args(*LIMITS_OFF)
def test_join_replay(srv):
    # One join at a time in a room kept busy: each replay is timed, exact,
    # oldest first and ahead of the live messages, which all arrive once.
    (r,) = bench(srv, "--clients", "6", "--fill", "30", "--history", "10",
                 "--rate", "400", "--inflight", "1", "join")
    check_join(r, 6, 10)
    assert r["rooms"] == 1 and r["fill_per_room"] == 30, r
    assert r["history"] == 10 and r["inflight"] == 1 and r["rate"] == 400, r
    assert r["fill"]["messages"] == 30, r
    check_measured(r)


@t.daemon_args(*LIMITS_OFF, "--history-max-replay", "8")
def test_join_server_caps(srv):
    # The server replays fewer than asked: that is the count to expect.
    (r,) = bench(srv, "--clients", "3", "--fill", "20", "--history", "8",
                 "--rate", "0", "--inflight", "3", "join")
    check_join(r, 3, 8)


@t.daemon_args(*LIMITS_OFF, "--history-max", "1000")
def test_join_rooms_rss(srv):
    # The RSS measurement: several rooms filled, each checked to hold
    # every message it got; the server's RSS is read before and after.
    (r,) = bench(srv, "--rooms", "4", "--fill", "50", "--clients", "1",
                 "--history", "5", "--rate", "0", "join")
    check_join(r, 1, 5)
    f = r["fill"]
    assert r["rooms"] == 4 and f["messages"] == 200, r
    assert 0 < f["rss_kb_before"] and 0 < f["rss_kb_after"], f
    assert f["rss_per_msg"] >= 0 and f["server_ns_per_msg"] >= 0, f


@t.daemon_args(*LIMITS_OFF, "--history-max", "20")
def test_join_room_keeps_less(srv):
    # Retention below --fill: the room lost its first message, so the
    # RSS figure would not be for --fill messages a room.
    (r,) = bench(srv, "--fill", "30", "--clients", "1", "--history", "5",
                 "join", status=1)
    assert not r["ok"] and "no longer holds its first message" in r["why"], r


@t.daemon_args(*LIMITS_OFF, "--history-max", "0")
def test_join_history_off(srv):
    (r,) = bench(srv, "--fill", "5", "--clients", "1", "join", status=1)
    assert not r["ok"] and "first message" in r["why"], r


@t.daemon_args(*LIMITS_OFF, "--max-members-per-room", "3")
def test_join_refused(srv):
    # The room's member and two clients fit; the third join is refused,
    # which ends the run with the server's reason.
    (r,) = bench(srv, "--fill", "5", "--clients", "3", "--history", "5",
                 "--inflight", "1", "--rate", "0", "join", status=1)
    assert not r["ok"] and not r["complete"], r
    assert "room_full" in r["why"] and r["errors"] >= 1, r
    assert r["ops"] == 2, r


class FakeServer:
    """Just enough of the protocol for join and pingpong, with a bug to
    order: "early" sends the newest message live before the last replayed
    one, "over" announces one replayed message fewer than it sends,
    "echo" echoes private messages to a sender that said echo:false."""

    def __init__(self, bug=None):
        self.bug = bug
        self.lock = threading.Lock()
        self.rooms = {}
        self.nicks = {}
        self.msgid = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(conn,),
                             daemon=True).start()

    @staticmethod
    def send(conn, obj):
        conn.sendall(t.encode(obj))

    def serve(self, conn):
        reader, nick = t.FrameReader(), None
        while True:
            try:
                data = conn.recv(65536)
            except OSError:
                data = b""
            if not data:
                conn.close()
                return
            reader.feed(data)
            while True:
                f = reader.pop()
                if f is None:
                    break
                with self.lock:
                    nick = self.request(conn, nick, f)

    def request(self, conn, nick, f):
        if f["type"] == "hello":
            self.nicks[f["nick"]] = (conn, f.get("echo", True) or
                                     self.bug == "echo")
            self.send(conn, {"type": "welcome", "nick": f["nick"]})
            return f["nick"]
        if f["type"] == "msg" and "to" in f:
            self.msgid += 1
            m = {"type": "msg", "msgid": self.msgid, "ts": 0, "from": nick,
                 "to": f["to"], "text": f["text"]}
            self.send(self.nicks[f["to"]][0], m)
            if self.nicks[nick][1]:
                self.send(conn, m)
        elif f["type"] == "msg":
            self.msgid += 1
            m = {"type": "msg", "msgid": self.msgid, "ts": 0, "from": nick,
                 "room": f["room"], "text": f["text"]}
            room = self.rooms[f["room"]]
            room["msgs"].append(m)
            for c in room["members"]:
                self.send(c, m)
        elif f["type"] == "join":
            room = self.rooms.setdefault(f["room"],
                                         {"members": [], "msgs": []})
            room["members"].append(conn)
            n = f.get("history")
            replay = room["msgs"][-n:] if n else []
            joined = {"type": "joined", "room": f["room"], "members": []}
            if n is not None:
                joined["history"] = len(replay) - (self.bug == "over")
            self.send(conn, joined)
            for i, m in enumerate(replay):
                if self.bug == "early" and i == len(replay) - 1:
                    self.send(conn, room["msgs"][-1])
                self.send(conn, dict(m, history=True))
        elif f["type"] == "history":
            old = [m for m in self.rooms[f["room"]]["msgs"]
                   if m["msgid"] < f["before"]][-f["limit"]:]
            for m in old:
                self.send(conn, dict(m, history=True))
            self.send(conn, {"type": "history", "room": f["room"],
                             "count": len(old), "more": False})
        return nick

    def close(self):
        self.sock.close()


def test_join_checks_the_replay(srv):
    # The fake server replays correctly first, so that the two bugs below
    # are what the failures are about.
    args = ("--fill", "20", "--history", "5", "--clients", "3", "--rate",
            "0", "--duration", "5", "join")
    fake = FakeServer()
    try:
        (r,) = bench(fake, *args)
        check_join(r, 3, 5)
    finally:
        fake.close()
    fake = FakeServer("early")
    try:
        (r,) = bench(fake, *args, status=1)
        assert r["live_early"] == 3 and r["duplicated"] == 3, r
        assert "live messages before the end of a replay" in r["why"], r
    finally:
        fake.close()
    fake = FakeServer("over")
    try:
        (r,) = bench(fake, *args, status=1)
        assert r["stray"] == 3 and r["complete"], r
        assert "replayed messages outside a replay" in r["why"], r
    finally:
        fake.close()


def test_no_echo_checks_the_echo(srv):
    # A server that echoes all the same fails --no-echo's run; the same
    # fake without the bug passes it, and echoes a run without --no-echo.
    args = ("--pairs", "1", "--time", "0.5", "--duration", "10")
    for bug, extra, ok, echo in ((None, ["--no-echo"], True, False),
                                 ("echo", ["--no-echo"], False, False),
                                 ("echo", [], True, True)):
        fake = FakeServer(bug)
        try:
            (pp,) = bench(fake, *args, *extra, "pingpong",
                          status=0 if ok else 1)
        finally:
            fake.close()
        assert pp["ok"] is ok and pp["echo"] is echo and pp["ops"] > 0, pp
        assert pp["lost"] == 0, pp
        if ok:
            assert pp["bogus"] == pp["errors"] == 0, pp
        else:
            # Every trip's two messages came back to their senders.
            assert pp["bogus"] >= 2 * pp["ops"], pp
            assert pp["errors"] >= pp["bogus"], pp


def bench_sh(stores, *args):
    """Run make bench's script with BENCH_STORES; its JSON results and
    the lines of its stderr."""
    env = dict(os.environ, EVCHAT_BENCH=BENCH, BENCH_STORES=stores)
    script = os.path.join(os.environ.get("top_srcdir", "."), "contrib",
                          "bench.sh")
    p = subprocess.run(["sh", script] + list(args), env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=120)
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
    return ([json.loads(line) for line in p.stdout.splitlines()],
            p.stderr.splitlines())


def test_make_bench_stores(srv):
    # make bench's script runs broadcast once per store and round, labels
    # each result with its store, skips a store this evchatd lacks, and
    # ends with the server's CPU per delivery of each, side by side.
    results, err = bench_sh("off memory nosuch", "--quick", "--repeat", "2",
                            "broadcast")
    assert [(r["store"], r["mode"], r["ok"]) for r in results] == [
        ("off", "broadcast", True), ("memory", "broadcast", True)] * 2, \
        results
    for r in results:
        assert r["lost"] == r["duplicated"] == r["out_of_order"] == 0, r
    assert [line for line in err if line.startswith(
        "# store nosuch: skipped: ") and "'nosuch'" in line], err
    i = err.index("broadcast: server CPU per delivery, by store "
                  "(exactly once: ok):")
    rows = [line.split() for line in err[i + 1:]]
    assert [row[0] for row in rows] == ["off", "memory", "nosuch:"], rows
    # The median, whether above or below off, then each round's figure.
    assert rows[0][2:4] == ["ns", "ok"] and len(rows[0]) == 6, rows
    assert rows[1][2] == "ns" and rows[1][3].endswith("%"), rows
    assert rows[1][4] == "ok" and len(rows[1]) == 7, rows
    for row in rows[:2]:
        runs = [float(row[-2].lstrip("(")), float(row[-1].rstrip(")"))]
        assert float(row[1]) == round(sum(runs) / 2), (row, runs)
    assert rows[2] == ["nosuch:", "skipped", "(not", "in", "this",
                       "evchatd)"], rows


def test_make_bench_websocket(srv):
    # With --ws, make bench's script runs broadcast (and idle) again with
    # the clients on WebSocket, and compares the store's two figures.
    results, err = bench_sh("memory", "--quick", "--ws", "broadcast", "idle")
    assert [(r.get("store"), r["mode"], r["transport"], r["ok"])
            for r in results] == [
        ("memory", "broadcast", "native", True),
        ("memory", "broadcast", "websocket", True),
        (None, "idle", "native", True),
        (None, "idle", "websocket", True)], results
    assert results[1]["ops"] == results[0]["ops"] > 0, results
    i = err.index("broadcast: server CPU per delivery, by store "
                  "(exactly once: ok):")
    rows = [line.split() for line in err[i + 1:]]
    assert [row[0] for row in rows] == ["memory", "memory/ws"], rows
    # memory/ws is compared with memory, not with an absent "off".
    assert rows[0][2:] == ["ns", "ok"], rows
    assert rows[1][2] == "ns" and rows[1][3].endswith("%"), rows


class Cert:
    """One RSA-2048 self-signed certificate in a temporary folder, as the
    TLS benchmarks use (made at first use; None without openssl)."""

    dir = None

    @classmethod
    def paths(cls):
        if cls.dir is None:
            if shutil.which("openssl") is None:
                return (None, None)
            cls.dir = tempfile.mkdtemp(prefix="evchat-bench-tls-")
            atexit.register(shutil.rmtree, cls.dir, True)
            subprocess.run(
                ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                 "-days", "2", "-subj", "/CN=localhost",
                 "-keyout", os.path.join(cls.dir, "key.pem"),
                 "-out", os.path.join(cls.dir, "cert.pem")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                check=True, timeout=60)
        return (os.path.join(cls.dir, "cert.pem"),
                os.path.join(cls.dir, "key.pem"))


def tls_bench(srv, *args, status=0):
    """bench() against srv's TLS port, the chain checked."""
    if Cert.paths()[0] is None:
        raise t.Skip("the openssl command is not installed")
    m = srv.wait_log(r"listening on 127\.0\.0\.1:(\d+) \(TLS\)")
    plain, srv.port = srv.port, int(m.group(1))
    try:
        return bench(srv, "--tls-ca", Cert.paths()[0], *args, status=status)
    finally:
        srv.port = plain


def tls_args(*extra):
    """evchatd's arguments for a TLS listener on the bench certificate."""
    cert, key = Cert.paths()
    if cert is None:
        return list(extra)
    return ["--tls-listen", "127.0.0.1:0", "--tls-cert", cert,
            "--tls-key", key] + list(extra)


def check_exact(r, deliveries):
    assert r["ok"] and r["complete"], r
    assert r["ops"] == r["deliveries"] == deliveries, r
    assert (r["lost"], r["duplicated"], r["out_of_order"], r["errors"],
            r["closed"]) == (0, 0, 0, 0, 0), r


@t.daemon_args(*LIMITS_OFF, *tls_args())
def test_tls_runs(srv):
    # --tls: broadcast and pingpong exactly once over TLS, connect's
    # setups counted, and --resume resumes every one (tickets are on by
    # default).
    bc, pp, cx = tls_bench(srv, "--subscribers", "3", "--messages", "300",
                           "--window", "50", "--pairs", "2", "--time",
                           "0.5", "--setups", "20", "broadcast",
                           "pingpong", "connect")
    check_exact(bc, 900)
    assert bc["tls"] and bc["target"] == "evchatd", bc
    assert pp["ok"] and pp["ops"] > 0 and pp["lost"] == 0, pp
    assert pp["tls"], pp
    check_exact(cx, 20)
    assert cx["mode"] == "connect" and cx["resumed"] == 0, cx
    assert not cx["resume"] and cx["ops_name"] == "setups", cx
    check_measured(cx)
    (cx,) = tls_bench(srv, "--setups", "20", "--resume", "connect")
    check_exact(cx, 20)
    assert cx["resume"] and cx["resumed"] == 20, cx


@t.daemon_args(*LIMITS_OFF, *tls_args("--tls-session-tickets", "no"))
def test_tls_connect_tickets_off(srv):
    (cx,) = tls_bench(srv, "--setups", "20", "--resume", "connect")
    check_exact(cx, 20)
    assert cx["resumed"] == 0, cx


@t.daemon_args(*LIMITS_OFF)
def test_servers_spread(srv):
    # --server three times (one server, as a cluster is not at hand; bench()
    # gives the first): the publisher on the first, subscribers dealt over
    # all, every delivery counted exactly once.
    addr = "127.0.0.1:%d" % srv.port
    (one,) = bench(srv, "--subscribers", "5", "--messages", "200",
                   "--window", "50", "broadcast")
    (r,) = bench(srv, "--server", addr, "--server", addr, "--subscribers", "5", "--messages", "200", "--window",
                 "50", "--pairs", "3", "--time", "0.3", "broadcast")
    check_exact(r, 1000)
    assert r["servers"] == 3 and one["servers"] == 1, (r, one)
    (r, pp) = bench(srv, "--server", addr, "--subscribers", "2",
                    "--messages", "100", "--pairs", "2", "--time", "0.3",
                    "broadcast", "pingpong")
    check_exact(r, 200)
    assert pp["ok"] and pp["servers"] == 2, pp
    p = subprocess.run([BENCH] + ["--server", addr] * 17 + ["broadcast"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=10)
    assert p.returncode == 64 and "too many" in p.stderr, p.stderr


class Redis:
    """A redis-server of the test's own on loopback, TLS only, with the
    bench certificate; nothing on disk."""

    def __init__(self):
        cert, key = Cert.paths()
        self.port = _port()
        self.proc = subprocess.Popen(
            ["redis-server", "--port", "0", "--bind", "127.0.0.1",
             "--tls-port", str(self.port), "--tls-cert-file", cert,
             "--tls-key-file", key, "--tls-ca-cert-file", cert,
             "--tls-auth-clients", "no", "--save", "", "--appendonly",
             "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise AssertionError("redis-server did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def _port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_redis_tls(srv):
    # --redis: Redis's pub/sub measured the same way, over TLS: every
    # PUBLISH delivered once to each subscriber, pingpong between nick
    # channels, connect's setups resumed by Redis's tickets.
    if shutil.which("redis-server") is None or Cert.paths()[0] is None:
        raise t.Skip("redis-server or openssl is not installed")
    redis = Redis()
    try:
        argv = [BENCH, "--redis", "--server", "127.0.0.1:%d" % redis.port,
                "--tls-ca", Cert.paths()[0], "--server-pid",
                str(redis.proc.pid), "--duration", "20", "--subscribers",
                "3", "--messages", "300", "--window", "50", "--pairs", "2",
                "--time", "0.5", "--setups", "20", "--resume", "broadcast",
                "pingpong", "connect"]
        p = subprocess.run(argv, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, universal_newlines=True,
                           timeout=60)
        assert p.returncode == 0, p.stderr
        bc, pp, cx = [json.loads(line) for line in p.stdout.splitlines()]
    finally:
        redis.stop()
    check_exact(bc, 900)
    assert bc["target"] == "redis" and bc["tls"], bc
    check_measured(bc)
    assert pp["ok"] and pp["ops"] > 0 and pp["lost"] == 0, pp
    # A PUBLISH's reply stands for evchatd's echo: four per trip.
    assert pp["echo"] is True and pp["deliveries"] == 4 * pp["ops"], pp
    check_exact(cx, 20)
    assert cx["resumed"] == 20, cx


def test_mqtt(srv):
    # --mqtt: an MQTT broker measured the same way, a mosquitto of the
    # test's own on a loopback port: every PUBLISH delivered once to each
    # subscriber, pingpong between nick topics with nothing echoed, idle
    # and connect's subscriptions confirmed.
    if shutil.which("mosquitto") is None:
        raise t.Skip("mosquitto is not installed")
    port = _port()
    with tempfile.NamedTemporaryFile("w", suffix=".conf") as conf:
        conf.write("listener %d 127.0.0.1\nallow_anonymous true\n"
                   "persistence false\nlog_dest none\n" % port)
        conf.flush()
        broker = subprocess.Popen(["mosquitto", "-c", conf.name],
                                  stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port),
                                             0.2).close()
                    break
                except OSError:
                    time.sleep(0.05)
            argv = [BENCH, "--mqtt", "--server", "127.0.0.1:%d" % port,
                    "--server-pid", str(broker.pid), "--duration", "20",
                    "--subscribers", "3", "--messages", "300", "--window",
                    "50", "--pairs", "2", "--time", "0.5", "--connections",
                    "20", "--hold", "0.2", "--setups", "20", "broadcast",
                    "pingpong", "idle", "connect"]
            p = subprocess.run(argv, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE,
                               universal_newlines=True, timeout=60)
        finally:
            broker.terminate()
            broker.wait(10)
    assert p.returncode == 0, p.stderr
    bc, pp, idle, cx = [json.loads(line) for line in p.stdout.splitlines()]
    check_exact(bc, 900)
    for r in bc, pp, idle, cx:
        assert r["target"] == "mqtt" and not r["tls"], r
    check_measured(bc)
    assert pp["ok"] and pp["ops"] > 0 and pp["echo"] is False, pp
    assert pp["deliveries"] == 2 * pp["ops"], pp
    assert (pp["lost"], pp["duplicated"], pp["bogus"]) == (0, 0, 0), pp
    check_latency(pp)
    assert idle["ok"] and idle["ops"] == 20, idle
    check_exact(cx, 20)


def test_broker_refusals(srv):
    # What a broker cannot do is refused before anything is sent: join
    # (no history), --no-echo and --ws (evchatd's), both brokers at once;
    # --no-echo is pingpong's only.
    addr = "127.0.0.1:%d" % srv.port
    for args, why in ((["--mqtt", "join"], "join has no --mqtt"),
                      (["--redis", "join"], "join has no --redis"),
                      (["--mqtt", "--no-echo", "pingpong"], "--no-echo"),
                      (["--redis", "--ws", addr, "pingpong"], "--ws"),
                      (["--redis", "--mqtt", "pingpong"], "choose one"),
                      (["--no-echo", "broadcast"], "pingpong's only")):
        p = subprocess.run([BENCH, "--server", addr] + args,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, timeout=10)
        assert p.returncode == 64 and p.stdout == "", (args, p.stderr)
        assert why in p.stderr, (args, p.stderr)


def test_loopback_only(srv):
    for addr in ("192.0.2.1:7667", "10.0.0.1:%d" % srv.port,
                 "[2001:db8::1]:7667", "0.0.0.0:%d" % srv.port,
                 "127.0.0.1:0"):
        p = subprocess.run([BENCH, "--server", addr, "--duration", "1",
                            "broadcast"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, universal_newlines=True,
                           timeout=10)
        assert p.returncode == 64, (addr, p.returncode, p.stderr)
        assert "loopback" in p.stderr and p.stdout == "", (addr, p.stderr)


if not os.access(BENCH, os.X_OK):
    t.skip_exit("%s is not built" % BENCH)
t.run(globals())
