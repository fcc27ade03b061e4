#!/bin/sh
# web-embed.sh SRCDIR: writes to stdout the C source that builds the web page's files (every .html, .css,
# .js, .svg, .json, .png and .ico under SRCDIR) into evchatd as web.c's web_builtin table; POSIX sh and od.
set -eu
dir=$1
cat <<'HEAD'
/* web-files.c: the web page's files, generated from src/web by src/daemon/web-embed.sh at build time
 * (never edit, never commit); web.c serves them.  It knows the bytes and paths, nothing of HTTP. */

#include "server.h"
HEAD
# Sorted, so that the output depends on the files alone.
files=$(cd "$dir" && find . -type f \( -name '*.html' -o -name '*.css' \
    -o -name '*.js' -o -name '*.svg' -o -name '*.json' -o -name '*.png' \
    -o -name '*.ico' \) ! -path '*/.*' | LC_ALL=C sort)
n=0
for f in $files; do
	case $f in
	*[!A-Za-z0-9./_-]*)
		echo "web-embed.sh: $f: only A-Z a-z 0-9 . _ - / in names" >&2
		exit 1 ;;
	esac
	printf '\nstatic const unsigned char web_file_%d[] = {\n' "$n"
	od -A n -v -t x1 "$dir/$f" | sed 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g; s/^/\t/'
	printf '};\n'
	n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "web-embed.sh: no file in $dir" >&2; exit 1; }
printf '\nconst struct web_builtin web_builtin[] = {\n'
n=0
for f in $files; do
	printf '\t{ "%s", web_file_%d, sizeof web_file_%d },\n' "${f#.}" "$n" "$n"
	n=$((n + 1))
done
printf '};\nconst size_t web_nbuiltin = nitems(web_builtin);\n'
