#!/usr/bin/env python3
# contrib/bench-cluster.py: W1 (broadcast) on a cluster of three evchatd and one redis-server of its own, the
# publisher on node A and the subscribers spread over A, B and C, next to the same on one evchatd, rounds
# taking turns; the CPU per delivery summed over the servers and Redis (/proc).  It knows the command line
# and the evchat wire format only; Redis listens on a unix socket only.  evchat-bench --server A --server B
# --server C does the same from C (README, Running a cluster); this script stays as a second opinion.
#
# usage: bench-cluster.py [--evchatd PATH] [--rounds N] [--messages N] [--subscribers N]
# The servers run on CPU 0, the Python generator on CPU 1 when there are two: the rates are the
# generator's; what compares is the servers' CPU per delivery.  History is off (history-max 0) on both.
import json
import os
import re
import selectors
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time


def arg(name, default):
    if name in sys.argv:
        return type(default)(sys.argv[sys.argv.index(name) + 1])
    return default


EVCHATD = arg("--evchatd", "src/evchatd")
ROUNDS = arg("--rounds", 3)
MESSAGES = arg("--messages", 10000)
SUBSCRIBERS = arg("--subscribers", 99)
WINDOW = 2000
PIN = os.cpu_count() >= 2
LIMITS = ["--rate", "0", "--burst", "0", "--flood-kick", "0",
          "--max-sendq", "0", "--max-clients", "0",
          "--max-clients-per-ip", "0", "--max-members-per-room", "0",
          "--history-max", "0"]


def pinned(argv):
    return ["taskset", "-c", "0"] + argv if PIN else argv


def cpu(pid):
    """Seconds of CPU of pid so far (user + system)."""
    with open("/proc/%d/stat" % pid) as f:
        stat = f.read()
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def frame(obj):
    data = json.dumps(obj, separators=(",", ":")).encode()
    return struct.pack(">I", len(data)) + data


def evchatd(extra):
    """A server on 127.0.0.1:0; its process and port."""
    p = subprocess.Popen(pinned([EVCHATD, "--listen", "127.0.0.1:0"] +
                                LIMITS + extra),
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    while True:
        line = p.stderr.readline()
        if not line:
            raise SystemExit("evchatd did not start")
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        if m:
            return p, int(m.group(1))


def member(port, nick):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(frame({"type": "hello", "nick": nick, "version": 1}) +
              frame({"type": "join", "room": "w1"}))
    return s


def broadcast(ports, pids):
    """The publisher on ports[0], the subscribers round the ports: the
    deliveries counted and the CPU per delivery of pids."""
    subs = [member(ports[i % len(ports)], "s%d" % i)
            for i in range(SUBSCRIBERS)]
    pub = member(ports[0], "pub")
    sel = selectors.DefaultSelector()
    for s in subs:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, [b"", 0])
    # Setup frames and presence, read and dropped, the cluster settled.
    end = time.monotonic() + 1.5
    while time.monotonic() < end:
        for key, _ in sel.select(0.1):
            key.fileobj.recv(1 << 20)
    before = [cpu(p) for p in pids]
    msg = frame({"type": "msg", "room": "w1", "text": "x" * 128}) * 100
    sent = done = 0
    want = SUBSCRIBERS * MESSAGES
    start = time.monotonic()
    while done < want and time.monotonic() - start < 120:
        slowest = min(key.data[1] for key in sel.get_map().values())
        if sent < MESSAGES and sent - slowest < WINDOW:
            pub.sendall(msg)
            sent += 100
        for key, _ in sel.select(0.01):
            try:
                data = key.data[0] + key.fileobj.recv(1 << 20)
            except BlockingIOError:
                continue
            while len(data) >= 4:
                n = struct.unpack(">I", data[:4])[0]
                if len(data) < 4 + n:
                    break
                if data[4:4 + n].startswith(b'{"type":"msg"'):
                    key.data[1] += 1
                    done += 1
                data = data[4 + n:]
            key.data[0] = data
    seconds = time.monotonic() - start
    spent = [cpu(p) - b for p, b in zip(pids, before)]
    for s in subs + [pub]:
        s.close()
    return {"deliveries": done, "complete": done == want,
            "per_s": done / seconds,
            "ns": sum(spent) * 1e9 / max(done, 1),
            "each_ns": [round(x * 1e9 / max(done, 1)) for x in spent]}


def single():
    p, port = evchatd(["--store", "memory"])
    try:
        return broadcast([port], [p.pid])
    finally:
        p.kill()
        p.wait()


def cluster():
    sock = tempfile.mktemp(prefix="bench-cluster-", suffix=".sock")
    redis = subprocess.Popen(pinned(["redis-server", "--port", "0",
                                     "--unixsocket", sock, "--save", "",
                                     "--appendonly", "no"]),
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    nodes = []
    try:
        while not os.path.exists(sock):
            time.sleep(0.05)
        for name in "abc":
            nodes.append(evchatd(["--cluster", "unix:" + sock,
                                  "--node-name", name]))
        return broadcast([port for _, port in nodes],
                         [p.pid for p, _ in nodes] + [redis.pid])
    finally:
        for p, _ in nodes:
            p.kill()
            p.wait()
        redis.kill()
        redis.wait()


def main():
    if PIN:
        os.sched_setaffinity(0, {1})
    runs = {"one evchatd": [], "cluster of 3": []}
    for _ in range(ROUNDS):
        for name, fn in (("one evchatd", single), ("cluster of 3", cluster)):
            r = fn()
            runs[name].append(r)
            print(json.dumps(dict(r, setup=name)), flush=True)
    print("%-14s %12s %14s  %s" % ("", "deliveries/s", "CPU/delivery",
                                    "complete"), file=sys.stderr)
    for name, rs in runs.items():
        print("%-14s %12.0f %11.0f ns  %s (%s)" % (
            name, statistics.median(r["per_s"] for r in rs),
            statistics.median(r["ns"] for r in rs),
            all(r["complete"] for r in rs),
            " ".join("%.0f" % r["ns"] for r in rs)), file=sys.stderr)


main()
