#!/bin/sh
# test-units.sh: checks the systemd units with systemd-analyze where it is installed: verify passes,
# and the service's exposure score from `systemd-analyze security` stays low (the README quotes it).
set -u
command -v systemd-analyze >/dev/null 2>&1 || {
	echo "SKIP: systemd-analyze not installed"; exit 77; }
: "${top_srcdir:?}" "${EVCHATD:?}"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# The unit as installed, but starting the binary under test.
sed "s|@sbindir@/evchatd|$EVCHATD|" "$top_srcdir/contrib/evchatd.service.in" \
    > "$tmp/evchatd.service" || exit 1
cp "$top_srcdir/contrib/evchatd.socket" "$tmp/" || exit 1
# The cluster node's template, as contrib.am makes it, as an instance.
sed -f "$top_srcdir/contrib/evchatd@.sed" "$tmp/evchatd.service" |
    sed 's|@evchatdconfdir@|/etc/evchatd|g' > "$tmp/evchatd@a.service" ||
    exit 1
if grep -n '@[a-z]*@' "$tmp/evchatd.service" "$tmp/evchatd@a.service"; then
	echo "FAIL: unsubstituted variable in evchatd.service"; exit 1
fi
grep -q -- '--config /etc/evchatd/%i.conf --node-name %i$' \
    "$tmp/evchatd@a.service" || {
	echo "FAIL: evchatd@.service does not start node %i"; exit 1; }

# --man=no: the pages may not be installed yet.
if ! systemd-analyze verify --man=no "$tmp/evchatd.service" \
    "$tmp/evchatd.socket" "$tmp/evchatd@a.service" > "$tmp/verify" 2>&1; then
	echo "FAIL: systemd-analyze verify:"; cat "$tmp/verify"; exit 1
fi
if [ -s "$tmp/verify" ]; then
	echo "FAIL: systemd-analyze verify complains:"; cat "$tmp/verify"
	exit 1
fi
echo "PASS systemd-analyze verify"

# --offline appeared in systemd 250.
if ! systemd-analyze security --offline=yes "$tmp/evchatd.service" \
    > "$tmp/security" 2>&1; then
	echo "SKIP security: this systemd-analyze cannot score offline"
	exit 0
fi
score=$(sed -n 's/.*Overall exposure level for evchatd.service: \([0-9.]*\).*/\1/p' \
    "$tmp/security")
[ -n "$score" ] || { echo "FAIL: no exposure score:"; cat "$tmp/security"; exit 1; }
echo "exposure $score"
if awk -v s="$score" 'BEGIN { exit !(s > 2.0) }'; then
	echo "FAIL: exposure $score is above 2.0:"; grep '✗' "$tmp/security"
	exit 1
fi
echo "PASS systemd-analyze security ($score)"
