#!/bin/bash
# squat.sh - SECURITY.md case 55 (issue 15, point 1): another host user binds, in the host's network
# namespace, every abstract socket name liblxc derives for a user's container (its command socket,
# lxc-monitord's), before the container starts and while logins race its start, silent or answering
# with a forged state and init (itself, pid 1, "no namespaces"). Over the real sshd the user's logins
# land in their own container, and the squatter never hears from anyone.
. "$(dirname "$0")/../lib.sh"
. "$SRC/tests/container-lib.sh"
. "$SRC/tests/sshd-lib.sh"
[ -x /usr/bin/python3 ] || skip "python3 is missing (package python3)"
ct_setup
sshd_setup || { fail "sshd did not start" "$(cat "$SSHD_DIR/sshd.log" 2>/dev/null)"; finish; exit; }

ct_user lxt-a
ssh_user_setup lxt-a
userdel -r lxt-sq >/dev/null 2>&1
useradd -M -s /bin/sh lxt-sq && CT_USERS+=(lxt-sq) # an ordinary host user, not contained
LXCPATH=$LXT_RUN_DIR/lxc/lxt-a
LOG=$SSHD_DIR/squatter.log
HOST_NET=$(readlink /proc/self/ns/net)
HOST_MNT=$(readlink /proc/self/ns/mnt)
SQ_PID=""

# --- which names liblxc binds for lxt-a's container: seen in its monitor's network namespace only
run ssh_as lxt-a hostname
expect_line "a first login starts lxt-a's container" "lxt-a"
MON=$(monitor_of lxt-a)
[ -n "$MON" ] && [ "$(readlink "/proc/$MON/ns/net")" != "$HOST_NET" ] &&
	pass "liblxc's monitor runs in a network namespace of its own" || fail "the monitor is in the host's network namespace"
NAMES=$(nsenter -n -t "$MON" cat /proc/net/unix | awk '$8 ~ /^@/ { print substr($8, 2) }' | grep -F "$LXCPATH" | sort -u)
printf '%s\n' "$NAMES" | grep -qxF "$LXCPATH/lxt-a/command" && pass "... and binds its command socket there" ||
	fail "no command socket in the monitor's namespace" "$NAMES"
grep -qF "$LXCPATH" /proc/net/unix && fail "a name of lxt-a's container is bound in the host's namespace" ||
	pass "none of them is bound in the host's network namespace"
run setpriv --reuid "$(uid_of lxt-sq)" --regid "$(gid_of lxt-sq)" --clear-groups nsenter -n -t "$MON" true
[ "$RC" != 0 ] && pass "another host user cannot enter the monitor's network namespace" || fail "lxt-sq entered it"
run setpriv --reuid "$(uid_of lxt-a)" --regid "$(gid_of lxt-a)" --clear-groups nsenter -n -t "$MON" true
[ "$RC" != 0 ] && pass "... nor can lxt-a" || fail "lxt-a entered it"

# squat [MODE]: as lxt-sq, bind every name (those seen, the command socket, lxc-monitord's) in the host's
# network namespace; MODE self|pid1 answers LXC's protocol with that init and no namespaces
squat() {
	local answer=()
	[ $# -gt 0 ] && answer=(--answer "$1")
	: >"$LOG"
	chmod 666 "$LOG"
	setpriv --reuid "$(uid_of lxt-sq)" --regid "$(gid_of lxt-sq)" --clear-groups -- \
		/usr/bin/python3 "$SRC/tests/squatter.py" --log "$LOG" "${answer[@]}" --monitor-of "$LXCPATH" \
		"$LXCPATH/lxt-a/command" $NAMES >"$SSHD_DIR/squatter.out" 2>&1 &
	SQ_PID=$!
	wait_for "the squatter binds its names" grep -qx ready "$SSHD_DIR/squatter.out" &&
		pass "lxt-sq holds every name (${1:-silent})"
}
unsquat() {
	if [ -n "$SQ_PID" ]; then
		kill "$SQ_PID" 2>/dev/null
		wait "$SQ_PID" 2>/dev/null
	fi
	SQ_PID=""
}
trap 'unsquat; ct_cleanup' EXIT

# inside WHAT: the last login ran in lxt-a's real container, never the host's or the squatter's namespaces
inside() {
	local init want_pid
	init=$(init_pid_of lxt-a)
	want_pid=$(readlink "/proc/$init/ns/pid" 2>/dev/null)
	expect_line "$1: the login lands in lxt-a's container" "host lxt-a"
	expect_line "... in its pid namespace" "pid $want_pid"
	expect_no_match "... never the host's mount namespace" "^mnt $HOST_MNT$"
	expect_no_match "... never the host's network namespace" "^net $HOST_NET$"
}
SESSION='echo "host $(hostname)"; echo "pid $(readlink /proc/self/ns/pid)"; echo "mnt $(readlink /proc/self/ns/mnt)"; echo "net $(readlink /proc/self/ns/net)"'
heard() {
	local n
	kill -0 "$SQ_PID" 2>/dev/null || fail "$1: the squatter is gone" "$(cat "$SSHD_DIR/squatter.out")"
	n=$(grep -c . "$LOG")
	[ "$n" = 0 ] && pass "$1: the squatter got not one connection" ||
		fail "$1: the squatter got $n connections ($(grep -c "from uid $(uid_of lxt-a) " "$LOG") from lxt-a)" "$(cat "$LOG")"
}

for mode in "" self pid1; do
	what=${mode:-silent}
	"$HELPER" stop lxt-a >/dev/null
	squat $mode
	run ssh_as lxt-a "$SESSION" # the container is stopped: this login starts it
	inside "$what squatter, first login"
	run ssh_as lxt-a "$SESSION" # it runs: this one only attaches
	inside "$what squatter, next login"
	run "$BUILD/lxloginctl" exec lxt-a -- sh -c "$SESSION"
	inside "$what squatter, lxloginctl exec"
	run "$BUILD/lxloginctl" status lxt-a
	expect_match "$what squatter: lxloginctl status says running" "^running $(init_pid_of lxt-a)$"
	heard "$what squatter"
	unsquat
done

# --- logins racing a start while the names are held
"$HELPER" stop lxt-a >/dev/null
squat self
rm -f "$SSHD_DIR"/race.*
racers=()
for i in 1 2 3 4 5; do
	ssh_as lxt-a "$SESSION" >"$SSHD_DIR/race.$i" 2>&1 &
	racers+=($!)
done
wait "${racers[@]}"
ok_n=0
for i in 1 2 3 4 5; do
	OUT=$(cat "$SSHD_DIR/race.$i")
	printf '%s\n' "$OUT" | grep -qxF "host lxt-a" && printf '%s\n' "$OUT" | grep -qxF "pid $(readlink "/proc/$(init_pid_of lxt-a)/ns/pid")" &&
		ok_n=$((ok_n + 1))
done
[ "$ok_n" = 5 ] && pass "5 logins racing the start all land in lxt-a's container" || fail "$ok_n of 5 racing logins landed inside" "$(cat "$SSHD_DIR"/race.*)"
heard "racing logins"
unsquat

finish
