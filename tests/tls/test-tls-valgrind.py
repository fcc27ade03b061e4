# test-tls-valgrind.py: evchatd under valgrind through TLS and a password: handshakes that work and fail,
# a session, bad_password, certificate reloads good and broken, and SIGTERM with TLS clients connected.
import os
import shutil
import signal
import socket
import subprocess

import tls_test as tt
from tls_test import t

VALGRIND = os.environ.get("VALGRIND", "")
if not os.environ.get("EVCHATD"):
    t.skip_exit("EVCHATD is not set (path of the evchatd binary)")
if not VALGRIND:
    t.skip_exit("valgrind not found (Debian package valgrind)")
if not shutil.which(VALGRIND):
    t.skip_exit("VALGRIND=%s is not executable" % VALGRIND)

PKI = tt.Pki()
PKI.cert("renewed", tt.LOOPBACK_NAMES, 0x2002)
PKI.install("server", "live")
PASSWORD = "under valgrind"
# Hashed here, so that valgrind slows down only the checks.
HASH = subprocess.run([os.environ["EVCHATD"], "--hash-password"],
                      input=PASSWORD + "\n", capture_output=True, text=True,
                      check=True).stdout.split(" = ")[1]
CONF = os.path.join(PKI.dir, "valgrind.conf")
with open(CONF, "w") as f:
    f.write("password = %s" % HASH)


@t.daemon_args("--config", CONF, *PKI.server_args("live"))
def test_tls_session(srv):
    a = tt.client(srv, PKI, "alice", password=PASSWORD)
    b = tt.client(srv, PKI, "bob", password=PASSWORD)
    a.join("room")
    b.join("room")
    a.expect_next("presence", nick="bob", event="join")
    a.send({"type": "msg", "room": "room", "text": "x" * 3000, "id": 1})
    a.expect_next("msg", re=1)
    b.expect_next("msg", text="x" * 3000)

    wrong = tt.client(srv, PKI)
    wrong.send({"type": "hello", "nick": "eve", "password": "no"})
    wrong.expect_next("error", code="bad_password")
    wrong.expect_bye("bad password")
    plain = t.Client(tt.tls_port(srv), timeout=srv.timeout)
    srv.clients.append(plain)
    plain.send({"type": "hello", "nick": "plain"})
    assert plain.closed(), "the TLS port kept a plain client"
    raw = socket.create_connection(("127.0.0.1", tt.tls_port(srv)))
    raw.sendall(b"\x16\x03\x01\x02\x00\x01")   # half a ClientHello
    raw.close()

    PKI.install("renewed", "live")
    srv.send_signal(signal.SIGHUP)
    tt.wait_log(srv, r"new TLS certificate .*serial 2002")
    shutil.copyfile(PKI.path("server.key"), PKI.path("live.key"))
    srv.send_signal(signal.SIGHUP)
    tt.wait_log(srv, r"keeping the TLS certificate in use")
    c = tt.client(srv, PKI, "carol", password=PASSWORD)
    assert c.serial() == PKI.serials["renewed"]
    c.send({"type": "quit"})
    c.expect_bye("client quit")

    srv.send_signal(signal.SIGTERM)
    for cl in (a, b):
        cl.expect("bye", reason="server shutting down")
        cl.close()
    assert srv.wait() == 0, "valgrind/evchatd exit status %s" % srv.status


t.run(globals(), prefix=[VALGRIND, "--leak-check=full", "--error-exitcode=1",
                         "--errors-for-leak-kinds=definite,indirect",
                         "--show-leak-kinds=definite,indirect"],
      tail=300)
