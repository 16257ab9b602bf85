#!/bin/bash
# sshd_login.sh - logins through a real sshd on loopback into real containers (issue 5's acceptance).
. "$(dirname "$0")/../lib.sh"
. "$SRC/tests/container-lib.sh"
. "$SRC/tests/sshd-lib.sh"
ct_setup
syslog_setup
sshd_setup || { fail "sshd did not start" "$(cat "$SSHD_DIR/sshd.log" 2>/dev/null)"; finish; exit 1; }
HOST_PIDNS=$(readlink /proc/self/ns/pid)

ct_user lxt-a "hostname = %u-box"
ct_user lxt-b
ssh_user_setup lxt-a
ssh_user_setup lxt-b
install -m 0644 "$SSHD_DIR/client.pub" "$SSHD_DIR/keys/root"

# --- a command over ssh runs inside the container
run ssh_as lxt-a 'hostname; id -un; cat /proc/1/comm; readlink /proc/self/ns/pid'
[ "$RC" = 0 ] && pass "ssh into the container" || fail "ssh failed ($RC)" "$OUT$(tail -5 "$SSHD_DIR/sshd.log")"
expect_line "hostname is the container's" "lxt-a-box"
expect_line "same user name inside" "lxt-a"
expect_line "pid 1 is the container's init" "init"
expect_no_match "a pid namespace other than the host's" "^$HOST_PIDNS$"
[ -n "$(init_pid_of lxt-a)" ] && pass "the login started the container" || fail "no container after login"

# --- exit status, bytes and stderr pass through untouched
expect_rc "exit 42 comes back as 42" 42 ssh_as lxt-a 'exit 42'
head -c 10485760 /dev/urandom > "$SSHD_DIR/random"
want=$(sha256sum < "$SSHD_DIR/random")
got=$(ssh_as lxt-a cat < "$SSHD_DIR/random" | sha256sum)
[ "$got" = "$want" ] && pass "10 MB of random bytes through cat come back identical" || fail "bytes changed through cat"
out=$(ssh_as lxt-a 'echo to-stdout; echo to-stderr >&2' 2>"$SSHD_DIR/err")
[ "$out" = to-stdout ] && [ "$(cat "$SSHD_DIR/err")" = to-stderr ] && pass "stdout and stderr stay separate" || fail "stdout '$out' stderr '$(cat "$SSHD_DIR/err")'"
run ssh_as lxt-a /bin/sh -c "'cat /etc/hostname'"
expect_line "ssh u@h /bin/sh -c ... runs inside (the container's /etc/hostname)" "lxt-a-box"

# --- ~/.ssh/rc, sftp, forwarding
mkdir -p /home/lxt-a/.ssh
echo 'readlink /proc/self/ns/pid > $HOME/rc-ran-in' > /home/lxt-a/.ssh/rc
chown -R lxt-a: /home/lxt-a/.ssh
ssh_as lxt-a true
[ -s /home/lxt-a/rc-ran-in ] && [ "$(cat /home/lxt-a/rc-ran-in)" != "$HOST_PIDNS" ] && pass "~/.ssh/rc runs inside the container" ||
	fail "~/.ssh/rc ran on the host or not at all: $(cat /home/lxt-a/rc-ran-in 2>&1)"
rm -rf /home/lxt-a/.ssh /home/lxt-a/rc-ran-in
run ssh_as lxt-a -s sftp </dev/null
[ "$RC" != 0 ] && pass "sftp with no sftp-server inside fails: never served from the host" || fail "sftp was served"
run ssh_as lxt-a -o ExitOnForwardFailure=yes -W 127.0.0.1:"$SSHD_PORT"
expect_match "ssh -W (stdio forwarding) is refused" "administratively prohibited|stdio forwarding failed"
run ssh_as lxt-a -o ExitOnForwardFailure=yes -R 127.0.0.1:0:127.0.0.1:"$SSHD_PORT" true
[ "$RC" != 0 ] && pass "ssh -R is refused" || fail "remote forwarding was allowed"
# ssh -N -L: the client listens, but sshd refuses the channel, so nothing of the host is reached
LPORT=$((SSHD_PORT + 1))
ssh_as lxt-a -N -L "127.0.0.1:$LPORT:127.0.0.1:$SSHD_PORT" 2>/dev/null &
fwd=$!
for i in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$LPORT") 2>/dev/null && break; sleep 0.1; done
banner=$( (exec 3<>"/dev/tcp/127.0.0.1/$LPORT" && timeout 5 head -c 7 <&3) 2>/dev/null)
kill "$fwd" 2>/dev/null
wait "$fwd" 2>/dev/null
[ "$banner" != "SSH-2.0" ] && pass "ssh -N -L reaches nothing on the host" || fail "ssh -N -L forwarded to the host's sshd"

# --- the loader's environment (SECURITY case 31): lxlogin-shell is a host process, so an LD_PRELOAD
# from the client would run the user's code on the host. The test sshd's global AcceptEnv takes LD_*;
# the shipped Match block narrows it. A library that does not exist makes ld.so say whether it tried.
PRELOAD=LD_PRELOAD=/lxt-nonexistent/preload.so
run ssh_as lxt-a -o SetEnv="$PRELOAD" 'echo in'
expect_line "with LD_PRELOAD sent, the login works ..." in
expect_no_match "... and the loader never saw LD_PRELOAD (AcceptEnv narrowed for lxlogin-users)" "preload"
# control: a contained user whose group the Match line does not name
ct_user lxt-c
install -m 0644 "$SSHD_DIR/client.pub" "$SSHD_DIR/keys/lxt-c"
usermod -s "$SHELL_BIN" lxt-c
run ssh_as lxt-c -o SetEnv="$PRELOAD" 'cat /proc/1/comm'
expect_line "control: lxt-c (not in lxlogin-users) is contained ..." init
expect_match "... but the loader tried LD_PRELOAD in lxlogin-shell on the host: the hole doctor names" \
	"lxt-nonexistent/preload.so"

# --- doctor reads sshd's effective configuration for every user lxlogin knows
SSHD_CONF=$SSHD_DIR/sshd_config
run "$BUILD/lxloginctl" doctor --sshd-config "$SSHD_CONF"
[ "$RC" = 1 ] && pass "doctor: sshd holes are problems (exit 1)" || fail "doctor exit $RC" "$OUT"
expect_match "doctor: lxt-c's forwarding is on" "^problem: sshd: $SSHD_CONF: lxt-c: forwarding is on"
expect_match "doctor: lxt-c's AcceptEnv takes LD_PRELOAD" "^problem: sshd: $SSHD_CONF: lxt-c: \"AcceptEnv LD_\*\""
expect_no_match "doctor: nothing about users the Match line covers" "sshd: .*: lxt-[ab]:"
expect_line "doctor: two problems" "doctor: 2 problems found, 0 fixed"
usermod -aG "$SSH_GROUP" lxt-c
run "$BUILD/lxloginctl" doctor --sshd-config "$SSHD_CONF"
expect_line "doctor: with lxt-c in lxlogin-users, sshd is clean" "doctor: 0 problems found, 0 fixed"
run ssh_as lxt-c -o SetEnv="$PRELOAD" 'echo in'
expect_no_match "... and the loader no longer sees LD_PRELOAD" "preload"
# what the Match block cannot mend: global settings, and a Match of the admin's own
sed 's|^Subsystem sftp .*|Subsystem sftp internal-sftp|' "$SSHD_CONF" > "$SSHD_DIR/bad-sftp"
sed '1i PermitUserEnvironment yes' "$SSHD_CONF" > "$SSHD_DIR/bad-userenv"
printf 'Match User lxt-a\n\tForceCommand internal-sftp\n' | cat "$SSHD_CONF" - > "$SSHD_DIR/bad-force"
for bad in sftp:"Subsystem sftp internal-sftp" userenv:"PermitUserEnvironment yes" force:"lxt-a: \"ForceCommand internal-sftp"; do
	run "$BUILD/lxloginctl" doctor --sshd-config "$SSHD_DIR/bad-${bad%%:*}"
	expect_match "doctor names ${bad#*:}" "^problem: sshd: $SSHD_DIR/bad-${bad%%:*}: .*${bad#*:}"
	[ "$RC" = 1 ] && pass "... exit 1" || fail "doctor exit $RC" "$OUT"
done

# --- root and an exempt user get the host
run ssh_as root 'readlink /proc/self/ns/pid'
expect_line "root gets the host session" "$HOST_PIDNS"
ct_group lxt-admins
ct_user lxt-e
usermod -aG lxt-admins lxt-e
printf 'image = busybox\nexempt_groups = lxt-admins\nstart_timeout = 60s\n' > "$LXT_CONFIG_DIR/lxlogin.conf"
install -m 0644 "$SSHD_DIR/client.pub" "$SSHD_DIR/keys/lxt-e"
run ssh_as lxt-e 'readlink /proc/self/ns/pid'
expect_line "an exempt-group user with a users.d file gets the host session" "$HOST_PIDNS"

# --- a broken policy: refused with file:line, logged in full; others unaffected
printf 'memory = 10Q\n' > "$LXT_CONFIG_DIR/users.d/lxt-b.conf"
run ssh_as lxt-b 'readlink /proc/self/ns/pid'
[ "$RC" != 0 ] && pass "a contained user with a broken policy gets no session" || fail "broken policy: session given" "$OUT"
expect_no_match "... and no host shell" "^$HOST_PIDNS$"
expect_match "... ssh shows the file:line" "users.d/lxt-b.conf:1: memory: '10Q' is not a size"
syslog_has "syslog has the full message" "lxt-b: $LXT_CONFIG_DIR/users.d/lxt-b.conf:1: memory: '10Q' is not a size"
run ssh_as lxt-a 'id -un'
expect_line "another user logs in at the same time" "lxt-a"
printf '\n' > "$LXT_CONFIG_DIR/users.d/lxt-b.conf"

# --- a container that cannot start: refused with a short reason, never the host
printf 'image = no-such-image\n' > "$LXT_CONFIG_DIR/users.d/lxt-b.conf"
run ssh_as lxt-b 'readlink /proc/self/ns/pid'
[ "$RC" != 0 ] && pass "a missing image: no session" || fail "missing image: session given" "$OUT"
expect_match "... saying why" "image 'no-such-image' is not installed"
expect_no_match "... and no host shell" "^$HOST_PIDNS$"
printf '\n' > "$LXT_CONFIG_DIR/users.d/lxt-b.conf"

# --- SECURITY.md case 49, a frozen container: the login is refused at once, saying why, instead of
# hanging inside until a thaw (and piling up sshd sessions). (timeout: only a guard against the hang)
# LXC's tools reach the container from its monitor's network namespace only (asuser.c)
MON=$(monitor_of lxt-a)
nsenter -n -t "$MON" lxc-freeze -P "$LXT_RUN_DIR/lxc/lxt-a" -n lxt-a
run nsenter -n -t "$MON" lxc-info -P "$LXT_RUN_DIR/lxc/lxt-a" -n lxt-a -s
expect_match "lxc-freeze froze lxt-a's container" "FROZEN"
run timeout 120 ssh "${SSH_OPTS[@]}" -p "$SSHD_PORT" lxt-a@127.0.0.1 'echo in'
[ "$RC" = 1 ] && pass "a frozen container: no session (exit 1)" || fail "frozen: exit $RC" "$OUT"
expect_match "... saying why" "your container is frozen"
syslog_has "... and syslog has it" "uid $(uid_of lxt-a): your container is frozen"
nsenter -n -t "$MON" lxc-unfreeze -P "$LXT_RUN_DIR/lxc/lxt-a" -n lxt-a
run ssh_as lxt-a 'echo in'
expect_line "thawed, the next login works" in

# --- 20 parallel sessions of one user, one container; 10 users in parallel, each in their own
"$HELPER" stop lxt-a >/dev/null
pids=()
for i in $(seq 20); do (ssh_as lxt-a 'hostname' >"$SSHD_DIR/par.$i" 2>&1; echo $? >>"$SSHD_DIR/par.rc") & pids+=($!); done
wait "${pids[@]}"
[ "$(grep -c '^0$' "$SSHD_DIR/par.rc")" = 20 ] && pass "20 parallel sessions all succeed" || fail "parallel sessions: $(sort "$SSHD_DIR/par.rc" | uniq -c | tr '\n' ' ')" "$(cat "$SSHD_DIR"/par.* | sort | uniq -c)"
[ "$(ps -u lxt-a -o args= | grep -c '^\[lxc monitor\]')" = 1 ] && pass "... in one container" || fail "more than one container for lxt-a"
users=()
for i in $(seq 0 9); do u=lxt-p$i; ct_user "$u"; ssh_user_setup "$u"; users+=("$u"); done
pids=()
for u in "${users[@]}"; do (ssh_as "$u" 'id -un; hostname' >"$SSHD_DIR/user.$u" 2>&1) & pids+=($!); done
wait "${pids[@]}"
ok_users=0
for u in "${users[@]}"; do [ "$(tr '\n' ' ' < "$SSHD_DIR/user.$u")" = "$u $u " ] && ok_users=$((ok_users + 1)); done
[ "$ok_users" = 10 ] && pass "10 users in parallel, each in their own container" || fail "$ok_users of 10 users got their own container"

# --- issue 16: mosh's client runs mosh-server over ssh, then talks UDP to the host, where nothing
# of the container listens: refused at once, saying why (not a silent 19 s wait)
run ssh_as lxt-a 'mosh-server new -s -c 256 -l LANG=C.UTF-8'
[ "$RC" = 1 ] && printf '%s\n' "$OUT" | grep -q "^lxlogin: mosh does not work here: .*UDP ports" &&
	pass "mosh-server over ssh is refused at once, saying why" || fail "mosh-server: rc $RC" "$OUT"
run ssh_as lxt-a 'echo mosh-server-is-a-word'
expect_line "... a command that only mentions it runs" "mosh-server-is-a-word"

# --- an interactive pty session, driven through tmux
if command -v tmux >/dev/null; then
	term_start "$(ssh_term lxt-a)"
	wait_screen '\$ ?$' && pass "pty: a prompt appears" || fail "pty: no prompt" "$(screen)"
	type_line 'tty; echo TTY-DONE'
	wait_screen '^TTY-DONE' && screen | grep -qE '^/dev/pts/[0-9]+$' && pass "pty: tty names a pty" || fail "pty: tty" "$(screen)"
	type_line 'stty size'
	wait_screen '^24 80$' && pass "pty: stty size is the window's" || fail "pty: stty size" "$(screen)"
	"${TM[@]}" resize-window -t lxt -x 100 -y 30 2>/dev/null
	resized=""
	for i in $(seq 20); do # the resize travels through ssh, sshd and the proxied pty: ask until it arrives (bounded)
		type_line 'clear; stty size'
		for j in $(seq 10); do screen | grep -q '^30 100$' && { resized=1; break 2; }; sleep 0.1; done
	done
	[ -n "$resized" ] && pass "pty: stty size follows a resize" || fail "pty: resize not seen" "$(screen)"
	type_line 'sleep 300'
	sleep 0.5
	"${TM[@]}" send-keys -t lxt C-c
	type_line 'echo AFTER-$((20+22))'
	wait_screen '^AFTER-42$' && pass "pty: Ctrl-C stops a sleep" || fail "pty: Ctrl-C" "$(screen)"
	# a flood of output never keeps the relay from the keyboard: Ctrl-C stops it
	type_line 'yes flood'
	wait_screen '^flood$'
	"${TM[@]}" send-keys -t lxt C-c
	type_line 'clear; echo AFTER-FLOOD-$((6*7))'
	wait_screen '^AFTER-FLOOD-42$' && pass "pty: Ctrl-C stops a flood of output (yes)" || fail "pty: Ctrl-C during a flood" "$(screen)"
	type_line 'exit'
	term_gone && pass "pty: exit ends the session" || fail "pty: exit did not end the session"

	# the console: login(1) on a pty, with the stock login PAM stack (no lxlogin line): still inside
	term_start "login -f lxt-b"
	wait_screen '\$ ?$' && pass "console: login gives a prompt" || fail "console: no prompt" "$(screen)"
	type_line 'echo NS-$(readlink /proc/self/ns/pid)-$(hostname)'
	wait_screen '^NS-' && ! screen | grep -q "^NS-$HOST_PIDNS" && screen | grep -qE '^NS-pid:\[[0-9]+\]-lxt-b$' &&
		pass "console: login on a pty lands in the container" || fail "console: login" "$(screen)"
	type_line 'exit'
	term_gone

	# issue 15: su -c CMD USER from root's terminal: CMD runs inside and its output reaches the caller
	term_start "su -c 'echo SU-\$(hostname)-\$(readlink /proc/self/ns/pid)' lxt-b; echo SU-EXIT-\$?; sleep 300"
	wait_screen '^SU-EXIT-' && screen | grep -qE '^SU-lxt-b-pid:\[[0-9]+\]$' && ! screen | grep -q "^SU-.*-$HOST_PIDNS" &&
		pass "su -c from a terminal: runs inside, its output reaches the caller" || fail "su -c on a terminal" "$(screen)"
	"${TM[@]}" kill-server 2>/dev/null
else
	printf 'SKIPPED: pty and console checks (tmux is not installed)\n'
fi

# --- issue 15: a pty session's byte stream is exactly a plain login's: the pty inside does the
# newline translation once, the relay passes its bytes untouched (no \r\r\n)
PTY_CMD='printf "a\nb\n\ttab\033[1mbold\033[0m\n"; exit 3'
plain=$(ssh -tt "${SSH_OPTS[@]}" -p "$SSHD_PORT" root@127.0.0.1 "$PTY_CMD" </dev/null 2>/dev/null | od -An -c | tr -s ' \n' ' ')
inside=$(ssh -tt "${SSH_OPTS[@]}" -p "$SSHD_PORT" lxt-a@127.0.0.1 "$PTY_CMD" </dev/null 2>/dev/null | od -An -c | tr -s ' \n' ' ')
case "$plain" in *'a \r \n b \r \n'*) pass "ssh -tt as root (the host's plain login): a\\r\\nb\\r\\n" ;; *) fail "the plain login's stream: $plain" ;; esac
[ -n "$inside" ] && [ "$inside" = "$plain" ] && pass "ssh -tt into the container: byte for byte the plain login's stream" ||
	fail "pty stream differs from a plain login's" "plain:  $plain"$'\n'"inside: $inside"
expect_rc "ssh -tt passes the exit status" 3 ssh -tt "${SSH_OPTS[@]}" -p "$SSHD_PORT" lxt-a@127.0.0.1 "$PTY_CMD"

# --- SECURITY.md case 59: a home in the container's passwd that would lead out of its root (through a
# host fd, /proc/self/fd/N/..) starts the session at the container's / instead: no host directory
set_home() { # set_home USER DIR: USER's home in lxt-a's container's passwd, as root inside may set it
	"$BUILD/lxloginctl" exec --root lxt-a -- sh -c 'awk -F: -v OFS=: -v u="$1" -v h="$2" "\$1 == u { \$6 = h } { print }" /etc/passwd >/tmp/pw && cat /tmp/pw >/etc/passwd' sh "$1" "$2"
}
mkdir -p "/tmp/lxt-host-only-$$"
PROBE="ls -d ./tmp/lxt-host-only-$$ 2>/dev/null; echo \"cwd \$(pwd)\""
escaped="" ran=0
for n in 0 1 2 3 4 5 6 7 8 9 10 11 12; do
	set_home lxt-a "/proc/self/fd/$n/.."
	set_home root "/proc/self/fd/$n/.."
	for how in ssh tty exec root; do
		case $how in
		ssh) OUT=$(ssh_as lxt-a "$PROBE" 2>&1) ;;
		tty) OUT=$(ssh -tt "${SSH_OPTS[@]}" -p "$SSHD_PORT" lxt-a@127.0.0.1 "$PROBE" </dev/null 2>&1) ;;
		exec) OUT=$("$BUILD/lxloginctl" exec lxt-a -- sh -c "$PROBE" 2>&1) ;;
		root) OUT=$("$BUILD/lxloginctl" exec --root lxt-a -- sh -c "$PROBE" 2>&1) ;;
		esac
		printf '%s\n' "$OUT" | grep -q "^cwd /" && ran=$((ran + 1)) # the session ran
		printf '%s\n' "$OUT" | grep -q "lxt-host-only" && escaped="$escaped fd$n/$how"
	done
done
[ "$ran" = 52 ] && pass "every such session ran (52: N = 0..12; ssh, ssh -tt, exec, exec --root)" || fail "only $ran of 52 sessions ran" "$OUT"
[ -z "$escaped" ] && pass "a home of /proc/self/fd/N/.. (N = 0..12; ssh, ssh -tt, exec, exec --root) never starts on the host" ||
	fail "a session started in a host directory:$escaped"
run ssh_as lxt-a 'pwd'
expect_line "... it starts at the container's /" "/"
rmdir "/tmp/lxt-host-only-$$"
set_home lxt-a /home/lxt-a
set_home root /root

# --- su -l from root: inside (no PAM module on that path; lxlogin-shell asks the helper)
run su -l lxt-b -c 'readlink /proc/self/ns/pid; hostname'
expect_no_match "su -l gives no host shell" "^$HOST_PIDNS$"
expect_line "su -l lands in the container" "lxt-b"

finish
