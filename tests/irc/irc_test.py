# irc_test.py: the harness of the IRC face tests: a raw IRC client (lines, tags, numerics) on top of
# tests/e2e's evchat_test, which starts the daemon; it knows IRC's wire format, not the server's internals.
"""Harness for evchatd's IRC listener (Python 3 standard library only).

    import evchat_test as t
    import irc_test as i

    @i.irc()
    def test_join(srv):
        a = i.client(srv, "ann")          # registered: 001 to MOTD read
        a.send("JOIN #lobby")
        a.expect("JOIN", "#lobby", source="ann")

i.irc(*args) starts the daemon with an IRC listener on 127.0.0.1:0;
i.port(srv) reads its port from the "listening on ... (irc)" line.  Every
wait has a deadline; failures are AssertionErrors listing what arrived.
"""

import re
import select
import socket
import time

import evchat_test as t


def irc(*args, **kw):
    """Decorate a test: its daemon also listens for IRC."""
    return t.daemon_args("--irc-listen", "127.0.0.1:0", "--server-name",
                         "irc.test", *args, **kw)


def port(srv):
    """The port of srv's IRC listener."""
    m = srv.wait_log(r"listening on 127\.0\.0\.1:(\d+) \(irc\)")
    return int(m.group(1))


def _unescape(v):
    out, it = [], iter(v)
    for ch in it:
        if ch != "\\":
            out.append(ch)
            continue
        nxt = next(it, "")
        out.append({":": ";", "s": " ", "r": "\r", "n": "\n"}.get(nxt, nxt))
    return "".join(out)


class Line:
    """One line from the server: tags (a dict), source (nick or server,
    without '!user@host'), cmd, params (the trailing one last) and raw."""

    def __init__(self, raw):
        self.raw = raw
        self.tags = {}
        rest = raw
        if rest.startswith("@"):
            tags, _, rest = rest[1:].partition(" ")
            for kv in tags.split(";"):
                k, _, v = kv.partition("=")
                self.tags[k] = _unescape(v)
        self.prefix = None
        if rest.startswith(":"):
            self.prefix, _, rest = rest[1:].partition(" ")
        self.source = self.prefix.split("!")[0] if self.prefix else None
        head, sep, trail = rest.partition(" :")
        self.params = head.split()
        self.cmd = self.params.pop(0) if self.params else ""
        if sep:
            self.params.append(trail)

    def __repr__(self):
        return repr(self.raw)


class IrcClient:
    """A connection to the IRC listener.  Lines that arrived and were not
    consumed stay queued for a later expect."""

    _sync = 0

    def __init__(self, port, timeout=None, encoding="utf-8", bind=None,
                 rcvbuf=None, mss=None):
        self.timeout = t.TIMEOUT if timeout is None else timeout
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            # Before connect, so that the window it announces stays small.
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        if mss is not None:
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, mss)
        self.sock.settimeout(self.timeout)
        if bind is not None:
            self.sock.bind((bind, 0))
        self.sock.connect(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.queue = []
        self.eof = False
        self.nick = None
        self.encoding = encoding

    def __repr__(self):
        return "<IrcClient %s>" % (self.nick or "?")

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, line):
        """Send one line (str, or bytes as they are) ended by CR LF."""
        if isinstance(line, str):
            line = line.encode(self.encoding)
        self.sock.sendall(line + b"\r\n")

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0 or self.sock is None:
            return False
        ready, _, _ = select.select([self.sock], [], [], left)
        if not ready:
            return False
        try:
            data = self.sock.recv(65536)
        except (ConnectionResetError, ConnectionAbortedError):
            data = b""
        if not data:
            self.eof = True
        self.buf += data
        return True

    def _pop(self):
        if b"\r\n" not in self.buf:
            return None
        raw, self.buf = self.buf.split(b"\r\n", 1)
        assert b"\n" not in raw and b"\r" not in raw, raw
        # The server's part of a line is at most 512 bytes, CR LF in.
        body = raw.split(b" ", 1)[1] if raw.startswith(b"@") else raw
        assert len(body) + 2 <= 512, "line of %d bytes: %r" % (
            len(body) + 2, raw[:200])
        return Line(raw.decode("utf-8"))

    def _next(self, deadline):
        while True:
            if self.queue:
                return self.queue.pop(0)
            line = self._pop()
            if line is not None:
                return line
            if self.eof or not self._fill(deadline):
                return None

    def _fail(self, what, seen, timeout):
        msg = ["%s: no %s %s" % (self, what, "(connection closed)" if
                                 self.eof else "within %.1f s" % timeout)]
        msg += ["    " + l.raw for l in seen[-20:]] or ["    nothing"]
        raise (t.Closed if self.eof else t.Timeout)("\n".join(msg))

    def recv(self, timeout=None):
        timeout = self.timeout if timeout is None else timeout
        line = self._next(time.monotonic() + timeout)
        if line is None:
            self._fail("line", [], timeout)
        return line

    @staticmethod
    def _match(line, cmd, params, source, tags):
        if callable(cmd):
            if not cmd(line.cmd):
                return False
        elif cmd is not None and line.cmd != str(cmd):
            return False
        if source is not None and line.source != source:
            return False
        for k, v in (tags or {}).items():
            if v is t.ABSENT:
                if k in line.tags:
                    return False
            elif k not in line.tags or (v is not t.ANY and
                                        line.tags[k] != v):
                return False
        if len(params) > len(line.params):
            return False
        for want, have in zip(params, line.params):
            if want is t.ANY:
                continue
            if callable(want):
                if not want(have):
                    return False
            elif want != have:
                return False
        return True

    def expect(self, cmd=None, *params, source=None, tags=None,
               timeout=None):
        """Read until a line of cmd (a numeric as "001" or 1) whose first
        parameters are params (values, ANY or predicates) arrives; numerics
        have the client's nick as first parameter, which params skip."""
        cmd, params = self._norm(cmd, params)
        return self._until(lambda l: self._match(l, cmd, params, source,
                                                 tags),
                           "%s %r" % (cmd, params), timeout)[0]

    def _until(self, want, what, timeout):
        """The first line for which want holds, and those before it."""
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        seen = []
        while True:
            line = self._next(deadline)
            if line is None:
                self._fail(what, seen, timeout)
            if want(line):
                return line, seen
            seen.append(line)

    def expect_next(self, cmd=None, *params, source=None, tags=None,
                    timeout=None):
        """The very next line must match (see expect)."""
        line = self.recv(timeout)
        cmd, params = self._norm(cmd, params)
        if not self._match(line, cmd, params, source, tags):
            raise AssertionError("%s: want %s %r, got %r" % (
                self, cmd, params, line.raw))
        return line

    @staticmethod
    def _norm(cmd, params):
        if isinstance(cmd, int):
            cmd = "%03d" % cmd
        if isinstance(cmd, str) and cmd.isdigit():
            params = (t.ANY,) + tuple(params)
        return cmd, tuple(params)

    def sync(self, timeout=None):
        """Every line the server sent before a PING round trip: the server
        reads a connection's lines in order, so nothing is left behind."""
        IrcClient._sync += 1
        tok = "sync-%d" % IrcClient._sync
        self.send("PING :%s" % tok)
        return self._until(lambda l: l.cmd == "PONG" and
                           l.params[-1] == tok, "PONG " + tok, timeout)[1]

    def expect_quiet(self):
        seen = self.sync()
        assert not seen, "%s: unexpected lines:\n%s" % (
            self, "\n".join("    " + l.raw for l in seen))

    def expect_error_close(self, reason=None, timeout=None):
        """ERROR is the last line, then the server closes."""
        line = self.expect("ERROR", timeout=timeout)
        if reason is not None:
            assert reason in line.params[-1], line
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while not self.eof:
            if not self._fill(deadline):
                raise t.Timeout("%s: not closed after %r" % (self, line))
        rest = self.buf
        assert rest == b"", "%s: bytes after ERROR: %r" % (self, rest)
        assert not self.queue, self.queue
        return line

    def join(self, channel):
        """JOIN channel; returns the lines up to RPL_ENDOFNAMES."""
        self.send("JOIN %s" % channel)
        lines = []
        while True:
            lines.append(self.recv())
            if lines[-1].cmd == "366":
                return lines
            assert lines[-1].cmd in ("JOIN", "332", "333", "353"), lines

    def register(self, nick, user="user", caps=None, password=None,
                 end=(376, 422)):
        """NICK and USER (PASS, CAP REQ first when given); returns the
        lines up to the end of the MOTD."""
        if caps is not None:
            self.send("CAP LS 302")
            self.expect("CAP", "*", "LS")
            self.send("CAP REQ :%s" % " ".join(caps))
            self.expect("CAP", ANY_NICK, "ACK")
        if password is not None:
            self.send("PASS :%s" % password)
        self.send("NICK %s" % nick)
        self.send("USER %s 0 * :Real %s" % (user, nick))
        if caps is not None:
            self.send("CAP END")
        lines = []
        while True:
            line = self.recv()
            lines.append(line)
            if line.cmd in ("%03d" % end[0], "%03d" % end[1]):
                break
            assert line.cmd not in ("432", "433", "464", "ERROR"), line
        self.nick = nick
        return lines


ANY_NICK = t.ANY


def connect(srv, **kw):
    """A new IRC connection, closed with the test's clients."""
    c = IrcClient(port(srv), timeout=srv.timeout, **kw)
    srv.clients.append(c)
    return c


def client(srv, nick, **kw):
    """A new registered IRC client."""
    c = connect(srv)
    c.register(nick, **kw)
    return c
