#!/bin/bash
# pam_module.sh - pam_lxlogin.so's account check and session open/close 1,000 times under valgrind: no
# leak, no fd growth; the account check denies a contained user (cron's stack) and lets the exempt one by.
. "$(dirname "$0")/../lib.sh"
. "$SRC/tests/container-lib.sh"
command -v valgrind >/dev/null || skip "valgrind is not installed"
[ "${LXT_SANITIZE:-OFF}" = ON ] && skip "valgrind cannot run ASan-built code; the plain build runs this test"
ct_setup
ct_user lxt-a
ct_group lxt-admins
ct_user lxt-e
usermod -aG lxt-admins lxt-e
printf 'image = busybox\nexempt_groups = lxt-admins\nstart_timeout = 60s\n' > "$LXT_CONFIG_DIR/lxlogin.conf"
CYCLES=${LXT_PAM_CYCLES:-1000}
PAMD=$(dirname "$LXT_RUN_DIR")/pam.d
mkdir -p "$PAMD"
printf 'account requisite %s\naccount required pam_permit.so\nsession [success=done ignore=ignore default=die] %s\nsession required pam_permit.so\n' \
	"$PAM_MODULE" "$PAM_MODULE" > "$PAMD/lxlogin-test"
expect_rc "start lxt-a's container" 0 "$HELPER" start lxt-a
VG=(valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect
	--error-exitcode=99 --track-fds=no)
for u in lxt-e lxt-a; do
	run "${VG[@]}" "$BUILD/tests/pam_cycles" "$PAMD" lxlogin-test "$u" "$CYCLES"
	[ "$RC" = 0 ] && pass "$u: $CYCLES open/close cycles, no leak, no fd growth under valgrind" || fail "$u: valgrind or fd count (exit $RC)" "$(printf '%s\n' "$OUT" | tail -30)"
	expect_match "$u: every cycle succeeded" "^cycles $CYCLES failures 0 fds ([0-9]+) -> \1$"
	[ "$u" = lxt-e ] && expect_line "$u (exempt): the account check lets them by" "account granted"
	[ "$u" = lxt-a ] && expect_line "$u (contained): the account check (cron's, atd's) denies them" "account denied"
done
# An exempt user's session is decided in the module: no process is started for it.
if command -v strace >/dev/null; then
	run strace -f -qq -e trace=execve,clone,clone3,fork,vfork -o "$PAMD/trace" "$BUILD/tests/pam_cycles" "$PAMD" lxlogin-test lxt-e 3
	n=$(grep -cE 'clone|fork|execve\(' "$PAMD/trace")
	[ "$RC" = 0 ] && [ "$n" = 1 ] && pass "exempt user: no fork, no exec in 3 sessions" || fail "exempt user: $n process calls" "$(cat "$PAMD/trace")"
	run strace -f -qq -e trace=execve -o "$PAMD/trace" "$BUILD/tests/pam_cycles" "$PAMD" lxlogin-test lxt-a 1
	grep -qF "execve(\"$HELPER\", [\"lxlogin-helper\", \"session\", \"lxt-a\"], 0x" "$PAMD/trace" &&
		grep -F "execve(\"$HELPER\"" "$PAMD/trace" | grep -qF "/* 0 vars */" &&
		pass "contained user: the helper is run by absolute path, with an empty environment" || fail "helper exec" "$(cat "$PAMD/trace")"
else
	printf 'SKIPPED: process-call checks (strace is not installed)\n'
fi
finish
