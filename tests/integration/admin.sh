#!/bin/bash
# admin.sh - lxloginctl list/status/exec/restart/destroy/reap/doctor on real containers and a real
# sshd; idle stop; a simulated reboot (issue 7).
. "$(dirname "$0")/../lib.sh"
. "$SRC/tests/container-lib.sh"
. "$SRC/tests/sshd-lib.sh"
command -v python3 >/dev/null || skip "python3 is missing (scripts/install-deps installs it)"
ct_setup
syslog_setup
sshd_setup || { fail "sshd did not start" "$(cat "$SSHD_DIR/sshd.log" 2>/dev/null)"; finish; exit 1; }
CTL=$BUILD/lxloginctl
ct_user lxt-a "idle_stop = 3s"
ct_user lxt-b "idle_stop = never"
ct_user lxt-c "image = lxt-missing"
for u in lxt-a lxt-b lxt-c; do ssh_user_setup "$u"; done
json() { "$CTL" list --json | python3 -c "import json,sys; d={c['user']: c for c in json.load(sys.stdin)}; $1"; }

# --- list and status of stopped and running containers
expect_rc "list with nothing running" 0 "$CTL" list
expect_match "... a header" "^USER +STATE +IMAGE +INIT +MEMORY +PIDS +DISK +INODES +SESSIONS +UPTIME$"
expect_rc "ssh lxt-a true starts lxt-a's container" 0 ssh_as lxt-a true
expect_rc "ssh lxt-b true" 0 ssh_as lxt-b true
init_a=$(init_pid_of lxt-a)
run "$CTL" list
expect_match "list: lxt-a running on busybox, its init, memory and pids against limits" "^lxt-a +running +busybox +$init_a +[0-9.]+[KMG]?/256.0M +[0-9]+/200 +[^ ]+ +[^ ]+ +0 +[0-9]+s$"
run json 'c=d["lxt-a"]; print(c["state"], c["image"], c["init"], c["memory_max"], c["pids_max"], c["sessions"], type(c["memory"]).__name__, type(c["uptime"]).__name__)'
expect_line "list --json parses, with the same facts" "running busybox $init_a 268435456 200 0 int int"
run json 'print(sorted(d))'
expect_line "list --json: every user with a layer" "['lxt-a', 'lxt-b']"
expect_rc "stop lxt-b" 0 "$CTL" stop lxt-b
run "$CTL" list
expect_match "list: a stopped container shows - for its use (not 0B/0B)" "^lxt-b +stopped +busybox +- +- +- +[^ ]+ +[^ ]+ +0 +-$"
run json 'c=d["lxt-b"]; print(c["state"], c["memory"], c["memory_max"], c["pids"], c["init"])'
expect_line "... null in --json" "stopped None None None None"
expect_rc "ssh lxt-b true starts it again" 0 ssh_as lxt-b true
run "$CTL" status lxt-a
expect_line "status: first line as before" "running $init_a"
expect_match "status: memory against the limit" "^memory: +[0-9.]+[KMG]?/256.0M$"
expect_match "status: the config path" "^config: +$LXT_RUN_DIR/lxc/lxt-a/lxt-a/config$"
expect_line "status: no start error" "last error: none"
[ -f "$LXT_RUN_DIR/lxc/lxt-a/lxt-a/config" ] && pass "... and that config exists" || fail "no config at the path status gave"
expect_rc "status of an unknown user fails" 1 "$CTL" status lxt-nobody
run ssh_as lxt-c true
[ "$RC" != 0 ] && pass "ssh lxt-c (missing image) is refused" || fail "lxt-c got a session"
run "$CTL" status lxt-c
expect_match "status: the last start error, with its time" "^last error: 20[0-9-]+T[0-9:]+Z image 'lxt-missing' is not installed"
expect_rc "list as a user is refused" 2 as_user lxt-a "$CTL" list

# --- exec as the user and as root, with exit status and stdin passing through
run "$CTL" exec lxt-a -- id -un
expect_line "exec runs as the user inside" "lxt-a"
run "$CTL" exec --root lxt-a -- sh -c 'id -u; hostname'
expect_line "exec --root runs as root inside" "0"
expect_line "... in the container" "lxt-a"
expect_rc "exec passes the exit status" 7 "$CTL" exec lxt-a -- sh -c 'exit 7'
run sh -c "echo through-stdin | '$CTL' exec lxt-a -- cat"
expect_line "exec passes stdin" "through-stdin"
"$HELPER" stop lxt-b >/dev/null
expect_rc "exec into a stopped container fails with 2" 2 "$CTL" exec lxt-b -- true
expect_match "... saying it is not running" "not running"

# --- restart: a new init, the layer kept
"$CTL" exec --root lxt-a -- sh -c 'echo kept > /etc/kept' >/dev/null
expect_rc "restart" 0 "$CTL" restart lxt-a
new_a=$(init_pid_of lxt-a)
[ -n "$new_a" ] && [ "$new_a" != "$init_a" ] && pass "restart gives a new init ($init_a -> $new_a)" || fail "init after restart: '$new_a'"
run "$CTL" exec lxt-a -- cat /etc/kept
expect_line "... and keeps the layer" "kept"

# --- idle stop: stopped when idle past idle_stop, never while a session is open
# a session that lasts until we close its stdin
mkfifo "$SSHD_DIR/hold"
ssh_as lxt-a 'read x' < "$SSHD_DIR/hold" &
ssh_pid=$!
exec 7>"$SSHD_DIR/hold"
wait_for "lxt-a's session shows in list" sh -c "'$CTL' list | grep -Eq '^lxt-a +running .* 1 +[0-9]+[smhd]'"
pass "list counts the open session"
sleep 4 # past idle_stop = 3s
run "$CTL" reap
[ -n "$(init_pid_of lxt-a)" ] && pass "reap keeps a container with an open session" || fail "reap stopped a container in use" "$OUT"
exec 7>&-
wait "$ssh_pid" 2>/dev/null
wait_for "lxt-a's session ends" sh -c "'$CTL' list | grep -Eq '^lxt-a +running .* 0 +[0-9]+[smhd]'"
sleep 4
run "$CTL" reap
expect_match "reap after 3s without a session stops lxt-a" "^lxt-a: idle [0-9]+s \(idle_stop 3s\): stopped$"
[ -z "$(init_pid_of lxt-a)" ] && pass "... it is stopped" || fail "still running"
[ -z "$(cgroup_dirs_of lxt-a)" ] && pass "... and its cgroup is gone" || fail "cgroup left"
# processes of the user left running inside (detached, like nohup or tmux) keep it, unless idle_stop_if_processes = yes
ssh_as lxt-a 'setsid sleep 600 >/dev/null 2>&1 </dev/null &' </dev/null
wait_for "lxt-a's session ends" sh -c "'$CTL' list | grep -Eq '^lxt-a +running .* 0 +[0-9]+[smhd]'"
sleep 4
run "$CTL" reap
expect_match "reap keeps an idle container where the user's process runs" "^lxt-a: .*kept running: 1 process of the user inside"
printf 'idle_stop = 3s\nidle_stop_if_processes = yes\n' > "$LXT_CONFIG_DIR/users.d/lxt-a.conf"
run "$CTL" reap
expect_match "... and stops it with idle_stop_if_processes = yes" "^lxt-a: idle .*: stopped$"
ssh_as lxt-b true
sleep 4
run "$CTL" reap
[ -n "$(init_pid_of lxt-b)" ] && pass "idle_stop = never: reap leaves it running" || fail "never was stopped"

# --- destroy: container, layer and runtime state; the account stays
expect_rc "destroy without --yes off a terminal does nothing" 1 "$CTL" destroy lxt-b </dev/null
[ -n "$(init_pid_of lxt-b)" ] && pass "... still running" || fail "destroyed anyway"
expect_rc "destroy --yes" 0 "$CTL" destroy --yes lxt-b
[ -z "$(init_pid_of lxt-b)" ] && [ ! -e "$LXT_STATE_DIR/users/lxt-b" ] && [ ! -e "$LXT_RUN_DIR/lxc/lxt-b" ] &&
	[ -z "$(cgroup_dirs_of lxt-b)" ] && pass "... no container, layer, config or cgroup left" || fail "destroy left things"
id lxt-b >/dev/null 2>&1 && pass "... the account stays" || fail "account gone"
run json 'print("lxt-b" in d)'
expect_line "... and list no longer shows lxt-b" "False"
expect_rc "the next login makes a new container" 0 ssh_as lxt-b true

# --- reboot (SECURITY.md case 53): everything killed at once, cgroups gone, /run emptied; the next
# login works on the same layer
"$CTL" exec --root lxt-b -- sh -c 'echo survives > /etc/survives' >/dev/null
for f in /sys/fs/cgroup/*/"$LXT_CGROUP"; do
	find "$f" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u | while read -r pid; do kill -9 "$pid" 2>/dev/null; done
done
wait_for "every process of the instance is gone" sh -c "! find /sys/fs/cgroup/*/$LXT_CGROUP -name cgroup.procs -exec cat {} + 2>/dev/null | grep -q ."
for f in /sys/fs/cgroup/*/"$LXT_CGROUP"; do find "$f" -depth -type d -exec rmdir {} + 2>/dev/null; done
rm -rf "$LXT_RUN_DIR"
run ssh_as lxt-b 'cat /etc/survives'
expect_line "after a simulated reboot the login works, with the user's files" "survives"

# --- doctor: finds and removes what is lxlogin's and left behind, nothing else
mkdir -p "$LXT_RUN_DIR/rootfs/lxt-ghost" /tmp/lxt-notours
mount -t tmpfs lxt-stray "$LXT_RUN_DIR/rootfs/lxt-ghost"
mount -t tmpfs lxt-notours /tmp/lxt-notours
for h in /sys/fs/cgroup/pids /sys/fs/cgroup/unified /sys/fs/cgroup; do
	[ -e "$h/cgroup.procs" ] && [ -d "$h/$LXT_CGROUP" ] || continue
	mkdir -p "$h/$LXT_CGROUP/lxt-ghost/child" "$h/lxt-notours"
	GHOST_H=$h
	break
done
touch "$LXT_RUN_DIR/lock/lxt-ghost.lock"
exec 8<"$LXT_RUN_DIR/lock/lxt-b.lock"
flock -n 8 && pass "the test holds lxt-b's lock (as a start would)" || fail "cannot take lxt-b's lock"
# (doctor also reads sshd's configuration: the test sshd's, whose Match block covers these users)
DOCTOR=("$CTL" doctor --sshd-config "$SSHD_DIR/sshd_config")
run "${DOCTOR[@]}"
[ "$RC" = 1 ] && pass "doctor finds problems: exit 1" || fail "doctor exit $RC" "$OUT"
expect_match "... the stray mount" "^problem: stray mount $LXT_RUN_DIR/rootfs/lxt-ghost$"
expect_match "... the empty cgroup" "^problem: empty cgroup .*/$LXT_CGROUP/lxt-ghost$"
expect_match "... the unheld lock file, a note (not counted)" "^note: [0-9]+ lock files? nobody holds"
[ "$(printf '%s\n' "$OUT" | grep -c '^problem: ')" = "$(printf '%s\n' "$OUT" | sed -n 's/^doctor: \([0-9]*\) problems\{0,1\} found.*/\1/p')" ] &&
	pass "... every counted problem is a 'problem:' line" || fail "problem lines and the count differ" "$OUT"
expect_no_match "... not the live container's cgroup" "/lxt-b$"
expect_rc "doctor --fix" 0 "${DOCTOR[@]}" --fix
run "${DOCTOR[@]}"
expect_line "then doctor finds nothing" "doctor: 0 problems found, 0 fixed"
[ "$RC" = 0 ] && pass "... exit 0" || fail "doctor exit $RC after fix"
# SECURITY.md case 46: without a disk limit doctor says when the layers share the host's / or /var/log
shared=""
for d in /var/log /; do [ "$(stat -c %d "$LXT_STATE_DIR")" = "$(stat -c %d "$d")" ] && shared=$d; done
if [ -n "$shared" ]; then
	expect_match "doctor warns that the layers share $shared's filesystem" \
		"^note: $LXT_STATE_DIR shares a filesystem with $shared and no policy sets disk or inodes"
else
	expect_no_match "the layers have a filesystem of their own: no warning" "^note: $LXT_STATE_DIR shares"
fi
run unshare -m sh -c "mount -t tmpfs lxt-state '$LXT_STATE_DIR' && exec $(printf '%q ' "${DOCTOR[@]}")"
expect_no_match "on a filesystem of its own (a tmpfs, in a private mount namespace), no warning" "shares a filesystem"
expect_line "... and doctor runs" "doctor: 0 problems found, 0 fixed"
# issue 17: doctor notes when nothing reads syslog (where a refused login's details go), and only then
run unshare -m sh -c "mount --bind /dev/null /dev/log 2>/dev/null || mount -t tmpfs lxt-dev /dev; exec $(printf '%q ' "${DOCTOR[@]}")"
expect_match "doctor notes that nothing reads syslog" "^note: nothing reads syslog \(/dev/log: "
expect_line "... not counted as a problem" "doctor: 0 problems found, 0 fixed"
LOGW=$(mktemp -d /tmp/lxt-log.XXXXXX)
python3 -c 'import socket, sys, time; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1]); open(sys.argv[1] + ".up", "w").close(); time.sleep(600)' "$LOGW/log" &
LOG_READER=$!
wait_for "the test's syslog reader" test -e "$LOGW/log.up"
run unshare -m sh -c "{ [ -e /dev/log ] || mount -t tmpfs lxt-dev /dev && touch /dev/log; } && mount --bind '$LOGW/log' /dev/log && exec $(printf '%q ' "${DOCTOR[@]}")"
expect_no_match "... and no note while something reads it" "nothing reads syslog"
kill "$LOG_READER"
wait "$LOG_READER" 2>/dev/null
rm -rf "$LOGW"
! grep -q " $LXT_RUN_DIR/rootfs/lxt-ghost " /proc/self/mountinfo && [ ! -e "$GHOST_H/$LXT_CGROUP/lxt-ghost" ] &&
	[ ! -e "$LXT_RUN_DIR/lock/lxt-ghost.lock" ] && pass "the planted mount, cgroup and lock are gone" || fail "planted things left"
grep -q " /tmp/lxt-notours " /proc/self/mountinfo && [ -d "$GHOST_H/lxt-notours" ] && [ -e "$LXT_RUN_DIR/lock/lxt-b.lock" ] &&
	pass "a mount and a cgroup that are not lxlogin's, and a held lock, are untouched" || fail "doctor touched what is not its own"
exec 8<&-
[ -n "$(init_pid_of lxt-b)" ] && run ssh_as lxt-b 'cat /etc/survives' && [ "$OUT" = survives ] &&
	pass "the running container is untouched" || fail "doctor broke lxt-b"
umount /tmp/lxt-notours
rmdir /tmp/lxt-notours "$GHOST_H/lxt-notours"

# --- issue 16: an interactive login's first line is the user's usage against every limit, from the
# kernel's counters of their cgroup
echo "cpus = 1" >>"$LXT_CONFIG_DIR/users.d/lxt-b.conf"
expect_rc "restart lxt-b with cpus = 1" 0 "$CTL" restart lxt-b
run sh -c "printf 'exit\\n' | ssh -tt $(printf '%q ' "${SSH_OPTS[@]}") -p $SSHD_PORT lxt-b@127.0.0.1"
B=$(printf '%s\n' "$OUT" | grep '^lxlogin: your container: ' | tr -d '\r')
CG=$(ls -d /sys/fs/cgroup/memory/"$LXT_CGROUP"/lxt-b 2>/dev/null || ls -d /sys/fs/cgroup/"$LXT_CGROUP"/lxt-b)
PIDS_CG=$(ls -d /sys/fs/cgroup/pids/"$LXT_CGROUP"/lxt-b 2>/dev/null || echo "$CG")
[ -n "$B" ] && pass "an interactive login shows a line of usage against limits" || fail "no usage line" "$OUT"
printf '%s\n' "$B" | grep -qE "memory [0-9.]+[BKMG] of 256\.0M, " && pass "... memory against the 256M limit" || fail "... memory" "$B"
[ "$(cat "$PIDS_CG/pids.max")" = 200 ] && printf '%s\n' "$B" | grep -qE ", [1-9][0-9]* of 200 processes" &&
	pass "... processes against pids.max (200)" || fail "... processes" "$B"
printf '%s\n' "$B" | grep -qE ", cpus 1(, |$)" && pass "... and cpus 1 (the CPU quota)" || fail "... cpus" "$B"
run ssh_as lxt-b 'echo plain'
expect_no_match "... a command never gets it (its output stays the command's)" "your container"

# --- issue 16: nproc inside is ceil(cpus): the container runs on that many of the host's CPUs, the
# uid-th on (the quota stays the limit)
ncpu=$(grep -c ^processor /proc/cpuinfo)
run ssh_as lxt-b 'nproc; grep ^Cpus_allowed_list /proc/self/status'
if [ "$ncpu" -lt 2 ]; then
	echo "SKIPPED: nproc = ceil(cpus): this machine has one CPU, no fewer to confine to"
else
	expect_line "nproc inside is ceil(cpus) = 1 of the host's $ncpu" "1"
	cpu=$(( $(id -u lxt-b) % ncpu ))
	expect_match "... the CPU picked by uid ($cpu)" "^Cpus_allowed_list:[[:space:]]+$cpu\$"
	if [ -d /sys/fs/cgroup/cpuset/"$LXT_CGROUP"/lxt-b ]; then # v1: the container's cgroup, LXC's to set
		payload=/sys/fs/cgroup/cpuset$(awk -F: '$2 == "cpuset" { print $3 }' "/proc/$(init_pid_of lxt-b)/cgroup")
		[ "$(cat "$payload/cpuset.cpus")" = "$cpu" ] && [ "$(cat /sys/fs/cgroup/cpuset/"$LXT_CGROUP"/lxt-b/cpuset.cpus)" = "$(cat /sys/fs/cgroup/cpuset/cpuset.cpus)" ] &&
			pass "... the cpuset of the container's cgroup; lxt-b's own keeps every CPU (host-side session processes are not confined)" ||
			fail "... cpusets" "container $(cat "$payload/cpuset.cpus"), lxt-b's $(cat /sys/fs/cgroup/cpuset/"$LXT_CGROUP"/lxt-b/cpuset.cpus)"
	else
		[ "$(cat /sys/fs/cgroup/"$LXT_CGROUP"/lxt-b/cpuset.cpus)" = "$cpu" ] && pass "... the cpuset of lxt-b's cgroup" ||
			fail "... lxt-b's cpuset" "$(cat /sys/fs/cgroup/"$LXT_CGROUP"/lxt-b/cpuset.cpus)"
	fi
fi

# --- issue 16: lxlogin-usage inside shows the same: the limits of the start, the use from the
# counters of lxt-b's cgroup (read here, while the session inside waits, as the banner reads them)
FIFO=$(mktemp -u /tmp/lxt-usage.XXXXXX)
mkfifo "$FIFO"
exec 7<>"$FIFO"
ssh_as lxt-b 'lxlogin-usage -r; lxlogin-usage; echo ready; read x' <"$FIFO" >"$FIFO.out" 2>&1 &
USAGE_SSH=$!
for _ in $(seq 600); do grep -q '^ready' "$FIFO.out" 2>/dev/null && break; sleep 0.1; done
host_mem=$(cat "$CG/memory.usage_in_bytes" 2>/dev/null || cat "$CG/memory.current")
host_pids=$(cat "$PIDS_CG/pids.current")
echo go >&7
wait "$USAGE_SSH"
exec 7>&-
OUT=$(cat "$FIFO.out")
rm -f "$FIFO" "$FIFO.out"
field() { awk -v k="$1" -v n="$2" '$1 == k { print $n; exit }' <<<"$OUT"; }
[ "$(field memory 3)" = 268435456 ] && [ "$(field swap 3)" = 0 ] && [ "$(field pids 3)" = 200 ] &&
	[ "$(field cpu 3)" = 100000/100000 ] && pass "lxlogin-usage -r: the limits are the policy's (256M, swap 0, 200, cpus 1)" ||
	fail "lxlogin-usage -r limits" "$OUT"
mem_in=$(field memory 2)
pids_in=$(field pids 2)
[[ "$mem_in" =~ ^[0-9]+$ ]] && [ "$mem_in" -gt 0 ] && [ $((mem_in - host_mem)) -lt $((8 << 20)) ] && [ $((host_mem - mem_in)) -lt $((8 << 20)) ] &&
	pass "... memory used is lxt-b's cgroup's counter ($mem_in inside, $host_mem read here)" ||
	fail "memory inside '$mem_in', lxt-b's cgroup's $host_mem"
# inside, the script, its counter's subshell and head ran too; here only the waiting session's shell
[[ "$pids_in" =~ ^[0-9]+$ ]] && [ "$pids_in" -ge "$host_pids" ] && [ "$pids_in" -le $((host_pids + 4)) ] &&
	pass "... processes are lxt-b's cgroup's counter ($pids_in inside, $host_pids here)" ||
	fail "processes inside '$pids_in', lxt-b's cgroup's $host_pids"
[[ "$(field cpu 2)" =~ ^[1-9][0-9]*$ ]] && pass "... and the CPU time used ($(field cpu 2) µs)" || fail "... CPU time" "$OUT"
expect_match "... and in words: memory of 256.0M" "^memory +[0-9.]+[BKMG] of 256\.0M$"
expect_match "... processes of 200" "^processes +[0-9]+ of 200$"
expect_match "... cpus 1, with the CPU time used" "^cpus +1 \([0-9.]+ s of CPU time used so far\)$"
run "$CTL" exec --root lxt-b -- sh -c 'echo memory max >>/etc/lxlogin/limits; echo >>/usr/bin/lxlogin-usage'
[ "$RC" != 0 ] && ! grep -q "memory max" "$LXT_RUN_DIR/lxc/lxt-b/lxt-b/limits" && cmp -s "$SRC/shell/lxlogin-usage" "$BIN/lxlogin-usage" &&
	pass "... root inside cannot change the limits file or the command (host root's, bound read-only)" || fail "root inside wrote them" "$OUT"

# --- issue 16, limits visible: with lxcfs started as lxloginctl(8) says (its CPU view on), free,
# /proc/meminfo, /proc/cpuinfo and uptime inside are the container's; doctor warns without it
if ! command -v lxcfs >/dev/null; then
	echo "SKIPPED: lxcfs view of /proc: lxcfs is not installed"
else
	if [ ! -e /var/lib/lxcfs/proc/meminfo ]; then
		run "$CTL" doctor
		expect_match "doctor warns that lxcfs does not run" "^note: lxcfs does not run"
		lxcfs_up
		run "$CTL" doctor
		expect_no_match "... and no longer once it runs with --enable-cfs" "lxcfs"
	else
		echo "SKIPPED: doctor's lxcfs warning: an lxcfs of this machine runs already"
		lxcfs_up
	fi
	expect_rc "restart lxt-b with lxcfs running" 0 "$CTL" restart lxt-b
	run ssh_as lxt-b "awk '/^MemTotal/ { print \$2 }' /proc/meminfo; grep -c ^processor /proc/cpuinfo; echo online \$(cat /sys/devices/system/cpu/online); cut -d' ' -f1 /proc/uptime"
	expect_line "inside, /proc/meminfo shows the 256M limit (lxcfs)" "262144"
	expect_line "... /proc/cpuinfo shows ceil(cpus) = 1 CPU" "1"
	expect_line "... so does /sys/devices/system/cpu/online (lxcfs's CPU directory bound in)" "online 0"
	grep -q "lxcfs.*sys/devices/system/cpu" "$LXT_RUN_DIR/lxc/lxt-b/lxt-b/config" && ! grep -q "^lxc.hook" "$LXT_RUN_DIR/lxc/lxt-b/lxt-b/config" &&
		pass "... by mount entries in its config, no hook" || fail "the config's lxcfs lines" "$(grep -n "lxcfs\|hook" "$LXT_RUN_DIR/lxc/lxt-b/lxt-b/config")"
	up_in=$(printf '%s\n' "$OUT" | tail -1 | cut -d. -f1)
	up_init=$(ps -o etimes= -p "$(init_pid_of lxt-b)" | tr -d ' ')
	[ -n "$up_in" ] && [ "$up_in" -le "$((up_init + 5))" ] && [ "$up_in" -ge "$((up_init - 5))" ] &&
		pass "... /proc/uptime is the container's ($up_in s, its init's age $up_init s)" ||
		fail "uptime inside $up_in s, the init's age $up_init s, the host's $(cut -d' ' -f1 /proc/uptime)"
	"$HELPER" stop lxt-b >/dev/null
	lxcfs_down
fi

# --- issue 15, point 4: an admin can always stop and remove what lxlogin started, whatever the
# policy says now; destroy leaves no mount point or lock file
ct_user lxt-d "idle_stop = 3s"
ssh_user_setup lxt-d
expect_rc "ssh lxt-d true" 0 ssh_as lxt-d true
rm "$LXT_CONFIG_DIR/users.d/lxt-d.conf"
run "$CTL" status lxt-d
expect_line "status with lxt-d's policy file removed while it runs" "running $(init_pid_of lxt-d)"
expect_match "... says the policy no longer contains lxt-d" "^image: +busybox \(policy: no users.d/lxt-d.conf"
expect_rc "stop with the policy file removed" 0 "$CTL" stop lxt-d
[ -z "$(init_pid_of lxt-d)" ] && [ -z "$(cgroup_dirs_of lxt-d)" ] && pass "... it is stopped, its cgroup gone" || fail "lxt-d still runs"
printf 'idle_stop = 3s\n' >"$LXT_CONFIG_DIR/users.d/lxt-d.conf"
expect_rc "lxt-d contained again, a login starts it" 0 ssh_as lxt-d true
D_START=$(subuid_of lxt-d)
printf 'lxt-a:%s:65536\n' "$D_START" >>/etc/subuid # another user given lxt-d's range
expect_rc "a start is refused while lxt-a's range overlaps lxt-d's" 1 "$CTL" restart lxt-d
expect_match "... saying so" "overlaps lxt-a's in /etc/subuid"
run ssh_as lxt-d true
[ "$RC" != 0 ] && pass "... and so is lxt-d's login (fail closed), while the container runs" || fail "lxt-d logged in with an overlapping range"
expect_rc "exec still works with the ranges overlapping" 0 "$CTL" exec lxt-d -- true
expect_rc "stop with the ranges overlapping" 0 "$CTL" stop lxt-d
expect_rc "destroy --yes with the ranges overlapping" 0 "$CTL" destroy --yes lxt-d
[ ! -e "$LXT_STATE_DIR/users/lxt-d" ] && [ ! -e "$LXT_RUN_DIR/rootfs/lxt-d" ] && [ ! -e "$LXT_RUN_DIR/lock/lxt-d.lock" ] &&
	[ ! -e "$LXT_RUN_DIR/user/lxt-d" ] && pass "... no layer, rootfs mount point, lock file or runtime dir left" ||
	fail "destroy left things" "$(ls -d "$LXT_STATE_DIR/users/lxt-d" "$LXT_RUN_DIR"/*/lxt-d* 2>&1)"
sed -i "/^lxt-a:$D_START:65536\$/d" /etc/subuid

# --- one definition of a session for list, status and reap: a ControlMaster that ran one command
# and stays open is one session in all three (SSH connection = session, whatever it runs)
ct_user lxt-e "idle_stop = 3s"
ssh_user_setup lxt-e
CM=(-o ControlMaster=yes -o "ControlPath=$SSHD_DIR/cm-%r" -o ControlPersist=yes)
expect_rc "a ControlMaster connection runs a command and stays open" 0 \
	ssh "${SSH_OPTS[@]}" "${CM[@]}" -p "$SSHD_PORT" lxt-e@127.0.0.1 true
run "$CTL" list
expect_match "list counts the open ControlMaster as one session" "^lxt-e +running .* 1 +[0-9]+[smhd]$"
run "$CTL" status lxt-e
expect_line "status: one session" "sessions:   1"
expect_match "status: in a session" "^idle: +in a session"
sleep 4 # past idle_stop = 3s
run "$CTL" reap
[ -n "$(init_pid_of lxt-e)" ] && pass "reap keeps it, as list and status say" || fail "reap stopped a container with a session"
ssh "${SSH_OPTS[@]}" -o "ControlPath=$SSHD_DIR/cm-%r" -O exit -p "$SSHD_PORT" lxt-e@127.0.0.1 2>/dev/null
wait_for "the ControlMaster's session ends" sh -c "'$CTL' list | grep -Eq '^lxt-e +running .* 0 +[0-9]+[smhd]$'"
run "$CTL" status lxt-e
expect_line "... status: no session" "sessions:   0"
sleep 4
run "$CTL" reap
expect_match "... and reap stops it" "^lxt-e: idle [0-9]+s \(idle_stop 3s\): stopped$"

# --- issue 15, point 2 (SECURITY.md case 56): an account made again under a name whose layer stays
# (userdel keeps it, as it should) never gets that layer, even with the old subordinate range
ct_user lxt-r
ssh_user_setup lxt-r
expect_rc "lxt-r writes into their container" 0 ssh_as lxt-r 'echo private > /tmp/old-account'
"$CTL" stop lxt-r >/dev/null
OLD_UID=$(uid_of lxt-r) OLD_GID=$(gid_of lxt-r) OLD_RANGE=$(subuid_of lxt-r)
userdel -r lxt-r 2>/dev/null
groupdel lxt-r 2>/dev/null
run "${DOCTOR[@]}"
expect_line "doctor names the layer whose account is gone" "problem: layer $LXT_STATE_DIR/users/lxt-r: its account (uid $OLD_UID) no longer exists (lxloginctl destroy lxt-r removes it)"
run "$CTL" status lxt-r
expect_match "status still works, from the layer's record" "^user: +lxt-r \(uid $OLD_UID; subordinate ids $OLD_RANGE-"
groupadd -g $((OLD_GID + 100)) lxt-r
useradd -m -u $((OLD_UID + 100)) -g lxt-r -s /bin/sh lxt-r
"$BUILD/lxloginctl" subid assign lxt-r >/dev/null
[ "$(subuid_of lxt-r)" = "$OLD_RANGE" ] && pass "the new lxt-r (uid $((OLD_UID + 100)), gid $((OLD_GID + 100))) gets the old range, the first free one" ||
	fail "the new account got range $(subuid_of lxt-r), not $OLD_RANGE"
ssh_user_setup lxt-r
run ssh_as lxt-r 'cat /tmp/old-account'
[ "$RC" != 0 ] && pass "the new account gets no session" || fail "the new account got a session" "$OUT"
expect_no_match "... and never the old account's files" "^private$"
expect_match "... saying why, naming lxloginctl reset" "made for another account of that name \(uid $OLD_UID.*'lxloginctl reset lxt-r'"
run "${DOCTOR[@]}"
expect_match "doctor names the layer made for another uid" "^problem: layer $LXT_STATE_DIR/users/lxt-r: made for uid $OLD_UID, but lxt-r is uid $((OLD_UID + 100)) now"
rm -rf "$LXT_RUN_DIR/user/lxt-r" "$LXT_RUN_DIR/lxc/lxt-r" # a reboot: no runtime state of the old account left
run ssh_as lxt-r 'cat /tmp/old-account'
[ "$RC" != 0 ] && pass "after a reboot, still no session" || fail "after a reboot the new account got a session" "$OUT"
expect_no_match "... and not the old files" "^private$"
expect_rc "lxloginctl reset --yes lxt-r" 0 "$CTL" reset --yes lxt-r
run ssh_as lxt-r 'id -u; cat /tmp/old-account 2>/dev/null || echo fresh'
expect_line "then the new account logs in, as itself" "$((OLD_UID + 100))"
expect_line "... on a fresh layer" "fresh"

finish
