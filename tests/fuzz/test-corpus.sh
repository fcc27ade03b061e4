#!/bin/sh
# test-corpus.sh: every checked-in corpus input (seeds and the inputs of crashes fixed since) goes once
# through its fuzz target, under the sanitizers when the build has them; it knows no input's meaning.
set -u
# make check sets both; by hand, run it from the top build directory.
: "${top_builddir:=.}" "${top_srcdir:=$(dirname "$0")/../..}"
status=0
for t in frame server web irc; do
	prog=$top_builddir/tests/fuzz/fuzz-$t
	corpus=$top_srcdir/tests/fuzz/corpus-$t
	if [ ! -x "$prog" ] || [ ! -d "$corpus" ]; then
		echo "FAIL: $prog or $corpus is missing"
		status=1
		continue
	fi
	# libFuzzer and replay.c both run each file named once, then exit 0.
	if "$prog" "$corpus"/* 2>&1; then
		echo "PASS: fuzz-$t: $(ls "$corpus" | wc -l) input(s)"
	else
		echo "FAIL: fuzz-$t crashed on an input of its corpus (above)"
		status=1
	fi
done
exit $status
