# test-tls.py: TLS listeners end to end with a throwaway CA: a verified evchat-cli session, certificates
# the client must refuse, --insecure, old versions refused, and plain and TLS peers on the wrong port.
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import warnings

import tls_test as tt
from tls_test import c, t

PKI = tt.Pki()
PKI.cert("elsewhere", "DNS:chat.example.org", 0x3003)
PKI.cert("stranger", tt.LOOPBACK_NAMES, 0x4004, ca="other-ca")

# A failure must be said at once, never by a timeout of the client's own.
QUICK = 5


def one_line(err, pattern):
    assert len(err) == 1 and re.fullmatch(pattern, err[0]), err


def cli(srv, nick, *args, scheme="tls://", host="127.0.0.1", port=None):
    port = tt.tls_port(srv) if port is None else port
    return c.Cli(["--server", "%s%s:%d" % (scheme, host, port), "--nick",
                  nick] + list(args))


def refused(srv, *args, **kw):
    """Run the client to its end; it must fail fast.  Returns stderr."""
    t0 = time.monotonic()
    p = cli(srv, "ana", *args, **kw)
    p.send("never sent")
    status, out, err = p.wait(QUICK)
    assert status == 1 and out == [], p.show()
    assert time.monotonic() - t0 < QUICK
    return err


@t.daemon_args(*PKI.server_args("server"))
def test_session_verified(srv):
    """Join, messages and presence through evchat-cli --tls --ca, checked
    against the CA and the address; a raw TLS client watches presence."""
    watcher = tt.client(srv, PKI, "watcher", presence=True)
    assert watcher.sock.version() in ("TLSv1.2", "TLSv1.3")
    ana = cli(srv, "ana", "--ca", PKI.ca, "--join", "general")
    ana.expect(r"^\* connected to tls://127\.0\.0\.1:%d \(evchatd [0-9.]+\) "
               r"as ana$" % tt.tls_port(srv))
    ana.expect(r"^\* you joined general \(members: ana\)$")
    watcher.expect_next("presence", nick="ana", event="online")
    bob = cli(srv, "bob", "--tls", "--ca", PKI.ca, "--join", "general",
              scheme="", host="localhost")
    bob.expect(r"^\* you joined general \(members: ana, bob\)$")
    ana.expect(r"^\* bob joined general$")
    watcher.expect_next("presence", nick="bob", event="online")
    bob.send("hola")
    ana.expect(r"^\[general\] <bob> hola$")
    ana.send("/msg bob over TLS")
    bob.expect(r"^\[pm\] <ana> over TLS$")
    watcher.join("general")
    ana.send("hi all")
    watcher.expect("msg", room="general", text="hi all", **{"from": "ana"})
    bob.send("/quit bye now")
    status, out, err = bob.wait()
    assert status == 0 and err == [], bob.show()
    ana.expect(r"^\* bob quit \(bye now\)$")
    watcher.expect_next("presence", nick="bob", event="quit",
                        reason="bye now")
    watcher.expect_next("presence", nick="bob", event="offline",
                        reason="bye now")
    out, err = ana.finish(0)
    assert err == [], ana.show()


@t.daemon_args(*PKI.server_args("server"))
def test_plain_and_tls_side_by_side(srv):
    """One room, a plain client and a TLS client."""
    plain = srv.client("plain")
    plain.join("r")
    secure = tt.client(srv, PKI, "secure")
    secure.join("r", members=["plain", "secure"])
    plain.expect_next("presence", room="r", nick="secure", event="join")
    secure.send({"type": "msg", "room": "r", "text": "x" * 4000})
    plain.expect("msg", room="r", text="x" * 4000)
    plain.send({"type": "msg", "room": "r", "text": "back"})
    secure.expect("msg", room="r", text="back")
    assert secure.serial() == PKI.serials["server"]


@t.daemon_args(*PKI.server_args("server"))
def test_untrusted_certificate(srv):
    """Without --ca the system's store does not know the test CA; with
    another CA's file the chain does not end in it either."""
    err = refused(srv)
    one_line(err, r"evchat-cli: the certificate of tls://127\.0\.0\.1:\d+ "
             r"is not trusted: .*local issuer.* \(for a private CA, use "
             r"--ca\)")
    err = refused(srv, "--ca", PKI.other_ca)
    one_line(err, r"evchat-cli: the certificate of tls://127\.0\.0\.1:\d+ "
             r"is not trusted: .*")
    tt.wait_log(srv, r"TLS handshake.* failed: .*unknown ca", count=2)


@t.daemon_args(*PKI.server_args("stranger"))
def test_certificate_of_another_ca(srv):
    """A certificate for the right names, from a CA not given."""
    err = refused(srv, "--ca", PKI.ca)
    one_line(err, r"evchat-cli: the certificate of tls://127\.0\.0\.1:\d+ "
             r"is not trusted: .*")


@t.daemon_args(*PKI.server_args("elsewhere"))
def test_wrong_hostname(srv):
    """A trusted certificate that names another host, reached by address
    and by name."""
    err = refused(srv, "--ca", PKI.ca)
    one_line(err, r"evchat-cli: the certificate of tls://127\.0\.0\.1:\d+ "
             r"is not for 127\.0\.0\.1 \(IP address mismatch\)")
    err = refused(srv, "--ca", PKI.ca, host="localhost")
    one_line(err, r"evchat-cli: the certificate of tls://localhost:\d+ "
             r"is not for localhost \(hostname mismatch\)")


@t.daemon_args(*PKI.server_args("stranger"))
def test_insecure(srv):
    """--insecure connects to anything, and says what it costs."""
    ana = cli(srv, "ana", "--insecure", "--join", "r")
    ana.expect(r"^\* you joined r \(members: ana\)$")
    ana.send("unchecked")
    ana.expect(r"^\[r\] <ana> unchecked$")
    out, err = ana.finish(0)
    one_line(err, r"evchat-cli: warning: --insecure: .*not checked.*")
    # It needs TLS, and contradicts --ca.
    status, out, err = c.run(["--insecure", "--nick", "x"], srv.port)
    assert status == 1 and "need --tls" in err[-1], (status, out, err)
    status, out, err = c.run(["--tls", "--insecure", "--ca", PKI.ca,
                              "--nick", "x"], srv.port)
    assert status == 1 and "exclude" in err[-1], (status, out, err)


@t.daemon_args(*PKI.server_args("server"))
def test_plain_client_on_tls_port(srv):
    """The server hangs up on a hello it cannot read; evchat-cli says why
    at once.  A raw socket sees the end too, not a hang."""
    err = refused(srv, scheme="")
    one_line(err, r"evchat-cli: server closed the connection before welcome "
             r"\(if 127\.0\.0\.1:\d+ is a TLS port, use --tls\)")
    raw = t.Client(tt.tls_port(srv))
    srv.clients.append(raw)
    raw.send({"type": "hello", "nick": "raw"})
    assert raw.closed(QUICK), "the TLS port kept a plain client"
    tt.wait_log(srv, r"TLS handshake with 127\.0\.0\.1:\d+ failed: wrong "
                r"version number")


@t.daemon_args(*PKI.server_args("server"))
def test_tls_client_on_plain_port(srv):
    """A TLS hello read as a frame is far too large: the server answers in
    plain text and hangs up, and evchat-cli names the problem."""
    err = refused(srv, "--ca", PKI.ca, port=srv.port)
    one_line(err, r"evchat-cli: TLS handshake with tls://127\.0\.0\.1:%d "
             r"failed: .* \(is it a TLS port\?\)" % srv.port)
    ctx = tt.context(PKI.ca)
    sock = socket.create_connection(("127.0.0.1", srv.port), QUICK)
    try:
        ctx.wrap_socket(sock, server_hostname="localhost")
        raise AssertionError("a TLS handshake worked on the plain port")
    except ssl.SSLError:
        pass
    finally:
        sock.close()


@t.daemon_args(*PKI.server_args("server", "--register-timeout", "2"))
def test_handshake_never_finished(srv):
    """Connections to the TLS port that send nothing, or trickle a
    ClientHello that never ends, are closed by the registration deadline:
    otherwise bare TCP connections would hold max-clients for good."""
    port = tt.tls_port(srv)
    silent = socket.create_connection(("127.0.0.1", port), QUICK)
    trickle = socket.create_connection(("127.0.0.1", port), QUICK)
    # The start of a TLS record holding a ClientHello, one byte at a time.
    hello = bytes([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc,
                   0x03, 0x03]) + bytes(32)
    t0 = time.monotonic()
    try:
        for b in hello:
            if time.monotonic() - t0 > 6:
                break
            try:
                trickle.send(bytes([b]))
            except OSError:
                break
            time.sleep(0.2)
        for sock in (silent, trickle):
            sock.settimeout(8)
            try:
                while sock.recv(4096):
                    pass
            except ConnectionResetError:
                pass
    finally:
        silent.close()
        trickle.close()
    tt.wait_log(srv, r"closing: registration timeout")
    tt.wait_log(srv, r"closing: registration timeout", count=2)


def old_client_context(version):
    """A client context of exactly one version that OpenSSL itself allows:
    TLS 1.1 needs security level 0 on Debian."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx = tt.context(verify=False)
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        ctx.minimum_version = version
        ctx.maximum_version = version
    return ctx


def handshake(port, ctx):
    """The version agreed with 127.0.0.1:port, or the SSLError."""
    sock = socket.create_connection(("127.0.0.1", port), QUICK)
    try:
        with ctx.wrap_socket(sock) as s:
            return s.version()
    except ssl.SSLError as e:
        return e
    finally:
        sock.close()


def tls11_server(done):
    """A Python TLS server that accepts TLS 1.1, once: it shows that the
    client below can speak it, so a refusal is evchatd's."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        ctx.minimum_version = ssl.TLSVersion.TLSv1_1
    ctx.load_cert_chain(PKI.path("server.pem"), PKI.path("server.key"))
    lsock = socket.create_server(("127.0.0.1", 0))
    lsock.settimeout(QUICK)

    def serve():
        try:
            conn, _ = lsock.accept()
            with ctx.wrap_socket(conn, server_side=True):
                done.wait(QUICK)
        except (OSError, ssl.SSLError):
            pass
        finally:
            lsock.close()
    threading.Thread(target=serve, daemon=True).start()
    return lsock.getsockname()[1]


@t.daemon_args(*PKI.server_args("server"))
def test_tls11_refused(srv):
    """The server refuses TLS 1.1 with a protocol_version alert (the
    client hears the server's alert) and logs it; TLS 1.2 gets in."""
    ctx = old_client_context(ssl.TLSVersion.TLSv1_1)
    done = threading.Event()
    try:
        assert handshake(tls11_server(done), ctx) == "TLSv1.1"
    finally:
        done.set()
    got = handshake(tt.tls_port(srv), ctx)
    assert isinstance(got, ssl.SSLError) and \
        got.reason == "TLSV1_ALERT_PROTOCOL_VERSION", got
    tt.wait_log(srv, r"TLS handshake with 127\.0\.0\.1:\d+ failed: "
                r"unsupported protocol")
    assert handshake(tt.tls_port(srv),
                     old_client_context(ssl.TLSVersion.TLSv1_2)) == "TLSv1.2"


@t.daemon_args(*PKI.server_args("server", "--tls-min-version", "1.3"))
def test_min_version_13(srv):
    got = handshake(tt.tls_port(srv),
                    old_client_context(ssl.TLSVersion.TLSv1_2))
    assert isinstance(got, ssl.SSLError) and \
        got.reason == "TLSV1_ALERT_PROTOCOL_VERSION", got
    assert handshake(tt.tls_port(srv),
                     old_client_context(ssl.TLSVersion.TLSv1_3)) == "TLSv1.3"


# systemd's side of socket activation: the sockets at fd 3 on, their
# names, and LISTEN_PID naming the process that becomes evchatd.
ACTIVATE = """
import os, sys
for i, fd in enumerate(int(a) for a in sys.argv[1].split(",")):
    os.dup2(fd, 3 + i)
os.environ["LISTEN_FDS"] = str(i + 1)
os.environ["LISTEN_FDNAMES"] = sys.argv[2]
os.environ["LISTEN_PID"] = str(os.getpid())
os.execv(sys.argv[3], sys.argv[3:])
"""


def test_socket_activation(srv):
    """Of the sockets systemd passes, the one named tls speaks TLS."""
    socks = [socket.create_server(("127.0.0.1", 0)) for _ in range(2)]
    plain, secure = (sk.getsockname()[1] for sk in socks)
    fds = [sk.fileno() for sk in socks]
    argv = [sys.executable, "-c", ACTIVATE, ",".join(map(str, fds)),
            "evchatd:tls", os.environ["EVCHATD"], "--config", os.devnull,
            "--tls-cert", PKI.path("server.pem"),
            "--tls-key", PKI.path("server.key")]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LISTEN")}
    proc = subprocess.Popen(argv, pass_fds=fds, env=env,
                            stdin=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    for sk in socks:
        sk.close()
    try:
        cl = tt.TlsClient(secure, tt.context(PKI.ca), timeout=QUICK)
        cl.hello("secure")
        cl.close()
        cl = t.Client(plain, timeout=QUICK)
        cl.hello("plain")
        cl.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=QUICK)
    assert proc.returncode == 0, err
    assert "listening on 127.0.0.1:%d (TLS)" % secure in err, err
    assert "listening on 127.0.0.1:%d\n" % plain in err, err


t.run(globals())
