# cli_test.py: runs evchat-cli for the CLI tests: piped stdin with stdout/stderr read line by line, or a
# pseudo-terminal read as a byte stream.  It knows the client's command line, not the daemon (evchat_test.py).
"""Helpers to drive $EVCHAT_CLI from the tests in tests/cli.

Every wait has a deadline (evchat_test.TIMEOUT); a failure is an
AssertionError that shows what the client printed.
"""

import fcntl
import os
import re
import select
import struct
import subprocess
import termios
import threading
import time

import evchat_test as t


def binary():
    """Path of the evchat-cli under test; skips when it is not set."""
    path = os.environ.get("EVCHAT_CLI")
    if not path:
        t.skip_exit("EVCHAT_CLI is not set (path of the evchat-cli binary)")
    return path


def environ(**extra):
    """A clean environment for the client: no colours or settings leaking
    in from the caller's, plus extra."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("EVCHAT_") and k != "NO_COLOR"}
    env.update(extra)
    return env


class _Lines:
    """Lines of one pipe, read by a thread so the client never blocks."""

    def __init__(self, pipe):
        self.lines = []
        self.done = False
        self.cond = threading.Condition()
        self.thread = threading.Thread(target=self._read, args=(pipe,),
                                       daemon=True)
        self.thread.start()

    def _read(self, pipe):
        for raw in iter(pipe.readline, b""):
            with self.cond:
                self.lines.append(raw.decode("utf-8", "replace")
                                  .rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.done = True
            self.cond.notify_all()

    def wait(self, pred, start, timeout):
        """Index of the first line from start satisfying pred, or None."""
        deadline = time.monotonic() + timeout
        with self.cond:
            i = start
            while True:
                while i < len(self.lines):
                    if pred(self.lines[i]):
                        return i
                    i += 1
                left = deadline - time.monotonic()
                if self.done or left <= 0:
                    return None
                self.cond.wait(left)


class Cli:
    """evchat-cli with piped stdin.  args are its command-line arguments;
    with port, --server 127.0.0.1:PORT is added first; prefix is a command
    to run it under (valgrind ...)."""

    def __init__(self, args, port=None, env=None, cwd=None, timeout=None,
                 prefix=()):
        self.timeout = t.TIMEOUT if timeout is None else timeout
        argv = list(prefix) + [binary()]
        if port is not None:
            argv += ["--server", "127.0.0.1:%d" % port]
        self.argv = argv + list(args)
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE,
                                     env=environ(**(env or {})), cwd=cwd)
        self.out = _Lines(self.proc.stdout)
        self.err = _Lines(self.proc.stderr)
        self.pos = 0

    def __repr__(self):
        return "<evchat-cli %s>" % " ".join(self.argv[1:])

    def send(self, *lines):
        """Write lines (a newline is added to each) to the client's stdin."""
        data = b"".join(l.encode("utf-8") + b"\n" for l in lines)
        self._write(data)

    def _write(self, data):
        # A client that has already exited (refused, say) reads no more.
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass

    def close(self):
        """End the client's stdin (EOF)."""
        if not self.proc.stdin.closed:
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass

    def expect(self, pattern, timeout=None):
        """Wait for a stdout line, after the last one matched, matching the
        regular expression pattern (re.search); returns the match."""
        timeout = self.timeout if timeout is None else timeout
        rx = re.compile(pattern)
        i = self.out.wait(lambda l: rx.search(l), self.pos, timeout)
        if i is None:
            raise AssertionError("%r: no output line matching %r within "
                                 "%.1f s\n%s" % (self, pattern, timeout,
                                                 self.show()))
        self.pos = i + 1
        return rx.search(self.out.lines[i])

    def wait(self, timeout=None):
        """Wait for the client to exit; returns (status, stdout lines,
        stderr lines)."""
        timeout = self.timeout if timeout is None else timeout
        try:
            status = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("%r did not exit within %.1f s\n%s" % (
                self, timeout, self.show()))
        self.out.thread.join(timeout)
        self.err.thread.join(timeout)
        self.proc.stdout.close()
        self.proc.stderr.close()
        self.close()
        return (status, list(self.out.lines), list(self.err.lines))

    def finish(self, status=0):
        """Close stdin; the client must exit with status.  Returns
        (stdout lines, stderr lines)."""
        self.close()
        got, out, err = self.wait()
        if got != status:
            raise AssertionError("%r: exit status %d, want %d\n%s" % (
                self, got, status, self.show()))
        return (out, err)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.wait()

    def show(self):
        return "  stdout:\n%s\n  stderr:\n%s" % (
            "\n".join("    | " + l for l in self.out.lines),
            "\n".join("    | " + l for l in self.err.lines))


def run(args, port=None, input="", env=None, cwd=None, timeout=None):
    """Run the client to the end with input on stdin; returns (status,
    stdout lines, stderr lines)."""
    c = Cli(args, port, env, cwd, timeout)
    c._write(input.encode("utf-8"))
    c.close()
    return c.wait()


class PtyCli:
    """evchat-cli on a pseudo-terminal of rows x cols, read as bytes."""

    def __init__(self, args, port, env=None, rows=24, cols=80,
                 timeout=None):
        self.timeout = t.TIMEOUT if timeout is None else timeout
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ,
                    struct.pack("HHHH", rows, cols, 0, 0))
        argv = [binary(), "--server", "127.0.0.1:%d" % port] + list(args)
        self.proc = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave,
            env=environ(TERM="xterm", **(env or {})), start_new_session=True)
        os.close(slave)
        self.data = b""
        self.pos = 0

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        ready, _, _ = select.select([self.master], [], [], left)
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 65536)
        except OSError:         # EIO: the client closed the terminal
            chunk = b""
        if not chunk:
            return False
        self.data += chunk
        return True

    def expect(self, pattern, timeout=None):
        """Wait until the output after the last match matches the bytes
        regular expression pattern; returns the match."""
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern, re.S)
        while True:
            m = rx.search(self.data, self.pos)
            if m:
                self.pos = m.end()
                return m
            if not self._fill(deadline):
                raise AssertionError(
                    "terminal: no output matching %r within %.1f s; after "
                    "the last match it showed:\n%r" % (
                        pattern, timeout, self.data[self.pos:]))

    def type(self, text):
        """Type text (str or bytes) as keystrokes."""
        if isinstance(text, str):
            text = text.encode("utf-8")
        os.write(self.master, text)

    def wait(self, timeout=None):
        """Read the terminal to the end and return the exit status."""
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while self._fill(deadline):
            pass
        try:
            return self.proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("terminal client did not exit; output:\n%r"
                                 % self.data[-2000:])
        finally:
            os.close(self.master)
