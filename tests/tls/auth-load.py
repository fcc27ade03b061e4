# auth-load.py: a manual load tool, not part of make check: 30 parallel password guessers against a
# password-protected evchatd on loopback while one registered client measures its ping round trip.
"""Usage: PYTHONPATH=tests/e2e python3 tests/tls/auth-load.py EVCHATD [SECONDS] [cold]

With cold, the password is hashed anew and reloaded once the legitimate
client is in, so that no check can go by a remembered match.

Prints the legitimate client's ping round trip (median, p99, max), the
guesses answered per second and the daemon's CPU use.  The guessers
connect from 127.0.0.1, the legitimate client from 127.0.0.2.
"""

import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import evchat_test as t

GUESSERS = 30
PASSWORD = "correct horse battery staple"


def main():
    binary = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 10
    r = subprocess.run([binary, "--hash-password"], input=PASSWORD + "\n",
                       capture_output=True, text=True, check=True)
    conf = tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False)
    conf.write(r.stdout)
    conf.close()
    srv = t.Server(["--config", conf.name, "--max-clients-per-ip", "0",
                    "--rate", "0"],
                   binary=binary)
    srv.start()
    legit = srv.connect(bind="127.0.0.2", timeout=60)
    legit.hello("legit", password=PASSWORD)
    if sys.argv[3:] == ["cold"]:
        r = subprocess.run([binary, "--hash-password"],
                           input=PASSWORD + "\n", capture_output=True,
                           text=True, check=True)
        with open(conf.name, "w") as f:
            f.write(r.stdout)
        srv.send_signal(signal.SIGHUP)
        srv.wait_log(r"configuration reloaded")

    stop = time.monotonic() + seconds
    answered = [0]
    lock = threading.Lock()

    def guess():
        n = 0
        while time.monotonic() < stop:
            try:
                c = t.Client(srv.port, timeout=60)
                c.send({"type": "hello", "id": 1, "nick": "g",
                        "password": "guess %d" % n})
                f = c.recv()
                c.close()
            except (OSError, AssertionError):
                continue
            n += 1
            if f.get("code") == "bad_password":
                with lock:
                    answered[0] += 1

    cpu0, t0 = srv.cpu_time(), time.monotonic()
    threads = [threading.Thread(target=guess) for _ in range(GUESSERS)]
    for th in threads:
        th.start()
    rtts = []
    i = 0
    while time.monotonic() < stop:
        i += 1
        s = time.monotonic()
        legit.request({"type": "ping", "id": i}, "pong")
        rtts.append((time.monotonic() - s) * 1000)
        time.sleep(0.02)
    cpu1, t1 = srv.cpu_time(), time.monotonic()
    for th in threads:
        th.join()
    rtts.sort()
    print("pings %d: median %.2f ms, p99 %.2f ms, max %.2f ms" % (
        len(rtts), statistics.median(rtts),
        rtts[int(len(rtts) * 0.99) - 1], rtts[-1]))
    print("guesses answered: %d (%.1f/s)" % (answered[0],
                                              answered[0] / (t1 - t0)))
    print("evchatd CPU: %.2f s in %.1f s (%.0f%%)" % (
        cpu1 - cpu0, t1 - t0, 100 * (cpu1 - cpu0) / (t1 - t0)))
    print("throttle log lines: %d" % len(re.findall(r"wrong password from",
                                                     srv.stderr)))
    srv.close_clients()
    srv.stop()
    os.unlink(conf.name)


main()
