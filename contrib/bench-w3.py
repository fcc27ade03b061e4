#!/usr/bin/env python3
# contrib/bench-w3.py: W3 (private ping-pong) side by side in one run: evchatd with the echo, evchatd with
# hello echo:false (evchat-bench --no-echo), Redis's PUBLISH/SUBSCRIBE (--redis) and, when it is installed,
# mosquitto's QoS 0 MQTT (--mqtt, which echoes nothing), each server started here on a loopback port of its
# own and stopped at the end; it knows command lines and evchat-bench's JSON only.
#
# usage: bench-w3.py [--evchatd PATH] [--before PATH] [--bench PATH] [--repeat N] [--pairs N]
#                    [--time SEC] [--evchatd-only] [--syscalls]
# Every server runs pinned to CPU 0, evchat-bench to CPU 1 (when the machine has two).  The targets take
# turns, the first one rotating per repeat, and the table gives the median of each column over the repeats.
# --before adds an older evchatd build, default protocol only (it may not know echo:false): before and after.
# --syscalls counts the server's system calls during each run with `perf stat -e raw_syscalls:sys_enter`
# (connection setup included: a few per client, against hundreds of thousands of round trips).
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ARGS = {"--evchatd": "src/evchatd", "--before": None,
        "--bench": "src/evchat-bench",
        "--repeat": "5", "--pairs": "500", "--time": "5"}
FLAGS = {"--evchatd-only": False, "--syscalls": False}
argv = sys.argv[1:]
while argv:
    a = argv.pop(0)
    if a in ARGS and argv:
        ARGS[a] = argv.pop(0)
    elif a in FLAGS:
        FLAGS[a] = True
    else:
        sys.exit("usage: bench-w3.py [--evchatd PATH] [--before PATH] "
                 "[--bench PATH] [--repeat N] [--pairs N] [--time SEC] "
                 "[--evchatd-only] [--syscalls]")
TWO = (os.cpu_count() or 1) >= 2
LIMITS = ["--rate", "0", "--burst", "0", "--flood-kick", "0",
          "--max-sendq", "0", "--max-clients", "0",
          "--max-clients-per-ip", "0", "--max-members-per-room", "0",
          "--max-rooms-per-client", "0", "--history-max", "0"]


def pin(cpu, args):
    return ["taskset", "-c", str(cpu)] + args if TWO else args


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc):
    for _ in range(100):
        if proc.poll() is not None:
            sys.exit("a server did not start")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit("a server did not listen on %d" % port)


def start_evchatd(path, tmp):
    port = free_port()
    log = open(os.path.join(tmp, "evchatd-%d.log" % port), "w")
    p = subprocess.Popen(pin(0, [path, "--listen", "127.0.0.1:%d" % port]
                             + LIMITS), stderr=log)
    wait_port(port, p)
    return p, port


def start_redis(tmp):
    port = free_port()
    p = subprocess.Popen(pin(0, ["redis-server", "--port", str(port),
                                 "--bind", "127.0.0.1", "--save", "",
                                 "--appendonly", "no", "--dir", tmp]),
                         stdout=subprocess.DEVNULL)
    wait_port(port, p)
    return p, port


def start_mosquitto(tmp):
    port = free_port()
    conf = os.path.join(tmp, "mosquitto.conf")
    with open(conf, "w") as f:
        f.write("listener %d 127.0.0.1\nallow_anonymous true\n"
                "persistence false\nlog_dest none\nset_tcp_nodelay true\n"
                % port)
    p = subprocess.Popen(pin(0, ["mosquitto", "-c", conf]),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port, p)
    return p, port


def run(target):
    # extra: evchat-bench's options for the target (--no-echo, --redis or
    # --mqtt); the server is always -s, whatever it is.
    name, proc, port, extra = target
    args = [ARGS["--bench"], "--no-header", "-p", str(proc.pid),
            "-s", "127.0.0.1:%d" % port, "-P", ARGS["--pairs"],
            "-t", ARGS["--time"]] + extra
    perf = None
    if FLAGS["--syscalls"]:
        perf = subprocess.Popen(["perf", "stat", "-x", ",", "-e",
                                 "raw_syscalls:sys_enter", "-p",
                                 str(proc.pid)],
                                stderr=subprocess.PIPE, text=True)
    out = subprocess.run(pin(1, args + ["pingpong"]), capture_output=True,
                         text=True)
    calls = None
    if perf is not None:
        perf.send_signal(signal.SIGINT)
        for line in perf.communicate()[1].splitlines():
            f = line.split(",")
            if len(f) > 2 and f[2].startswith("raw_syscalls"):
                calls = int(f[0])
    if not out.stdout.strip():
        sys.exit("%s: evchat-bench gave no result (exit %d): %s" % (
            name, out.returncode, out.stderr.strip()))
    r = json.loads(out.stdout.splitlines()[-1])
    if not r["ok"]:
        print("# %s: %s" % (name, out.stderr.strip()), file=sys.stderr)
    row = {"trips/s": r["ops_per_s"], "srv us/trip":
           r["server"]["ns_per_op"] / 1000, "srv%": r["server"]["cpu_pct"],
           "p99 us": r["latency_us"]["p99"],
           "gen us/trip": r["generator"]["cpu_s"] * 1e6 / max(r["ops"], 1),
           "gen%": r["generator"]["cpu_pct"]}
    if calls is not None:
        # The trips of the drain are the server's work too.
        row["syscalls/trip"] = calls / max(r["requests"], 1)
    return row


def main():
    tmp = tempfile.mkdtemp(prefix="bench-w3.")
    procs, targets = [], []
    try:
        if ARGS["--before"] is not None:
            p, port = start_evchatd(ARGS["--before"], tmp)
            procs.append(p)
            targets.append(("evchatd before", p, port, []))
        p, port = start_evchatd(ARGS["--evchatd"], tmp)
        procs.append(p)
        targets.append(("evchatd", p, port, []))
        targets.append(("evchatd no-echo", p, port, ["--no-echo"]))
        if not FLAGS["--evchatd-only"]:
            p, port = start_redis(tmp)
            procs.append(p)
            targets.append(("redis", p, port, ["--redis"]))
        if not FLAGS["--evchatd-only"] and shutil.which("mosquitto"):
            p, port = start_mosquitto(tmp)
            procs.append(p)
            targets.append(("mosquitto", p, port, ["--mqtt"]))
        rows = {t[0]: [] for t in targets}
        n = int(ARGS["--repeat"])
        print("# load before: %s" % os.getloadavg().__repr__(),
              file=sys.stderr)
        for k in range(n):
            order = targets[k % len(targets):] + targets[:k % len(targets)]
            for t in order:
                rows[t[0]].append(run(t))
                print("# %d/%d %s %s" % (k + 1, n, t[0], rows[t[0]][-1]),
                      file=sys.stderr)
        print("# load after: %s" % os.getloadavg().__repr__(),
              file=sys.stderr)
        cols = list(rows[targets[0][0]][0].keys())
        print("%-22s" % "median of %d" % n + "".join("%15s" % c
                                                      for c in cols))
        for name, rs in rows.items():
            print("%-22s" % name + "".join(
                "%15.1f" % statistics.median(r[c] for r in rs)
                for c in cols))
            print(json.dumps({"target": name, "runs": rs}), file=sys.stderr)
    finally:
        for p in procs:
            p.terminate()
            p.wait()
        subprocess.run(["rm", "-rf", tmp])


main()
