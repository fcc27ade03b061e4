#!/usr/bin/env python3
# contrib/bench-faces.py: W1 (broadcast), W2 (idle memory) and W3 (private ping-pong) measured with the same
# Python load generator over the evchat protocol and over IRC, side by side; it knows only the two wire formats.
#
# usage: bench-faces.py [--evchatd PATH] [--quick] [--w2 N]
# --w2 N: only W2, with N connections of each face joined in rooms of 10 (as evchat-bench idle), giving
# VmRSS's and RssAnon's growth per connection (VmRSS also counts library pages read once).
# The server runs pinned to CPU 0 with its limits off, the generator on CPU 1 when the machine has two.
# What is compared is the server's CPU (utime + stime from /proc) per delivery or round trip and its RSS
# per idle connection: the generator is slow (it is Python), so the rates it reaches are the generator's,
# not the server's; evchat-bench (make bench) gives the evchat protocol's own figures.
import json
import os
import re
import selectors
import socket
import struct
import subprocess
import sys
import threading
import time

EVCHATD = "src/evchatd"
QUICK = "--quick" in sys.argv
if "--evchatd" in sys.argv:
    EVCHATD = sys.argv[sys.argv.index("--evchatd") + 1]
TICK = os.sysconf("SC_CLK_TCK")


def start():
    args = [EVCHATD, "--listen", "127.0.0.1:0", "--irc-listen", "127.0.0.1:0",
            "--rate", "0", "--max-sendq", "0", "--max-clients", "0",
            "--max-clients-per-ip", "0", "--flood-kick", "0",
            "--history-max", "0", "--heartbeat", "600", "--timeout", "1500"]
    if os.cpu_count() >= 2:
        args = ["taskset", "-c", "0"] + args
        os.sched_setaffinity(0, {1})
    p = subprocess.Popen(args, stderr=subprocess.PIPE)
    ports = {}
    while len(ports) < 2:
        line = p.stderr.readline().decode()
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)( \(irc\))?", line)
        if m:
            ports["irc" if m.group(2) else "evchat"] = int(m.group(1))
    # Keep reading the log: a full pipe would stop the server at its next
    # line (W2 logs every connection).
    threading.Thread(target=lambda: [None for _ in p.stderr],
                     daemon=True).start()
    return p, ports


def cpu(p):
    with open("/proc/%d/stat" % p.pid) as f:
        v = f.read().rsplit(")", 1)[1].split()
    return (int(v[11]) + int(v[12])) / TICK


def rss(p, key="VmRSS"):
    with open("/proc/%d/status" % p.pid) as f:
        return int(re.search(key + r":\s+(\d+)", f.read()).group(1)) * 1024


class Conn:
    """One client of either face; counts the messages it receives."""

    def __init__(self, face, port, nick):
        self.face, self.nick, self.got, self.buf = face, nick, 0, b""
        self.s = socket.create_connection(("127.0.0.1", port))
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if face == "irc":
            self.raw(b"NICK %s\r\nUSER u 0 * :u\r\n" % nick.encode())
            self.wait(b" 001 ")
        else:
            self.send({"type": "hello", "nick": nick})
            self.wait(b'"welcome"')

    def raw(self, b):
        self.s.sendall(b)

    def send(self, obj):
        p = json.dumps(obj).encode()
        self.s.sendall(struct.pack(">I", len(p)) + p)

    def wait(self, marker):
        while marker not in self.buf:
            self.buf += self.s.recv(65536)
        self.buf = b""

    def join(self, room):
        if self.face == "irc":
            self.raw(b"JOIN #%s\r\n" % room.encode())
            self.wait(b" 366 ")
        else:
            self.send({"type": "join", "room": room})
            self.wait(b'"joined"')

    def msg(self, target, text, room=False):
        if self.face == "irc":
            return b"PRIVMSG %s%s :%s\r\n" % (b"#" if room else b"",
                                              target.encode(), text)
        p = json.dumps({"type": "msg", "room" if room else "to": target,
                        "text": text.decode()}).encode()
        return struct.pack(">I", len(p)) + p

    def read(self):
        """Count whole messages in what the socket has."""
        self.buf += self.s.recv(1 << 20)
        if self.face == "irc":
            n = self.buf.count(b"\n")
            self.buf = self.buf[self.buf.rfind(b"\n") + 1:]
        else:
            # Own echoes (the evchat default) are not counted.
            n, off = 0, 0
            own = b'"from":"%s"' % self.nick.encode()
            while len(self.buf) - off >= 4:
                ln = struct.unpack_from(">I", self.buf, off)[0]
                if len(self.buf) - off < 4 + ln:
                    break
                if own not in self.buf[off + 4:off + 4 + ln]:
                    n += 1
                off += 4 + ln
            self.buf = self.buf[off:]
        self.got += n
        return n


def w1(face, ports, p, subs=100, msgs=20000, window=50):
    conns = [Conn(face, ports[face], "s%d" % i) for i in range(subs)]
    for c in conns:
        c.join("hall")
    pub = Conn(face, ports[face], "pub")
    pub.join("hall")
    for c in conns:     # the publisher's join, seen by all
        c.buf = b""
    time.sleep(0.3)
    for c in conns:
        c.s.setblocking(False)
        try:
            c.s.recv(1 << 20)
        except BlockingIOError:
            pass
        c.buf, c.got = b"", 0
    sel = selectors.DefaultSelector()
    for c in conns:
        sel.register(c.s, selectors.EVENT_READ, c)
    text = b"x" * 128
    line = pub.msg("hall", text, room=True)
    own = face == "evchat"      # the evchat publisher gets its echo
    pub.s.setblocking(False)
    c0, t0, sent = cpu(p), time.monotonic(), 0
    while sent < msgs:
        pub.raw(line * window)
        sent += window
        while min(c.got for c in conns) < sent:
            for key, _ in sel.select():
                key.data.read()
        if own:
            try:
                pub.s.recv(1 << 20)
            except BlockingIOError:
                pass
    c1, t1 = cpu(p), time.monotonic()
    for c in conns + [pub]:
        c.s.close()
    d = msgs * subs
    return {"face": face, "workload": "W1", "deliveries": d,
            "ns_per_delivery": round((c1 - c0) * 1e9 / d),
            "deliveries_per_s": round(d / (t1 - t0))}


def w3(face, ports, p, pairs=50, seconds=5):
    a = [Conn(face, ports[face], "a%d" % i) for i in range(pairs)]
    b = [Conn(face, ports[face], "b%d" % i) for i in range(pairs)]
    sel = selectors.DefaultSelector()
    peer = {}
    for x, y in zip(a, b):
        peer[x], peer[y] = y, x
    for c in a + b:
        c.s.setblocking(False)
        sel.register(c.s, selectors.EVENT_READ, c)
    # Each message is answered by its recipient; the evchat sender also
    # gets its echo (the default), which read() does not count.
    lines = {c: c.msg(peer[c].nick, b"ping") for c in a + b}
    trips = 0
    for c in a:
        c.s.sendall(lines[c])
    c0, t0 = cpu(p), time.monotonic()
    while time.monotonic() - t0 < seconds:
        for key, _ in sel.select(1):
            c = key.data
            for _ in range(c.read()):
                c.s.sendall(lines[c])
                trips += 1
    c1, t1 = cpu(p), time.monotonic()
    for c in a + b:
        c.s.close()
    rt = trips / 2
    return {"face": face, "workload": "W3", "round_trips_per_s":
            round(rt / (t1 - t0)), "us_per_round_trip":
            round((c1 - c0) * 1e6 / rt, 1)}


def w2(face, ports, p, n=2000, rooms=False):
    time.sleep(0.5)
    r0, a0 = rss(p), rss(p, "RssAnon")
    conns = [Conn(face, ports[face], "i%d" % i) for i in range(n)]
    if rooms:
        for i, c in enumerate(conns):
            c.join("r%d" % (i // 10))
        # Later joins' presence lines, unread, would stay queued.
        time.sleep(1)
        for c in conns:
            c.s.setblocking(False)
            try:
                while c.s.recv(1 << 16):
                    pass
            except BlockingIOError:
                pass
    time.sleep(1)
    r1, a1 = rss(p), rss(p, "RssAnon")
    for c in conns:
        c.s.close()
    return {"face": face, "workload": "W2", "connections": n,
            "rooms_of_10": rooms,
            "rss_bytes_per_connection": round((r1 - r0) / n),
            "anon_bytes_per_connection": round((a1 - a0) / n)}


def main():
    results = []
    if "--w2" in sys.argv:
        n = int(sys.argv[sys.argv.index("--w2") + 1])
        for face in ("evchat", "irc"):
            p, ports = start()
            try:
                r = w2(face, ports, p, n, rooms=True)
            finally:
                p.terminate()
                p.wait()
            print(json.dumps(r), flush=True)
        return 0
    for face in ("evchat", "irc"):
        for run in (w1, w3, w2):
            p, ports = start()
            try:
                if QUICK:
                    r = run(face, ports, p, **({"msgs": 500} if run is w1
                                               else {"seconds": 1}
                                               if run is w3 else {"n": 200}))
                else:
                    r = run(face, ports, p)
            finally:
                p.terminate()
                p.wait()
            print(json.dumps(r), flush=True)
            results.append(r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
