# test-log-escape.py: end-to-end tests that a client's strings reach evchatd's log escaped: a quit reason
# with a newline, a forged journald priority and terminal escapes stays one line of printable text.
# It drives the real evchatd over sockets and knows nothing of the server's code.
import os
import re

import evchat_test as t

FORGED = "bye\n<3>evchatd: forged\r\x1b[2J\x1b]0;owned\x07 \x9b31m \u202eevil"
ESCAPED = (r"bye\x0a<3>evchatd: forged\x0d\x1b[2J\x1b]0;owned\x07 \xc2\x9b31m "
           r"\u{202e}evil")


def quit_forged(srv):
    """A registered client quits with FORGED; returns the daemon's log
    once the closing line is in it."""
    c = srv.client("mallory")
    c.send({"type": "quit", "reason": FORGED})
    c.expect_bye(FORGED)
    srv.wait_log(r"closing: bye")
    return srv.stderr


def assert_clean(log):
    assert "\x1b" not in log and "\x07" not in log and "\x9b" not in log \
        and "\u202e" not in log and "\r" not in log, repr(log)
    for line in log.splitlines():
        assert "evchatd: forged" not in line or \
            line.endswith("closing: " + ESCAPED), repr(line)
    assert not re.search(r"^<3>evchatd: forged", log, re.M), log


def test_quit_reason_escaped(srv):
    """On a terminal or in a file: no forged line, no escape sequence."""
    log = quit_forged(srv)
    assert_clean(log)
    assert re.search(r"^\S+ evchatd: info: client \d+ \(mallory\) closing: "
                     + re.escape(ESCAPED) + "$", log, re.M), log


@t.daemon_args(preexec_fn=lambda: os.environ.update(JOURNAL_STREAM="0:0"))
def test_quit_reason_escaped_for_journald(srv):
    """Under journald a line that began with <3> would be filed as an
    error: the newline never reaches it."""
    log = quit_forged(srv)
    assert_clean(log)
    assert re.search(r"^<6>info: client \d+ \(mallory\) closing: "
                     + re.escape(ESCAPED) + "$", log, re.M), log


t.run(globals())
