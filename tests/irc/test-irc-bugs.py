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


@irc()
def test_presence_and_error_lines_within_512(srv):
    """PART and QUIT lines of a long reason, and ERROR, pass 512 bytes
    (527, 524 and 523 with a reason of 500): face_irc_presence and the
    EVT_BYE render of face-irc.c cut the reason to 511 bytes, not the
    line to 510.  Found by fuzz-irc.  irc_test's reader asserts 512."""
    b = i.client(srv, "bob")
    b.join("#r")
    a = i.client(srv, "ann")
    a.join("#r")
    b.expect_next("JOIN", "#r", source="ann")
    a.send("PART #r :" + "p" * 500)
    b.expect_next("PART", "#r", source="ann")
    a.join("#r")
    b.expect_next("JOIN", "#r", source="ann")
    a.send("QUIT :" + "q" * 500)
    b.expect_next("QUIT", source="ann")
    a.expect_error_close()


t.run(globals())
