#!/bin/sh
# test-man-lint.sh: every manual page in man/ must be clean under mandoc -T lint, or groff -ww
# when mandoc is absent; it checks the markup only, not what the pages say.

srcdir=${top_srcdir:-.}
pages=$(ls "$srcdir"/man/*.[1-9] 2>/dev/null)
if [ -z "$pages" ]; then
	echo "no manual pages in $srcdir/man"
	exit 1
fi

if [ -n "$MANDOC" ]; then
	checker="$MANDOC -T lint -W warning"
elif command -v groff >/dev/null 2>&1; then
	checker="groff -mandoc -ww -z"
else
	echo "neither mandoc nor groff is installed: skipped"
	exit 77
fi

status=0
for page in $pages; do
	# Any message at all is a failure, whatever the exit status says.
	out=$($checker "$page" 2>&1)
	rc=$?
	if [ $rc -ne 0 ] || [ -n "$out" ]; then
		echo "FAIL: $checker $page (exit $rc)"
		[ -n "$out" ] && printf '%s\n' "$out"
		status=1
	else
		echo "ok: $checker $page"
	fi
done
exit $status
