#!/bin/bash
# man_lint.sh - the man pages render without groff warnings.
. "$(dirname "$0")/lib.sh"
command -v groff >/dev/null || skip "groff is not installed"
for page in "$SRC"/doc/*.[0-9]; do
	run groff -man -ww -z -Tutf8 "$page"
	[ "$RC" = 0 ] && [ -z "$OUT" ] && pass "$(basename "$page")" || fail "$(basename "$page") has groff warnings" "$OUT"
done
finish
