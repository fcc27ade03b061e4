# web_test.py: the harness of the web listener tests: a raw HTTP request helper and a WebSocket client
# (RFC 6455, masked frames) speaking the protocol's JSON; Python 3 standard library only.
"""Harness for evchatd's web listeners, on top of evchat_test.

    import evchat_test as t
    import web_test as w

    @w.web()
    def test_chat(srv):
        ws = w.ws(srv, "alice")           # handshake done, hello answered
        ws.join("lobby")

w.web(*args) starts the daemon with a web listener on 127.0.0.1:0 (and
args); w.port(srv) reads its port from the "listening on ... (web)" line.
A WsClient is an evchat_test.Client whose frames are WebSocket text
messages, so expect(), request(), join() and the rest work the same; the
close frame the server sends is kept in close_code and close_reason.
"""

import base64
import hashlib
import json
import os
import re
import socket
import struct
import time

import evchat_test as t

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def web(*args, **kw):
    """Decorate a test: its daemon also listens for the web (plain HTTP)."""
    return t.daemon_args("--web-listen", "127.0.0.1:0", *args, **kw)


def port(srv, kind="web"):
    """The port of srv's first listener of that kind ("web", "web TLS")."""
    m = srv.wait_log(r"listening on 127\.0\.0\.1:(\d+) \(%s\)" % kind)
    return int(m.group(1))


def http(srv, request, timeout=None, port_=None):
    """Send raw request bytes to the web port; returns (status, headers
    as a dict of lower-case names, body) of the first response, read until
    the server closes or Content-Length is met."""
    s = socket.create_connection(("127.0.0.1", port_ or port(srv)),
                                 timeout=timeout or srv.timeout)
    try:
        s.sendall(request)
        return read_response(s)
    finally:
        s.close()


def read_response(s, head_only=False):
    """One HTTP response from socket s: (status, headers, body); nothing
    past it is read, so that the next response stays in the socket."""
    data = b""
    while not data.endswith(b"\r\n\r\n"):
        chunk = s.recv(1)
        if not chunk:
            raise t.Closed("connection closed before a response head: %r"
                           % data)
        data += chunk
    lines = data[:-4].decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    want = 0 if head_only or status in (101, 304) else \
        int(headers.get("content-length", "0"))
    body = b""
    while len(body) < want:
        chunk = s.recv(want - len(body))
        if not chunk:
            break
        body += chunk
    return status, headers, body


def handshake(key=None, path="/ws", origin=None, extra=""):
    """The bytes of a WebSocket opening handshake."""
    key = key or base64.b64encode(os.urandom(16)).decode()
    req = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
           "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
           "Sec-WebSocket-Version: 13\r\n" % (path, key))
    if origin is not None:
        req += "Origin: %s\r\n" % origin
    return (req + extra + "\r\n").encode()


def accept_of(key):
    """The Sec-WebSocket-Accept that answers key."""
    return base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()
                            ).decode()


def frame(opcode, payload, fin=True, mask=True, rsv=0):
    """One client frame: masked unless told otherwise."""
    head = bytes([(0x80 if fin else 0) | rsv << 4 | opcode])
    n = len(payload)
    m = 0x80 if mask else 0
    if n < 126:
        head += bytes([m | n])
    elif n < 65536:
        head += bytes([m | 126]) + struct.pack(">H", n)
    else:
        head += bytes([m | 127]) + struct.pack(">Q", n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


class WsReader:
    """Decodes the server's frames: text messages become dicts (checked
    as evchat_test.FrameReader checks frames), control frames are kept."""

    def __init__(self):
        self.buf = bytearray()
        self.control = []       # (opcode, payload) of pings, pongs, close
        self.texts = []

    def feed(self, data):
        self.buf += data
        while len(self.buf) >= 2:
            b0, b1 = self.buf[0], self.buf[1]
            if b1 & 0x80:
                raise AssertionError("server sent a masked frame")
            if not b0 & 0x80:
                raise AssertionError("server sent a fragment")
            n, off = b1 & 0x7f, 2
            if n == 126:
                if len(self.buf) < 4:
                    return
                n, off = struct.unpack(">H", self.buf[2:4])[0], 4
            elif n == 127:
                if len(self.buf) < 10:
                    return
                n, off = struct.unpack(">Q", self.buf[2:10])[0], 10
            if len(self.buf) < off + n:
                return
            payload = bytes(self.buf[off:off + n])
            del self.buf[:off + n]
            opcode = b0 & 0x0f
            if opcode == 1:
                self.texts.append(payload)
            elif opcode in (8, 9, 10):
                self.control.append((opcode, payload))
            else:
                raise AssertionError("server sent opcode %d" % opcode)

    def pop(self):
        if not self.texts:
            return None
        payload = self.texts.pop(0)
        try:
            obj = json.loads(payload.decode("utf-8"))
        except ValueError as e:
            raise AssertionError("server sent bad JSON (%s): %r" %
                                 (e, payload[:200]))
        if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
            raise AssertionError("server sent a message without a string "
                                 "type: %r" % payload[:200])
        return obj


class WsClient(t.Client):
    """A WebSocket connection to the web port speaking evchat JSON."""

    def __init__(self, port_, origin=None, timeout=None, auto_pong=False,
                 name=None, extra="", **kw):
        super().__init__(port_, timeout=timeout, auto_pong=auto_pong,
                         name=name or "ws", **kw)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(handshake(key, origin=origin, extra=extra))
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.sock.recv(1)   # not one byte of a frame more
            if not chunk:
                raise t.Closed("closed during the handshake: %r" % data)
            data += chunk
        head = data.decode("latin-1")
        if not head.startswith("HTTP/1.1 101 "):
            raise AssertionError("handshake refused: %r" % head)
        if "Sec-WebSocket-Accept: %s\r\n" % accept_of(key) not in head:
            raise AssertionError("wrong Sec-WebSocket-Accept: %r" % head)
        self.reader = WsReader()

    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, obj):
        text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
        self.sock.sendall(frame(1, text.encode("utf-8")))

    def control(self, opcode):
        """The payloads of the control frames of opcode received so far."""
        return [p for o, p in self.reader.control if o == opcode]

    def wait_control(self, opcode, timeout=None):
        """Read until a control frame of opcode has come; returns the
        payloads of those received."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while not self.control(opcode):
            if self.eof or not self._fill(deadline):
                raise t.Timeout("%s: no control frame %d; got %r" % (
                    self, opcode, self.reader.control))
        return self.control(opcode)

    @property
    def close_code(self):
        """The status code of the server's close frame, or None."""
        closes = self.control(8)
        if not closes:
            return None
        if len(closes) > 1:
            raise AssertionError("server sent %d close frames" %
                                 len(closes))
        return struct.unpack(">H", closes[0][:2])[0] if closes[0] else 1005

    def expect_close(self, code, timeout=None):
        """No more messages: the server's close frame has this code, then
        the connection ends.  Returns the close reason."""
        self.expect_closed(timeout)
        if self.close_code != code:
            raise AssertionError("close code %r, want %d (control frames "
                                 "%r)" % (self.close_code, code,
                                          self.reader.control))
        return self.control(8)[0][2:].decode("utf-8")

    def expect_bye(self, reason, timeout=None, code=1000):
        """bye with this reason, then a close frame of code, then EOF."""
        frame_ = self.expect_next("bye", timeout, reason=reason)
        self.expect_close(code, timeout)
        return frame_


def ws(srv, nick=None, **kw):
    """A WsClient on srv's web port, registered as nick when given;
    closed with srv's other clients."""
    kw.setdefault("timeout", srv.timeout)
    c = WsClient(port(srv), **kw)
    srv.clients.append(c)
    if nick is not None:
        c.hello(nick)
    return c
