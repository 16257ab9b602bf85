# lib.sh - assertions for the shell integration tests; each script is one ctest test.
# Usage: . tests/lib.sh; ok "what" cmd...; expect_out "what" "want" cmd...; finish
set -u
PASSES=0
FAILS=0
SRC=${SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
BUILD=${BUILD:-$SRC/build}

pass() { PASSES=$((PASSES + 1)); printf 'ok   %s\n' "$1"; }
fail() { FAILS=$((FAILS + 1)); printf 'FAIL %s\n' "$1"; [ $# -gt 1 ] && printf '%s\n' "$2" | sed 's/^/     | /'; return 0; }

# skip REASON: the whole script is skipped (ctest counts exit 77 as skipped). A check skipped
# inside a passing script prints 'SKIPPED: reason' instead; scripts/check counts those too.
skip() { printf "SKIPPED test: %s\n" "$1"; exit 77; }

# run CMD..., keeping stdout+stderr in $OUT and the exit status in $RC
run() { OUT=$("$@" 2>&1); RC=$?; }

# expect_rc WHAT RC CMD...: the command exits with RC
expect_rc() {
	local what=$1 want=$2; shift 2
	run "$@"
	if [ "$RC" = "$want" ]; then pass "$what"; else fail "$what (exit $RC, want $want)" "$OUT"; fi
}

# expect_line WHAT LINE: the last run's output has exactly LINE as one of its lines
expect_line() {
	if printf '%s\n' "$OUT" | grep -qxF -- "$2"; then pass "$1"; else fail "$1 (no line: $2)" "$OUT"; fi
}

# expect_match WHAT REGEX: some line of the last run's output matches REGEX (grep -E)
expect_match() {
	if printf '%s\n' "$OUT" | grep -qE -- "$2"; then pass "$1"; else fail "$1 (no match: $2)" "$OUT"; fi
}

expect_no_match() {
	if printf '%s\n' "$OUT" | grep -qE -- "$2"; then fail "$1 (unexpected: $2)" "$OUT"; else pass "$1"; fi
}

# wait_for [-t SECONDS] WHAT CMD...: until CMD succeeds (at most 30 s, or SECONDS); an event, not a
# duration
wait_for() {
	local bound=30 what
	[ "$1" = -t ] && { bound=$2; shift 2; }
	what=$1; shift
	for i in $(seq $((bound * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
	fail "never happened: $what"
	return 1
}

finish() {
	printf '%s: %d passed, %d failed\n' "$(basename "$0" .sh)" "$PASSES" "$FAILS"
	[ "$FAILS" = 0 ]
}
