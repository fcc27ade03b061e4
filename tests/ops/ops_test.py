# ops_test.py: the shared part of the operations tests: running evchatd as a command, a scratch
# directory per test and a runner; live daemons come from the end-to-end harness (evchat_test).
"""Helpers for tests/ops (Python 3 standard library only).

Each test_* function of a script gets a fresh scratch directory (removed
afterwards) and runs on its own::

    import ops_test as o

    def test_something(tmp):
        r = o.evchatd("--config", o.write(tmp, "a.conf", "heartbeat = 5\\n"),
                      "--check-config")
        o.check_status(r, 0)

    o.run(globals())
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "e2e"))
import evchat_test as t  # noqa: E402

__all__ = ["EVCHATD", "SRCDIR", "BUILDDIR", "TIMEOUT", "Daemon", "Skip",
           "check_status", "evchatd", "parse_config", "poll", "run", "t",
           "write"]

EVCHATD = os.environ.get("EVCHATD")
SRCDIR = os.environ.get("top_srcdir") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")
BUILDDIR = os.environ.get("top_builddir", ".")
TIMEOUT = t.TIMEOUT
Skip = t.Skip

# Exit statuses of sysexits.h that evchatd uses.
EX_USAGE = 64
EX_CONFIG = 78


def write(directory, name, text):
    """Write text to directory/name and return the path."""
    path = os.path.join(directory, name)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    return path


def evchatd(*args, binary=None, env=None):
    """Run evchatd with args to completion; returns the CompletedProcess
    (text stdout and stderr)."""
    return subprocess.run([binary or EVCHATD] + list(args),
                          stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=TIMEOUT, env=env)


def check_status(r, status):
    """r exited with status, or an AssertionError showing its output."""
    if r.returncode != status:
        raise AssertionError("%s: exit status %d, want %d\n  stdout: %r\n"
                             "  stderr: %r" % (" ".join(r.args), r.returncode,
                                               status, r.stdout, r.stderr))


def parse_config(text):
    """A config file's keys: {key: [values]}, comments and blanks skipped;
    fails on any line that is not `key = value`."""
    keys = {}
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r"([a-z][a-z0-9-]*) = (\S.*)", line)
        if m is None:
            raise AssertionError("line %d is not `key = value`: %r" %
                                 (n, line))
        keys.setdefault(m.group(1), []).append(m.group(2))
    return keys


def poll(what, fn, timeout=None):
    """Call fn until it returns a true value, which is returned; fails
    after timeout seconds with what in the message."""
    timeout = TIMEOUT if timeout is None else timeout
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1f s waiting for %s" %
                                 (timeout, what))
        time.sleep(delay)
        delay = min(delay * 2, 0.1)


class Daemon:
    """evchatd running with exactly the given arguments (no --listen
    added), environment and inherited descriptors; stderr is collected.

    Use as a context manager: a daemon still running at the end is killed.
    """

    LISTEN = re.compile(r"listening on (127\.0\.0\.1|\[::1\]):(\d+)")

    def __init__(self, *args, env=None, pass_fds=(), prefix=(),
                 binary=None):
        self.argv = list(prefix) + [binary or EVCHATD] + list(args)
        self.env = env
        self.pass_fds = pass_fds
        self.proc = None
        self.status = None
        self._lines = []
        self._lock = threading.Lock()
        self._thread = None

    def __enter__(self):
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, env=self.env,
                                     pass_fds=self.pass_fds)
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self._thread.join(TIMEOUT)

    def _drain(self):
        for line in iter(self.proc.stderr.readline, b""):
            with self._lock:
                self._lines.append(line.decode("utf-8", "replace"))

    @property
    def stderr(self):
        with self._lock:
            return "".join(self._lines)

    def wait_log(self, regex, what=None):
        """Wait until stderr matches regex; returns the match."""
        def look():
            m = re.search(regex, self.stderr)
            if m is None and self.proc.poll() is not None:
                self._thread.join(TIMEOUT)
                m = re.search(regex, self.stderr)
                if m is None:
                    raise AssertionError(
                        "evchatd exited (status %d) before logging %s; "
                        "stderr:\n%s" % (self.proc.returncode,
                                          what or regex, self.stderr))
            return m
        return poll(what or repr(regex), look)

    def ports(self, host="127.0.0.1"):
        """The ports of the listening lines for host so far."""
        if host == "::1":
            host = "[::1]"
        return [int(p) for h, p in self.LISTEN.findall(self.stderr)
                if h == host]

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self):
        """Wait for the daemon to exit by itself; returns its exit status
        (None if it did not exit in time, then it is killed)."""
        try:
            self.status = self.proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self.status = None
        self._thread.join(TIMEOUT)
        return self.status

    def stop(self, sig=signal.SIGTERM):
        """Signal the daemon, wait for it; returns its exit status (None
        if it did not exit in time, then it is killed)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.wait()


def run(namespace):
    """Run every test_* function of namespace in definition order, each
    with a fresh scratch directory, and exit: 0 all passed, 77 all skipped,
    1 else."""
    if not EVCHATD:
        t.skip_exit("EVCHATD is not set (path of the evchatd binary)")
    tests = [v for k, v in namespace.items()
             if k.startswith("test_") and callable(v)]
    only = sys.argv[1:]
    passed = failed = skipped = 0
    for fn in tests:
        if only and fn.__name__ not in only:
            continue
        tmp = tempfile.mkdtemp(prefix="evchat-ops-")
        t0 = time.monotonic()
        try:
            fn(tmp)
        except Skip as e:
            skipped += 1
            print("SKIP %s: %s" % (fn.__name__, e))
        except Exception:
            failed += 1
            print("FAIL %s (%.2f s)\n%s" % (fn.__name__,
                                            time.monotonic() - t0,
                                            traceback.format_exc().rstrip()))
        else:
            passed += 1
            print("PASS %s (%.2f s)" % (fn.__name__, time.monotonic() - t0))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        sys.stdout.flush()
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    if failed:
        sys.exit(1)
    if skipped and not passed:
        sys.exit(t.SKIP_STATUS)
    sys.exit(0)
