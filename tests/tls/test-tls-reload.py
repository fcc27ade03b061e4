# test-tls-reload.py: the certificate on SIGHUP (a renewal taken by new connections while existing ones
# go on; a broken pair refused and logged, the old kept) and the TLS keys checked at start.
import os
import re
import shutil
import signal
import subprocess

import tls_test as tt
from tls_test import t

PKI = tt.Pki()
PKI.cert("renewed", tt.LOOPBACK_NAMES, 0x2002)
# Each test's daemon serves its own copy, put in place before it starts.
PKI.install("server", "swap")
PKI.install("server", "broken")

EX_CONFIG = 78


def reload(srv, n):
    """SIGHUP, then wait for the n-th reload to be done."""
    srv.send_signal(signal.SIGHUP)
    tt.wait_log(srv, r"configuration reloaded", count=n)


def replace(src, dst):
    """Copy src over dst at once, as a deploy hook would."""
    shutil.copyfile(src, dst + ".new")
    os.replace(dst + ".new", dst)


def chat(a, b, text):
    a.send({"type": "msg", "to": b.nick, "text": text})
    b.expect("msg", to=b.nick, text=text, **{"from": a.nick})


@t.daemon_args(*PKI.server_args("swap"))
def test_sighup_swaps_certificate(srv):
    old = tt.client(srv, PKI, "old")
    assert old.serial() == PKI.serials["server"]
    PKI.install("renewed", "swap")
    reload(srv, 1)
    tt.wait_log(srv, r"new TLS certificate CN=evchatd \(serial 2002\)")
    new = tt.client(srv, PKI, "new")
    assert new.serial() == PKI.serials["renewed"]
    # The connection made before keeps its session, both ways.
    chat(old, new, "still here")
    chat(new, old, "welcome")
    assert old.serial() == PKI.serials["server"]


@t.daemon_args(*PKI.server_args("broken"))
def test_broken_pair_keeps_the_old(srv):
    first = tt.client(srv, PKI, "first")
    # A key that does not match the certificate.
    replace(PKI.path("renewed.key"), PKI.path("broken.key"))
    reload(srv, 1)
    tt.wait_log(srv, r"error: tls-key \S+broken\.key: .*; keeping the TLS "
                r"certificate in use")
    second = tt.client(srv, PKI, "second")
    assert second.serial() == PKI.serials["server"]
    chat(first, second, "unharmed")
    # A certificate file that is not PEM at all, then one that is gone.
    with open(PKI.path("broken.pem"), "w") as f:
        f.write("not a certificate\n")
    reload(srv, 2)
    tt.wait_log(srv, r"error: tls-cert \S+broken\.pem: .*; keeping the TLS "
                r"certificate in use")
    os.unlink(PKI.path("broken.pem"))
    reload(srv, 3)
    tt.wait_log(srv, r"error: tls-cert \S+broken\.pem: .*; keeping", count=2)
    third = tt.client(srv, PKI, "third")
    assert third.serial() == PKI.serials["server"]
    chat(third, first, "still served")
    # Mended, the next reload takes it.
    PKI.install("renewed", "broken")
    reload(srv, 4)
    assert tt.client(srv, PKI).serial() == PKI.serials["renewed"]


def evchatd(*args):
    return subprocess.run([os.environ["EVCHATD"]] + list(args),
                          stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=t.TIMEOUT)


def test_start_and_check_config(srv):
    """--check-config loads the pair as a start would; a start with a
    broken pair stops at once with the reason."""
    pair = ["--tls-cert", PKI.path("server.pem"),
            "--tls-key", PKI.path("server.key")]
    r = evchatd("--config", os.devnull, "--tls-listen", "127.0.0.1:7697",
                *pair, "--check-config")
    assert r.returncode == 0, r
    assert "tls-listen = 127.0.0.1:7697\n" in r.stdout, r.stdout
    assert "tls-min-version = 1.2\n" in r.stdout, r.stdout

    mismatch = ["--tls-cert", PKI.path("server.pem"),
                "--tls-key", PKI.path("renewed.key")]
    r = evchatd("--config", os.devnull, *mismatch, "--check-config")
    assert r.returncode == EX_CONFIG, r
    assert r.stderr.startswith("evchatd: tls-key "), r.stderr

    r = evchatd("--config", os.devnull, "--listen", "127.0.0.1:0",
                "--tls-listen", "127.0.0.1:0", *mismatch)
    assert r.returncode == 1, r
    assert "error: tls-key " in r.stderr and "listening" not in r.stderr, \
        r.stderr

    cases = [
        (["--tls-listen", "127.0.0.1:0"], r"tls-listen needs tls-cert"),
        (["--tls-key", PKI.path("server.key")], r"tls-key needs tls-cert"),
        (["--tls-min-version", "1.1"], r"'1\.1' is not 1\.2 or 1\.3"),
        (["--listen", "127.0.0.1:7697", "--tls-listen", "127.0.0.1:7697"]
         + pair, r"'127\.0\.0\.1:7697' is in both listen and tls-listen"),
    ]
    for args, msg in cases:
        r = evchatd("--config", os.devnull, *args, "--check-config")
        assert r.returncode == EX_CONFIG and \
            re.search(msg, r.stderr), (args, r)

    # The key may share the certificate's file; listen = none leaves TLS
    # alone.
    both = PKI.path("both.pem")
    with open(both, "w") as f:
        for name in ("server.pem", "server.key"):
            with open(PKI.path(name)) as g:
                f.write(g.read())
    conf = PKI.path("tls-only.conf")
    with open(conf, "w") as f:
        f.write("listen = none\ntls-listen = 127.0.0.1:0\n"
                "tls-cert = %s\n" % both)
    r = evchatd("--config", conf, "--check-config")
    assert r.returncode == 0 and "listen = none\n" in r.stdout, r


t.run(globals())
