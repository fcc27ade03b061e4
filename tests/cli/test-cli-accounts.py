# test-cli-accounts.py: evchat-cli with accounts and moderation against the real evchatd: /register from
# --account-password-file, logging in with it, the password asked without echo on a terminal, /topic,
# /kick, /ban, /unban, /mute, /unmute, /claim; passwords never on the terminal.
import os
import re
import tempfile

import cli_test as c
import evchat_test as t

PW = "correct horse"
OPS = ["--max-clients-per-ip", "0", "--rate", "0"]


def pwfile(tmp, password=PW):
    path = os.path.join(tmp, "account-password")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, (password + "\n").encode())
    os.close(fd)
    return path


@t.daemon_args(*OPS)
def test_register_and_log_in_from_a_file(srv):
    with tempfile.TemporaryDirectory() as tmp:
        path = pwfile(tmp)
        status, out, err = c.run(["--nick", "ana",
                                  "--account-password-file", path],
                                 srv.port, "/register\n")
        assert status == 0 and err == [], (status, out, err)
        assert "* account ana registered: you are logged in to it" in out, \
            out
        # A guest cannot have the nick any more.
        status, out, err = c.run(["--nick", "ANA"], srv.port, "")
        assert status == 1, (status, out, err)
        assert any("--account-password-file" in e for e in err), err
        # With the file, the client logs in.
        status, out, err = c.run(["--nick", "ana",
                                  "--account-password-file", path,
                                  "--json"], srv.port, "")
        assert status == 0, (status, out, err)
        assert '"account":true' in out[0], out
        assert all(PW not in line for line in out + err)
        wrong = pwfile(tmp, "not the password")
        status, out, err = c.run(["--nick", "ana",
                                  "--account-password-file", wrong],
                                 srv.port, "")
        assert status == 1, (status, out, err)
        assert any("account password refused" in e for e in err), err


@t.daemon_args(*OPS)
def test_password_asked_without_echo(srv):
    owner = srv.client("ana")
    owner.request({"type": "register", "password": PW}, "registered")
    owner.close()
    tty = c.PtyCli(["--nick", "ana"], srv.port, env={"NO_COLOR": "1"})
    tty.expect(rb"account password of ana \(empty: another nick\): ")
    with open("/proc/%d/cmdline" % tty.proc.pid, "rb") as f:
        assert PW.encode() not in f.read()
    tty.type(PW + "\r")
    tty.expect(rb"connected to .* as ana")
    tty.type("/passwd\r")
    tty.expect(rb"account password: ")
    tty.type(PW + "\r")
    tty.expect(rb"new account password: ")
    tty.type("second pass\r")
    tty.expect(rb"again: ")
    tty.type("second pass\r")
    tty.expect(rb"account password changed")
    tty.type("/quit\r")
    assert tty.wait() == 0
    assert PW.encode() not in tty.data, tty.data
    assert b"second pass" not in tty.data, tty.data
    d = srv.connect()
    assert d.hello("ana", account_password="second pass")["account"]


@t.daemon_args(*OPS)
def test_moderation_commands(srv):
    kid = srv.client("kid")
    with tempfile.TemporaryDirectory() as tmp:
        path = pwfile(tmp)
        teacher = c.Cli(["--nick", "teacher", "--account-password-file",
                         path, "--join", "class"], srv.port)
        teacher.expect(r"^\* you joined class")
        teacher.send("/register")
        teacher.expect(r"^\* account teacher registered")
        teacher.send("/claim")
        teacher.expect(r"^\* you own class$")
        kid.join("class")
        teacher.expect(r"^\* kid joined class$")
        teacher.send("/topic Chapter 3")
        teacher.expect(r"^\* topic of class: Chapter 3 \(set by teacher\)$")
        kid.expect("presence", event="topic", topic="Chapter 3")
        teacher.send("/mute kid")
        teacher.expect(r"^\* kid is muted in class$")
        kid.expect("presence", event="mute", nick="kid", by="teacher")
        teacher.send("/unmute kid")
        teacher.expect(r"^\* kid may speak again in class$")
        teacher.send("/kick kid too loud")
        teacher.expect(r"^\* kid was kicked from class$")
        teacher.expect(r"^\* kid was kicked from class by teacher "
                       r"\(too loud\)$")
        kid.expect("presence", event="part", sanction="kick",
                   reason="too loud")
        teacher.send("/ban Kid")
        teacher.expect(r"^\* kid is banned from class$")
        kid.request({"type": "join", "room": "class"}, code="banned")
        teacher.send("/unban kid")
        teacher.expect(r"^\* kid is no longer banned from class$")
        teacher.send("/topic")
        teacher.expect(r"^\* topic of class: Chapter 3")
        out, err = teacher.finish(0)
        assert err == [], teacher.show()


t.run(globals())
