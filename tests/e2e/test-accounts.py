# test-accounts.py: end-to-end tests of accounts: register, a registered nick in hello (any letter case),
# the account password, passwd, unregister, guests = no, who/joined accounts; memory store only.
import os
import re
import subprocess
import tempfile

import evchat_test as t
from evchat_test import ABSENT

PW = "correct horse"


def register(srv, nick, password=PW):
    """A client that registered nick, still logged in."""
    c = srv.client(nick)
    c.request({"type": "register", "password": password}, "registered",
              nick=nick)
    return c


def test_register_then_hello_needs_the_password(srv):
    c = register(srv, "Ana")
    c.close()
    for nick in ("ana", "ANA", "Ana"):
        g = srv.connect()
        g.send({"type": "hello", "nick": nick, "id": 1})
        g.expect_next("error", code="nick_registered", re=1)
        # The connection stays open: another nick is free.
        g.hello("guest-" + nick)
        g.close()
    a = srv.connect()
    w = a.hello("ANA", account_password=PW)
    assert w["account"] is True and w["nick"] == "ANA", w


def test_look_alikes_of_a_registered_nick(srv):
    """A guest cannot take a nick that looks like an account's (the same
    skeleton, one of them not all ASCII), even while it is offline; ASCII
    look-alikes stay free, as they are between nicks online."""
    register(srv, "ana").close()
    register(srv, "Jos\u00e9").close()
    register(srv, "bill").close()
    for nick in ("\u0430na", "\u0430NA", "Jose\u0301x"[:-1]):
        g = srv.connect()
        g.send({"type": "hello", "nick": nick, "id": 1})
        if nick.startswith("Jose"):
            # The same nick once normalized: the account itself.
            g.expect_next("error", code="nick_registered", re=1)
            continue
        g.expect_next("error", code="nick_registered", re=1,
                      message="nick %s is confusable with a registered one"
                      % nick)
    assert srv.connect().hello("bi11")["account"] is False
    assert srv.connect().hello("Jose")["account"] is False


def test_wrong_password_costs_the_connection(srv):
    register(srv, "bob").close()
    c = srv.connect()
    c.send({"type": "hello", "nick": "bob", "account_password": "wrong one",
            "id": 1})
    c.expect_next("error", code="bad_password", re=1)
    c.expect_bye("bad password")
    assert srv.wait_log(r"wrong password for account bob from 127\.0\.0\.1")


@t.daemon_args("--max-clients-per-ip", "0", "--rate", "0")
def test_guesses_slowed_per_account(srv):
    """Guesses at one account from many addresses are slowed as one: the
    third failure of the account waits a second although its address
    never failed before, the fourth two; each is logged.  The owner's right
    password is not queued behind those delays."""
    register(srv, "mia").close()
    gs = {}
    for i in range(4):
        addr = "127.0.0.%d" % (10 + i)
        gs[addr] = srv.connect(bind=addr)
        gs[addr].send({"type": "hello", "nick": "mia", "id": 1,
                       "account_password": "guess number %d" % i})
    last = srv.wait_log(r"wrong password for account mia from "
                        r"(127\.0\.0\.\d+): failure 4 of the account, 1 of "
                        r"the address, answered in 2000 ms")
    c = srv.connect(bind="127.0.0.20")
    assert c.hello("mia", account_password=PW)["account"]
    # Logged in while the last guess still waits for its answer.
    assert gs[last.group(1)].poll(0) is None
    for g in gs.values():
        g.expect_next("error", code="bad_password", re=1)
    fails = re.findall(r"failure (\d+) of the account, 1 of the address, "
                       r"answered in (\d+) ms", srv.stderr)
    assert fails == [("1", "0"), ("2", "0"), ("3", "1000"), ("4", "2000")], \
        fails


@t.daemon_args("--max-clients-per-ip", "0", "--rate", "0")
def test_guessers_held_by_their_address_do_not_hold_the_owner(srv):
    """Guesses from one address wait for that address's delay; waiting,
    they must not keep the account's other checks (its owner's) queued."""
    register(srv, "ned").close()
    gs = []
    for i in range(4):
        g = srv.connect(bind="127.0.0.40")
        g.send({"type": "hello", "nick": "ned", "id": 1,
                "account_password": "guess number %d" % i})
        gs.append(g)
    # The third is answered in a second: the fourth waits for that.
    srv.wait_log(r"failure 3 of the account, 3 of the address, answered "
                 r"in 1000 ms")
    c = srv.connect(bind="127.0.0.41")
    assert c.hello("ned", account_password=PW)["account"]
    for g in gs:
        g.expect_next("error", code="bad_password", re=1)
    log = srv.stderr
    assert log.index("logged in to account ned") < \
        log.index("failure 4 of the account"), log


def test_guest_welcome_says_no_account(srv):
    c = srv.connect()
    assert c.hello("carol")["account"] is False
    # An account password for a nick without an account changes nothing.
    d = srv.connect()
    assert d.hello("dave", account_password=PW)["account"] is False


def test_register_rules(srv):
    c = srv.client("erin")
    c.request({"type": "register", "password": "short"}, code="bad_request")
    c.request({"type": "register"}, code="bad_request")
    c.request({"type": "register", "password": 12345678},
              code="bad_request")
    # Eight characters, not bytes: four two-byte letters are too few.
    c.request({"type": "register", "password": "ééééééé"},
              code="bad_request")
    c.request({"type": "register", "password": "éééééééé"}, "registered")
    c.request({"type": "register", "password": PW}, code="nick_registered")
    u = srv.connect()
    u.request({"type": "register", "password": PW}, code="not_registered")


def test_passwd(srv):
    c = register(srv, "fay")
    c.request({"type": "passwd", "old": "not it at all", "new": "new pass 1"},
              code="bad_password")
    c.request({"type": "passwd", "old": PW, "new": "short"},
              code="bad_request")
    c.request({"type": "passwd", "old": PW, "new": "new pass 1"},
              "password_changed")
    c.close()
    d = srv.connect()
    d.send({"type": "hello", "nick": "fay", "account_password": PW})
    d.expect_next("error", code="bad_password")
    e = srv.connect()
    assert e.hello("fay", account_password="new pass 1")["account"]
    g = srv.client("guest")
    g.request({"type": "passwd", "old": PW, "new": "new pass 2"},
              code="not_permitted")


def test_unregister(srv):
    c = register(srv, "gus")
    c.request({"type": "unregister", "password": "wrong password"},
              code="bad_password")
    c.request({"type": "unregister", "password": PW}, "unregistered",
              nick="gus")
    c.close()
    # A guest may take the nick again.
    assert srv.connect().hello("GUS")["account"] is False


def test_who_and_joined_tell_accounts(srv):
    a = register(srv, "hal")
    b = srv.client("ivy")
    a.join("lobby")
    j = b.request({"type": "join", "room": "lobby"}, "joined")
    assert sorted(j["members"]) == ["hal", "ivy"], j
    assert j["accounts"] == ["hal"], j
    w = b.request({"type": "who", "room": "lobby"}, "who")
    assert w["accounts"] == ["hal"], w
    w = b.request({"type": "who"}, "who")
    assert w["accounts"] == ["hal"], w
    # Without accounts, the replies are as in version 1.
    c = srv.client("jo")
    j = c.request({"type": "join", "room": "empty"}, "joined",
                  accounts=ABSENT)


@t.daemon_args("--guests", "no")
def test_guests_no(srv):
    c = srv.connect()
    c.send({"type": "hello", "nick": "kim", "id": 1})
    c.expect_next("error", code="not_permitted", re=1)
    # Still open, as after nick_registered: the next try is answered.
    c.send({"type": "hello", "nick": "lee", "id": 2})
    c.expect_next("error", code="not_permitted", re=2)


@t.daemon_args("--log-level", "debug")
def test_account_password_never_echoed(srv):
    """No frame any client gets, and no log line even at debug, holds an
    account password: register, passwd, hello right and wrong, unregister."""
    secrets = ["Sekr1t-one-never-shown", "Sekr1t-two-never-shown",
               "Sekr1t-wrong-never-shown"]
    seen = []
    watcher = srv.client("watcher", presence=True)
    watcher.join("room")
    c = srv.client("lou")
    c.join("room")
    seen.append(c.request({"type": "register", "password": secrets[0]},
                          "registered"))
    seen.append(c.request({"type": "passwd", "old": secrets[0],
                           "new": secrets[1]}, "password_changed"))
    seen.append(c.request({"type": "passwd", "old": secrets[2],
                           "new": secrets[0]}, code="bad_password"))
    seen += c.drain()
    c.close()
    d = srv.connect()
    d.send({"type": "hello", "nick": "lou", "account_password": secrets[2]})
    seen += [d.expect_next("error", code="bad_password"),
             d.expect_bye("bad password")]
    e = srv.connect()
    seen.append(e.hello("lou", account_password=secrets[1]))
    seen.append(e.request({"type": "unregister", "password": secrets[1]},
                          "unregistered"))
    seen += watcher.drain()
    assert len(seen) > 8, seen
    for secret in secrets:
        assert all(secret not in str(f) for f in seen), (secret, seen)
        assert secret not in srv.stderr, secret
    assert "client 2: register" in srv.stderr    # debug lines were on


def evchatd(*args, password=None):
    """Run evchatd ARGS with no config file, password on stdin."""
    return subprocess.run([os.environ["EVCHATD"], "--config", "/dev/null"] +
                          list(args), input=password, capture_output=True,
                          text=True, timeout=t.TIMEOUT * 4)


def sqlite_store(tmp):
    """--store for a SQLite file in tmp, or Skip when it is not built in."""
    store = "sqlite:" + os.path.join(tmp, "evchat.db")
    r = evchatd("--store", store, "--check-config")
    if r.returncode != 0:
        raise t.Skip("store sqlite is not built in: " + r.stderr.strip())
    return store


def test_account_tool_refuses_the_memory_store(srv):
    r = evchatd("--account", "add", "ana", password=PW + "\n")
    assert r.returncode == 78, r
    assert "keeps no accounts" in r.stderr, r.stderr
    for argv, why in ((["--account", "add"], "needs a NICK"),
                      (["--account", "rename", "x"], "not add, passwd")):
        r = evchatd(*argv)
        assert r.returncode == 64 and why in r.stderr, r


def test_account_tool_on_a_store_file(srv):
    with tempfile.TemporaryDirectory() as tmp:
        store = sqlite_store(tmp)
        r = evchatd("--store", store, "--account", "add", "Ana",
                    password=PW + "\n")
        assert r.returncode == 0, r
        assert PW not in r.stdout + r.stderr
        r = evchatd("--store", store, "--account", "add", "ANA",
                    password=PW + "\n")
        assert r.returncode == 65 and "already" in r.stderr, r
        r = evchatd("--store", store, "--account", "add", "bob",
                    password="short\n")
        assert r.returncode == 65, r
        r = evchatd("--store", store, "--account", "list")
        assert r.returncode == 0 and r.stdout.split()[0] == "Ana", r
        assert len(r.stdout.splitlines()) == 1, r.stdout
        r = evchatd("--store", store, "--account", "passwd", "ana",
                    password="another pass\n")
        assert r.returncode == 0, r
        with t.Server(["--store", store, "--guests", "no"]) as s:
            c = s.connect()
            c.send({"type": "hello", "nick": "ana", "account_password": PW})
            c.expect_next("error", code="bad_password")
            c = s.connect()
            assert c.hello("ana", account_password="another pass")["account"]
        r = evchatd("--store", store, "--account", "delete", "ana")
        assert r.returncode == 0, r
        r = evchatd("--store", store, "--account", "list")
        assert r.returncode == 0 and r.stdout == "", r


def test_restart_keeps_accounts(srv):
    with tempfile.TemporaryDirectory() as tmp:
        store = sqlite_store(tmp)
        with t.Server(["--store", store]) as s:
            c = s.client("ana")
            c.request({"type": "register", "password": PW}, "registered")
        with t.Server(["--store", store]) as s:
            c = s.connect()
            c.send({"type": "hello", "nick": "Ana", "id": 1})
            c.expect_next("error", code="nick_registered", re=1)
            assert c.hello("Ana", account_password=PW)["account"]


t.run(globals())
