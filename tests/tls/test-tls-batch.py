# test-tls-batch.py: a TLS client's output gathered into records (tls_write): many frames of one pass arrive
# whole and in order, and a reader too slow for them gets the rest through the bufferevent, in order too.
import tls_test as tt
from tls_test import t

PKI = tt.Pki()
LIMITS_OFF = ("--rate", "0", "--burst", "0", "--flood-kick", "0",
              "--max-sendq", "0")


def sender_and_reader(srv, **kw):
    """A plain sender and a TLS reader (kw: its socket options) in room
    r; the sender's messages reach the reader only through TLS."""
    plain = srv.client("sender")
    plain.join("r")
    cl = tt.TlsClient(tt.tls_port(srv), tt.context(PKI.ca), name="reader",
                      timeout=srv.timeout, **kw)
    srv.clients.append(cl)
    cl.hello("reader")
    cl.join("r", members=["reader", "sender"])
    plain.expect_next("presence", room="r", nick="reader", event="join")
    return plain, cl


def send_all(plain, texts):
    """Send every text in one go: one pass of the server reads them all."""
    plain.send_raw(b"".join(t.encode({"type": "msg", "room": "r",
                                      "text": x}) for x in texts))


@t.daemon_args(*PKI.server_args("server", *LIMITS_OFF))
def test_many_small_frames_in_order(srv):
    plain, reader = sender_and_reader(srv)
    texts = ["m%04d" % i for i in range(500)]
    send_all(plain, texts)
    for x in texts:
        reader.expect_next("msg", room="r", text=x)


@t.daemon_args(*PKI.server_args("server", *LIMITS_OFF, "--log-level",
                                "debug"))
def test_slow_reader_gets_everything_in_order(srv):
    # 2 MB to a reader with a 4 KiB receive window: most of it waits in
    # the bufferevent after a write the socket refused, and what the
    # server queues meanwhile must join it there, behind it.
    plain, reader = sender_and_reader(srv, rcvbuf=4096, mss=1000)
    texts = ["%04d" % i + "x" * 4000 for i in range(500)]
    send_all(plain, texts)
    tt.wait_log(srv, r"TLS write: the socket is full")
    for x in texts:
        reader.expect_next("msg", room="r", text=x)
    plain.send({"type": "msg", "room": "r", "text": "last"})
    reader.expect_next("msg", room="r", text="last")


t.run(globals())
