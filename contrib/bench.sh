#!/bin/sh
# contrib/bench.sh: `make bench`: the standard evchat-bench set, each run against a freshly started evchatd on
# 127.0.0.1:0 with its limits off, pinned apart on two cores; it knows evchatd's command line, not its code.
#
# usage: bench.sh [--quick] [--repeat N] [--ws] [--tls] [run ...]
#        (runs: broadcast idle pingpong join rss; default all, or none with --tls; and scale, only when named)
# env:   EVCHATD, EVCHAT_BENCH (paths of the binaries), BENCH_OUT (a file that also gets the JSON lines),
#        BENCH_STORES (default "off memory sqlite:": the history stores broadcast, join and rss run under),
#        EVCHATD_BASE (--tls: another evchatd, say the last release, measured beside EVCHATD as "base")
# broadcast runs once per store (N times, the stores taking turns, with --repeat N: a busy machine moves
# the figures more than a store does), so that what the store costs a delivery shows side by side at the end;
# join (a replay to each of 1,000 joiners) and rss (1,000 rooms of 1,000 kept messages) once per store
# that keeps history.  A store is evchatd's `store` value, passed through: "off" is history-max 0 instead,
# and "sqlite:" without a path is a fresh file in the temporary directory.  A store the evchatd at hand
# was built without is skipped with a line saying so.
# With --ws, broadcast, idle and pingpong each run a second time with their clients on WebSocket (the
# server gets a web listener too; broadcast's publisher stays native), labelled STORE/ws in the summary
# and compared there with the same store's native figure.
# With --tls, the TLS set runs too (N rounds with --repeat, the servers taking turns in each): W1 broadcast,
# W3 pingpong, W4 connect (a full handshake and hello/welcome per setup) and W4 connect --resume, over TLS
# 1.3 (TLS_AES_256_GCM_SHA384, X25519, one RSA-2048 self-signed certificate made in the temporary
# directory), against evchatd and against a redis-server of the script's own on its TLS port (when one is
# installed; evchat-bench --redis), each started fresh; the summary puts their server CPU per delivery,
# round trip and setup side by side.
# scale (`make bench-scale`) holds SCALE_CONNECTIONS (default 100,000; --quick 2,000) idle registered
# connections on one server: one evchat-bench holds all but SCALE_MEMBERS (default 10,000) in rooms of 10,
# a second connects the rest into one room and holds them 30 s (the idle CPU and RSS with all connected),
# then a broadcast to that many subscribers of one room runs beside the held ones.  The connections come
# from 127.0.0.1, .2, ... (evchat-bench moves on when a source address runs out of ports); both ends need
# a descriptor each: when `ulimit -Hn` is too low for the count, it runs with what the limit allows and
# says so (README, Performance, has the limits to raise).
# The table goes to stderr, one JSON object per result to stdout (with the member "store" added where a
# store was set); the exit status is evchat-bench's worst.

set -u

EVCHATD=${EVCHATD:-src/evchatd}
EVCHAT_BENCH=${EVCHAT_BENCH:-src/evchat-bench}
quick=no
repeat=1
transports=native
tls=no
modes=
usage() {
	echo "usage: bench.sh [--quick] [--repeat N] [--ws] [--tls] [broadcast]" \
	    "[idle] [pingpong] [join] [rss] [scale]" >&2
	exit 64
}
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=yes ;;
	--repeat)
		case ${2:-} in
		[1-9]|[1-9][0-9]) repeat=$2 ;;
		*) usage ;;
		esac
		shift ;;
	--ws)	transports="native ws" ;;
	--tls)	tls=yes ;;
	broadcast|idle|pingpong|join|rss|scale) modes="$modes $1" ;;
	*) usage ;;
	esac
	shift
done
[ -n "$modes" ] || [ $tls = yes ] || modes="broadcast idle pingpong join rss"
stores=${BENCH_STORES:-off memory sqlite:}

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
if [ "$transports" != native ] &&
    ! printf '%s\n' "$help" | grep -q -- '--web-listen'; then
	echo "bench.sh: $EVCHATD has no --web-listen: no --ws runs" >&2
	transports=native
fi

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

# start_server STORE TRANSPORT [option ...]: STORE is "" (evchatd's default), "off" or a store
# value; TRANSPORT ws adds a web listener, its port in wport.
start_server() {
	store=$1
	web=
	[ "$2" = ws ] && web="--web-listen 127.0.0.1:0"
	shift 2
	log=$tmp/evchatd.log
	: >"$log"
	case $store in
	'')	set -- "$@" ;;
	off)	set -- --history-max 0 "$@" ;;
	sqlite:) rm -f "$tmp/evchat.db" "$tmp/evchat.db-wal" "$tmp/evchat.db-shm"
		set -- "--store=sqlite:$tmp/evchat.db" "$@" ;;
	*)	set -- "--store=$store" "$@" ;;
	esac
	# shellcheck disable=SC2086
	$srv_pin "$EVCHATD" --listen 127.0.0.1:0 $web $limits "$@" 2>"$log" &
	pid=$!
	port=
	wport=
	n=0
	while [ $n -lt 100 ]; do
		port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$log" | head -n 1)
		wport=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\) (web)$/\1/p' "$log" | head -n 1)
		[ -n "$port" ] && { [ -z "$web" ] || [ -n "$wport" ]; } &&
		    return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
		n=$((n + 1))
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
	# A store this build lacks is a skip, not a failure.
	if [ -n "$store" ] &&
	    grep -Eq 'not a store of this (build|evchatd)|not built in' "$log"; then
		echo "# store ${store%%:*}: skipped: $(head -n 1 "$log")" >&2
		skipped="$skipped $store"
		return 2
	fi
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

# The server CPU per delivery of each broadcast run, for the summary.
summary=
skipped=
status=0
header=
# run MODE STORE TRANSPORT: one evchat-bench run against a fresh server; 2 when STORE is skipped.
run() {
	m=$1
	store=$2
	transport=$3
	label=${store%%:*}
	[ "$transport" = ws ] && label="${label:-default}/ws"
	srv=
	case $m:$quick in
	broadcast:no)	args="--subscribers 100 --messages 200000 --window 2000" ;;
	broadcast:yes)	args="--subscribers 10 --messages 20000 --window 2000" ;;
	idle:no)	args="--connections 10000 --hold 5" ;;
	idle:yes)	args="--connections 1000 --hold 1" ;;
	pingpong:no)	args="--pairs 500 --time 10" ;;
	pingpong:yes)	args="--pairs 50 --time 2" ;;
	join:no)	args="--clients 1000 --fill 1000 --history 100 --rate 100" ;;
	join:yes)	args="--clients 100 --fill 200 --history 100 --rate 100" ;;
	# Every message kept: retention must not make the figure smaller.
	rss:no)		args="--rooms 1000 --fill 1000 --clients 1 --rate 0"
			srv="--history-max 1000 --history-memory 1024M" ;;
	rss:yes)	args="--rooms 100 --fill 1000 --clients 1 --rate 0"
			srv="--history-max 1000 --history-memory 1024M" ;;
	esac
	if [ -n "$store" ]; then
		case " $skipped " in
		*" $store "*) return 2 ;;
		esac
	fi
	# shellcheck disable=SC2086
	start_server "$store" "$transport" $srv || return $?
	mode=$m
	[ "$m" = rss ] && mode="join"
	[ "$transport" = ws ] && args="$args --ws 127.0.0.1:$wport"
	[ -n "$store" ] || [ "$transport" = ws ] &&
	    echo "# $m: $mode $args${store:+, store ${store%%:*}}${srv:+, server $srv}" >&2
	# shellcheck disable=SC2086
	$gen_pin "$EVCHAT_BENCH" $header --server "127.0.0.1:$port" \
	    --server-pid "$pid" $args "$mode" >"$tmp/out.json"
	rc=$?
	stop_server
	header=--no-header
	# The store is the script's knowledge: it labels the JSON.
	if [ -n "$store" ]; then
		sed "s/^{/{\"store\":\"${store%%:*}\",/" "$tmp/out.json" \
		    >"$tmp/out.tmp" && mv "$tmp/out.tmp" "$tmp/out.json"
	fi
	cat "$tmp/out.json"
	[ -n "${BENCH_OUT:-}" ] && cat "$tmp/out.json" >>"$BENCH_OUT"
	[ $rc -gt $status ] && status=$rc
	if [ "$m" = broadcast ]; then
		ns=$(sed -n 's/.*"ns_per_delivery":\([-+.0-9eE]*\).*/\1/p' \
		    "$tmp/out.json")
		ok=FAIL
		grep -q '"ok":true' "$tmp/out.json" && ok=ok
		summary="$summary $label ${ns:--} $ok"
	fi
	return 0
}

# The server's resident set, kB.
rss_kb() {
	sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$pid/status"
}

# scale: see the head of this file.  Returns 1 when a generator fails.
scale() {
	want=${SCALE_CONNECTIONS:-100000}
	members=${SCALE_MEMBERS:-10000}
	if [ $quick = yes ]; then
		want=${SCALE_CONNECTIONS:-2000}
		members=${SCALE_MEMBERS:-1000}
	fi
	# shellcheck disable=SC3045  # as at the top: dash and bash have it
	hard=$(ulimit -Hn)
	total=$want
	# The server's listeners, log and store need a few more.
	if [ "$hard" != unlimited ] && [ $((hard - 200)) -lt "$want" ]; then
		total=$(((hard - 200) / 100 * 100))
		echo "# scale: ulimit -Hn is $hard: $total connections, not" \
		    "$want (README, Performance: the limits to raise)" >&2
	fi
	[ "$members" -gt $((total / 2)) ] && members=$((total / 2))
	held=$((total - members))
	# At most about 4,000 connections per source address and generator:
	# the kernel looks long for a free port in a range mostly taken.
	sources=$((total / 4000 + 1))
	[ $sources -gt 254 ] && sources=254
	start_server off native || return 1
	rss0=$(rss_kb)
	echo "# scale: $total connections: $held held, then $members more," \
	    "in rooms of 10, from $sources source addresses;" \
	    "ip_local_port_range" \
	    "$(tr '\t' - </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)" \
	    >&2
	$gen_pin "$EVCHAT_BENCH" --no-header --server "127.0.0.1:$port" \
	    --server-pid "$pid" --sources $sources --connections "$held" \
	    --hold 86400 --duration 90000 idle >"$tmp/held.json" \
	    2>"$tmp/held.err" &
	hpid=$!
	while ! grep -q '^# idle:' "$tmp/held.err"; do
		if ! kill -0 "$hpid" 2>/dev/null; then
			cat "$tmp/held.err" >&2
			stop_server
			return 1
		fi
		sleep 1
	done
	grep '^# idle:' "$tmp/held.err" >&2
	# The rest: the idle figures with every one connected.
	$gen_pin "$EVCHAT_BENCH" $header --server "127.0.0.1:$port" \
	    --server-pid "$pid" --sources $sources --connections "$members" \
	    --hold 30 idle >"$tmp/out.json"
	rc=$?
	header=--no-header
	rss1=$(sed -n 's/.*"rss_kb_idle":\([0-9]*\).*/\1/p' "$tmp/out.json")
	cpu=$(sed -n 's/.*"idle_server_cpu_pct":\([-+.0-9eE]*\).*/\1/p' \
	    "$tmp/out.json")
	cat "$tmp/out.json"
	[ -n "${BENCH_OUT:-}" ] && cat "$tmp/out.json" >>"$BENCH_OUT"
	[ $rc -gt $status ] && status=$rc
	# W1 to one room of that many with all the held ones connected.
	# Its setup is long: each join is told to every member before it
	# (n * n / 2 presence events for n members).
	$gen_pin "$EVCHAT_BENCH" --no-header --server "127.0.0.1:$port" \
	    --server-pid "$pid" --sources $sources --subscribers "$members" \
	    --messages 200 --window 20 --duration 1800 broadcast \
	    >"$tmp/out.json"
	rc=$?
	cat "$tmp/out.json"
	[ -n "${BENCH_OUT:-}" ] && cat "$tmp/out.json" >>"$BENCH_OUT"
	[ $rc -gt $status ] && status=$rc
	ns=$(sed -n 's/.*"ns_per_delivery":\([-+.0-9eE]*\).*/\1/p' \
	    "$tmp/out.json")
	kill "$hpid" 2>/dev/null
	wait "$hpid" 2>/dev/null
	stop_server
	printf 'scale: %d connections, server RSS %s B per connection, idle' \
	    "$total" "$(awk -v a="$rss0" -v b="${rss1:-0}" -v n="$total" \
	    'BEGIN { printf("%.0f", (b - a) * 1024 / n) }')" >&2
	# The idle CPU is the heartbeat's: each connection silent for
	# --heartbeat (30 s) gets a ping and answers it.
	printf ' CPU %s %% over 30 s, W1 to %d members: %s ns per delivery\n' \
	    "${cpu:--}" "$members" "${ns:--}" >&2
	return 0
}

for m in $modes; do
	case $m in
	scale)	scale || exit 1 ;;
	broadcast)
		i=0
		while [ $i -lt "$repeat" ]; do
			for s in $stores; do
				for t in $transports; do
					run "$m" "$s" "$t"
					[ $? -eq 1 ] && exit 1
				done
			done
			i=$((i + 1))
		done ;;
	join|rss)
		for s in $stores; do
			[ "$s" = off ] && continue
			run "$m" "$s" native
			[ $? -eq 1 ] && exit 1
		done ;;
	*)	for t in $transports; do
			run "$m" "" "$t" || exit 1
		done ;;
	esac
done

# The summaries' awk: the median of a string of numbers (the first is empty).
median='
function median(s,	v, n, i, j, t) {
	n = split(s, v, " ")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) {
			t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
		}
	return (n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2)
}'

# Side by side: what each store adds to a delivery, against history off, and
# what WebSocket adds, against the same store native; with --repeat, the
# median of each one's runs, then every run's figure.
if [ -n "$summary" ]; then
	echo "broadcast: server CPU per delivery, by store (exactly once: ok):" >&2
	# shellcheck disable=SC2086
	printf '%s %s %s\n' $summary | awk "$median"'
	{
		if (!($1 in ok)) {
			name[++n] = $1
			ok[$1] = "ok"
		}
		if ($2 != "-")
			runs[$1] = runs[$1] " " $2
		if ($3 != "ok")
			ok[$1] = "FAIL"
	}
	END {
		for (i = 1; i <= n; i++)
			med[name[i]] = !(name[i] in runs) ? "-" : \
			    median(runs[name[i]])
		for (i = 1; i <= n; i++) {
			m = med[name[i]]
			d = ""
			against = name[i] ~ /\/ws$/ ? substr(name[i], 1, \
			    length(name[i]) - 3) : "off"
			base = against in med && med[against] != "-" ? \
			    med[against] : 0
			if (base > 0 && m != "-" && name[i] != "off")
				d = sprintf("%+.1f%%", 100 * (m - base) / base)
			all = ""
			if (split(runs[name[i]], v, " ") > 1)
				all = " (" substr(runs[name[i]], 2) ")"
			printf("  %-10s %10s ns %8s  %s%s\n", name[i], \
			    m == "-" ? "-" : sprintf("%.0f", m), d, ok[name[i]], all)
		}
	}' >&2
fi
for s in $skipped; do
	echo "  ${s%%:*}: skipped (not in this evchatd)" >&2
done

[ $tls = yes ] || exit $status

# The TLS set.  A server started for it: tls_start TARGET (evchatd, base or redis) sets pid and port.
if ! command -v openssl >/dev/null 2>&1; then
	echo "bench.sh: no openssl command: no --tls runs" >&2
	exit $status
fi
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1 || {
	echo "bench.sh: cannot make a certificate" >&2
	exit 1
}
targets=evchatd
if [ -n "${EVCHATD_BASE:-}" ]; then
	[ -x "$EVCHATD_BASE" ] || { echo "bench.sh: $EVCHATD_BASE is not an executable" >&2; exit 1; }
	targets="$targets base"
fi
if command -v redis-server >/dev/null 2>&1; then
	targets="$targets redis"
else
	echo "bench.sh: no redis-server: evchatd alone over TLS" >&2
fi

# (its loop counters are its own: the caller's i counts rounds)
tls_start() {
	log=$tmp/server.log
	: >"$log"
	port=
	case $1 in
	redis)
		# Its own loopback port: Redis cannot report one it chose.
		try=0
		while [ $try -lt 5 ]; do
			port=$((20000 + ($$ * 7 + try * 997 + $(date +%s)) % 40000))
			$srv_pin redis-server --port 0 --bind 127.0.0.1 \
			    --tls-port "$port" --tls-cert-file "$tmp/cert.pem" \
			    --tls-key-file "$tmp/key.pem" \
			    --tls-ca-cert-file "$tmp/cert.pem" \
			    --tls-auth-clients no --tls-protocols TLSv1.3 \
			    --tls-ciphersuites TLS_AES_256_GCM_SHA384 \
			    --save '' --appendonly no --maxclients 10000 \
			    --logfile "$log" &
			pid=$!
			polls=0
			while [ $polls -lt 50 ]; do
				grep -q 'Ready to accept' "$log" && return 0
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
				polls=$((polls + 1))
			done
			stop_server
			try=$((try + 1))
		done ;;
	*)
		bin=$EVCHATD
		[ "$1" = base ] && bin=$EVCHATD_BASE
		# shellcheck disable=SC2086
		$srv_pin "$bin" --listen 127.0.0.1:0 --tls-listen 127.0.0.1:0 \
		    --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem" \
		    --history-max 0 $limits 2>"$log" &
		pid=$!
		polls=0
		while [ $polls -lt 100 ]; do
			port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\) (TLS)$/\1/p' "$log" | head -n 1)
			[ -n "$port" ] && return 0
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
			polls=$((polls + 1))
		done
		stop_server ;;
	esac
	echo "bench.sh: $1 did not start over TLS:" >&2
	cat "$log" >&2
	return 1
}

case $quick in
no)	w1="--subscribers 100 --messages 20000 --window 2000"
	w3="--pairs 500 --time 5"
	w4="--setups 2000" ;;
yes)	w1="--subscribers 10 --messages 5000 --window 2000"
	w3="--pairs 50 --time 1"
	w4="--setups 200" ;;
esac
echo "# TLS: $targets; W1 broadcast $w1, W3 pingpong $w3, W4 connect $w4 (and --resume)" >&2
tls_summary=
i=0
while [ $i -lt "$repeat" ]; do
	for w in W1 W3 W4 W4r; do
		case $w in
		W1)	args="$w1 broadcast" ;;
		W3)	args="$w3 pingpong" ;;
		W4)	args="$w4 connect" ;;
		W4r)	args="$w4 --resume connect" ;;
		esac
		for target in $targets; do
			tls_start "$target" || exit 1
			redis=
			[ "$target" = redis ] && redis=--redis
			# shellcheck disable=SC2086
			$gen_pin "$EVCHAT_BENCH" $header --tls $redis \
			    --server "127.0.0.1:$port" --server-pid "$pid" \
			    $args >"$tmp/out.json"
			rc=$?
			stop_server
			header=--no-header
			sed "s/^{/{\"workload\":\"$w\",\"label\":\"$target\",/" \
			    "$tmp/out.json"
			[ -n "${BENCH_OUT:-}" ] && sed "s/^{/{\"workload\":\"$w\",\"label\":\"$target\",/" \
			    "$tmp/out.json" >>"$BENCH_OUT"
			[ $rc -gt $status ] && status=$rc
			ns=$(sed -n 's/.*"ns_per_op":\([-+.0-9eE]*\).*/\1/p' "$tmp/out.json")
			ok=FAIL
			grep -q '"ok":true' "$tmp/out.json" && ok=ok
			tls_summary="$tls_summary $w $target ${ns:--} $ok"
		done
	done
	i=$((i + 1))
done

# Medians side by side; the last column compares evchatd with Redis.
echo "TLS: server CPU per delivery (W1), round trip (W3), setup (W4, W4r: resumed), ns, median of $repeat:" >&2
# shellcheck disable=SC2086
printf '%s %s %s %s\n' $tls_summary | awk -v targets="$targets" "$median"'
{
	if (!($1 in seen)) {
		seen[$1] = 1
		work[++nw] = $1
	}
	if ($3 != "-")
		runs[$1, $2] = runs[$1, $2] " " $3
	if ($4 != "ok")
		bad[$1, $2] = 1
}
END {
	nt = split(targets, t, " ")
	line = sprintf("  %-5s", "")
	for (j = 1; j <= nt; j++)
		line = line sprintf(" %12s", t[j])
	print line "  evchatd/redis"
	for (i = 1; i <= nw; i++) {
		line = sprintf("  %-5s", work[i])
		for (j = 1; j <= nt; j++) {
			k = work[i] SUBSEP t[j]
			m[j] = k in runs ? median(runs[k]) : "-"
			line = line sprintf(" %12s", m[j] == "-" ? "-" : \
			    sprintf("%.0f%s", m[j], k in bad ? "!" : ""))
			if (t[j] == "evchatd") e = m[j]
			if (t[j] == "redis") r = m[j]
		}
		if (e != "-" && r != "-" && r > 0)
			line = line sprintf("  %.2f", e / r)
		print line
	}
}' >&2
exit $status
