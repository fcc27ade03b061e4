# test-tls-resume.py: TLS session resumption by ticket: a client that comes back with the ticket of its
# last session resumes it (TLS 1.3 and 1.2, across a reload), not with tickets off, not with another process's.
import signal
import ssl

import tls_test as tt
from tls_test import t

PKI = tt.Pki()


_CONTEXTS = {}


def context(version):
    """One client context per TLS version (None: the newest): Python offers
    a session only on the context that made it."""
    if version not in _CONTEXTS:
        ctx = tt.context(PKI.ca)
        if version is not None:
            ctx.minimum_version = ctx.maximum_version = version
        _CONTEXTS[version] = ctx
    return _CONTEXTS[version]


def connect(srv, nick, session=None, version=None, port=None):
    """A verified TLS client offering session, registered as nick and
    answered once (a TLS 1.3 ticket comes after the handshake); closed by
    the harness or the caller."""
    ctx = context(version)
    cl = t.Client(tt.tls_port(srv) if port is None else port,
                  name=nick, timeout=srv.timeout)
    cl.sock = ctx.wrap_socket(cl.sock, server_hostname="localhost",
                              session=session)
    srv.clients.append(cl)
    cl.hello(nick)
    cl.join("r")
    return cl


def round_trip(srv, version=None):
    """A first session, then a second offering its ticket: the second."""
    first = connect(srv, "first", version=version)
    session = first.sock.session
    assert session is not None
    first.sock.close()
    first.sock = None
    return connect(srv, "second", session=session, version=version), session


@t.daemon_args(*PKI.server_args("server"))
def test_resumed_tls13(srv):
    """On by default: the ticket of the first session resumes the second,
    which then chats like any other."""
    second, session = round_trip(srv)
    assert session.has_ticket
    assert second.sock.version() == "TLSv1.3"
    assert second.sock.session_reused
    other = connect(srv, "other")
    assert not other.sock.session_reused
    second.send({"type": "msg", "room": "r", "text": "resumed"})
    other.expect("msg", room="r", text="resumed")


@t.daemon_args(*PKI.server_args("server"))
def test_resumed_tls12(srv):
    """TLS 1.2 tickets go through the same keys."""
    second, session = round_trip(srv, ssl.TLSVersion.TLSv1_2)
    assert second.sock.version() == "TLSv1.2"
    assert session.has_ticket
    assert second.sock.session_reused


@t.daemon_args(*PKI.server_args("server", "--tls-session-tickets", "no"))
def test_tickets_off(srv):
    """tls-session-tickets = no: no ticket, every handshake a full one."""
    for version in (None, ssl.TLSVersion.TLSv1_2):
        second, session = round_trip(srv, version)
        assert not session.has_ticket
        assert not second.sock.session_reused
        second.sock.close()
        second.sock = None


@t.daemon_args(*PKI.server_args("server"))
def test_tickets_survive_reload(srv):
    """The keys are the process's, not the certificate context's: a ticket
    issued before SIGHUP still resumes after it."""
    first = connect(srv, "first")
    session = first.sock.session
    srv.send_signal(signal.SIGHUP)
    tt.wait_log(srv, r"configuration reloaded")
    second = connect(srv, "second", session=session)
    assert second.sock.session_reused


@t.daemon_args(*PKI.server_args("server"))
def test_other_process_keys(srv):
    """Keys are random per process: another evchatd with the same
    certificate cannot open this one's tickets."""
    first = connect(srv, "first")
    session = first.sock.session
    other = t.Server(PKI.server_args("server"))
    other.start()
    try:
        cl = connect(other, "again", session=session)
        assert not cl.sock.session_reused
        other.close_clients()
    finally:
        status, stderr = other.stop()
    assert status == 0, stderr


t.run(globals())
