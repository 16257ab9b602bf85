#!/bin/bash
# helper_attacks.sh - SECURITY.md's attacks on the setuid helper, each of which must fail safely.
. "$(dirname "$0")/../lib.sh"
. "$SRC/tests/container-lib.sh"
ct_setup
ct_user lxt-a
ct_user lxt-b
A_UID=$(uid_of lxt-a)
CG=/sys/fs/cgroup
run_listing() { find "$(dirname "$LXT_RUN_DIR")" "$LXT_STATE_DIR" 2>/dev/null | sort; }
monitor_of() { pgrep -u "$1" -f '^\[lxc monitor\]' | head -1; }

# Case 1: argc 0, empty argv[0], 100 KB argv[0]: refused before argv is used, nothing made.
before=$(run_listing)
for mode in none empty long; do
	expect_rc "argv '$mode' is refused (usage)" 2 as_user lxt-a "$BUILD/tests/exec_argv" "$mode" "$HELPER"
done
[ "$(run_listing)" = "$before" ] && pass "a refused argv made nothing" || fail "state was made" "$(diff <(echo "$before") <(run_listing))"

# Cases 24 and 25: names that are not names, system accounts, unknown users.
for bad in "a,lowerdir=/" ".." "-o" "0day" "$(printf 'x%.0s' $(seq 300))" "a:b" "../../home/lxt-a/x"; do
	expect_rc "root naming '${bad:0:20}' is refused" 1 "$HELPER" start "$bad"
done
expect_rc "a system account is refused" 1 "$HELPER" start daemon
expect_match "... as below UID_MIN" "system account"
expect_rc "an unknown user is refused" 1 "$HELPER" start lxt-nobody-here
expect_match "... as unknown" "no such user"
[ -z "$(ls "$LXT_STATE_DIR/users" 2>/dev/null)" ] && pass "refused names made no layer" || fail "layers made" "$(ls "$LXT_STATE_DIR/users")"

# Case 3: a hostile environment never reaches anything the helper starts.
expect_rc "start with a hostile environment" 0 as_user lxt-a env LD_PRELOAD=/tmp/evil.so LD_AUDIT=/tmp/evil.so \
	GLIBC_TUNABLES=glibc.malloc.check=3 GCONV_PATH=/tmp LANG=xx_XX NLSPATH=/tmp/%N TZ=/etc/shadow PATH=/tmp \
	IFS=x LXC_LOG=/tmp/x HOME=/tmp XDG_RUNTIME_DIR=/tmp "$HELPER" start
mon=$(monitor_of lxt-a)
# /proc/PID/environ of the forked monitor shows the helper's exec-time block, not its environment:
# what counts is what the container's init was exec'd with.
init_env=$(tr '\0' '\n' < "/proc/$(init_pid_of lxt-a)/environ")
hostile=$(printf '%s\n' "$init_env" | grep -E '^(LD_|GLIBC_|GCONV|LANG=xx|NLSPATH|TZ=|IFS=|LXC_LOG|XDG_RUNTIME_DIR=/tmp|HOME=/tmp)')
[ -z "$hostile" ] && pass "nothing of the caller's environment reaches the container's init" || fail "init environment" "$hostile"

# Case 13: after the drop, the processes left running are the user's alone.
run cat "/proc/$mon/status"
expect_match "monitor: every uid is the user's" "^Uid:	$A_UID	$A_UID	$A_UID	$A_UID$"
expect_match "monitor: every gid is the user's" "^Gid:	$(gid_of lxt-a)	$(gid_of lxt-a)	$(gid_of lxt-a)	$(gid_of lxt-a)$"
expect_match "monitor: no supplementary groups" "^Groups:[[:space:]]*$"
for c in CapInh CapPrm CapEff CapAmb; do expect_match "monitor: $c empty" "^$c:	0+$"; done

# Case 6: an fd the caller passes in reaches neither the monitor nor the container.
"$HELPER" stop lxt-a >/dev/null
exec 7</etc/hostname
expect_rc "start with an inherited fd 7" 0 as_user lxt-a "$HELPER" start
exec 7<&-
mon=$(monitor_of lxt-a)
init=$(init_pid_of lxt-a)
leaked=$(ls -l "/proc/$mon/fd" "/proc/$init/fd" 2>/dev/null | grep -c /etc/hostname)
[ "$leaked" = 0 ] && pass "the inherited fd reached no container process" || fail "fd leaked into the container"

# Cases 4 and 5: closed stdio, or a pipe nobody reads: the start completes and frees the lock.
"$HELPER" stop lxt-a >/dev/null
as_user lxt-a "$HELPER" start <&- >&- 2>&-
[ -n "$(init_pid_of lxt-a)" ] && pass "start with fds 0, 1, 2 closed" || fail "no container after a start with closed stdio"
( timeout 60 setpriv --reuid "$A_UID" --regid "$(gid_of lxt-a)" --clear-groups "$HELPER" start lxt-b 2>&1; echo "rc=$?" >/tmp/lxt-pipe-rc ) | true
grep -qv "rc=124" /tmp/lxt-pipe-rc && pass "a failing start writing into a closed pipe does not hang" || fail "the helper hung on a closed pipe"
rm -f /tmp/lxt-pipe-rc
expect_rc "the lock is free afterwards" 0 timeout 60 "$HELPER" status lxt-a

# Case 10: SIGCHLD ignored and signals blocked by the caller: waiting for children still works.
"$HELPER" stop lxt-a >/dev/null
expect_rc "start with SIGCHLD ignored" 0 as_user lxt-a bash -c "trap '' CHLD; exec $HELPER start"
"$HELPER" stop lxt-a >/dev/null
expect_rc "start with signals ignored" 0 as_user lxt-a bash -c "trap '' INT TERM HUP PIPE; exec $HELPER start"

# Case 12: umask 0777 or 000: every mode is set explicitly.
"$HELPER" stop lxt-a >/dev/null
expect_rc "start under umask 0777" 0 as_user lxt-a bash -c "umask 0777; exec $HELPER start"
[ "$(stat -c %a "$LXT_RUN_DIR/lxc/lxt-a/lxt-a/config")" = 644 ] && pass "config mode 644 whatever the umask" || fail "config mode $(stat -c %a "$LXT_RUN_DIR/lxc/lxt-a/lxt-a/config")"
[ "$(stat -c %a:%U "$LXT_STATE_DIR/users/lxt-a")" = 700:root ] && pass "the user's layer dir is root 0700" || fail "layer dir $(stat -c %a:%U "$LXT_STATE_DIR/users/lxt-a")"
"$HELPER" stop lxt-a >/dev/null
expect_rc "start under umask 000" 0 as_user lxt-a bash -c "umask 000; exec $HELPER start"
[ "$(stat -c %a "$LXT_RUN_DIR/lxc/lxt-a/lxt-a/config")" = 644 ] && pass "config mode 644 under umask 000" || fail "config mode under umask 000"

# Case 7: tiny rlimits: a clean refusal before any state, or a start whose container has sane limits.
"$HELPER" stop lxt-a >/dev/null
run as_user lxt-a bash -c "ulimit -n 20 || exit 99; exec $HELPER start"
if [ "$RC" = 0 ]; then
	n=$(awk '/Max open files/ {print $4}' "/proc/$(init_pid_of lxt-a)/limits")
	[ "$n" -ge 1024 ] && pass "tiny NOFILE: the container still gets sane limits ($n)" || fail "container NOFILE $n"
else
	expect_match "tiny NOFILE: refused with the reason" "resource limits are too small"
	[ -z "$(cgroup_dirs_of lxt-a)" ] && pass "tiny NOFILE: refused before any cgroup was made" || fail "a cgroup was made"
fi

# Cases 8 and 11: while privileged the helper is not dumpable and has no core limit; after the
# drop only the result pipe is open and every credential is the user's.
"$HELPER" stop lxt-a >/dev/null
pause_at() { # pause_at STEP: start the hooked helper as lxt-a, print the pid of the stopped process
	setsid setpriv --reuid "$A_UID" --regid "$(gid_of lxt-a)" --clear-groups env LXLOGIN_TEST_PAUSE="$1" "$HOOKED" start >/dev/null 2>&1 &
	local sid=$!
	for i in $(seq 300); do
		for p in $(pgrep -s "$sid"); do
			[ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" = T ] && { echo "$sid $p"; return; }
		done
		sleep 0.1
	done
}
read -r sid pid < <(pause_at locked)
if [ -n "$pid" ]; then
	expect_match_file() { grep -qE "$2" "$3" && pass "$1" || fail "$1" "$(cat "$3")"; }
	expect_match_file "privileged helper: no core dumps" "^Max core file size +0 +0" "/proc/$pid/limits"
	as_user lxt-a cat "/proc/$pid/environ" >/dev/null 2>&1 && fail "the caller can read the privileged helper's memory" ||
		pass "privileged helper: not dumpable (the caller cannot read /proc/PID/environ)"
	[ "$(stat -c %u "/proc/$pid")" = 0 ] && pass "privileged helper: /proc/PID is root's" || fail "/proc/PID owner"
	kill -9 -- "-$sid"
else
	fail "the hooked helper never paused at 'locked'"
fi
read -r sid pid < <(pause_at dropped)
if [ -n "$pid" ]; then
	fds=$(ls "/proc/$pid/fd" | sort -n | tr '\n' ' ')
	[ "$fds" = "0 1 2 3 " ] && pass "after the drop only stdio and the result pipe are open" || fail "fds after the drop: $fds" "$(ls -l /proc/$pid/fd)"
	run cat "/proc/$pid/status"
	expect_match "after the drop: uids" "^Uid:	$A_UID	$A_UID	$A_UID	$A_UID$"
	expect_match "after the drop: no groups" "^Groups:[[:space:]]*$"
	for c in CapInh CapPrm CapEff CapAmb; do expect_match "after the drop: $c empty" "^$c:	0+$"; done
	kill -9 -- "-$sid"
else
	fail "the hooked helper never paused at 'dropped'"
fi
expect_rc "start after the paused runs were killed" 0 "$HELPER" start lxt-a
strings "$BUILD/lxlogin-helper" | grep -q LXLOGIN_TEST && fail "the release helper has a test switch" || pass "the release helper has no test switch"

# Cases 44 and 45: the rootfs mount exists only in the container's namespace, nodev; user dirs root's.
mon=$(monitor_of lxt-a)
grep " $LXT_RUN_DIR/rootfs/lxt-a " "/proc/$mon/mountinfo" | grep -q nodev && pass "the rootfs overlay is nodev" || fail "rootfs mount flags" "$(grep rootfs "/proc/$mon/mountinfo")"
grep -q " $LXT_RUN_DIR/rootfs/lxt-a " /proc/self/mountinfo && fail "the host sees the rootfs mount" || pass "the host's mount namespace never sees the rootfs"

# Cases 15 and 17: names planted in lxlogin's directories are refused, nothing lands outside.
"$HELPER" stop lxt-b >/dev/null 2>&1
mkdir -p "$LXT_RUN_DIR/rootfs" "$LXT_RUN_DIR/lock"
ln -sfn /etc "$LXT_RUN_DIR/rootfs/lxt-b"
expect_rc "a symlink at the rootfs mount point is refused" 1 "$HELPER" start lxt-b
[ -z "$(grep -c ' /etc ' /proc/[0-9]*/mountinfo 2>/dev/null | grep -v ':0$')" ] && pass "nothing was mounted on /etc" || fail "something mounted on /etc"
rm -f "$LXT_RUN_DIR/rootfs/lxt-b" "$LXT_RUN_DIR/lock/lxt-b.lock"
mkfifo "$LXT_RUN_DIR/lock/lxt-b.lock"
expect_rc "a FIFO as the lock is refused without blocking" 1 timeout 60 "$HELPER" start lxt-b
rm -f "$LXT_RUN_DIR/lock/lxt-b.lock"
ln -s /etc/passwd "$LXT_RUN_DIR/lock/lxt-b.lock"
sum=$(sha256sum /etc/passwd)
expect_rc "a symlink as the lock is refused" 1 "$HELPER" start lxt-b
[ "$(sha256sum /etc/passwd)" = "$sum" ] && pass "the symlink's target is untouched" || fail "/etc/passwd changed"
rm -f "$LXT_RUN_DIR/lock/lxt-b.lock"
expect_rc "with the plants gone, lxt-b starts" 0 "$HELPER" start lxt-b

# Cases 39 and 40: no range, a shared range, a range holding a real uid or 0: refused, never a default.
ct_user lxt-x
usermod --del-subuids 1-4294967294 lxt-x 2>/dev/null
usermod --del-subgids 1-4294967294 lxt-x 2>/dev/null
expect_rc "no subordinate range: refused" 1 "$HELPER" start lxt-x
expect_match "... naming the fix" "lxloginctl subid assign lxt-x"
a_start=$(subuid_of lxt-a)
usermod --add-subuids "$a_start-$((a_start + 65535))" --add-subgids "$a_start-$((a_start + 65535))" lxt-x
expect_rc "a range shared with lxt-a: refused" 1 "$HELPER" start lxt-x
expect_match "... naming the other owner" "overlaps lxt-a's"
usermod --del-subuids "$a_start-$((a_start + 65535))" --del-subgids "$a_start-$((a_start + 65535))" lxt-x
usermod --add-subuids "1000-66535" --add-subgids "1000-66535" lxt-x
expect_rc "a range holding real accounts' ids: refused" 1 "$HELPER" start lxt-x
expect_match "... naming the account" "contains (user|group) "
usermod --del-subuids "1000-66535" --del-subgids "1000-66535" lxt-x
expect_rc "lxloginctl subid assign gives a free range" 0 "$BUILD/lxloginctl" subid assign lxt-x
expect_rc "... and the user starts" 0 "$HELPER" start lxt-x
expect_rc "assign again says it has one" 0 "$BUILD/lxloginctl" subid assign lxt-x
expect_match "... and which" "already has uids"

finish
