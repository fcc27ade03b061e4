# test-irssi.py: a real IRC client against the IRC listener: irssi in a tmux session of its own (private
# socket, throwaway home) joins a channel and talks both ways with an evchat client; skipped without them.
import os
import shutil
import subprocess
import tempfile
import time

import evchat_test as t
import irc_test as i
from irc_test import irc

if shutil.which("irssi") is None or shutil.which("tmux") is None:
    t.skip_exit("irssi or tmux is not installed")


class Irssi:
    """irssi in a detached tmux session on a private socket."""

    def __init__(self, port, nick, timeout):
        self.home = tempfile.mkdtemp(prefix="test-irssi.")
        self.sock = "evchat-irssi-%d" % os.getpid()
        self.timeout = timeout
        with open(os.path.join(self.home, "config"), "w") as f:
            # No throttle of irssi's own (2.2 s a line past the first
            # five), so that the test takes a second, not half a minute.
            f.write('settings = { core = { real_name = "Ivy"; '
                    'user_name = "ivy"; nick = "%s"; }; '
                    '"irc/core" = { cmd_queue_speed = "10msec"; '
                    'cmds_max_at_once = "100"; }; '
                    '"fe-common/core" = { autolog = "no"; }; };\n' % nick)
        self.tmux("new-session", "-d", "-x", "160", "-y", "40", "-s", "t",
                  "irssi --home=%s -c 127.0.0.1 -p %d -n %s" % (
                      self.home, port, nick))

    def tmux(self, *args):
        # The socket lives in the throwaway home, removed with it.
        env = dict(os.environ, TMUX_TMPDIR=self.home)
        env.pop("TMUX", None)
        return subprocess.run(["tmux", "-L", self.sock, "-f", "/dev/null"] +
                              list(args), capture_output=True, text=True,
                              timeout=10, env=env)

    def type(self, text):
        """Type a line into irssi and press Enter."""
        self.tmux("send-keys", "-t", "t", "-l", text)
        self.tmux("send-keys", "-t", "t", "Enter")

    def screen(self):
        return self.tmux("capture-pane", "-p", "-t", "t").stdout

    def wait(self, text):
        """Wait until text shows on irssi's screen."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if text in self.screen():
                return
            time.sleep(0.1)
        raise t.Timeout("irssi never showed %r; its screen:\n%s" % (
            text, self.screen()))

    def stop(self):
        self.tmux("kill-server")
        shutil.rmtree(self.home, ignore_errors=True)


@irc()
def test_irssi_talks_with_an_evchat_client(srv):
    e = srv.client("eve")
    e.join("lobby")
    irssi = Irssi(i.port(srv), "ivy", srv.timeout * 2)
    try:
        irssi.wait("Welcome to the evchat IRC Network")
        irssi.type("/join #lobby")
        e.expect_next("presence", room="lobby", nick="ivy", event="join")
        irssi.wait("eve")       # the names list
        irssi.type("hello from irssi")
        e.expect_next("msg", room="lobby", text="hello from irssi",
                      **{"from": "ivy"})
        irssi.type("/me waves")
        e.expect_next("msg", room="lobby", text="/me waves")
        e.request({"type": "msg", "room": "lobby", "text": "hi ivy, eve here"},
                  "msg")
        irssi.wait("hi ivy, eve here")
        e.request({"type": "msg", "room": "lobby", "text": "/me dances"},
                  "msg")
        irssi.wait("* eve dances")
        e.request({"type": "msg", "to": "ivy", "text": "a secret"}, "msg")
        irssi.type("/query eve")        # the query window it opened
        irssi.wait("a secret")
        irssi.type("a secret back")
        e.expect_next("msg", to="eve", text="a secret back",
                      **{"from": "ivy"})
        irssi.type("/quit see you")
        e.expect("presence", nick="ivy", event="quit", reason="see you")
    except AssertionError:
        print("irssi's screen:\n" + irssi.screen())
        raise
    finally:
        irssi.stop()


t.run(globals())
