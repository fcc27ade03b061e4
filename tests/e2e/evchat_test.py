# evchat_test.py: the harness of the end-to-end tests: runs the real evchatd and talks to it over sockets.
# It knows the wire format (length-prefixed JSON frames) but nothing of the server's internals.
"""Harness for evchat end-to-end tests (Python 3 standard library only).

Typical use in a test script::

    import evchat_test as t

    def test_join(srv):
        a = srv.client("alice")            # connected and registered
        a.send({"type": "join", "room": "lobby", "id": 1})
        a.expect_next("joined", room="lobby", members=["alice"], re=1)

    t.run(globals())

run() gives every test_* function a daemon of its own (arguments from the
daemon_args decorator) and requires exit status 0 on SIGTERM afterwards.
Without run(), a Server is also a context manager::

    with t.Server(["--heartbeat", "5"]) as srv:
        c = srv.client("bob")
        status, stderr = srv.stop()

Server starts $EVCHATD on ``--listen 127.0.0.1:0`` and reads the real port
from its ``listening on 127.0.0.1:PORT`` log line.  Client speaks the
framing: 4-byte big-endian length, then compact UTF-8 JSON.  Every wait has
a deadline; failures are AssertionErrors whose message shows what arrived.
"""

import json
import os
import resource
import re
import select
import selectors
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import traceback

__all__ = [
    "ABSENT", "ANY", "Client", "Closed", "FrameReader", "Server", "Skip",
    "TIMEOUT", "Timeout", "daemon_args", "encode", "encode_payload", "gather",
    "match", "run", "skip_exit", "wait_any",
]

# Seconds any single wait may take before a test fails; raise it on a slow
# machine with EVCHAT_TEST_TIMEOUT.
TIMEOUT = float(os.environ.get("EVCHAT_TEST_TIMEOUT", "5"))

# A prefix such as valgrind slows the daemon down by an order of magnitude.
SLOW_FACTOR = 6

SKIP_STATUS = 77

_LISTEN4 = re.compile(r"listening on 127\.0\.0\.1:(\d+)")
_LISTEN6 = re.compile(r"listening on \[::1\]:(\d+)")


class _Sentinel:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name


ANY = _Sentinel("ANY")
"""Field value for match/expect: the field must be present, any value."""

ABSENT = _Sentinel("ABSENT")
"""Field value for match/expect: the field must not be present."""


class Skip(Exception):
    """Raised by a test to be skipped (exit status 77 if all are)."""


class Timeout(AssertionError):
    """Nothing (or nothing matching) arrived before the deadline."""


class Closed(AssertionError):
    """The server closed the connection while a frame was awaited."""


def skip_exit(reason):
    """Print a skip notice and exit with automake's skip status."""
    print("SKIP: %s" % reason)
    sys.exit(SKIP_STATUS)


def raise_fd_limit(n):
    """Let this process (and the daemons it starts, which inherit the
    limit) open n descriptors, or skip the test when the hard limit is
    lower."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= n:
        return
    if hard != resource.RLIM_INFINITY and hard < n:
        skip_exit("RLIMIT_NOFILE hard limit %d is below %d" % (hard, n))
    resource.setrlimit(resource.RLIMIT_NOFILE, (n, hard))


def encode_payload(payload):
    """Frame raw payload bytes: 4-byte big-endian length, then the bytes."""
    return struct.pack(">I", len(payload)) + payload


def encode(obj):
    """Serialize obj as compact UTF-8 JSON and frame it."""
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    return encode_payload(text.encode("utf-8"))


def _show(frame, limit=300):
    text = json.dumps(frame, ensure_ascii=False)
    if len(text) > limit:
        text = text[:limit] + "...(%d chars)" % len(text)
    return text


def _show_list(frames, limit=12):
    """Indented lines for frames, the middle elided past limit."""
    if len(frames) <= limit:
        return ["    " + _show(f) for f in frames]
    half = limit // 2
    return (["    " + _show(f) for f in frames[:half]] +
            ["    ... %d more ..." % (len(frames) - limit)] +
            ["    " + _show(f) for f in frames[-half:]])


def match(frame, fields, exact=False):
    """Return None if frame matches fields, else a reason string.

    A field value may be ANY (present), ABSENT (not present), a callable
    (a predicate on the value) or a plain value compared with ==, where
    True/1 and False/0 are told apart.  With exact, frame may have no field
    beyond those named (ABSENT ones aside).
    """
    for key, want in fields.items():
        if want is ABSENT:
            if key in frame:
                return "unexpected field %r" % key
            continue
        if key not in frame:
            return "missing field %r" % key
        have = frame[key]
        if want is ANY:
            continue
        if callable(want):
            if not want(have):
                return "field %r=%s fails its check" % (key, _show(have))
            continue
        if have != want or (type(have) is bool) != (type(want) is bool):
            return "field %r is %s, want %s" % (key, _show(have, 80),
                                                 _show(want, 80))
    if exact:
        extra = sorted(k for k in frame if k not in fields)
        if extra:
            return "unexpected fields %s" % ", ".join(extra)
    return None


class FrameReader:
    """Incremental decoder of the server's byte stream into frames."""

    def __init__(self):
        self.buf = bytearray()

    def feed(self, data):
        """Append bytes read from the socket."""
        self.buf += data

    def pop(self):
        """Return the next whole frame as a dict, or None if incomplete.

        A frame that breaks the protocol (L = 0, bad UTF-8 or JSON, not an
        object, no string "type") is a server bug: AssertionError.
        """
        if len(self.buf) < 4:
            return None
        (length,) = struct.unpack(">I", self.buf[:4])
        if length == 0:
            raise AssertionError("server sent a frame of length 0")
        if len(self.buf) < 4 + length:
            return None
        payload = bytes(self.buf[4:4 + length])
        del self.buf[:4 + length]
        try:
            frame = json.loads(payload.decode("utf-8"))
        except ValueError as e:
            raise AssertionError("server sent an invalid frame (%s): %r" %
                                 (e, payload[:200]))
        if not isinstance(frame, dict) or not isinstance(frame.get("type"),
                                                         str):
            raise AssertionError("server sent a frame without a string "
                                 "type: %r" % payload[:200])
        return frame


class Client:
    """One connection to the daemon over a real socket.

    Frames that arrived but were not yet consumed stay queued, so a test can
    read them in any later call.  With auto_pong, every server ping that is
    read is answered with a pong at once (and still returned).  rcvbuf
    sets a small receive buffer, to play a slow reader, and mss a small
    TCP segment size: over loopback (64 KiB segments) the server's kernel
    send buffer grows to megabytes, while a peer across a real network
    (mss 1460 or less) keeps it to tens of kilobytes.  bind is the local
    address to connect from (e.g. "127.0.0.2", another loopback address).
    """

    _sync = 0

    def __init__(self, port, host="127.0.0.1", timeout=None, auto_pong=False,
                 name=None, rcvbuf=None, mss=None, bind=None):
        self.timeout = TIMEOUT if timeout is None else timeout
        self.auto_pong = auto_pong
        self.name = name or "client"
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        if rcvbuf is not None:
            # Before connect, so that the window it announces stays small.
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        if mss is not None:
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, mss)
        self.sock.settimeout(self.timeout)
        try:
            if bind is not None:
                self.sock.bind((bind, 0))
            self.sock.connect((host, port))
        except OSError:
            self.sock.close()
            raise
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = FrameReader()
        self.queue = []
        self.eof = False
        self.nick = None

    def __repr__(self):
        return "<Client %s>" % (self.nick or self.name)

    def close(self):
        """Close the socket (an orderly FIN; the server sees EOF)."""
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def reset(self):
        """Close the socket with a TCP reset (SO_LINGER 0)."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                             struct.pack("ii", 1, 0))
        self.close()

    def send_raw(self, data):
        """Write bytes as they are."""
        self.sock.sendall(data)

    def send(self, obj):
        """Write obj as one frame of compact JSON."""
        self.sock.sendall(encode(obj))

    def _fill(self, deadline):
        """Read once from the socket; False on timeout.  Sets eof."""
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        ready, _, _ = select.select([self.sock], [], [], left)
        if not ready:
            return False
        try:
            data = self.sock.recv(262144)
        except (ConnectionResetError, ConnectionAbortedError):
            data = b""
        if not data:
            self.eof = True
        else:
            self.reader.feed(data)
        return True

    def _unpack(self):
        """Move every whole frame read so far to the queue."""
        while True:
            frame = self.reader.pop()
            if frame is None:
                return
            if self.auto_pong and frame["type"] == "ping":
                self.send({"type": "pong"})
            self.queue.append(frame)

    def _next(self, deadline):
        """The next frame, or None on timeout or EOF."""
        while True:
            if self.queue:
                return self.queue.pop(0)
            frame = self.reader.pop()
            if frame is not None:
                if self.auto_pong and frame["type"] == "ping":
                    self.send({"type": "pong"})
                return frame
            if self.eof or self.sock is None:
                return None
            if not self._fill(deadline):
                return None

    def poll(self, timeout=None):
        """Return the next frame within timeout seconds, or None."""
        timeout = self.timeout if timeout is None else timeout
        return self._next(time.monotonic() + timeout)

    def recv(self, timeout=None):
        """Return the next frame; Timeout or Closed if none arrives."""
        timeout = self.timeout if timeout is None else timeout
        frame = self._next(time.monotonic() + timeout)
        if frame is None:
            self._fail("frame", [], timeout)
        return frame

    def _fail(self, what, seen, timeout):
        lines = ["%s: no %s" % (self, what)]
        lines.append("  connection closed by the server" if self.eof else
                     "  within %.1f s" % timeout)
        if seen:
            lines.append("  frames that arrived instead:")
            lines.extend(_show_list(seen))
        else:
            lines.append("  nothing arrived")
        raise (Closed if self.eof else Timeout)("\n".join(lines))

    @staticmethod
    def _describe(type, fields):
        want = dict(fields)
        if type is not None:
            want = dict(type=type, **want)
        return "frame matching %s" % ", ".join(
            "%s=%s" % (k, "<check>" if callable(v) and
                       not isinstance(v, _Sentinel) else repr(v))
            for k, v in want.items())

    def expect(self, type=None, timeout=None, exact=False, **fields):
        """Read until a frame of this type with these fields arrives.

        Frames that do not match are dropped; the failure message lists
        them.  See match() for the field syntax.  Returns the frame.
        """
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        want = dict(fields)
        if type is not None:
            want["type"] = type
        seen = []
        while True:
            frame = self._next(deadline)
            if frame is None:
                self._fail(self._describe(type, fields), seen, timeout)
            if match(frame, want, exact) is None:
                return frame
            seen.append(frame)

    def expect_next(self, type=None, timeout=None, exact=False, **fields):
        """The very next frame must be of this type with these fields."""
        frame = self.recv(timeout)
        want = dict(fields)
        if type is not None:
            want["type"] = type
        why = match(frame, want, exact)
        if why is not None:
            raise AssertionError("%s: want %s\n  got %s\n  (%s)" % (
                self, self._describe(type, fields), _show(frame), why))
        return frame

    def expect_error(self, code, timeout=None, **fields):
        """The next frame must be an error with this code."""
        return self.expect_next("error", timeout, code=code,
                                message=lambda m: isinstance(m, str),
                                **fields)

    def drain(self, timeout=None):
        """Return every frame the server sent before a ping round trip.

        The server handles one connection's frames in order, so once the
        pong arrives, anything it was going to send before has arrived too:
        this asserts the absence of frames without sleeping.
        """
        Client._sync += 1
        tag = "sync-%d" % Client._sync
        self.send({"type": "ping", "id": tag})
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        seen = []
        while True:
            frame = self._next(deadline)
            if frame is None:
                self._fail("pong for %s" % tag, seen, timeout)
            if frame["type"] == "pong" and frame.get("re") == tag:
                return seen
            seen.append(frame)

    def expect_quiet(self, timeout=None):
        """Fail if the server sent anything before a ping round trip."""
        seen = self.drain(timeout)
        if seen:
            raise AssertionError("%s: unexpected frames:\n%s" % (
                self, "\n".join(_show_list(seen))))

    def closed(self, timeout=None):
        """True once the server closed the connection, False on timeout.

        Frames that arrive first stay queued for recv/expect.
        """
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while not self.eof:
            if self.sock is None or not self._fill(deadline):
                return False
        while True:
            frame = self.reader.pop()
            if frame is None:
                break
            self.queue.append(frame)
        if self.reader.buf:
            raise AssertionError("%s: connection closed inside a frame "
                                 "(%d bytes left)" % (self,
                                                      len(self.reader.buf)))
        return True

    def expect_closed(self, timeout=None):
        """The server must close the connection with no frame before EOF."""
        if not self.closed(timeout):
            self._fail("end of connection", self.queue, timeout or
                       self.timeout)
        if self.queue:
            raise AssertionError("%s: frames before end of connection:\n%s"
                                 % (self, "\n".join(_show_list(self.queue))))

    def expect_bye(self, reason, timeout=None):
        """The next frame is bye with this reason, then the server closes."""
        frame = self.expect_next("bye", timeout, reason=reason)
        self.expect_closed(timeout)
        return frame

    def hello(self, nick, presence=None, id=None, **extra):
        """Send hello and return the welcome; fails on anything else."""
        req = {"type": "hello", "nick": nick, "version": 1}
        if presence is not None:
            req["presence"] = presence
        if id is not None:
            req["id"] = id
        req.update(extra)
        self.send(req)
        frame = self.recv()
        if frame["type"] != "welcome":
            raise AssertionError("%s: hello %r: want welcome, got %s" % (
                self, nick, _show(frame)))
        self.nick = frame.get("nick", nick)
        return frame

    def request(self, obj, reply=None, timeout=None, **fields):
        """Send obj with a fresh id; the next frame must be the reply
        (of type reply, or error when fields has code) carrying re=id."""
        Client._sync += 1
        req = dict(obj)
        req.setdefault("id", Client._sync)
        self.send(req)
        if reply is None:
            reply = "error" if "code" in fields else obj["type"]
        return self.expect_next(reply, timeout, re=req["id"], **fields)

    def join(self, room, members=ANY):
        """Join room; returns the joined reply."""
        return self.request({"type": "join", "room": room}, "joined",
                            members=members)


def say(c, room, n, first=0):
    """n texts "m<i>" to room from c (echoes read); their msgids."""
    ids = []
    for i in range(first, first + n):
        c.send({"type": "msg", "room": room, "text": "m%d" % i, "id": i + 1})
        ids.append(c.expect_next("msg", room=room, re=i + 1)["msgid"])
    return ids


def history_pages(c, room, limit, id=50):
    """Page back through room's history with history requests until the
    reply says no more: every message, oldest first, and the pages."""
    msgs, before, pages = [], None, 0
    while True:
        req = {"type": "history", "room": room, "limit": limit, "id": id}
        if before is not None:
            req["before"] = before
        c.send(req)
        page = []
        while True:
            f = c.recv()
            if f["type"] == "history":
                break
            assert f["type"] == "msg" and f.get("history") is True, f
            page.append(f)
        pages += 1
        assert f["count"] == len(page) and f.get("re") == id, f
        msgs = page + msgs
        if not f["more"]:
            return msgs, pages
        before = page[0]["msgid"]


def wait_any(clients, timeout):
    """Wait for a frame on any of clients; returns (client, frame), or
    (None, None) when timeout passes or every connection has ended."""
    deadline = time.monotonic() + timeout
    while True:
        for c in clients:
            frame = c._next(0)
            if frame is not None:
                return (c, frame)
        socks = {c.sock: c for c in clients
                 if c.sock is not None and not c.eof}
        left = deadline - time.monotonic()
        if not socks or left <= 0:
            return (None, None)
        ready, _, _ = select.select(list(socks), [], [], left)
        for s in ready:
            socks[s]._fill(deadline)


def gather(clients, done, timeout, what="frames"):
    """Read from all of clients at once until done(c) holds for each.

    done looks at c.queue, the frames that arrived and were not consumed
    yet (they stay there for the test to inspect and pop).  For many
    clients and many frames, where expect() one client at a time would
    let the others' output pile up.  Fails when timeout passes, or when
    a connection ends before done holds, naming a client left waiting.
    """
    deadline = time.monotonic() + timeout
    sel = selectors.DefaultSelector()
    try:
        waiting = set()
        for c in clients:
            c._unpack()
            if not done(c):
                sel.register(c.sock, selectors.EVENT_READ, c)
                waiting.add(c)
        while waiting:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            for key, _ in sel.select(left):
                c = key.data
                c._fill(deadline)
                c._unpack()
                if done(c) or c.eof:
                    sel.unregister(c.sock)
                    waiting.discard(c)
                    if not done(c):
                        c._fail(what, c.queue, timeout)
    finally:
        sel.close()
    if waiting:
        c = min(waiting, key=lambda c: len(c.queue))
        raise Timeout("%d of %d clients still waiting for %s after %.1f s;"
                      " %s has %d frames:\n%s" % (
                          len(waiting), len(clients), what, timeout, c,
                          len(c.queue), "\n".join(_show_list(c.queue))))


class Server:
    """The daemon under test, started on 127.0.0.1 port 0.

    args: extra command-line arguments; prefix: a command to run it under
    (valgrind ...); ipv6: also listen on [::1]:0 (port in port6);
    preexec_fn: run in the child before exec (e.g. to set an rlimit).
    """

    def __init__(self, args=(), prefix=None, ipv6=False, binary=None,
                 preexec_fn=None):
        self.binary = binary or os.environ.get("EVCHATD")
        if not self.binary:
            skip_exit("EVCHATD is not set (path of the evchatd binary)")
        if not os.access(self.binary, os.X_OK):
            raise AssertionError("EVCHATD=%s is not executable" %
                                 self.binary)
        self.args = list(args)
        self.prefix = list(prefix or [])
        self.ipv6 = ipv6
        self.preexec_fn = preexec_fn
        self.timeout = TIMEOUT * (SLOW_FACTOR if self.prefix else 1)
        self.proc = None
        self.port = None
        self.port6 = None
        self.status = None
        self.clients = []
        self._lines = []
        self._cond = threading.Condition()
        self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close_clients()
        if self.proc is not None and self.status is None:
            self.stop()

    @property
    def argv(self):
        argv = self.prefix + [self.binary, "--listen", "127.0.0.1:0"]
        if self.ipv6:
            argv += ["--listen", "[::1]:0"]
        return argv + self.args

    @property
    def stderr(self):
        """Everything the daemon wrote to stderr so far."""
        with self._cond:
            return "".join(self._lines)

    @property
    def pid(self):
        """The process id of the daemon (of the prefix command if any)."""
        return self.proc.pid

    @property
    def sanitized(self):
        """True when the daemon is built with AddressSanitizer, whose
        allocator holds freed memory back: memory figures mean little."""
        with open(self.binary, "rb") as f:
            return b"__asan_init" in f.read()

    def proc_status(self, field):
        """A field of /proc/PID/status as an int (VmRSS: in kB); Skip
        where there is no such file (not Linux)."""
        try:
            with open("/proc/%d/status" % self.pid) as f:
                for line in f:
                    key, _, value = line.partition(":")
                    if key == field:
                        return int(value.split()[0])
        except FileNotFoundError:
            raise Skip("no /proc/%d/status" % self.pid)
        raise AssertionError("no %s in /proc/%d/status" % (field, self.pid))

    def cpu_time(self):
        """Seconds of CPU the daemon used so far (user + system), from
        /proc/PID/stat; Skip where there is no such file."""
        try:
            with open("/proc/%d/stat" % self.pid) as f:
                stat = f.read()
        except FileNotFoundError:
            raise Skip("no /proc/%d/stat" % self.pid)
        # The command name, in parentheses, may hold spaces.
        fields = stat[stat.rindex(")") + 2:].split()
        ticks = int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def wait_log(self, regex, timeout=None, count=1):
        """Wait until the daemon's stderr matches regex count times;
        returns the last match."""
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = list(re.finditer(regex, "".join(self._lines)))
                if len(found) >= count:
                    return found[count - 1]
                left = deadline - time.monotonic()
                if self._done or left <= 0:
                    break
                self._cond.wait(left)
        raise AssertionError("no %r (x%d) in the daemon's log within %.1f s;"
                             " stderr:\n%s" % (regex, count, timeout,
                                               _tail(self.stderr)))

    def _drain(self):
        # Read stderr all the time, so a chatty daemon never blocks on it.
        for line in iter(self.proc.stderr.readline, b""):
            with self._cond:
                self._lines.append(line.decode("utf-8", "replace"))
                self._cond.notify_all()
        with self._cond:
            self._lines.append("")
            self._cond.notify_all()
            self._done = True

    def start(self, timeout=None):
        """Start the daemon and wait for its listening lines."""
        timeout = self.timeout if timeout is None else timeout
        self._done = False
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE,
                                     preexec_fn=self.preexec_fn)
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                text = "".join(self._lines)
                m4 = _LISTEN4.search(text)
                m6 = _LISTEN6.search(text)
                if m4 and (m6 or not self.ipv6):
                    break
                left = deadline - time.monotonic()
                if self._done or left <= 0:
                    break
                self._cond.wait(left)
        if not (m4 and (m6 or not self.ipv6)):
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
            self._thread.join(timeout)
            raise AssertionError(
                "%s did not log its listening line%s within %.0f s "
                "(status %s); stderr:\n%s" % (
                    " ".join(self.argv), "s" if self.ipv6 else "", timeout,
                    self.proc.returncode, self.stderr))
        self.port = int(m4.group(1))
        self.port6 = int(m6.group(1)) if m6 else None
        return self

    def connect(self, host="127.0.0.1", **kw):
        """A new unregistered Client, closed by close_clients()."""
        port = self.port6 if host == "::1" else self.port
        kw.setdefault("timeout", self.timeout)
        c = Client(port, host, **kw)
        self.clients.append(c)
        return c

    def client(self, nick=None, presence=None, **kw):
        """A new Client, registered as nick when nick is given."""
        c = self.connect(name=nick, **kw)
        if nick is not None:
            c.hello(nick, presence)
        return c

    def pair(self, room):
        """alice and bob, both in room, alice's join presence read."""
        a = self.client("alice")
        b = self.client("bob")
        a.join(room)
        b.join(room)
        a.expect_next("presence", nick="bob", event="join")
        return a, b

    def close_clients(self):
        """Close every client opened with connect() or client()."""
        for c in self.clients:
            c.close()
        self.clients = []

    def send_signal(self, sig):
        """Send a signal to the daemon."""
        self.proc.send_signal(sig)

    def wait(self, timeout=None):
        """Wait for the daemon to exit; returns its status or None."""
        timeout = self.timeout if timeout is None else timeout
        try:
            self.status = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        self._thread.join(timeout)
        return self.status

    def stop(self, sig=signal.SIGTERM, timeout=None):
        """Signal the daemon and wait; returns (exit status, stderr).

        The status is negative when a signal killed it (subprocess's
        convention); a daemon still running at the deadline is killed and
        the status is None.
        """
        if self.status is None:
            if self.proc.poll() is None:
                self.proc.send_signal(sig)
            if self.wait(timeout) is None:
                self.proc.kill()
                self.proc.wait()
                self._thread.join(timeout)
                self.status = None
                return (None, self.stderr)
        return (self.status, self.stderr)


def daemon_args(*args, **kw):
    """Decorate a test: its daemon gets these arguments (and Server kwargs,
    e.g. ipv6=True or prefix=[...])."""
    def deco(fn):
        fn.daemon_args = list(args)
        fn.daemon_kw = kw
        return fn
    return deco


def _tail(text, n=30):
    lines = text.splitlines()
    return "\n".join("    | " + l for l in lines[-n:])


def run(namespace, prefix=None, tail=30):
    """Run every test_* function of namespace (in definition order), each
    with its own daemon, and exit: 0 all passed, 77 all skipped, 1 else.

    After each test the daemon gets SIGTERM and must exit with status 0
    (a crash or a sanitizer report fails the test).  prefix runs every
    daemon under a command (valgrind); tail is how many lines of the
    daemon's stderr a failure shows.  Test names given as arguments run
    only those tests.
    """
    tests = [v for k, v in namespace.items()
             if k.startswith("test_") and callable(v)]
    failed = passed = skipped = 0
    only = sys.argv[1:]
    for fn in tests:
        if only and fn.__name__ not in only:
            continue
        t0 = time.monotonic()
        srv = Server(getattr(fn, "daemon_args", ()), prefix=prefix,
                     **getattr(fn, "daemon_kw", {}))
        err = None
        try:
            srv.start()
            fn(srv)
        except Skip as e:
            skipped += 1
            print("SKIP %s: %s" % (fn.__name__, e))
            err = "skip"
        except Exception:
            err = traceback.format_exc()
        srv.close_clients()
        if srv.proc is not None:
            status, stderr = srv.stop()
            if status != 0 and err != "skip":
                err = (err or "") + ("daemon %s\n" % (
                    "did not exit on SIGTERM" if status is None else
                    "exit status %d" % status))
        if err == "skip":
            continue
        dt = time.monotonic() - t0
        if err:
            failed += 1
            print("FAIL %s (%.2f s)\n%s" % (fn.__name__, dt, err.rstrip()))
            print("  daemon: %s\n  stderr (tail):\n%s" % (
                " ".join(srv.argv), _tail(srv.stderr, tail)))
        else:
            passed += 1
            print("PASS %s (%.2f s)" % (fn.__name__, dt))
        sys.stdout.flush()
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    if failed:
        sys.exit(1)
    if skipped and not passed:
        sys.exit(SKIP_STATUS)
    sys.exit(0)
