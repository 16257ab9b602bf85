#!/bin/bash
# lxd_cluster.sh - backend = lxd (issue 20): logins through a gateway sshd land in the users' own
# instances of a three-member LXD cluster on this machine (tests/lxd-lib.sh: each member in its own
# network namespace, no route out), with the policy's limits; a member down refuses its users only;
# reap and destroy work through the API.
. "$(dirname "$0")/../lib.sh"
. "$SRC/tests/lxd-lib.sh"
why=$(lxd_missing)
[ -z "$why" ] || skip "$why"
. "$SRC/tests/container-lib.sh"
. "$SRC/tests/sshd-lib.sh"
debian_sshd_setup scp sftp rsync
BG=() # background clients and servers of the forwarding checks
trap 'for p in "${BG[@]}"; do kill "$p" 2>/dev/null; done; ct_cleanup; lxd_cluster_down' EXIT
# not in a subshell: what lxd_cluster_up records (whether it made lxc.pivot) is for lxd_cluster_down
lxd_cluster_up >"$SSHD_DIR/lxd-up.log" 2>&1 ||
	{ fail "the test cluster did not form" "$(cat "$SSHD_DIR/lxd-up.log")"; finish; exit 1; }
pass "cluster: three LXD members, each in its own network namespace"
run ip -n lxt-lxd2 route get 192.0.2.1
expect_match "cluster: a member has no route out of the machine" "unreachable"

SOCK=$(lxd_dir 1)/unix.socket
lxc_p() { lxd_on 1 --project "$LXT_LXD_PROJECT" "$@"; }
cat >> "$LXT_CONFIG_DIR/lxlogin.conf" <<CONF
backend = lxd
lxd_socket = $SOCK
lxd_project = $LXT_LXD_PROJECT
CONF
run "$CTL" policy check
last_rc() { [ "$RC" = 0 ] && pass "$1" || fail "$1 (exit $RC)" "$OUT"; }
last_rc "policy check accepts backend = lxd"
# what a publish killed midway leaves: its work directory, cleared by the next one
mkdir -p "$LXT_STATE_DIR/images/.publish-$DEBIAN_IMAGE" && head -c 1M /dev/zero > "$LXT_STATE_DIR/images/.publish-$DEBIAN_IMAGE/image.tar"
run "$CTL" image publish "$DEBIAN_IMAGE"
last_rc "lxloginctl image publish $DEBIAN_IMAGE"
expect_line "... clears what an interrupted publish left" "lxloginctl: cleared .publish-$DEBIAN_IMAGE, left by an interrupted run"
[ ! -e "$LXT_STATE_DIR/images/.publish-$DEBIAN_IMAGE" ] && pass "... and leaves no work directory" || fail "work directory left"
run lxd_on 1 image list --format csv -c l
expect_line "... LXD has it as lxlogin/$DEBIAN_IMAGE" "lxlogin/$DEBIAN_IMAGE"

USERS=(lxt-c1 lxt-c2 lxt-c3 lxt-c4 lxt-c5 lxt-c6)
for u in "${USERS[@]}"; do
	ct_user "$u" "image = $DEBIAN_IMAGE" "memory = 256M" "pids = 100" "root = no"
	ssh_user_setup "$u"
done

# --- first logins: each in its own instance, placed across the members
in=0
for u in "${USERS[@]}"; do
	run ssh_as "$u" 'hostname; id -un; id -u; pwd'
	if [ "$RC" = 0 ] && [ "$(printf '%s\n' "$OUT" | tail -4 | tr '\n' ' ')" = "$u $u $(uid_of "$u") /home/$u " ]; then
		pass "first login of $u: in its instance, as itself, in its home"
		in=$((in + 1))
	else
		fail "first login of $u (exit $RC)" "$OUT"
	fi
done
[ "$in" = 6 ] || { finish; exit 1; } # what follows needs them
run lxc_p list --format csv -c n,s,L
members=$(printf '%s\n' "$OUT" | awk -F, '/^lxt-c/ && $2 == "RUNNING" { print $3 }' | sort -u | wc -l)
[ "$(printf '%s\n' "$OUT" | grep -c '^lxt-c.*,RUNNING,')" = 6 ] && pass "six instances run" || fail "instances" "$OUT"
[ "$members" -ge 2 ] && pass "... on $members members" || fail "... all on one member" "$OUT"
run "$CTL" list
for u in lxt-c1 lxt-c2; do
	m=$(lxc_p list --format csv -c n,L | awk -F, -v u="$u" '$1 == u { print $2 }')
	expect_match "lxloginctl list: $u running on $m" "^$u +running +$m "
done
run "$CTL" status lxt-c1
expect_match "lxloginctl status: running on its member" "^running on n[123]$"
run "$CTL" doctor
expect_line "doctor: the cluster's members, all online" "lxd: 3 of 3 cluster members online ($SOCK, project $LXT_LXD_PROJECT)"
expect_line "doctor: the site's default image, not published, is named" \
	"problem: the default image busybox is not in LXD as lxlogin/busybox (lxloginctl image publish busybox)"
expect_no_match "... and no user's image is missing" "^problem: lxt-c"
sed -i "s/^image = busybox$/image = $DEBIAN_IMAGE/" "$LXT_CONFIG_DIR/lxlogin.conf"
sed -i "s/^image = $DEBIAN_IMAGE$/image = busybox/" "$LXT_CONFIG_DIR/users.d/lxt-c6.conf"
run "$CTL" doctor
expect_match "doctor: a user's image that LXD lacks is named" "^problem: lxt-c6's image busybox is not in LXD as lxlogin/busybox"
expect_no_match "... and the default, published, is not" "^problem: the default image"
sed -i "s/^image = $DEBIAN_IMAGE$/image = busybox/" "$LXT_CONFIG_DIR/lxlogin.conf"
sed -i "s/^image = busybox$/image = $DEBIAN_IMAGE/" "$LXT_CONFIG_DIR/users.d/lxt-c6.conf"

# --- the session: exit status, bytes, stderr apart, transfers
expect_rc "exit status 42 comes back" 42 ssh_as lxt-c1 'exit 42'
W=$LXT_STATE_DIR/work
mkdir -p "$W"
head -c 10485760 /dev/urandom > "$W/ten.bin"
want=$(sha256sum < "$W/ten.bin" | cut -d' ' -f1)
got=$(ssh_as lxt-c1 cat < "$W/ten.bin" | sha256sum | cut -d' ' -f1)
[ "$got" = "$want" ] && pass "10 MB through cat, byte for byte" || fail "10 MB through cat: $got"
ssh_as lxt-c1 'echo to-out; echo to-err >&2' > "$W/o" 2> "$W/e"
[ "$(cat "$W/o")" = to-out ] && [ "$(cat "$W/e")" = to-err ] && pass "stdout and stderr stay apart" ||
	fail "stdout/stderr" "$(cat "$W/o" "$W/e")"
expect_rc "scp upload" 0 scp "${SSH_OPTS[@]}" -P "$SSHD_PORT" "$W/ten.bin" lxt-c1@127.0.0.1:ten.bin
run ssh_as lxt-c1 "sha256sum < ten.bin | cut -d' ' -f1; stat -c %U ten.bin"
expect_line "... same bytes inside" "$want"
expect_line "... the user's file" "lxt-c1"
rm -f "$W/back.bin"
expect_rc "scp download" 0 scp "${SSH_OPTS[@]}" -P "$SSHD_PORT" lxt-c1@127.0.0.1:ten.bin "$W/back.bin"
[ "$(sha256sum < "$W/back.bin" | cut -d' ' -f1)" = "$want" ] && pass "... same bytes back" || fail "scp download"
run sftp -b - "${SSH_OPTS[@]}" -P "$SSHD_PORT" lxt-c1@127.0.0.1 <<< $'mkdir sftpdir\nput '"$W/o"$' sftpdir/o\nls sftpdir'
expect_match "sftp: mkdir, put, ls" "sftpdir/o"
mkdir -p "$W/tree/sub" && echo one > "$W/tree/a" && echo two > "$W/tree/sub/b"
expect_rc "rsync a tree up" 0 rsync -a -e "$SSH_CMD" "$W/tree/" lxt-c1@127.0.0.1:tree/
run ssh_as lxt-c1 'cat tree/a tree/sub/b'
expect_line "... it is there" "two"
run ssh_as lxt-c1 'ls ten.bin sftpdir tree'
expect_match "a second login finds the same instance and its files" "^ten.bin$"

# --- a terminal: a pty of the right size, resize, Ctrl-C, the login seen inside
term_start "$(ssh_term lxt-c2)"
wait_screen '\$ *$' && pass "pty: an interactive login gets a prompt" || fail "pty: no prompt" "$(screen)"
type_line 'tty; stty size'
wait_screen '^24 80$' && pass "pty: a terminal of 24x80" || fail "pty: size" "$(screen)"
"${TM[@]}" resize-window -t lxt -x 100 -y 30 2>/dev/null || "${TM[@]}" resize-pane -t lxt -x 100 -y 30
type_line 'clear; stty size'
wait_screen '^30 100$' && pass "pty: the resize reaches it (30x100)" || fail "pty: resize" "$(screen)"
type_line 'sleep 300; echo after-sleep'
sleep 1
"${TM[@]}" send-keys -t lxt C-c
type_line 'echo rc-was-$?'
wait_screen '^rc-was-130$' && pass "pty: Ctrl-C interrupts the command inside" || fail "pty: Ctrl-C" "$(screen)"
type_line 'who | grep -c lxt-c2'
wait_screen '^1$' && pass "pty: the login is seen inside (who)" || fail "pty: who" "$(screen)"
type_line 'exit'
term_gone && pass "pty: exit ends the session" || fail "pty: still open" "$(screen)"

# --- limits are the policy's, and nothing the session holds reaches the cluster
run ssh_as lxt-c3 'python3 -c "x = bytearray(1 << 30)" 2>&1; echo rc=$?'
expect_match "memory: a 1 GiB allocation is killed inside (memory = 256M)" "^rc=(137|1)$"
run ssh_as lxt-c3 'for i in $(seq 150); do sleep 30 & done 2>&1 | grep -c -i "resource\|fork" ; kill $(jobs -p) 2>/dev/null; true'
expect_match "pids: forks past 100 are refused inside" "^[1-9][0-9]*$"
m=$(lxc_p list --format csv -c n,L | awk -F, '$1 == "lxt-c3" { print $2 }')
run lxc_p config get lxt-c3 limits.memory
expect_line "the instance's limits.memory is the policy's" "268435456B"
run ssh_as lxt-c3 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max'
expect_line "... which the kernel enforces inside" "268435456"
run ssh_as lxt-c3 'echo 2147483648 > /sys/fs/cgroup/memory/memory.limit_in_bytes; echo max > /sys/fs/cgroup/memory.max'
expect_match "the user cannot raise it from inside" "(Permission denied|Read-only)"
# the admin's commands on an instance wherever it is; a policy change reaches it at its next start
m2=$(lxc_p list --format csv -c n,L | awk -F, '$1 == "lxt-c2" { print $2 }')
run "$CTL" exec lxt-c2 -- sh -c 'echo "host=$(hostname) user=$(id -un)"'
expect_line "lxloginctl exec: in lxt-c2's instance (on $m2), as the user" "host=lxt-c2 user=lxt-c2"
run "$CTL" exec --root lxt-c2 -- id -u
expect_line "lxloginctl exec --root: root inside" "0"
expect_rc "lxloginctl exec: the command's exit status" 7 "$CTL" exec lxt-c2 -- sh -c 'exit 7'
sed -i 's/^memory = 256M$/memory = 128M/' "$LXT_CONFIG_DIR/users.d/lxt-c3.conf"
expect_rc "lxloginctl restart lxt-c3" 0 "$CTL" restart lxt-c3
run lxc_p config get lxt-c3 limits.memory
expect_line "... the new memory = 128M is the instance's" "134217728B"
run ssh_as lxt-c3 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max'
expect_line "... and the kernel's inside" "134217728"
expect_rc "lxloginctl stop lxt-c3" 0 "$CTL" stop lxt-c3
run "$CTL" status lxt-c3
expect_match "... status: stopped on its member" "^stopped on n[123]$"
# disk: the size of the instance's own root disk; inodes: none in LXD, so refused (quota = require)
printf 'inodes = 100000\n' >> "$LXT_CONFIG_DIR/users.d/lxt-c3.conf"
run ssh_as lxt-c3 true
[ "$RC" != 0 ] && pass "inodes = set, quota = require: no session (LXD has no inode limit)" || fail "inodes: got in" "$OUT"
expect_match "... and the user is told why" "LXD has no inode limit"
sed -i '/^inodes = /d' "$LXT_CONFIG_DIR/users.d/lxt-c3.conf"
printf 'disk = 1G\n' >> "$LXT_CONFIG_DIR/users.d/lxt-c3.conf"
if [ "$LXT_LXD_DRIVER" = btrfs ]; then
	run ssh_as lxt-c3 'head -c 1500M /dev/zero 2>&1 >fill; echo rc=$?; stat -c %s fill; rm -f fill'
	expect_match "disk = 1G: a 1.5 GB write is stopped inside" "(Disk quota exceeded|No space left)"
	[ "$(printf '%s\n' "$OUT" | tail -1)" -lt 1073741824 ] 2>/dev/null && pass "... before 1 GiB is written" ||
		fail "disk: the write went past 1 GiB" "$OUT"
else
	run ssh_as lxt-c3 true
	echo "SKIPPED: disk = 1G enforced inside: the test cluster's pool is dir (no btrfs here), where LXD enforces no size"
fi
run lxc_p config device get lxt-c3 root size
expect_line "... it is the size of the instance's root disk" "1073741824B"
run lxc_p storage show local
expect_line "... on the $LXT_LXD_DRIVER pool" "driver: $LXT_LXD_DRIVER"
sed -i '/^disk = /d' "$LXT_CONFIG_DIR/users.d/lxt-c3.conf"
expect_rc "without disk, lxloginctl restart lxt-c3" 0 "$CTL" restart lxt-c3
run lxc_p config device get lxt-c3 root size
expect_line "... lifts the size" ""
expect_rc "lxloginctl stop lxt-c3" 0 "$CTL" stop lxt-c3
run ssh_as lxt-c3 'ls -a /dev/lxd 2>&1; ls /var/lib/lxd 2>&1'
expect_no_match "no LXD socket inside the instance" "sock|unix.socket"
run as_user lxt-c3 env LXD_SOCKET="$SOCK" LXD_CONF=/tmp/lxt-lxc-conf lxc list
[ "$RC" != 0 ] && pass "on the gateway the user cannot use the cluster's socket" || fail "the user listed the cluster" "$OUT"
ssh_as lxt-c4 'sleep 60' &
bgssh=$!
wait_for "lxt-c4's session client runs" pgrep -u 0 -f "exec lxt-c4"
cpid=$(pgrep -u 0 -f "exec lxt-c4" | head -1)
[ -n "$cpid" ] || cpid=1 # (failed above) an answer for pid 1 would not be the client's
run as_user lxt-c4 kill -0 "$cpid"
[ "$RC" != 0 ] && pass "the user cannot signal their session's client (root's)" || fail "kill -0 worked" "$OUT"
run as_user lxt-c4 cat "/proc/$cpid/environ"
[ "$RC" != 0 ] && pass "... nor read its environment" || fail "read environ" "$OUT"
run as_user lxt-c4 ls "/proc/$cpid/fd"
[ "$RC" != 0 ] && pass "... nor its fds" || fail "listed fds" "$OUT"

# SECURITY.md case 69: the helper's shell, called by the user by hand
run as_user lxt-c1 "$HELPER" shell -c 'hostname; id -u'
expect_line "helper shell by hand: the caller's own instance" "lxt-c1"
expect_rc "... naming another user is a usage error" 2 as_user lxt-c1 "$HELPER" shell lxt-c2
expect_rc "... so is an argument after the command" 2 as_user lxt-c1 "$HELPER" shell -c hostname lxt-c2
expect_rc "... and an option of LXD's client" 2 as_user lxt-c1 "$HELPER" shell --project default -c hostname
run as_user lxt-c1 "$HELPER" shell "term=--user=0" -c 'echo "term=$TERM"; id -u'
expect_no_match "... an option-like TERM is left out" "^term=--user=0$"
expect_line "... and the session is still the user's" "$(uid_of lxt-c1)"
run as_user lxt-c1 "$HELPER" shell "conn=-u 0 x;y" -c 'echo "conn=$SSH_CONNECTION"'
expect_line "... an SSH_CONNECTION that is not four address and port fields is left out" "conn="
run as_user lxt-c1 "$HELPER" shell "conn=10.0.0.1 50000 fd00::2 22" -c 'echo "conn=$SSH_CONNECTION"'
expect_line "... one that is, is the session's" "conn=10.0.0.1 50000 fd00::2 22"

# --- forwarding: lxlogin-sshd (published into the image) serves the stanza's inner login over the
# session's stdio, so -L, -W, -R and -A happen in the instance, on whichever member holds it
ssh_as lxt-c1 'mkdir -p -m 0700 .ssh && cat > .ssh/authorized_keys' < "$SSHD_DIR/client.pub"
ssh_as lxt-c1 'cat > fwd_server.py' < "$SRC/tests/fwd_server.py"
run ssh_as lxt-c1 'lxlogin-sshd --config'
STANZA=$OUT
ALIAS=$(printf '%s\n' "$STANZA" | sed -n 's/^Host //p')
[ "$ALIAS" = lxt-c1.lxlogin ] && pass "lxlogin-sshd --config in an LXD instance: Host $ALIAS" || fail "stanza" "$STANZA"
expect_line "... the gateway's address and port, from the session's SSH_CONNECTION" "	Port $SSHD_PORT"
run ssh_as lxt-c1 'lxlogin-sshd --known-hosts'
KNOWN=$OUT
run ssh_as lxt-c1 'stat -c "%U %a" /etc/lxlogin/sshd'
expect_line "... its host key directory is the user's (made by lxlogin-identity)" "lxt-c1 700"
CFG=$W/ssh_config
{
	printf '%s\n' "$STANZA" | sed "s|ProxyCommand ssh |ProxyCommand ssh -F $CFG |"
	printf 'Host *\n\tIdentityFile %s\n\tUserKnownHostsFile %s\n\tStrictHostKeyChecking yes\n\tBatchMode yes\n' \
		"$SSHD_DIR/client" "$W/known_hosts"
	printf '\tLogLevel ERROR\n\tConnectTimeout 30\n\tExitOnForwardFailure yes\n'
} >"$CFG"
{
	printf '%s\n' "$KNOWN"
	echo "[127.0.0.1]:$SSHD_PORT $(cut -d' ' -f1-2 "$SSHD_DIR/hostkey.pub")"
} >"$W/known_hosts"
run ssh -F "$CFG" "$ALIAS" 'echo "$(id -un) $(hostname)"'
expect_line "ssh $ALIAS: the inner login, its host key the one printed" "lxt-c1 lxt-c1"
P=$((SSHD_PORT + 21)) LP=$((SSHD_PORT + 22)) RP=$((SSHD_PORT + 23))
python3 "$SRC/tests/fwd_server.py" tcp 127.0.0.1 "$P" host-decoy "$W/decoy.log" >"$W/decoy.out" &
BG+=($!)
python3 "$SRC/tests/fwd_server.py" tcp 127.0.0.1 0 client-side "$W/client.log" >"$W/client.out" &
BG+=($!)
ssh_as lxt-c1 "exec python3 fwd_server.py tcp 127.0.0.1 $P inside inside.log" >"$W/inside.out" &
BG+=($!)
for f in decoy client inside; do wait_for "the $f server" grep -q '^ready' "$W/$f.out"; done
CP=$(awk '/^ready/ { print $2; exit }' "$W/client.out")
ssh -F "$CFG" -N -L "127.0.0.1:$LP:127.0.0.1:$P" "$ALIAS" &
BG+=($!)
wait_for "the -L port" bash -c "exec 3<>/dev/tcp/127.0.0.1/$LP"
run curl -s "http://127.0.0.1:$LP/"
expect_line "-L reaches the server inside the instance" "inside"
run sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | ssh -F $CFG -W 127.0.0.1:$P $ALIAS"
expect_line "-W connects in the instance" "inside"
ssh -F "$CFG" -N -R "127.0.0.1:$RP:127.0.0.1:$CP" "$ALIAS" &
BG+=($!)
RGET="import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$RP/').read().decode().strip())"
wait_for "the -R listener inside" ssh_as lxt-c1 "python3 -c \"$RGET\""
run ssh_as lxt-c1 "python3 -c \"$RGET\""
expect_line "-R listens inside and reaches the client's side" "client-side"
[ ! -s "$W/decoy.log" ] && pass "... and the gateway's decoy on the same port was never reached" || fail "decoy reached" "$(cat "$W/decoy.log")"
eval "$(ssh-agent -s)" >/dev/null
ssh-add -q "$SSHD_DIR/client" 2>/dev/null
run ssh -F "$CFG" -A "$ALIAS" 'ssh-add -l'
fp=$(ssh-keygen -lf "$SSHD_DIR/client.pub" | cut -d' ' -f2) # base64: a fixed string, not a regex
printf '%s\n' "$OUT" | grep -qF -- "$fp" && pass "-A: the agent reaches the instance" || fail "-A: no key $fp" "$OUT"
kill "$SSH_AGENT_PID" 2>/dev/null
unset SSH_AUTH_SOCK SSH_AGENT_PID
for p in "${BG[@]}"; do kill "$p" 2>/dev/null; done
wait "${BG[@]}" 2>/dev/null

# --- reap: an idle instance is stopped through the API; one with a session is not
printf 'idle_stop = 1s\n' >> "$LXT_CONFIG_DIR/users.d/lxt-c4.conf"
printf 'idle_stop = 1s\n' >> "$LXT_CONFIG_DIR/users.d/lxt-c5.conf"
sleep 2 # past idle_stop since their last session began
run "$CTL" reap
expect_line "reap: lxt-c5, idle, is stopped" "lxt-c5: idle $(printf '%s' "$OUT" | sed -n 's/^lxt-c5: idle \([^ ]*\) .*/\1/p') (idle_stop 1s): stopped"
run lxc_p list --format csv -c n,s
expect_line "... LXD has it stopped" "lxt-c5,STOPPED"
expect_line "reap: lxt-c4, in a session, keeps running" "lxt-c4,RUNNING"
kill "$bgssh" 2>/dev/null
wait "$bgssh" 2>/dev/null
run ssh_as lxt-c5 hostname
expect_line "the next login starts it again" "lxt-c5"

# --- a member down: its users are refused with why, the others log in; back, its users get in
down=$(lxc_p list --format csv -c n,L | awk -F, '$2 != "n1" { print $2; exit }')
victim=$(lxc_p list --format csv -c n,L | awk -F, -v m="$down" '$2 == m { print $1; exit }')
other=$(lxc_p list --format csv -c n,L | awk -F, -v m="$down" '$2 != m { print $1; exit }')
[ -n "$down" ] && [ -n "$victim" ] && [ -n "$other" ] && pass "a member ($down) holds $victim, another $other" ||
	{ fail "no instance off the gateway's member" "$(lxc_p list --format csv -c n,L)"; finish; exit 1; }
ssh_as "$victim" 'echo kept > kept.txt'
lxd_member_stop "${down#n}"
# the event, bounded: the cluster marks it OFFLINE once LXT_LXD_OFFLINE_S pass without a heartbeat
for i in $(seq $((LXT_LXD_OFFLINE_S * 30))); do
	LXD_DIR=$(lxd_dir 1) lxc cluster list --format csv | grep -q "^$down,.*,OFFLINE," && break
	sleep 0.1
done
run lxd_on 1 cluster list --format csv
expect_match "the cluster marks $down OFFLINE" "^$down,.*,OFFLINE,"
run "$CTL" doctor
expect_match "doctor names the member down" "^problem: LXD cluster member $down is OFFLINE: No heartbeat for .*\(its users cannot log in\)$"
expect_line "... and counts the others" "lxd: 2 of 3 cluster members online ($SOCK, project $LXT_LXD_PROJECT)"
run ssh_as "$victim" hostname
[ "$RC" != 0 ] && pass "member $down down: $victim gets no session" || fail "member down: $victim got in" "$OUT"
expect_match "... and is told which member, and since when" "member $down is OFFLINE: No heartbeat for .* \(20[0-9-]+ "
expect_no_match "... never a host shell" "^$(hostname)$"
syslog_has "syslog has the reason in full" "the container of $victim cannot be reached: its cluster member $down is OFFLINE"
run ssh_as "$other" hostname
expect_line "... $other (on another member) logs in" "$other"
run "$CTL" status "$victim"
expect_match "lxloginctl status: unreachable on $down" "^unreachable on $down$"
lxd_member_start "${down#n}" >/dev/null
# back once the leader's heartbeat reaches it again, which on a busy machine can take as long as
# declaring it dead
wait_for -t "$LXT_LXD_OFFLINE_S" "member $down is back" sh -c "LXD_DIR=$(lxd_dir 1) lxc cluster list --format csv | grep -q '^$down,.*,ONLINE,'"
run ssh_as "$victim" 'cat kept.txt'
expect_line "member $down back: $victim logs in to its own files" "kept"

# --- destroy: the instance and lxlogin's state of it go
run lxc_p list --format csv -c n
expect_line "destroy: lxt-c6 has an instance" "lxt-c6"
run "$CTL" destroy --yes lxt-c6
last_rc "lxloginctl destroy lxt-c6"
run lxc_p list --format csv -c n
expect_no_match "... LXD has no instance lxt-c6" "^lxt-c6$"
[ ! -e "$LXT_RUN_DIR/active/lxt-c6" ] && pass "... nor lxlogin any state of it" || fail "state left" "$(ls "$LXT_RUN_DIR"/*/lxt-c6 2>&1)"
finish
