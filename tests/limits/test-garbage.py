# test-garbage.py: end-to-end test of hostile input: 1000 connections send random garbage; the server keeps
# serving, its memory comes back near where it started, and it stops cleanly.  Drives the real evchatd.
import json
import os
import random
import selectors
import socket
import struct
import time

import evchat_test as t

CONNECTIONS = 1000
BATCH = 100
MAX_FRAME = 262144      # the default max-frame


def header(n):
    return struct.pack(">I", n)


def rand_bytes(rng, n):
    return bytes(rng.getrandbits(8) for _ in range(n))


def rand_json(rng, depth=0):
    """A random JSON value, most often an object with protocol words."""
    kind = rng.randrange(8 if depth < 3 else 5)
    if kind == 0:
        return rng.choice([None, True, False, 0, -1, 1e308, 2 ** 70])
    if kind == 1:
        return rng.choice(["", "lobby", "#x", "a" * 300, "\u00e9t\u00e9",
                           "\U0001f600", "\ud83d", "x\u0000y", "../..",
                           " "])
    if kind == 2:
        return rng.randrange(-2 ** 40, 2 ** 40)
    if kind == 3:
        return rng.choice(["hello", "join", "part", "msg", "rooms", "who",
                           "ping", "pong", "quit", "nope", "HELLO"])
    if kind == 4:
        return rand_bytes(rng, rng.randrange(20)).decode("latin-1")
    if kind == 5:
        return [rand_json(rng, depth + 1) for _ in range(rng.randrange(4))]
    keys = ["type", "id", "nick", "room", "to", "text", "kind", "mime",
            "name", "data", "sticker", "reason", "presence", "version",
            "password", "x"]
    obj = {k: rand_json(rng, depth + 1)
           for k in rng.sample(keys, rng.randrange(1, 6))}
    if rng.random() < 0.7:
        obj["type"] = rand_json(rng, 3) if rng.random() < 0.2 else \
            rng.choice(["hello", "join", "part", "msg", "who", "nope"])
    return obj


def enc(obj):
    """A frame of obj as ASCII JSON: lone surrogates become escapes."""
    return t.encode_payload(json.dumps(obj).encode())


def rand_frame(rng):
    """One frame of valid framing around an unlikely payload."""
    kind = rng.randrange(5)
    if kind == 0:
        payload = rand_bytes(rng, rng.randrange(1, 2000))
    elif kind == 1:
        payload = json.dumps(rand_json(rng)).encode()
    elif kind == 2:
        payload = b"[" * rng.randrange(500, 20000)
    elif kind == 3:
        payload = json.dumps(rand_json(rng)).encode()[:-1]
    else:
        payload = b"\xff\xfe" + json.dumps(rand_json(rng)).encode()
    return header(len(payload)) + payload


def garbage(rng):
    """The bytes one hostile connection sends."""
    kind = rng.randrange(8)
    if kind == 0:       # noise, read as a length that is mostly too big
        return rand_bytes(rng, rng.randrange(1, 4096))
    if kind == 1:       # valid headers, bad payloads
        return b"".join(rand_frame(rng) for _ in range(rng.randrange(1, 8)))
    if kind == 2:       # a length past max-frame
        n = rng.choice([MAX_FRAME + 1, 2 ** 31, 2 ** 32 - 1])
        return header(n) + rand_bytes(rng, rng.randrange(64))
    if kind == 3:       # most of a large frame, never finished
        n = rng.randrange(1000, MAX_FRAME)
        return header(n) + b"{" + b"x" * rng.randrange(n // 2, n - 1)
    if kind == 4:       # a zero-length frame
        return header(0)
    if kind == 5:       # registered, in rooms, then garbage
        nick = "g%d" % rng.randrange(10 ** 6)
        reqs = [{"type": "hello", "nick": nick}]
        reqs += [{"type": "join", "room": "r%d" % rng.randrange(20)}
                 for _ in range(rng.randrange(4))]
        reqs += [{"type": "msg", "room": "r%d" % rng.randrange(20),
                  "text": "y" * rng.randrange(1, 5000)}]
        return b"".join(enc(r) for r in reqs) + b"".join(
            rand_frame(rng) for _ in range(rng.randrange(4)))
    if kind == 6:       # random requests after a hello
        frames = [t.encode({"type": "hello", "nick": "h%d" %
                            rng.randrange(10 ** 6)})]
        frames += [enc(rand_json(rng)) for _ in range(30)]
        return b"".join(frames)
    # a valid frame cut anywhere
    data = t.encode({"type": "hello", "nick": "cut"})
    return data[:rng.randrange(1, len(data))]


class Hostile:
    def __init__(self, port, data, ending):
        self.sock = socket.create_connection(("127.0.0.1", port), t.TIMEOUT)
        self.data = data
        self.ending = ending
        self.reader = t.FrameReader()
        self.frames = []


def batch(srv, rng, n, sentinel):
    """n more connections, each sending its garbage."""
    conns = [Hostile(srv.port, garbage(rng), rng.randrange(3))
             for _ in range(n)]
    for c in conns:
        try:
            c.sock.sendall(c.data)
        except OSError:
            pass        # the server gave up on it already (too large)
    # Most likely the server has read them all once this is answered.
    sentinel.expect_quiet()
    return conns


def end(srv, conns):
    """End every connection its own way; read the answers of some."""
    sel = selectors.DefaultSelector()
    for c in conns:
        if c.ending == 0:
            # Abort: a reset, whatever is in flight.
            c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                              struct.pack("ii", 1, 0))
            c.sock.close()
            continue
        try:
            c.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        if c.ending == 1:
            c.sock.close()
            continue
        # Read to the end: what the server answers must be frames.
        sel.register(c.sock, selectors.EVENT_READ, c)
    deadline = time.monotonic() + 2 * srv.timeout
    while sel.get_map():
        left = deadline - time.monotonic()
        assert left > 0, "%d connections not closed by the server" % len(
            sel.get_map())
        for key, _ in sel.select(left):
            c = key.data
            try:
                data = c.sock.recv(65536)
            except ConnectionResetError:
                data = b""
            c.reader.feed(data)
            while True:
                f = c.reader.pop()
                if f is None:
                    break
                c.frames.append(f)
            if not data:
                sel.unregister(c.sock)
                c.sock.close()
    sel.close()


def fds(srv):
    return len(os.listdir("/proc/%d/fd" % srv.pid))


def test_garbage(srv):
    seed = int(os.environ.get("EVCHAT_TEST_SEED", random.randrange(2 ** 32)))
    print("garbage: seed %d (EVCHAT_TEST_SEED)" % seed)
    rng = random.Random(seed)
    srv.wait_log(r"ready")
    if not os.path.isdir("/proc/%d/fd" % srv.pid):
        raise t.Skip("no /proc")
    rss0 = srv.proc_status("VmRSS")
    fd0 = fds(srv)
    t0 = time.monotonic()
    sentinel = srv.client("sentinel")
    conns = []
    for _ in range(CONNECTIONS // BATCH):
        conns += batch(srv, rng, BATCH, sentinel)
    peak = srv.proc_status("VmRSS")
    end(srv, conns)
    answers = {}
    for c in conns:
        for f in c.frames:
            key = f["type"] if f["type"] != "error" else f["code"]
            answers[key] = answers.get(key, 0) + 1
    print("garbage: %d connections in %.2f s; answers %s" % (
        CONNECTIONS, time.monotonic() - t0, sorted(answers.items())))
    assert answers.get("bad_frame") and answers.get("frame_too_large"), \
        answers

    sentinel.close()
    # Every connection gone: the descriptors are back to the start.
    deadline = time.monotonic() + 2 * srv.timeout
    while fds(srv) > fd0:
        assert time.monotonic() < deadline, "%d fds, %d at start" % (
            fds(srv), fd0)
        time.sleep(0.05)
    # Near: within 4 MiB or half the start, whichever is more; the server
    # may take a moment to hand freed memory back.
    near = max(4096, rss0 // 2)
    deadline = time.monotonic() + 2 * srv.timeout
    while not srv.sanitized:
        rss = srv.proc_status("VmRSS")
        if rss <= rss0 + near or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    rss = srv.proc_status("VmRSS")
    print("garbage: VmRSS %d kB at start, %d kB with the connections, "
          "%d kB after (%d kB more allowed)" % (rss0, peak, rss, near))
    if srv.sanitized:
        print("garbage: AddressSanitizer keeps freed memory: not checked")
    else:
        assert rss <= rss0 + near, "VmRSS %d kB, %d kB at start" % (rss,
                                                                     rss0)

    # Serving as before.
    a = srv.client("alice")
    b = srv.client("bob")
    a.join("after")
    b.join("after", members=["alice", "bob"])
    a.expect_next("presence", nick="bob", event="join")
    a.request({"type": "msg", "room": "after", "text": "still here"},
              "msg", text="still here")
    b.expect_next("msg", text="still here", **{"from": "alice"})
    for c in (a, b):
        c.expect_quiet()
    assert "evchatd: error:" not in srv.stderr, srv.stderr


t.raise_fd_limit(2 * CONNECTIONS + 64)
t.run(globals())
