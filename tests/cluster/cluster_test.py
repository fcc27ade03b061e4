# cluster_test.py: the harness of the cluster tests: a redis-server of the test's own on a loopback port, and
# several evchatd nodes sharing it; it knows the command line and Redis's keys, nothing of the daemon's insides.
import atexit
import shutil
import signal
import socket
import subprocess
import time

import evchat_test as t


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Redis:
    """A redis-server of the test's own that keeps nothing on disk."""

    def __init__(self):
        self.port = free_port()
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind",
             "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(1000):
            if self.cli("PING") == "PONG":
                return
            time.sleep(0.01)
        raise AssertionError("redis-server did not answer")

    def stop(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def pause(self):
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self):
        self.proc.send_signal(signal.SIGCONT)

    def cli(self, *args):
        p = subprocess.run(["redis-cli", "-p", str(self.port)] + list(args),
                           capture_output=True, text=True)
        return p.stdout.strip()

    def until(self, want, *args):
        """Wait until the command answers want (what evchatd sent is
        done); bounded, so that a store that never writes fails."""
        for _ in range(2000):
            if self.cli(*args) == want:
                return
            time.sleep(0.01)
        raise AssertionError("%s never answered %r (%r)" % (
            args, want, self.cli(*args)))

    def key(self, prefix):
        return ["--store", "redis://127.0.0.1:%d" % self.port,
                "--cluster-prefix", prefix]

    def cluster(self, prefix, lease=2):
        return ["--cluster", "redis://127.0.0.1:%d" % self.port,
                "--cluster-prefix", prefix, "--cluster-lease", str(lease),
                "--rate", "0"]


def need_redis():
    """The test's Redis, started; the test is skipped without one."""
    if shutil.which("redis-server") is None or \
            shutil.which("redis-cli") is None:
        t.skip_exit("redis-server is not installed")
    redis = Redis()
    redis.start()
    atexit.register(redis.stop)
    return redis


class Nodes:
    """Nodes A (the test's srv), B, C... on one Redis, each named."""

    def __init__(self, srv, n):
        self.nodes = [srv]
        for i in range(1, n):
            self.nodes.append(t.Server(srv.args + ["--node-name",
                                                   "node" + "ABCDEFG"[i]])
                              .start())
        for node in self.nodes:
            node.wait_log("cluster .* node ")

    def __len__(self):
        return len(self.nodes)

    def __getitem__(self, i):
        return self.nodes[i]

    def __iter__(self):
        return iter(self.nodes)

    def stop(self):
        for node in self.nodes[1:]:
            node.close_clients()
            if node.status is None and node.proc.poll() is None:
                status, err = node.stop()
                assert status == 0, err


def wait_for(what, fn, timeout=None):
    """Poll fn until it answers true; bounded."""
    deadline = time.monotonic() + (timeout or t.TIMEOUT)
    while time.monotonic() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.02)
    raise AssertionError("%s: not within the time" % what)


def who(c, room=None):
    """The nicks in room (None: online) as c's node sees them, sorted;
    None when the node knows no such room."""
    req = {"type": "who"}
    if room is not None:
        req["room"] = room
    t.Client._sync += 1
    req["id"] = t.Client._sync
    c.send(req)
    others = []
    deadline = time.monotonic() + t.TIMEOUT
    while True:
        f = c._next(deadline)
        assert f is not None, "%s: no answer to who" % c
        if f.get("re") == req["id"]:
            break
        others.append(f)
    # What came meanwhile stays for the test to read.
    c.queue[0:0] = others
    if f["type"] == "error":
        assert f["code"] == "no_such_room", f
        return None
    return sorted(f["nicks"])


def joined_everywhere(clients, room, nicks):
    """Every client's node lists exactly nicks in room."""
    want = sorted(nicks)
    for c in clients:
        wait_for("%s sees %s in %s" % (c, want, room),
                 lambda: who(c, room) == want)
