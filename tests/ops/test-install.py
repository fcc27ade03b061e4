# test-install.py: `make install` into a temporary DESTDIR: every file where the configured
# directories say, pages that man renders, the installed daemon starting on the installed example
# config, an edited config kept by a second install and by uninstall, and nothing else left behind.
import filecmp
import os
import re
import shutil
import signal
import subprocess

import ops_test as o
from ops_test import t

MAKE = "make"

# The pages the operations issue asks for; others may come with later work.
PAGES = ("evchatd.8", "evchatd.conf.5", "evchat-cli.1", "evchat-protocol.7",
         "evchat-bench.1")


def make(*args):
    """make in the build tree, on its own: the test's make's job server
    and flags are not ours to share."""
    env = dict(os.environ)
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"):
        env.pop(k, None)
    r = subprocess.run([MAKE, "-s", "-C", o.BUILDDIR] + list(args),
                       stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=120, env=env)
    assert r.returncode == 0, "make %s: status %d\n%s%s" % (
        " ".join(args), r.returncode, r.stdout, r.stderr)
    return r.stdout


def dirs():
    out = make("contrib-dirs")
    return dict(line.split("=", 1) for line in out.splitlines()
                if "=" in line)


def files_under(root):
    return sorted(os.path.relpath(os.path.join(d, f), root)
                  for d, _, fs in os.walk(root) for f in fs)


def check_man(path):
    if shutil.which("man") is None:
        return
    env = dict(os.environ, MANPAGER="cat", PAGER="cat", MANWIDTH="80",
               LC_ALL="C.UTF-8")
    r = subprocess.run(["man", "-l", path], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=30, env=env)
    assert r.returncode == 0 and r.stdout.strip(), \
        "man -l %s: status %d\n%s" % (path, r.returncode, r.stderr)


def test_install_uninstall(tmp):
    if not os.path.exists(os.path.join(o.BUILDDIR, "Makefile")):
        raise o.Skip("no Makefile in top_builddir %s" % o.BUILDDIR)
    d = dirs()
    dest = os.path.join(tmp, "dest")
    make("install", "DESTDIR=" + dest)

    def at(directory, *names):
        return os.path.join(dest + d[directory], *names)

    expected = {at("sbindir", "evchatd"),
                at("evchatdconfdir", "evchatd.conf")}
    for prog in ("evchat-cli", "evchat-bench"):
        if os.path.exists(os.path.join(o.BUILDDIR, "src", prog)):
            expected.add(at("bindir", prog))
    for name in PAGES:
        expected.add(at("mandir", "man" + name[-1], name))
    if d.get("systemdsystemunitdir"):
        expected.add(at("systemdsystemunitdir", "evchatd.service"))
        expected.add(at("systemdsystemunitdir", "evchatd.socket"))
        expected.add(at("systemdsystemunitdir", "evchatd@.service"))
    installed = {os.path.join(dest, f) for f in files_under(dest)}
    assert expected <= installed, "missing: %s\ninstalled: %s" % (
        sorted(expected - installed), sorted(installed))
    pages = {p for p in installed if re.fullmatch(
        re.escape(dest + d["mandir"]) + r"/man(\d)/[^/]+\.\1", p)}
    extra = installed - expected - pages
    assert not extra, "installed but not expected: %s" % sorted(extra)
    for path in pages:
        check_man(path)
    conf = at("evchatdconfdir", "evchatd.conf")
    assert filecmp.cmp(conf, os.path.join(o.SRCDIR, "contrib",
                                          "evchatd.conf"), shallow=False)
    if d.get("systemdsystemunitdir"):
        with open(at("systemdsystemunitdir", "evchatd.service")) as f:
            unit = f.read()
        assert "\nExecStart=%s/evchatd\n" % d["sbindir"] in unit, unit
        # Its store's directory, which the shipped config names.
        assert "\nStateDirectory=evchatd\n" in unit, unit
        # A cluster node's: its own config file and name.
        with open(at("systemdsystemunitdir", "evchatd@.service")) as f:
            unit = f.read()
        assert "\nExecStart=%s/evchatd --config %s/%%i.conf --node-name " \
            "%%i\n" % (d["sbindir"], d["evchatdconfdir"]) in unit, unit

    # The installed daemon starts on the installed example (its store in
    # a directory of the test's, not /var/lib/evchatd).
    daemon = at("sbindir", "evchatd")
    with o.Daemon("--config", conf, "--listen", "127.0.0.1:0",
                  "--store", "sqlite:" + os.path.join(tmp, "evchat.db"),
                  binary=daemon) as p:
        p.wait_log(o.Daemon.LISTEN, "the listening line")
        c = t.Client(p.ports()[0])
        c.hello("alice")
        c.close()
        assert p.stop(signal.SIGTERM) == 0, p.stderr

    # An edited config survives a second install and the uninstall.
    with open(conf, "a") as f:
        f.write("heartbeat = 5\n")
    with open(conf) as f:
        edited = f.read()
    make("install", "DESTDIR=" + dest)
    with open(conf) as f:
        assert f.read() == edited, "install overwrote an edited config"
    make("uninstall", "DESTDIR=" + dest)
    assert files_under(dest) == [os.path.relpath(conf, dest)], \
        files_under(dest)

    # The untouched example goes with the rest.
    os.unlink(conf)
    make("install", "DESTDIR=" + dest)
    make("uninstall", "DESTDIR=" + dest)
    assert files_under(dest) == [], files_under(dest)


o.run(globals())
