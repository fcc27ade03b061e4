#!/usr/bin/env python3
# test-web-limits.py: the web listeners among the others: the built-in listener rule, reloads, HTTPS and
# WSS, and a WebSocket client's limits (per address behind a proxy, rate, send queue, a held hello).
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile

import evchat_test as t
import web_test as w


def check_config(srv, *args):
    """evchatd --check-config's listener lines for args."""
    out = subprocess.run([srv.binary, "--check-config", "--config",
                          os.devnull] + list(args), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, timeout=srv.timeout,
                         check=True).stdout.decode()
    return [line for line in out.splitlines() if "listen =" in line]


def test_default_listeners(srv):
    """The built-in listeners of every kind apply only when none is set:
    one named anywhere replaces them all."""
    assert check_config(srv) == [
        "listen = 127.0.0.1:7667", "listen = [::1]:7667",
        "tls-listen = none",
        "web-listen = 127.0.0.1:7680", "web-listen = [::1]:7680",
        "web-tls-listen = none",
        "irc-listen = 127.0.0.1:6667", "irc-listen = [::1]:6667",
        "irc-tls-listen = none"]
    assert check_config(srv, "--listen", "127.0.0.1:0") == [
        "listen = 127.0.0.1:0", "tls-listen = none", "web-listen = none",
        "web-tls-listen = none", "irc-listen = none", "irc-tls-listen = none"]
    assert check_config(srv, "--web-listen", "127.0.0.1:0") == [
        "listen = none", "tls-listen = none", "web-listen = 127.0.0.1:0",
        "web-tls-listen = none", "irc-listen = none", "irc-tls-listen = none"]
    assert check_config(srv, "--irc-listen", "127.0.0.1:0") == [
        "listen = none", "tls-listen = none", "web-listen = none",
        "web-tls-listen = none", "irc-listen = 127.0.0.1:0",
        "irc-tls-listen = none"]
    # This very daemon, started with --listen 127.0.0.1:0: one listener.
    srv.client("alice").drain()
    lines = [l for l in srv.stderr.splitlines() if "listening on" in l]
    assert len(lines) == 1 and lines[0].endswith(":%d" % srv.port), lines


def test_same_address_twice(srv):
    p = subprocess.run([srv.binary, "--check-config", "--config", os.devnull,
                        "--listen", "127.0.0.1:7000", "--web-listen",
                        "127.0.0.1:7000"], stderr=subprocess.PIPE,
                       stdout=subprocess.DEVNULL, timeout=srv.timeout)
    assert p.returncode != 0
    assert b"'127.0.0.1:7000' is in both listen and web-listen" in p.stderr


def test_reload_web_listener(srv):
    """SIGHUP opens and closes web listeners like the others."""
    tmp = tempfile.mkdtemp()
    try:
        conf = os.path.join(tmp, "evchatd.conf")
        with open(conf, "w") as f:
            f.write("listen = 127.0.0.1:0\n")
        with t.Server(["--config", conf]) as s2:
            assert "(web)" not in s2.stderr
            with open(conf, "w") as f:
                f.write("listen = 127.0.0.1:0\nweb-listen = 127.0.0.1:0\n")
            s2.send_signal(signal.SIGHUP)
            s2.wait_log(r"configuration reloaded")
            assert w.http(s2, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")[0] == 200
            with open(conf, "w") as f:
                f.write("listen = 127.0.0.1:0\n")
            s2.send_signal(signal.SIGHUP)
            s2.wait_log(r"no longer listening on 127\.0\.0\.1:0 \(web\)")
    finally:
        shutil.rmtree(tmp)


def test_https_and_wss(srv):
    """web-tls-listen: the page over HTTPS, and a WebSocket inside TLS
    whose page origin is https."""
    if shutil.which("openssl") is None:
        raise t.Skip("no openssl command")
    tmp = tempfile.mkdtemp()
    try:
        cert, key = os.path.join(tmp, "c.pem"), os.path.join(tmp, "k.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                        "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-days", "2", "-keyout", key, "-out", cert,
                        "-subj", "/CN=127.0.0.1"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with t.Server(["--web-tls-listen", "127.0.0.1:0", "--tls-cert", cert,
                       "--tls-key", key]) as s2:
            port = w.port(s2, "web TLS")
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE

            def wrapped():
                s = socket.create_connection(("127.0.0.1", port),
                                             timeout=s2.timeout)
                return ctx.wrap_socket(s)
            s = wrapped()
            s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert w.read_response(s)[0] == 200
            s.close()
            for origin, want in (("http://127.0.0.1", 403),
                                 ("https://127.0.0.1", 101)):
                s = wrapped()
                s.sendall(w.handshake(origin=origin))
                assert w.read_response(s, head_only=True)[0] == want
                if want == 101:
                    s.sendall(w.frame(1, b'{"type":"hello","nick":"tls",'
                                      b'"version":1}'))
                    r = w.WsReader()
                    while not r.texts:
                        r.feed(s.recv(4096))
                    welcome = r.pop()
                    assert welcome["type"] == "welcome", welcome
                    s.sendall(w.frame(8, b"\x03\xe8"))
                    while not r.control:
                        r.feed(s.recv(4096))
                    assert r.control == [(8, b"\x03\xe8")], r.control
                s.close()
    finally:
        shutil.rmtree(tmp)


PROXY = ("--web-trusted-proxies", "127.0.0.1", "--limit-exempt", "none",
         "--max-clients-per-ip", "1")


@w.web(*PROXY)
def test_forwarded_for_trusted(srv):
    """Behind a trusted proxy, each client is counted (and logged) by the
    last address of X-Forwarded-For that is not a trusted proxy."""
    a = w.ws(srv, extra="X-Forwarded-For: 198.51.100.1, 192.0.2.7, "
                        "127.0.0.1\r\n")
    a.hello("alice")
    srv.wait_log(r"from 192\.0\.2\.7:0 registered as alice")
    status, _, _ = w.http(srv, w.handshake(
        extra="X-Forwarded-For: 192.0.2.7\r\n"))
    assert status == 503
    w.ws(srv, "bob", extra="X-Forwarded-For: 192.0.2.8\r\n")
    srv.wait_log(r"from 192\.0\.2\.8:0 registered as bob")
    # The proxy itself is not counted: more connections than the limit.
    w.ws(srv, "carol", extra="X-Forwarded-For: 192.0.2.9\r\n")


@w.web(*PROXY)
def test_forwarded_plain_http_is_insecure(srv):
    """A user behind the proxy on plain HTTP sends passwords in clear: the
    proxy's loopback does not make it secure; X-Forwarded-Proto does."""
    a = w.ws(srv, "alice", extra="X-Forwarded-For: 192.0.2.7\r\n")
    a.request({"type": "register", "password": "correct horse"},
              code="insecure")
    b = w.ws(srv, "bob", extra="X-Forwarded-For: 192.0.2.8\r\n"
                               "X-Forwarded-Proto: https\r\n")
    b.request({"type": "register", "password": "correct horse"}, "registered")
    # A client of the proxy on the same machine is on loopback still.
    c = w.ws(srv, "carol", extra="X-Forwarded-For: 127.0.0.5\r\n")
    c.request({"type": "register", "password": "correct horse"}, "registered")


@w.web("--limit-exempt", "none", "--max-clients-per-ip", "1")
def test_forwarded_for_untrusted(srv):
    """From anyone else X-Forwarded-For is ignored: both come from
    127.0.0.1, and the second is one too many."""
    w.ws(srv, "alice", extra="X-Forwarded-For: 192.0.2.7\r\n")
    status, _, _ = w.http(srv, w.handshake(
        extra="X-Forwarded-For: 192.0.2.8\r\n"))
    assert status == 503
    assert "192.0.2.7" not in srv.stderr


@w.web("--rate", "1", "--burst", "3")
def test_rate_limited(srv):
    a = w.ws(srv, "alice")
    a.join("lobby")
    for i in range(4):
        a.send({"type": "join", "room": "r%d" % i, "id": i})
    a.expect("error", code="rate_limited")


@w.web("--max-sendq", "65536", "--rate", "0")
def test_send_queue(srv):
    """A WebSocket reader that stalls is dropped alone."""
    slow = w.ws(srv, "slow", rcvbuf=4096, mss=1200)
    slow.join("lobby")
    b = srv.client("bob")
    b.join("lobby")
    text = "x" * 3000
    b.send_raw(b"".join(t.encode({"type": "msg", "room": "lobby",
                                  "text": text}) for _ in range(300)))
    b.expect("presence", nick="slow", event="quit",
             reason="send queue exceeded", timeout=3 * srv.timeout)
    slow.expect("bye", reason="send queue exceeded", timeout=3 * srv.timeout)
    slow.expect_close(1000)


IDLE = 300


@w.web("--max-clients-per-ip", "0")
def test_idle_memory(srv):
    """An idle WebSocket connection keeps no decoder buffers: it costs
    about what a TCP one does (1.7 KiB), not the 8 KiB more of wslay's."""
    if srv.sanitized:
        raise t.Skip("ASan holds freed memory back")
    t.raise_fd_limit(IDLE + 64)

    def idle(n, prefix):
        for i in range(n):
            c = w.ws(srv)
            c.send({"type": "hello", "nick": "%s%d" % (prefix, i),
                    "version": 1})
            assert c.sock.recv(4096)
    idle(50, "warm")        # the allocator's first arenas
    srv.clients[-1].drain()
    before = srv.proc_status("VmRSS")
    idle(IDLE, "idle")
    srv.clients[-1].drain()
    each = (srv.proc_status("VmRSS") - before) * 1024 / IDLE
    print("idle WebSocket connection: %.0f bytes" % each)
    assert each < 5000, "%.0f bytes a connection" % each


def password_args():
    p = subprocess.run([os.environ["EVCHATD"], "--hash-password"],
                       input=b"sesame\n", stdout=subprocess.PIPE, check=True)
    return ("--web-listen", "127.0.0.1:0", "--password",
            p.stdout.decode().split("=", 1)[-1].strip())


@t.daemon_args(*password_args())
def test_held_hello(srv):
    """Messages sent behind a hello whose password is being checked wait,
    whole, and are answered once it is let in."""
    a = w.ws(srv)
    a.send_raw(b"".join(w.frame(1, m) for m in (
        b'{"type":"hello","nick":"alice","version":1,"password":"sesame"}',
        b'{"type":"join","room":"lobby","id":1}',
        b'{"type":"ping","id":2}')))
    a.expect_next("welcome")
    a.expect_next("joined", re=1)
    a.expect_next("pong", re=2)


t.run(globals())
