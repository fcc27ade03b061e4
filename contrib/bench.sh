#!/bin/sh
# contrib/bench.sh: `make bench`: the standard evchat-bench set, each run against a freshly started evchatd on
# 127.0.0.1:0 with its limits off, pinned apart on two cores; it knows evchatd's command line, not its code.
#
# usage: bench.sh [--quick] [mode ...]     (modes: broadcast idle pingpong; default all three)
# env:   EVCHATD, EVCHAT_BENCH (paths of the binaries), BENCH_OUT (a file that also gets the JSON lines)
# The table goes to stderr, one JSON object per result to stdout; the exit status is evchat-bench's worst.

set -u

EVCHATD=${EVCHATD:-src/evchatd}
EVCHAT_BENCH=${EVCHAT_BENCH:-src/evchat-bench}
quick=no
modes=
for a in "$@"; do
	case $a in
	--quick) quick=yes ;;
	broadcast|idle|pingpong) modes="$modes $a" ;;
	*) echo "usage: bench.sh [--quick] [broadcast] [idle] [pingpong]" >&2
	   exit 64 ;;
	esac
done
[ -n "$modes" ] || modes="broadcast idle pingpong"

for b in "$EVCHATD" "$EVCHAT_BENCH"; do
	if [ ! -x "$b" ]; then
		echo "bench.sh: $b is not an executable (build first)" >&2
		exit 1
	fi
done

# Both ends need a descriptor per connection (the server inherits this);
# dash and bash both have ulimit -n and -H.
# shellcheck disable=SC3045
ulimit -n "$(ulimit -Hn)" 2>/dev/null

# Every limit the daemon has, switched off; options it lacks are left out.
help=$("$EVCHATD" --help 2>&1)
limits=
for o in --rate --burst --flood-kick --max-sendq --max-clients \
    --max-clients-per-ip --max-members-per-room --max-rooms-per-client; do
	if printf '%s\n' "$help" | grep -Eq -- "^[[:space:]]*(-[[:alnum:]], )?${o}[[:space:]]"; then
		limits="$limits $o 0"
	else
		echo "bench.sh: $EVCHATD has no $o: left out" >&2
	fi
done

ncpu=$(nproc 2>/dev/null || echo 1)
srv_pin=
gen_pin=
if [ "$ncpu" -ge 2 ] && command -v taskset >/dev/null 2>&1; then
	srv_pin="taskset -c 0"
	gen_pin="taskset -c 1"
fi
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/evchat-bench.XXXXXX") || exit 1
pid=
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_server() {
	log=$tmp/evchatd.log
	: >"$log"
	# shellcheck disable=SC2086
	$srv_pin "$EVCHATD" --listen 127.0.0.1:0 $limits 2>"$log" &
	pid=$!
	port=
	n=0
	while [ $n -lt 100 ]; do
		port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$log" | head -n 1)
		[ -n "$port" ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
		n=$((n + 1))
	done
	echo "bench.sh: evchatd did not start:" >&2
	cat "$log" >&2
	return 1
}

stop_server() {
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
}

echo "evchat bench: $(date -u '+%Y-%m-%d %H:%M UTC'), $ncpu cpu(s): ${cpu:-unknown}" >&2
# Anything else running on the same cores lowers every figure: say so.
echo "load average: $(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null)" >&2
echo "server: $srv_pin $EVCHATD --listen 127.0.0.1:0$limits" >&2
echo "generator: $gen_pin $EVCHAT_BENCH" >&2

status=0
header=
for m in $modes; do
	case $m:$quick in
	broadcast:no)	args="--subscribers 100 --messages 200000 --window 2000" ;;
	broadcast:yes)	args="--subscribers 10 --messages 20000 --window 2000" ;;
	idle:no)	args="--connections 10000 --hold 5" ;;
	idle:yes)	args="--connections 1000 --hold 1" ;;
	pingpong:no)	args="--pairs 500 --time 10" ;;
	pingpong:yes)	args="--pairs 50 --time 2" ;;
	esac
	start_server || exit 1
	# shellcheck disable=SC2086
	$gen_pin "$EVCHAT_BENCH" $header --server "127.0.0.1:$port" \
	    --server-pid "$pid" $args "$m" >"$tmp/out.json"
	rc=$?
	cat "$tmp/out.json"
	[ -n "${BENCH_OUT:-}" ] && cat "$tmp/out.json" >>"$BENCH_OUT"
	[ $rc -gt $status ] && status=$rc
	stop_server
	header=--no-header
done
exit $status
