# test-bench.py: end-to-end test of evchat-bench with tiny parameters against the real evchatd: its JSON
# results, the exactly-once accounting (also of a deliberately lossy run) and the loopback-only rule.
# It runs both binaries and knows neither one's code.
import json
import os
import subprocess

import evchat_test as t

BENCH = os.path.join(os.environ.get("top_builddir", "."), "src",
                     "evchat-bench")


def limits_off():
    """evchatd's limit options that exist, each set to 0 (off)."""
    binary = os.environ.get("EVCHATD")
    if not binary:
        return []
    out = subprocess.run([binary, "--help"], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, universal_newlines=True,
                         timeout=10).stdout
    have = {w for line in out.splitlines() for w in line.split()
            if w.startswith("--")}
    args = []
    for opt in ("--rate", "--burst", "--flood-kick", "--max-sendq",
                "--max-clients-per-ip", "--max-members-per-room",
                "--max-rooms-per-client"):
        if opt in have:
            args += [opt, "0"]
    return args


LIMITS_OFF = limits_off()


def bench(srv, *args, status=0):
    """Run evchat-bench against srv; return its JSON results."""
    argv = [BENCH, "--server", "127.0.0.1:%d" % srv.port,
            "--server-pid", str(srv.proc.pid), "--duration", "20"]
    argv += list(args)
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=60)
    assert p.returncode == status, (
        "%s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s" % (
            " ".join(argv), p.returncode, status, p.stdout, p.stderr))
    results = [json.loads(line) for line in p.stdout.splitlines()]
    assert "mode" in p.stderr, "no table on stderr: %r" % p.stderr
    return results


def check_latency(r):
    lat = r["latency_us"]
    assert lat["n"] > 0, lat
    assert 0 <= lat["min"] <= lat["p50"] <= lat["p99"] <= lat["p99.9"] \
        <= lat["max"], lat


def check_measured(r):
    assert r["server"]["cpu_s"] >= 0, r
    assert r["server"]["rss_kb_after"] > 0, r
    assert r["generator"]["cpu_s"] >= 0, r


@t.daemon_args(*LIMITS_OFF)
def test_broadcast_exactly_once(srv):
    (r,) = bench(srv, "--subscribers", "3", "--messages", "300",
                 "--window", "50", "broadcast")
    assert r["mode"] == "broadcast" and r["ok"] and r["complete"], r
    assert r["sent"] == 300 and r["subscribers"] == 3, r
    assert r["ops"] == r["deliveries"] == 900, r
    assert (r["lost"], r["duplicated"], r["out_of_order"], r["errors"],
            r["closed"]) == (0, 0, 0, 0, 0), r
    assert r["per_subscriber"] == [
        {"received": 300, "lost": 0, "duplicated": 0, "out_of_order": 0}
    ] * 3, r["per_subscriber"]
    assert r["latency_us"]["n"] == 900, r
    check_latency(r)
    check_measured(r)


@t.daemon_args(*LIMITS_OFF)
def test_broadcast_lossy(srv):
    # The first subscriber is reset after 100 messages: the 200 it never
    # got must be reported lost, and the run must fail.
    (r,) = bench(srv, "--subscribers", "3", "--messages", "300",
                 "--window", "50", "--kill-subscriber-after", "100",
                 "broadcast", status=1)
    assert not r["ok"] and r["complete"], r
    assert r["lost"] == 200 and r["closed"] == 1, r
    assert r["duplicated"] == 0 and r["out_of_order"] == 0, r
    assert r["per_subscriber"][0] == {
        "received": 100, "lost": 200, "duplicated": 0, "out_of_order": 0
    }, r["per_subscriber"]
    for s in r["per_subscriber"][1:]:
        assert s["received"] == 300 and s["lost"] == 0, r["per_subscriber"]
    assert r["sent"] == 300, r


@t.daemon_args(*LIMITS_OFF)
def test_broadcast_rate(srv):
    # 200 messages offered at 2000/s cannot take less than ~0.1 s.
    (r,) = bench(srv, "--subscribers", "2", "--messages", "200",
                 "--rate", "2000", "broadcast")
    assert r["ok"] and r["ops"] == 400 and r["rate"] == 2000, r
    assert r["seconds"] >= 0.09, r
    check_latency(r)


@t.daemon_args(*LIMITS_OFF)
def test_broadcast_deadline(srv):
    (r,) = bench(srv, "--subscribers", "2", "--messages", "100000000",
                 "--duration", "0.5", "broadcast", status=1)
    assert not r["ok"] and not r["complete"], r
    assert "deadline" in r["why"], r
    assert 0 < r["sent"] < 100000000, r


@t.daemon_args(*LIMITS_OFF)
def test_pingpong_and_idle(srv):
    pp, idle = bench(srv, "--pairs", "2", "--time", "1",
                     "--connections", "20", "--hold", "0.2",
                     "pingpong", "idle")
    assert pp["mode"] == "pingpong" and pp["ok"] and pp["complete"], pp
    assert pp["pairs"] == 2 and pp["clients"] == 4, pp
    assert pp["ops"] > 0 and pp["deliveries"] == 4 * pp["ops"], pp
    assert pp["requests"] >= pp["ops"], pp
    assert (pp["lost"], pp["duplicated"], pp["out_of_order"],
            pp["errors"]) == (0, 0, 0, 0), pp
    assert 0.9 <= pp["seconds"] < 2, pp
    check_latency(pp)
    check_measured(pp)

    assert idle["mode"] == "idle" and idle["ok"], idle
    assert idle["ops"] == idle["connections"] == 20, idle
    assert idle["source_addrs"] == 1 and idle["room_size"] == 10, idle
    assert idle["server_rss_per_conn"] >= 0, idle
    assert idle["hold_s"] >= 0.2, idle
    check_measured(idle)


def test_loopback_only(srv):
    for addr in ("192.0.2.1:7667", "10.0.0.1:%d" % srv.port,
                 "[2001:db8::1]:7667", "0.0.0.0:%d" % srv.port,
                 "127.0.0.1:0"):
        p = subprocess.run([BENCH, "--server", addr, "--duration", "1",
                            "broadcast"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, universal_newlines=True,
                           timeout=10)
        assert p.returncode == 64, (addr, p.returncode, p.stderr)
        assert "loopback" in p.stderr and p.stdout == "", (addr, p.stderr)


if not os.access(BENCH, os.X_OK):
    t.skip_exit("%s is not built" % BENCH)
t.run(globals())
