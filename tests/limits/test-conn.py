# test-conn.py: end-to-end tests of the connection and room limits: max-clients, max-clients-per-ip with
# limit-exempt, max-rooms-per-client and max-members-per-room, each refusing exactly at its limit.
import os
import socket
import time

import evchat_test as t

FULL = "too many connections from your address"


def refused(srv, reason, **kw):
    """A new connection must get server_full, bye and end of file."""
    c = srv.connect(**kw)
    c.expect_error("server_full")
    c.expect_bye(reason)


def accepted(srv, nick, **kw):
    """A new connection must be served: hello gets welcome."""
    return srv.client(nick, **kw)


def leave(c):
    c.send({"type": "quit"})
    c.expect_bye("client quit")


@t.daemon_args("--max-clients", "5")
def test_max_clients(srv):
    on = [accepted(srv, "c%d" % i) for i in range(4)]
    # A connection counts from accept, hello or not.
    quiet = srv.connect()
    refused(srv, "server full")
    # A refused connection took no place.
    refused(srv, "server full")
    on.append(quiet)
    quiet.hello("c4")
    leave(on.pop(0))
    on.append(accepted(srv, "c5"))
    refused(srv, "server full")
    for c in on:
        c.request({"type": "who"}, "who",
                  nicks=lambda n: sorted(n) == ["c%d" % i
                                                for i in range(1, 6)])
    srv.wait_log(r"refused: server full \(5\)", count=3)


@t.daemon_args("--max-clients-per-ip", "3", "--limit-exempt", "none")
def test_per_ip(srv):
    one = [accepted(srv, "one%d" % i) for i in range(3)]
    refused(srv, FULL)
    two = [accepted(srv, "two%d" % i, bind="127.0.0.2") for i in range(3)]
    refused(srv, FULL, bind="127.0.0.2")
    refused(srv, FULL)
    leave(one.pop())
    one.append(accepted(srv, "one3"))
    refused(srv, FULL)
    leave(two.pop())
    two.append(accepted(srv, "two3", bind="127.0.0.2"))
    refused(srv, FULL, bind="127.0.0.2")
    srv.wait_log(r"from 127\.0\.0\.2:\d+ refused: too many connections",
                 count=2)


@t.daemon_args("--max-clients-per-ip", "2", ipv6=True)
def test_per_ip_loopback_exempt(srv):
    # The default limit-exempt is 127.0.0.0/8 and ::1.
    for host in ("127.0.0.1", "127.0.0.2", "127.1.2.3"):
        for i in range(5):
            accepted(srv, "%s-%d" % (host, i), bind=host)
    for i in range(5):
        accepted(srv, "v6-%d" % i, host="::1")
    assert "refused" not in srv.stderr, srv.stderr


@t.daemon_args("--max-clients-per-ip", "2", "--limit-exempt",
               "10.0.0.0/8,127.0.0.2/31,::1")
def test_per_ip_exempt_list(srv):
    # 127.0.0.2/31 holds .2 and .3, not .1 nor .4.
    for host in ("127.0.0.1", "127.0.0.4"):
        for i in range(2):
            accepted(srv, "%s-%d" % (host, i), bind=host)
        refused(srv, FULL, bind=host)
    for host in ("127.0.0.2", "127.0.0.3"):
        for i in range(4):
            accepted(srv, "%s-%d" % (host, i), bind=host)


@t.daemon_args("--max-clients-per-ip", "2", "--limit-exempt", "none",
               ipv6=True)
def test_per_ip_v6(srv):
    on = [accepted(srv, "v6-%d" % i, host="::1") for i in range(2)]
    refused(srv, FULL, host="::1")
    on += [accepted(srv, "v4-%d" % i) for i in range(2)]
    refused(srv, FULL)
    leave(on.pop(0))
    accepted(srv, "v6-2", host="::1")


@t.daemon_args("--max-rooms-per-client", "3")
def test_max_rooms(srv):
    a = srv.client("alice")
    b = srv.client("bob")
    for i in range(3):
        a.join("r%d" % i)
    a.request({"type": "join", "room": "r3"}, code="too_many_rooms")
    a.request({"type": "join", "room": "r0"}, code="already_in_room")
    b.request({"type": "join", "room": "r3"}, "joined", members=["bob"])
    a.request({"type": "part", "room": "r0"}, "parted")
    a.request({"type": "join", "room": "r3"}, "joined",
              members=["alice", "bob"])
    a.request({"type": "join", "room": "r0"}, code="too_many_rooms")
    a.request({"type": "rooms"}, "rooms",
              rooms=[{"name": "r1", "members": 1}, {"name": "r2",
                                                    "members": 1},
                     {"name": "r3", "members": 2}])
    b.expect_next("presence", room="r3", nick="alice", event="join")
    b.expect_quiet()


@t.daemon_args("--max-members-per-room", "3")
def test_max_members(srv):
    a, b, c, d = (srv.client(n) for n in ("a", "b", "c", "d"))
    a.join("full")
    b.join("full")
    c.join("full", members=["a", "b", "c"])
    d.request({"type": "join", "room": "full"}, code="room_full")
    d.request({"type": "join", "room": "Full"}, code="room_full")
    d.join("other", members=["d"])
    c.request({"type": "part", "room": "full"}, "parted")
    d.join("full", members=["a", "b", "d"])
    c.request({"type": "join", "room": "full"}, code="room_full")
    c.request({"type": "who", "room": "full"}, "who",
              nicks=lambda n: sorted(n) == ["a", "b", "d"])
    # The refused joins were not announced.
    for x, events in ((a, [("b", "join"), ("c", "join"), ("c", "part"),
                           ("d", "join")]),
                      (b, [("c", "join"), ("c", "part"), ("d", "join")])):
        for nick, event in events:
            x.expect_next("presence", room="full", nick=nick, event=event)
        x.expect_quiet()


# Refused connections linger to flush their bye, outside every limit: a
# host that opens them without reading or closing must not pin the daemon
# at its descriptor limit.  Lingering is short and capped (64 at once).
@t.daemon_args("--max-clients-per-ip", "1", "--limit-exempt", "none")
def test_refused_linger_capped(srv):
    t.raise_fd_limit(2048)
    keep = srv.client("first")
    socks = []
    try:
        for _ in range(400):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.connect(("127.0.0.1", srv.port))
            socks.append(s)
        srv.wait_log(r"refused: too many connections", count=400)
        # Accepts in flight settle at once; lingering ones stay capped.
        deadline = time.monotonic() + 1.5
        while True:
            fds = len(os.listdir("/proc/%d/fd" % srv.pid))
            if fds < 100 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        print("descriptors with 400 refused peers open: %d" % fds)
        assert fds < 100, fds
    finally:
        for s in socks:
            s.close()
    keep.request({"type": "ping"}, "pong")


t.run(globals())
