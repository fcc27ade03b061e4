#!/usr/bin/env python3
# test-http.py: the web listener's HTTP side against the real evchatd: the page's files and their headers,
# conditional and HEAD requests, keep-alive, every refusal (4xx), oversized and slow heads, web-root.
import os
import re
import select
import signal
import socket
import subprocess
import tempfile
import time

import evchat_test as t
import web_test as w

INDEX = os.path.join(os.environ.get("top_srcdir", "."), "src/web/index.html")


def get(path, extra=""):
    return ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n" % (path, extra)
            ).encode()


def connect(srv):
    s = socket.create_connection(("127.0.0.1", w.port(srv)),
                                 timeout=srv.timeout)
    return s


def expect_eof(s):
    """The server closes the connection: nothing more, then EOF."""
    data = s.recv(65536)
    assert data == b"", "more after the response: %r" % data[:200]


@w.web()
def test_index(srv):
    status, h, body = w.http(srv, get("/"))
    assert status == 200, status
    with open(INDEX, "rb") as f:
        assert body == f.read()
    assert h["content-type"] == "text/html; charset=utf-8", h
    assert int(h["content-length"]) == len(body)
    assert re.fullmatch(r'"[0-9a-f]{16}"', h["etag"]), h
    assert h["cache-control"] == "no-cache", h
    assert h["x-content-type-options"] == "nosniff", h
    csp = h["content-security-policy"]
    for part in ("default-src 'none'", "script-src 'self'",
                 "connect-src 'self'", "frame-ancestors 'none'"):
        assert part in csp, csp
    assert "unsafe" not in csp, csp
    # The same file by its name, with the same validator.
    status, h2, body2 = w.http(srv, get("/index.html?x=1"))
    assert (status, body2, h2["etag"]) == (200, body, h["etag"])


@w.web()
def test_head_and_keep_alive(srv):
    """HEAD has the headers and no body; the connection stays open for the
    next requests, pipelined ones answered in order."""
    s = connect(srv)
    s.sendall(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
    status, h, body = w.read_response(s, head_only=True)
    assert status == 200 and body == b"", (status, body)
    length = int(h["content-length"])
    s.sendall(get("/") + get("/index.html"))
    for _ in range(2):
        status, h2, body = w.read_response(s)
        assert status == 200 and len(body) == length, (status, len(body))
        assert h2["etag"] == h["etag"]
    s.close()


@w.web()
def test_not_modified(srv):
    _, h, _ = w.http(srv, get("/"))
    status, h304, body = w.http(srv, get("/", "If-None-Match: W/\"x\", %s"
                                        "\r\n" % h["etag"]))
    assert status == 304 and body == b"", (status, body)
    assert h304["etag"] == h["etag"]
    status, _, _ = w.http(srv, get("/", 'If-None-Match: "other"\r\n'))
    assert status == 200


@w.web()
def test_refusals(srv):
    """Each refusal has its status, a text body, and closes."""
    cases = [
        (get("/nothing.html"), 404),
        (get("/../etc/passwd"), 404),
        (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 405),
        (b"DELETE /index.html HTTP/1.1\r\nHost: x\r\n\r\n", 405),
        (get("/", "Content-Length: 5\r\n") + b"hello", 400),
        (get("/", "Transfer-Encoding: chunked\r\n") + b"0\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\n\r\n", 400),                   # no Host
        (get("/", "Host: y\r\n"), 400),                      # two Hosts
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n", 400),
        (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
        (b"GET /ws HTTP/1.1\r\nHost: x\r\n\r\n", 426),       # no Upgrade
    ]
    for req, want in cases:
        s = connect(srv)
        s.sendall(req)
        status, h, body = w.read_response(s)
        assert status == want, "%r: %d, want %d" % (req[:40], status, want)
        assert body.startswith(b"%d " % want), body
        assert h["x-content-type-options"] == "nosniff"
        expect_eof(s)
        s.close()
    _, h, _ = w.http(srv, b"PUT / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert h["allow"] == "GET, HEAD", h


@w.web()
def test_pipelined_garbage(srv):
    """A good request answered, the garbage after it refused."""
    s = connect(srv)
    s.sendall(get("/") + b"\x00\x01\x02 not http\r\n\r\n")
    assert w.read_response(s)[0] == 200
    assert w.read_response(s)[0] == 400
    expect_eof(s)


@w.web()
def test_oversize_head(srv):
    s = connect(srv)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Filler: " + b"a" * 9000)
    assert w.read_response(s)[0] == 431
    expect_eof(s)


@w.web("--register-timeout", "1")
def test_slow_head(srv):
    """A head trickled in never completes: the connection is dropped at
    the registration deadline, however lively the trickle."""
    s = connect(srv)
    s.sendall(b"GET / HTTP/1.1\r\n")
    while not select.select([s], [], [], 0.1)[0]:
        s.sendall(b"X")
    assert s.recv(100) == b""
    srv.wait_log(r"closing: registration timeout")


@w.web("--register-timeout", "0", "--heartbeat", "1", "--timeout", "2")
def test_slow_head_partial(srv):
    """Without a registration deadline, the partial-frame one drops it."""
    s = connect(srv)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
    s.settimeout(srv.timeout)
    assert s.recv(100) == b""
    srv.wait_log(r"closing: partial frame timeout")


@w.web("--max-clients", "1")
def test_server_full(srv):
    srv.client("alice")
    status, h, body = w.http(srv, get("/"))
    assert status == 503 and "retry-after" in h, (status, h)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def test_web_root(srv):
    """web-root serves a folder's files, not hidden ones nor unknown kinds,
    and a reload reads it again."""
    with tempfile.TemporaryDirectory() as root:
        write(os.path.join(root, "index.html"), b"<p>mine</p>")
        write(os.path.join(root, "js/app.js"), b"export {};")
        write(os.path.join(root, ".secret.html"), b"no")
        write(os.path.join(root, "notes.md"), b"no")
        conf = os.path.join(root, "..", os.path.basename(root) + ".conf")
        with open(conf, "w") as f:
            f.write("listen = 127.0.0.1:0\nweb-listen = 127.0.0.1:0\n"
                    "web-root = %s\n" % root)
        try:
            with t.Server(["--config", conf]) as s2:
                s2.wait_log(r"web page: 2 files, 21 bytes, " +
                            re.escape(root))
                status, h, body = w.http(s2, get("/"))
                assert (status, body) == (200, b"<p>mine</p>")
                status, h2, body = w.http(s2, get("/js/app.js"))
                assert status == 200 and body == b"export {};"
                assert h2["content-type"].startswith("text/javascript")
                for hidden in ("/.secret.html", "/notes.md"):
                    assert w.http(s2, get(hidden))[0] == 404, hidden
                write(os.path.join(root, "index.html"), b"<p>new</p>")
                s2.send_signal(signal.SIGHUP)
                s2.wait_log(r"configuration reloaded")
                status, h3, body = w.http(s2, get("/"))
                assert body == b"<p>new</p>" and h3["etag"] != h["etag"]
        finally:
            os.unlink(conf)


def test_web_root_missing(srv):
    """A web-root that cannot be read stops the daemon at start."""
    proc = subprocess.run([srv.binary, "--listen", "127.0.0.1:0",
                           "--web-root", "/nonexistent/evchat"],
                          stderr=subprocess.PIPE, timeout=srv.timeout)
    assert proc.returncode != 0
    assert b"web-root /nonexistent/evchat" in proc.stderr, proc.stderr


t.run(globals())
