#!/bin/bash
# format.sh - every C source and header is formatted as .clang-format says.
. "$(dirname "$0")/lib.sh"
command -v clang-format >/dev/null || skip "clang-format is not installed"
cd "$SRC"
for f in $(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build*'); do
	run clang-format --dry-run -Werror "$f"
	[ "$RC" = 0 ] && pass "$f" || fail "$f is not clang-formatted (clang-format -i $f)" "$(printf '%s\n' "$OUT" | head -20)"
done
finish
