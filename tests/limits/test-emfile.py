# test-emfile.py: end-to-end test of running out of descriptors: evchatd, started with a low RLIMIT_NOFILE,
# pauses accepting (logged once, no busy loop) and accepts again once connections close.
import os
import resource
import time

import evchat_test as t

NOFILE = 40
EXTRA = 5               # connections left waiting in the backlog
WINDOW = 1.5            # seconds of CPU time measured while paused
MAX_CPU = 0.15          # of those, at most this much may be used


def low_nofile():
    resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, NOFILE))


def fds(srv):
    return len(os.listdir("/proc/%d/fd" % srv.pid))


def pausing(srv):
    return srv.stderr.count("pausing")


def wait(what, cond, timeout):
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "no %s within %.1f s" % (
            what, timeout)
        time.sleep(0.01)


@t.daemon_args(preexec_fn=low_nofile)
def test_emfile(srv):
    srv.wait_log(r"ready")
    if not os.path.isdir("/proc/%d/fd" % srv.pid):
        raise t.Skip("no /proc")
    base = fds(srv)
    conns = []
    # One at a time, each accepted (one more descriptor) until the last
    # descriptor is taken and accept fails.
    while not pausing(srv):
        assert len(conns) < NOFILE, "%d connections and no pause" % len(
            conns)
        n = fds(srv)
        c = srv.connect(name="c%d" % len(conns))
        c.send({"type": "hello", "nick": "c%d" % len(conns)})
        wait("accept", lambda: fds(srv) > n or pausing(srv), srv.timeout)
        conns.append(c)
    assert fds(srv) == NOFILE, "paused with %d fds of %d" % (fds(srv),
                                                             NOFILE)
    served = conns[:fds(srv) - base]
    waiting = conns[len(served):]
    for i in range(EXTRA):
        c = srv.connect(name="w%d" % i)
        c.send({"type": "hello", "nick": "w%d" % i})
        waiting.append(c)
    for c in served:
        c.expect_next("welcome")
    print("emfile: %d connections served with %d descriptors, %d waiting" %
          (len(served), NOFILE, len(waiting)))

    # The backlog keeps the listener readable: no busy loop, one line.
    cpu = srv.cpu_time()
    t0 = time.monotonic()
    for c in waiting:
        assert c.poll(max(0, t0 + WINDOW - time.monotonic())) is None
    used = srv.cpu_time() - cpu
    print("emfile: %.3f s of CPU in %.1f s paused; log:\n%s" % (
        used, WINDOW, "\n".join(l for l in srv.stderr.splitlines()
                                 if "accept" in l)))
    assert used <= MAX_CPU, "%.2f s of CPU in %.1f s" % (used, WINDOW)
    assert pausing(srv) == 1, srv.stderr

    # Room again: the waiting connections are served, and new ones.
    for c in served[:len(waiting) + 2]:
        c.close()
    for c in waiting:
        c.expect_next("welcome", timeout=srv.timeout)
    late = srv.client("late")
    late.request({"type": "who"}, "who", nicks=lambda n: "late" in n)
    srv.wait_log(r"accepting connections again")


t.run(globals())
