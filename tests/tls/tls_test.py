# tls_test.py: the shared part of the TLS and password tests: a throwaway PKI made with the openssl
# command in a temporary folder, the daemon's TLS port, and TLS clients that speak the framing.
"""Helpers for tests/tls (Python 3 standard library and the openssl command).

    import tls_test as tt

    PKI = tt.Pki()                     # CA and certificates, made once

    @t.daemon_args(*PKI.server_args("server"))
    def test_something(srv):
        a = tt.client(srv, PKI, "alice")   # TLS, verified, registered
"""

import atexit
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
for sub in ("e2e", "cli"):
    sys.path.insert(0, os.path.join(HERE, "..", sub))
import cli_test as c  # noqa: E402
import evchat_test as t  # noqa: E402

__all__ = ["Pki", "TlsClient", "c", "client", "context", "openssl", "t",
           "tls_port", "wait_log"]

_TLS_PORT = re.compile(r"listening on 127\.0\.0\.1:(\d+) \(TLS\)")

# Names every server certificate carries, as the loopback is reached.
LOOPBACK_NAMES = "DNS:localhost,IP:127.0.0.1,IP:::1"


def openssl(*args):
    """Run the openssl command; skips the test file when there is none."""
    exe = shutil.which("openssl")
    if exe is None:
        t.skip_exit("the openssl command is not installed (Debian package "
                    "openssl)")
    p = subprocess.run([exe] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True,
                       timeout=30)
    if p.returncode != 0:
        raise RuntimeError("openssl %s: %s" % (" ".join(args), p.stderr))
    return p.stdout


class Pki:
    """A CA, another CA nobody trusts, and server certificates signed by
    the first, all in a temporary folder removed at exit.  Keys are P-256:
    quick to make."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="evchat-tls-")
        atexit.register(shutil.rmtree, self.dir, True)
        self.ca = self._authority("ca", "evchat test CA")
        self.other_ca = self._authority("other-ca", "evchat other CA")
        self.serials = {}
        self.cert("server", LOOPBACK_NAMES, 0x1001)

    def path(self, name):
        return os.path.join(self.dir, name)

    def _authority(self, name, cn):
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                "-keyout", self.path(name + ".key"),
                "-out", self.path(name + ".pem"), "-subj", "/CN=" + cn,
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        return self.path(name + ".pem")

    def cert(self, name, names, serial, ca="ca"):
        """Make name.pem and name.key for subjectAltName names."""
        ext = self.path(name + ".ext")
        with open(ext, "w") as f:
            f.write("subjectAltName=%s\nbasicConstraints=CA:FALSE\n"
                    "extendedKeyUsage=serverAuth\n" % names)
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", self.path(name + ".key"),
                "-out", self.path(name + ".csr"), "-subj", "/CN=evchatd")
        openssl("x509", "-req", "-in", self.path(name + ".csr"),
                "-CA", self.path(ca + ".pem"),
                "-CAkey", self.path(ca + ".key"),
                "-set_serial", str(serial), "-days", "2",
                "-extfile", ext, "-out", self.path(name + ".pem"))
        self.serials[name] = "%X" % serial
        return self.path(name + ".pem")

    def install(self, name, as_name):
        """Copy name's pair over as_name's, each file replaced at once."""
        for ext in (".pem", ".key"):
            tmp = self.path(as_name + ext + ".new")
            shutil.copyfile(self.path(name + ext), tmp)
            os.replace(tmp, self.path(as_name + ext))
        self.serials[as_name] = self.serials[name]

    def server_args(self, name, *extra):
        """evchatd arguments for a TLS listener on 127.0.0.1 with name's
        certificate (the harness adds a plain listener first)."""
        return ["--tls-listen", "127.0.0.1:0",
                "--tls-cert", self.path(name + ".pem"),
                "--tls-key", self.path(name + ".key")] + list(extra)


def wait_log(srv, regex, timeout=None, count=1):
    """Wait until the daemon's stderr matches regex count times; returns
    the last match."""
    timeout = srv.timeout if timeout is None else timeout
    deadline = time.monotonic() + timeout
    while True:
        found = list(re.finditer(regex, srv.stderr))
        if len(found) >= count:
            return found[count - 1]
        if time.monotonic() > deadline or srv.proc.poll() is not None:
            raise AssertionError("no %r (x%d) in the daemon's log within "
                                 "%.1f s:\n%s" % (regex, count, timeout,
                                                   srv.stderr))
        time.sleep(0.01)


def tls_port(srv):
    """The port of the daemon's TLS listener."""
    return int(wait_log(srv, _TLS_PORT).group(1))


def context(cafile=None, verify=True):
    """A client context like evchat-cli's: the CA of cafile, names
    checked; or no checks at all."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if verify:
        ctx.load_verify_locations(cafile)
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


class TlsClient(t.Client):
    """evchat_test.Client over TLS: the handshake is done on creation."""

    def __init__(self, port, ctx, server_hostname="localhost", **kw):
        super().__init__(port, **kw)
        self.sock = ctx.wrap_socket(self.sock,
                                    server_hostname=server_hostname)

    def _fill(self, deadline):
        # Bytes OpenSSL has decrypted already do not wake select.
        if self.sock is not None and self.sock.pending():
            self.reader.feed(self.sock.recv(262144))
            return True
        return super()._fill(deadline)

    def serial(self):
        """The serial number of the server's certificate, in hex."""
        return self.sock.getpeercert()["serialNumber"]


def client(srv, pki, nick=None, presence=None, password=None, **kw):
    """A verified TLS client of srv's TLS port, registered as nick (with
    the password, if any) when given; srv closes it after the test."""
    cl = TlsClient(tls_port(srv), context(pki.ca), name=nick,
                   timeout=srv.timeout, **kw)
    srv.clients.append(cl)
    if nick is not None:
        extra = {} if password is None else {"password": password}
        cl.hello(nick, presence, **extra)
    return cl
