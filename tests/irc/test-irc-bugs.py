# test-irc-bugs.py: known bugs of the IRC face, each a test that fails until it is fixed (XFAIL_TESTS in
# irc.am): once this file passes, make check says XPASS, and its tests move to test-irc.py.
import os
import subprocess

import evchat_test as t
import irc_test as i
from irc_test import irc


def hashed(password):
    r = subprocess.run([os.environ["EVCHATD"], "--hash-password"],
                       input=password + "\n", capture_output=True,
                       text=True, timeout=t.TIMEOUT)
    assert r.returncode == 0, r
    return r.stdout.split(" = ", 1)[1].strip()


@irc("--password", hashed("sesame"))
def test_no_pass_gets_464_before_error(srv):
    """A server with a password and a client without PASS: 464 must come
    before ERROR, as it does after a wrong PASS.  Today the 464 queued in
    the answer is lost: the core closes the client (bye, rendered ERROR)
    while the line is still being answered, and face_irc_end's frame is
    dropped after CLIENT_CLOSING."""
    c = i.connect(srv)
    c.send("NICK cy")
    c.send("USER cy 0 * :Cy")
    c.expect(464)
    c.expect_error_close()


@irc("--operators", "root", "--rate", "0")
def test_names_prefix_owner_and_moderators(srv):
    """005 announces PREFIX=(qo)~@, but NAMES (and the JOIN's 353) never
    prefix a room's owner with ~ nor its moderators with @: the joined and
    who replies the IRC face renders carry no roles."""
    o = srv.client("teach")
    o.request({"type": "register", "password": "pw long enough"},
              "registered")
    o.join("class")
    o.request({"type": "claim", "room": "class"}, "claimed")
    c = i.client(srv, "ann")
    names = c.join("#class")
    got = [l for l in names if l.cmd == "353"][0].params[-1].split()
    assert sorted(got) == ["~teach", "ann"], got


t.run(globals())
