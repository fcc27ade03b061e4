# test-reload.py: tests of evchatd's live signals: SIGHUP re-reading the config file (heartbeat,
# listeners, a broken file refused while serving on) and SIGUSR1's line of counters.
import re
import signal
import socket
import time

import ops_test as o
from ops_test import t, write

def started(conf, *args):
    """A Daemon on --config conf and 127.0.0.1:0."""
    return o.Daemon("--config", conf, "--listen", "127.0.0.1:0", *args)


def serving(d):
    """The port of d's first listener, once it logs it."""
    d.wait_log(o.Daemon.LISTEN, "the listening line")
    return d.ports()[0]


def welcome_heartbeat(port):
    c = t.Client(port)
    try:
        return c.hello("probe")["heartbeat"]
    finally:
        c.close()


def test_sighup_applies_heartbeat(tmp):
    conf = write(tmp, "a.conf", "heartbeat = 30\ntimeout = 75\n")
    with started(conf) as d:
        port = serving(d)
        old = t.Client(port)
        old.hello("old")
        assert welcome_heartbeat(port) == 30
        write(tmp, "a.conf", "heartbeat = 7\ntimeout = 20\n")
        d.send_signal(signal.SIGHUP)
        o.poll("a welcome with heartbeat 7",
               lambda: welcome_heartbeat(port) == 7)
        # The connection from before the reload is still served.
        old.request({"type": "ping"}, "pong")
        old.close()
        assert d.stop() == 0, d.stderr


def test_sighup_keeps_running_deadlines(tmp):
    """Reloads more often than the timeouts must not keep dead clients:
    a reload changes the durations of timers armed later, never the
    deadlines already running (heartbeat, outstanding ping, registration)."""
    conf = write(tmp, "a.conf", "heartbeat = 1\ntimeout = 3\n"
                 "register-timeout = 3\n")
    with started(conf) as d:
        port = serving(d)
        dead = t.Client(port, name="dead")
        dead.hello("dead")          # then never answers a ping
        mute = t.Client(port, name="mute")  # never says hello
        deadline = time.monotonic() + 12
        while time.monotonic() < deadline and not (
                "dead) closing: ping timeout" in d.stderr and
                "closing: registration timeout" in d.stderr):
            d.send_signal(signal.SIGHUP)
            time.sleep(0.4)
        assert "dead) closing: ping timeout" in d.stderr, d.stderr
        assert "closing: registration timeout" in d.stderr, d.stderr
        dead.close()
        mute.close()
        assert d.stop() == 0, d.stderr


def test_sighup_broken_file_keeps_serving(tmp):
    conf = write(tmp, "a.conf", "heartbeat = 12\n")
    with started(conf) as d:
        port = serving(d)
        old = t.Client(port)
        old.hello("old")
        write(tmp, "a.conf", "heartbeat = 12\nheartbeat = soon\n")
        d.send_signal(signal.SIGHUP)
        d.wait_log(re.escape("%s:2: duplicate key 'heartbeat'" % conf),
                   "the reload error in the log")
        assert d.proc.poll() is None, "the daemon exited"
        assert welcome_heartbeat(port) == 12
        old.request({"type": "ping"}, "pong")
        # A good file afterwards is taken again.
        write(tmp, "a.conf", "heartbeat = 9\n")
        d.send_signal(signal.SIGHUP)
        o.poll("a welcome with heartbeat 9",
               lambda: welcome_heartbeat(port) == 9)
        old.close()
        assert d.stop() == 0, d.stderr


def ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def refused(host, port):
    try:
        socket.create_connection((host, port), o.TIMEOUT).close()
    except ConnectionRefusedError:
        return True
    return False


def test_sighup_listeners(tmp):
    """Listeners the file adds are opened, those it drops are closed (their
    connections stay), and the ones it keeps keep their port."""
    if not ipv6_loopback():
        raise o.Skip("no IPv6 loopback")
    conf = write(tmp, "a.conf", "listen = 127.0.0.1:0\n")
    with o.Daemon("--config", conf) as d:
        port4 = serving(d)
        write(tmp, "a.conf", "listen = 127.0.0.1:0\nlisten = [::1]:0\n")
        d.send_signal(signal.SIGHUP)
        port6 = o.poll("a listening line for [::1]",
                       lambda: d.ports("::1"))[0]
        assert d.ports() == [port4], d.stderr
        c6 = t.Client(port6, "::1")
        c6.hello("six")
        c4 = t.Client(port4)
        c4.hello("four")
        write(tmp, "a.conf", "listen = [::1]:0\n")
        d.send_signal(signal.SIGHUP)
        o.poll("127.0.0.1:%d refusing connections" % port4,
               lambda: refused("127.0.0.1", port4))
        c4.request({"type": "ping"}, "pong")
        c6.close()
        c4.close()
        c6 = t.Client(port6, "::1")
        c6.hello("six-again")
        c6.close()
        assert d.stop() == 0, d.stderr


def test_sighup_ephemeral_listeners(tmp):
    """The same address on port 0 twice is two listeners: a reload keeps as
    many as the file names, closing or opening the difference."""
    conf = write(tmp, "a.conf", "listen = 127.0.0.1:0\n" * 2)
    with o.Daemon("--config", conf) as d:
        d.wait_log(r"ready")
        first = d.ports()
        assert len(first) == 2, d.stderr
        write(tmp, "a.conf", "listen = 127.0.0.1:0\n")
        d.send_signal(signal.SIGHUP)
        d.wait_log(r"no longer listening on 127\.0\.0\.1:0")
        o.poll("one of the two ports refusing connections",
               lambda: sum(refused("127.0.0.1", p) for p in first) == 1)
        kept = [p for p in first if not refused("127.0.0.1", p)]
        write(tmp, "a.conf", "listen = 127.0.0.1:0\n" * 3)
        d.send_signal(signal.SIGHUP)
        # Not d.ports(): "no longer listening on 127.0.0.1:0" matches it.
        def opened():
            found = re.findall(r": listening on 127\.0\.0\.1:(\d+)",
                               d.stderr)
            return len(found) == 4 and [int(p) for p in found[2:]]
        ports = o.poll("two more listening lines", opened)
        for port in kept + ports:
            c = t.Client(port)
            c.hello("p%d" % port)
            c.close()
        assert len(set(kept + ports)) == 3, d.stderr
        assert d.stop() == 0, d.stderr


class CountingSocket:
    """A socket that counts the frames and bytes crossing it."""

    def __init__(self, sock):
        self.sock = sock
        self.sent = bytearray()
        self.received = bytearray()

    def __getattr__(self, name):
        return getattr(self.sock, name)

    def sendall(self, data):
        self.sent += data
        return self.sock.sendall(data)

    def recv(self, n):
        data = self.sock.recv(n)
        self.received += data
        return data

    @staticmethod
    def frames(stream):
        n = i = 0
        while i + 4 <= len(stream):
            i += 4 + int.from_bytes(stream[i:i + 4], "big")
            n += 1
        assert i == len(stream), "partial frame"
        return n


def test_sigusr1_counters(tmp):
    conf = write(tmp, "a.conf", "")
    with started(conf) as d:
        port = serving(d)
        a = t.Client(port)
        b = t.Client(port)
        for c in (a, b):
            c.sock = CountingSocket(c.sock)
        a.hello("alice")
        b.hello("bob")
        a.join("lobby")
        b.join("lobby")
        a.expect_next("presence", nick="bob", event="join")
        a.request({"type": "msg", "room": "lobby", "text": "hi"}, "msg")
        b.expect_next("msg", text="hi")
        a.drain()
        b.drain()
        d.send_signal(signal.SIGUSR1)
        line = d.wait_log(r".*frames_in.*", "the counters line").group(0)
        fields = dict(re.findall(r"\b(clients|rooms|frames_in|frames_out|"
                                 r"bytes_in|bytes_out|drops|uptime) "
                                 r"(\d+)", line))
        socks = (a.sock, b.sock)
        want = {
            "clients": 2,
            "rooms": 1,
            "frames_in": sum(s.frames(s.sent) for s in socks),
            "frames_out": sum(s.frames(s.received) for s in socks),
            "bytes_in": sum(len(s.sent) for s in socks),
            "bytes_out": sum(len(s.received) for s in socks),
            "drops": 0,
        }
        have = {k: int(v) for k, v in fields.items() if k != "uptime"}
        assert have == want, "counters %s, want %s\n  line: %s" % (
            have, want, line)
        assert "uptime" in fields, line
        a.close()
        b.close()
        assert d.stop() == 0, d.stderr


o.run(globals())
