#!/bin/sh
# run-fuzzers.sh SECONDS [TARGET...]: runs each libFuzzer target (frame, server, web, irc) of a --enable-fuzzing build
# for SECONDS on a scratch copy of its seed corpus; exits 1 on any crash, keeping the input that caused it.
#
# Run from the top build directory (make fuzz does), or set top_builddir and top_srcdir.  The scratch
# directory (FUZZ_WORKDIR, default a new one under TMPDIR) is removed after a clean run, kept otherwise.
# Extra libFuzzer options may come in FUZZ_FLAGS (e.g. FUZZ_FLAGS=-jobs=2).
set -u

usage() {
	echo "usage: $0 SECONDS [frame|server|web|irc ...]" >&2
	exit 2
}

[ $# -ge 1 ] || usage
secs=$1
shift
case $secs in
''|*[!0-9]*) usage ;;
esac
targets=${*:-frame server web irc}
builddir=${top_builddir:-.}
srcdir=${top_srcdir:-$(dirname "$0")/../..}
work=${FUZZ_WORKDIR:-$(mktemp -d "${TMPDIR:-/tmp}/evchat-fuzz.XXXXXX")} ||
	exit 1

status=0
for t in $targets; do
	prog=$builddir/tests/fuzz/fuzz-$t
	seeds=$srcdir/tests/fuzz/corpus-$t
	if [ ! -x "$prog" ]; then
		echo "fuzz-$t: $prog not built (configure CC=clang" \
		    "--enable-fuzzing, then make fuzz)" >&2
		status=1
		continue
	fi
	mkdir -p "$work/$t/corpus" "$work/$t/crashes" || exit 1
	cp "$seeds"/* "$work/$t/corpus/" || exit 1
	log=$work/$t/fuzz.log
	# A hang (-timeout) or a memory blow-up (-rss_limit_mb) fails too.
	# shellcheck disable=SC2086
	"$prog" -max_total_time="$secs" -max_len=65536 -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -dict="$srcdir/tests/fuzz/evchat.dict" \
	    -artifact_prefix="$work/$t/crashes/" ${FUZZ_FLAGS:-} \
	    "$work/$t/corpus" >"$log" 2>&1
	rc=$?
	# libFuzzer's last status line: "#runs DONE cov: ft: corp: ...".
	done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1)
	runs=$(grep -E '^Done [0-9]+ runs' "$log" | tail -n 1)
	echo "fuzz-$t: ${done_line:-no final stats line} (${runs:-no run count})"
	if [ "$rc" -ne 0 ] || [ -n "$(ls "$work/$t/crashes")" ]; then
		status=1
		echo "fuzz-$t: FAILED (exit status $rc); the end of its log:"
		tail -n 60 "$log"
		for f in "$work/$t/crashes"/*; do
			[ -f "$f" ] || continue
			echo "fuzz-$t: input kept in $f; its first 512 bytes:"
			od -A d -c "$f" | head -n 32
		done
	fi
done
if [ "$status" -eq 0 ] && [ -z "${FUZZ_WORKDIR:-}" ]; then
	rm -rf "$work"
else
	echo "run-fuzzers.sh: logs, corpora and crash inputs in $work"
fi
exit $status
