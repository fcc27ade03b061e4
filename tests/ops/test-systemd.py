# test-systemd.py: tests of evchatd's systemd protocols without systemd: NOTIFY_SOCKET (READY,
# RELOADING, STOPPING, WATCHDOG) on a datagram socket of the test's own, and LISTEN_FDS activation.
import os
import signal
import socket
import sys

import ops_test as o
from ops_test import t, write

# Runs in the daemon's process before it becomes evchatd: the listening
# socket goes to fd 3 and LISTEN_PID names this very process, as systemd
# arranges it after fork().
ACTIVATE = """
import os, sys
fd = int(sys.argv[1])
if fd != 3:
    os.dup2(fd, 3)
    os.close(fd)
os.environ["LISTEN_FDS"] = "1"
os.environ["LISTEN_PID"] = sys.argv[2] or str(os.getpid())
os.execv(sys.argv[3], sys.argv[3:])
"""


class Notify:
    """The datagram socket systemd would give as NOTIFY_SOCKET."""

    def __init__(self, tmp, abstract=False):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            name = "evchat-test-%d-%s" % (os.getpid(), os.path.basename(tmp))
            self.sock.bind("\0" + name)
            self.address = "@" + name
        else:
            self.address = os.path.join(tmp, "notify")
            self.sock.bind(self.address)
        self.messages = []

    def env(self, **extra):
        env = dict(os.environ, NOTIFY_SOCKET=self.address)
        for k in ("WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS",
                  "LISTEN_PID"):
            env.pop(k, None)
        env.update(extra)
        return env

    def recv(self, timeout=None):
        """The next datagram as {name: value}, or None on timeout."""
        self.sock.settimeout(o.TIMEOUT if timeout is None else timeout)
        try:
            data = self.sock.recv(4096)
        except socket.timeout:
            return None
        fields = dict(line.split("=", 1)
                      for line in data.decode().split("\n") if line)
        self.messages.append(fields)
        return fields

    def expect(self, name, skip_watchdog=True):
        """The next message other than WATCHDOG=1 must set name=1."""
        while True:
            m = self.recv()
            assert m is not None, "no %s=1 within %.1f s; got %r" % (
                name, o.TIMEOUT, self.messages)
            if skip_watchdog and m == {"WATCHDOG": "1"}:
                continue
            assert m.get(name) == "1", "want %s=1, got %r (all: %r)" % (
                name, m, self.messages)
            return m

    def close(self):
        self.sock.close()


def test_notify_sequence(tmp):
    n = Notify(tmp)
    conf = write(tmp, "a.conf", "heartbeat = 10\n")
    with o.Daemon("--config", conf, "--listen", "127.0.0.1:0",
                  env=n.env()) as d:
        n.expect("READY")
        # Ready means serving.
        d.wait_log(o.Daemon.LISTEN, "the listening line")
        c = t.Client(d.ports()[0])
        c.hello("alice")
        c.close()
        d.send_signal(signal.SIGHUP)
        m = n.expect("RELOADING")
        assert int(m.get("MONOTONIC_USEC", "1")) > 0, m
        n.expect("READY")
        # A reload that fails still ends in READY=1.
        write(tmp, "a.conf", "heartbeat = never\n")
        d.send_signal(signal.SIGHUP)
        n.expect("RELOADING")
        n.expect("READY")
        d.send_signal(signal.SIGTERM)
        n.expect("STOPPING")
        assert d.wait() == 0, d.stderr
    others = [m for m in n.messages if m != {"WATCHDOG": "1"}]
    assert [k for m in others for k in m if k != "MONOTONIC_USEC"] == [
        "READY", "RELOADING", "READY", "RELOADING", "READY", "STOPPING"], \
        n.messages
    n.close()


def test_notify_abstract_socket(tmp):
    n = Notify(tmp, abstract=True)
    with o.Daemon("--config", "/dev/null", "--listen", "127.0.0.1:0",
                  env=n.env()) as d:
        n.expect("READY")
        d.send_signal(signal.SIGTERM)
        n.expect("STOPPING")
        assert d.wait() == 0, d.stderr
    n.close()


def test_watchdog(tmp):
    n = Notify(tmp)
    # 200 ms: pings every 100 ms.
    with o.Daemon("--config", "/dev/null", "--listen", "127.0.0.1:0",
                  env=n.env(WATCHDOG_USEC="200000")) as d:
        n.expect("READY")
        for _ in range(3):
            n.expect("WATCHDOG", skip_watchdog=False)
        assert d.stop() == 0, d.stderr
    n.close()


def test_watchdog_for_another_process(tmp):
    n = Notify(tmp)
    env = n.env(WATCHDOG_USEC="100000", WATCHDOG_PID="1")
    with o.Daemon("--config", "/dev/null", "--listen", "127.0.0.1:0",
                  env=env) as d:
        n.expect("READY")
        # Ten periods of silence: the watchdog was meant for pid 1.
        m = n.recv(timeout=1.0)
        assert m is None, "got %r" % m
        assert d.stop() == 0, d.stderr
    n.close()


def activated(tmp, listen_pid=""):
    """A Daemon handed a listening 127.0.0.1 socket through LISTEN_FDS;
    returns (daemon, socket)."""
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(16)
    fd = lsock.fileno()
    prefix = [sys.executable, "-c", ACTIVATE, str(fd), listen_pid]
    env = dict(os.environ)
    env.pop("NOTIFY_SOCKET", None)
    d = o.Daemon("--config", "/dev/null", "--listen", "127.0.0.1:0",
                 env=env, pass_fds=(fd,), prefix=prefix)
    return d, lsock


def test_listen_fds(tmp):
    d, lsock = activated(tmp)
    port = lsock.getsockname()[1]
    with d:
        d.wait_log(r"listening on", "a listening line")
        # The socket was ours before the daemon started: close our copy,
        # so only the daemon can accept on it.
        lsock.close()
        c = t.Client(port)
        c.hello("alice")
        c.request({"type": "ping"}, "pong")
        c.close()
        # It took the socket it was given instead of --listen's.
        assert d.ports() in ([], [port]), d.stderr
        assert d.stop() == 0, d.stderr


def test_listen_fds_for_another_process(tmp):
    d, lsock = activated(tmp, listen_pid="1")
    with d:
        d.wait_log(o.Daemon.LISTEN, "a listening line")
        lsock.close()
        ports = d.ports()
        assert len(ports) == 1 and ports[0] != 0, d.stderr
        c = t.Client(ports[0])
        c.hello("alice")
        c.close()
        assert d.stop() == 0, d.stderr


o.run(globals())
