#!/bin/bash
# debian.sh - a real Debian system in the container, used over a real sshd: systemd as PID 1,
# sudo, apt, and the day-to-day transfers (scp, sftp, rsync, git) (issue 6's acceptance).
. "$(dirname "$0")/../lib.sh"
. "$SRC/tests/container-lib.sh"
. "$SRC/tests/sshd-lib.sh"
debian_sshd_setup scp sftp rsync git
ct_user lxt-a "${POLICY[@]}" "root = yes"
ct_user lxt-b "${POLICY[@]}" "root = no"
ssh_user_setup lxt-a
ssh_user_setup lxt-b
W=$LXT_STATE_DIR/work
mkdir -p "$W" && chmod 755 "$W"

# --- a whole system: systemd as PID 1, booted; sudo as policy says; apt
run ssh_as lxt-a 'systemctl is-system-running --wait'
state=$(printf '%s\n' "$OUT" | tail -1)
case "$state" in
running) pass "systemctl is-system-running: running" ;;
degraded) pass "systemctl is-system-running: degraded, failed units: $(ssh_as lxt-a 'systemctl --failed --plain --no-legend' | awk '{print $1}' | tr '\n' ' ')" ;;
*) fail "systemctl is-system-running: '$state'" "$OUT$(ssh_as lxt-a 'systemctl --failed' 2>&1)" ;;
esac
run ssh_as lxt-a 'ps -p 1 -o comm='
expect_line "PID 1 is systemd" "systemd"
expect_rc "sudo -n true works with root = yes" 0 ssh_as lxt-a 'sudo -n true'
run ssh_as lxt-a 'sudo -n id -u'
expect_line "... and makes the user root inside" "0"
expect_rc "sudo -n true fails with root = no" 1 ssh_as lxt-b 'sudo -n true'

# --- issue 15, point 3 (SECURITY.md case 57): root inside keeps setgid and setuid bits and file
# capabilities on its layer (overlayfs writes them with its mounter's credentials), and they work
# inside; from the host they grant nothing
run ssh_as lxt-a 'sudo -n sh -c "chgrp staff /usr/bin/id && chmod g+s /usr/bin/id && chmod u+s /usr/bin/whoami && stat -c %A /usr/bin/id /usr/bin/whoami"'
expect_line "chmod g+s on a copied-up binary holds" "-rwxr-sr-x"
expect_line "chmod u+s on a copied-up binary holds" "-rwsr-xr-x"
run ssh_as lxt-a 'id -gn; whoami'
expect_line "... the setgid program runs with its group" "staff"
expect_line "... the setuid program runs as its owner, root inside" "root"
PING=$(ssh_as lxt-a 'command -v ping')
run ssh_as lxt-a "sudo -n setcap -r $PING; ping -c1 -W2 127.0.0.1 >/dev/null 2>&1; echo without=\$?; sudo -n setcap cap_net_raw+ep $PING && getcap $PING; ping -c1 -W2 127.0.0.1 >/dev/null 2>&1; echo with=\$?"
expect_line "setcap cap_net_raw+ep on a copied-up binary holds" "$PING cap_net_raw=ep"
expect_match "... without it, ping as the user fails" "^without=[1-9]"
expect_line "... with it, ping runs as the user" "with=0"
UP=$LXT_STATE_DIR/users/lxt-a/upper
[ "$(stat -c '%u %A' "$UP/usr/bin/whoami" 2>&1)" = "$(subuid_of lxt-a) -rwsr-xr-x" ] &&
	pass "on the host the setuid file belongs to the user's range, not to root" || fail "owner on the host: $(stat -c '%u %A' "$UP/usr/bin/whoami" 2>&1)"
run python3 -c "import os, struct, sys; d = os.getxattr(sys.argv[1], 'security.capability'); print(hex(struct.unpack('<I', d[:4])[0] & 0xff000000), struct.unpack('<I', d[20:24])[0])" "$UP$PING"
expect_line "... the file capability is namespaced to the container's root (v3, rootid = the range's first id)" "0x3000000 $(subuid_of lxt-a)"
[ "$(stat -c '%u %a' "$LXT_STATE_DIR/users")" = "0 700" ] && pass "... under a directory only root can enter" || fail "users dir: $(stat -c '%u %a' "$LXT_STATE_DIR/users")"
run as_user lxt-b "$UP/usr/bin/whoami"
[ "$RC" != 0 ] && pass "... an unprivileged host user cannot run them" || fail "a host user ran the layer's setuid binary" "$OUT"
# SECURITY.md case 62: chattr's calls are refused inside, to a login and to a service the
# container's systemd runs (its filter is the init's); quota.sh has the attack itself
run ssh_as lxt-a 'sudo -n chattr -d /opt; echo rc=$?'
expect_match "sudo chattr inside: refused" "Operation not permitted"
run ssh_as lxt-a 'sudo -n systemd-run --quiet --wait --pipe chattr -d /srv; echo rc=$?'
expect_match "... from a service of the container's systemd too" "Operation not permitted"
run ssh_as lxt-a 'lsattr -d /home; echo rc=$?'
expect_line "... reading attributes still works" "rc=0"
run ssh_as lxt-a 'apt-get --version | head -1'
expect_match "apt-get runs inside" "^apt [0-9]"
OUT=$(unset LANG LANGUAGE LC_ALL; ssh_as lxt-a 'echo "$SHELL|$HOME|$LANG|$(pwd)|$USER"' 2>&1) # the client sends no locale
expect_line "the login: the user's shell, home, the image's locale" "/bin/bash|/home/lxt-a|C.UTF-8|/home/lxt-a|lxt-a"
expect_rc "image remove of the image in use is refused" 1 "$CTL" image remove --force "$DEBIAN_IMAGE"

# --- scp (both protocols), sftp: 10 MB, same bytes both ways, owned by the user inside
head -c 10485760 /dev/urandom > "$W/up.bin"
want=$(sha256sum < "$W/up.bin" | cut -d' ' -f1)
for proto in sftp legacy; do
	flag=(); [ "$proto" = legacy ] && flag=(-O)
	rm -f "$W/down.bin"
	expect_rc "scp upload ($proto protocol)" 0 scp "${flag[@]}" "${SSH_OPTS[@]}" -P "$SSHD_PORT" "$W/up.bin" lxt-a@127.0.0.1:/var/tmp/up-$proto.bin
	run ssh_as lxt-a "sha256sum < /var/tmp/up-$proto.bin | cut -d' ' -f1; stat -c %U /var/tmp/up-$proto.bin"
	expect_line "... same sha256 inside" "$want"
	expect_line "... owned by the user inside" "lxt-a"
	expect_rc "scp download ($proto protocol)" 0 scp "${flag[@]}" "${SSH_OPTS[@]}" -P "$SSHD_PORT" lxt-a@127.0.0.1:/var/tmp/up-$proto.bin "$W/down.bin"
	[ "$(sha256sum < "$W/down.bin" | cut -d' ' -f1)" = "$want" ] && pass "... same sha256 back on the host" || fail "scp download changed the bytes"
done
[ ! -e /var/tmp/up-sftp.bin ] && pass "nothing landed in the host's /var/tmp" || fail "scp wrote to the host"
rm -f "$W/down.bin"
printf 'put %s /var/tmp/sftp.bin\nget /var/tmp/sftp.bin %s\n' "$W/up.bin" "$W/down.bin" > "$W/batch"
expect_rc "sftp put and get" 0 sftp "${SSH_OPTS[@]}" -P "$SSHD_PORT" -b "$W/batch" lxt-a@127.0.0.1
[ "$(sha256sum < "$W/down.bin" | cut -d' ' -f1)" = "$want" ] && pass "... the same bytes came back" || fail "sftp changed the bytes"
run ssh_as lxt-a 'stat -c %U:%s /var/tmp/sftp.bin'
expect_line "... the file inside is the user's, whole" "lxt-a:10485760"

# --- rsync -a of 1,000 files in, and back
mkdir -p "$W/tree"
for d in $(seq 10); do
	mkdir -p "$W/tree/d$d"
	(cd "$W/tree/d$d" && for f in $(seq 100); do echo "$d/$f" > "f$f"; done)
done
chmod 640 "$W/tree/d3/f7"
expect_rc "rsync -a of 1,000 files into the container" 0 rsync -a -e "$SSH_CMD" "$W/tree/" lxt-a@127.0.0.1:/var/tmp/tree/
run ssh_as lxt-a 'find /var/tmp/tree -type f | wc -l; stat -c %a:%U /var/tmp/tree/d3/f7'
expect_line "... 1,000 files inside" "1000"
expect_line "... modes kept, owned by the user" "640:lxt-a"
expect_rc "rsync -a back out" 0 rsync -a -e "$SSH_CMD" lxt-a@127.0.0.1:/var/tmp/tree/ "$W/back/"
run diff -r "$W/tree" "$W/back"
[ "$RC" = 0 ] && pass "... the tree comes back identical" || fail "trees differ" "$OUT"

# --- git over ssh: push a local bare repo's history in, clone it back out
git init -q -b main "$W/src"
git -C "$W/src" -c user.name=t -c user.email=t@example.invalid commit -q --allow-empty -m one
echo hello > "$W/src/file" && git -C "$W/src" add file
git -C "$W/src" -c user.name=t -c user.email=t@example.invalid commit -q -m two
git clone -q --bare "$W/src" "$W/src.git"
head=$(git -C "$W/src.git" rev-parse main)
expect_rc "git init --bare inside" 0 ssh_as lxt-a 'git init -q --bare -b main /var/tmp/repo.git'
export GIT_SSH_COMMAND=$SSH_CMD
expect_rc "git push of the bare repo into the container over ssh" 0 git -C "$W/src.git" push -q "ssh://lxt-a@127.0.0.1/var/tmp/repo.git" main
run ssh_as lxt-a 'git clone -q /var/tmp/repo.git /var/tmp/work && git -C /var/tmp/work rev-parse HEAD && cat /var/tmp/work/file'
expect_line "... inside, a clone has the same history" "$head"
expect_line "... and the same files" "hello"
expect_rc "git clone over ssh from the container" 0 git clone -q "ssh://lxt-a@127.0.0.1/var/tmp/repo.git" "$W/clone"
[ "$(git -C "$W/clone" rev-parse HEAD)" = "$head" ] && pass "... the clone has the same history" || fail "git clone history differs"
unset GIT_SSH_COMMAND

# --- the layer survives a stop and a start; systemd boots again
ssh_as lxt-a 'sudo -n sh -c "echo written-in-login-1 > /etc/persist-test"'
expect_rc "stop lxt-a's container" 0 "$HELPER" stop lxt-a
[ -z "$(init_pid_of lxt-a)" ] && pass "... it is stopped" || fail "still running"
run ssh_as lxt-a 'cat /etc/persist-test; systemctl is-system-running --wait; ps -p 1 -o comm='
expect_line "a file written in one login is there in the next" "written-in-login-1"
expect_match "... and systemd booted again" "^(running|degraded)$"

# --- issue 21: a start lets sessions in once what they use is up, not when the whole boot is over:
# the first command after a stop finds D-Bus, and logind through it (bus activation); the image
# boots without what only costs time in a container (its masked units and generators)
expect_rc "stop lxt-a's container again" 0 "$HELPER" stop lxt-a
run ssh_as lxt-a 'busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetId &&
	busctl --system call org.freedesktop.login1 /org/freedesktop/login1 org.freedesktop.login1.Manager ListUsers'
expect_match "the first command after a start finds D-Bus" '^s "[0-9a-f]{32}"$'
expect_match "... and logind through it" '^a\(uso\) [0-9]+'
run ssh_as lxt-a 'systemctl is-system-running --wait; systemctl --failed --plain --no-legend; ls /etc/systemd/system-generators'
expect_line "... its boot ends with nothing failed" "running"
expect_line "... with the generators that find nothing in a container masked" "systemd-gpt-auto-generator"

# --- issue 16: the tools a server's user expects are there (the image's server set), and work for
# the user: their crontab (setgid crontab), ping (its file capability), tmux and screen
run ssh_as lxt-b 'for t in vi nano curl tmux screen crontab python3 ping ssh man; do command -v $t >/dev/null && echo "has $t"; done'
for t in vi nano curl tmux screen crontab python3 ping ssh man; do expect_line "the image has $t" "has $t"; done
run ssh_as lxt-b 'echo "*/5 * * * * true" | crontab - && crontab -l'
expect_line "crontab: the user installs their own crontab inside" "*/5 * * * * true"
expect_rc "ping as the user (the image's file capability)" 0 ssh_as lxt-b 'ping -c 1 -W 2 127.0.0.1'
run ssh_as lxt-b 'tmux -L t new-session -d "sleep 60" && tmux -L t ls && tmux -L t kill-server'
expect_match "tmux runs inside" "^0: 1 windows"

# --- issue 16, logins seen inside: an interactive login goes through the container's own login(1):
# utmp and wtmp (who, w, last, uptime), a logind session with the user's own systemd --user inside
# the container's cgroup, the container's motd, pam_env and pam_limits; a command is not recorded
# (sshd records only terminal sessions either)
if command -v tmux >/dev/null; then
	ssh_as lxt-a 'sudo -n sh -c "echo LXT_ENV=from-pam-env >> /etc/environment; echo lxt-a soft nofile 777 > /etc/security/limits.d/lxt.conf"'
	# the first login after a stop (issue 21): let in while the rest of the boot goes on, login(1)
	# takes it (no /run/nologin left) and its systemd --user comes up
	"$HELPER" stop lxt-a >/dev/null
	term_start "$(ssh_term lxt-a); echo SSH-DONE; sleep 300"
	wait_screen '\$ ?$' && pass "interactive: a prompt appears" || fail "interactive: no prompt" "$(screen)"
	screen | grep -q "comes with ABSOLUTELY NO WARRANTY" && pass "... after the container's motd" || fail "... no motd" "$(screen)"
	screen | grep -qE "^lxlogin: your container: memory [0-9.]+[BKMG] of 1\.0G, .*[0-9]+ of 1000 processes" &&
		pass "... and a line of usage against the limits (1G, 1000 processes)" || fail "... no usage line" "$(screen)"
	type_line '{ who; echo; w -h; uptime; loginctl list-sessions --no-legend; systemctl --user is-system-running --wait; echo "X=$XDG_RUNTIME_DIR E=$LXT_ENV N=$(ulimit -Sn)"; } >/tmp/seen 2>&1; echo SEEN-DONE'
	wait_screen '^SEEN-DONE'
	run ssh_as lxt-a 'cat /tmp/seen'
	expect_match "who lists the session, with the client's address" "^lxt-a +pts/[0-9]+ .*\(127\.0\.0\.1\)$"
	expect_match "w lists it" "^lxt-a +pts/[0-9]+ "
	expect_match "uptime counts it" " 1 user,"
	expect_match "loginctl lists it, a logind session on its tty" "^ *[0-9]+ +$(uid_of lxt-a) +lxt-a +pts/[0-9]+"
	expect_match "systemctl --user works: the user's manager runs" "^(running|degraded)$"
	expect_line "XDG_RUNTIME_DIR is set, /etc/environment (pam_env) read, limits.d (pam_limits) applied" \
		"X=/run/user/$(uid_of lxt-a) E=from-pam-env N=777"
	n_in=0 n_out=0
	for p in $(pgrep -u "$(uid_of lxt-a)" -x systemd); do
		grep -q "/lxc\.payload\.lxt-a/user\.slice/user-$(uid_of lxt-a)\.slice/user@" "/proc/$p/cgroup" && n_in=$((n_in + 1)) || n_out=$((n_out + 1))
	done
	[ "$n_in" -ge 1 ] && [ "$n_out" = 0 ] && pass "systemd --user runs in the container's cgroup (seen from the host), none on the host" ||
		fail "systemd --user: $n_in in the container's cgroup, $n_out elsewhere" "$(pgrep -a -u "$(uid_of lxt-a)" -x systemd)"
	type_line 'exit'
	wait_screen '^SSH-DONE' || fail "interactive: exit did not end the session" "$(screen)"
	# last prints "still running" for a session that ended in the very second it runs: the end
	# itself is read from wtmp (utmpdump: a DEAD_PROCESS record on the session's line after it)
	run ssh_as lxt-a 'utmpdump /var/log/wtmp 2>/dev/null'
	ended=$(printf '%s\n' "$OUT" | awk -F'] \\[' '$4 ~ /^lxt-a / { line = $5 } line != "" && /^\[8\]/ && $5 == line { print "ended on", line }' | tr -s ' ')
	run ssh_as lxt-a 'echo "utmp=$(utmpdump /var/run/utmp 2>/dev/null | grep -c "^\[7\] .*\[lxt-a ")"; last -w | grep "^lxt-a "'
	expect_line "after exit, utmp holds no login of the user (who, w, users)" "utmp=0"
	expect_match "last shows the session" "^lxt-a +pts/[0-9]+ +127\.0\.0\.1 "
	printf '%s\n' "$ended" | grep -qE "^ended on pts/[0-9]+ ?$" && pass "... wtmp has its end (last: its logout time)" || fail "no end of the session in wtmp" "$ended"
	[ "$(printf '%s\n' "$OUT" | grep -c '^lxt-a ')" = 1 ] && pass "... and only it: commands (scp, rsync, git, this one) are not recorded" ||
		fail "last lists more than the one terminal session" "$OUT"
	# SECURITY.md case 60: login(1) is root inside and keeps the environment; a client's value naming
	# a file never reaches it (util-linux's login drops a locale path itself, a terminal type it keeps)
	term_start "TERM=../../tmp/evil LC_TIME=/tmp/../tmp/evil LC_NUMERIC=de_DE.UTF-8 $(ssh_term lxt-a -o SendEnv=LC_TIME -o SendEnv=LC_NUMERIC); echo SSH-DONE; sleep 300"
	wait_screen '\$ ?$'
	type_line 'echo "TERM=[$TERM] LC_TIME=[$LC_TIME] LC_NUMERIC=[$LC_NUMERIC]" >/tmp/env; exit'
	wait_screen '^SSH-DONE'
	run ssh_as lxt-a 'cat /tmp/env'
	expect_no_match "a client's terminal type naming a file never reaches login(1)" "evil"
	expect_match "... a plain locale does" "LC_NUMERIC=\[de_DE\.UTF-8\]$"
	# lingering, as on any systemd server: the user's manager runs with no session, and a command
	# (no logind session of its own) reaches it. Set by root inside (the image has no polkit, which
	# would let a user set their own)
	run ssh_as lxt-a 'sudo -n loginctl enable-linger lxt-a; loginctl show-user lxt-a -p Linger; systemctl is-active "user@$(id -u).service"; XDG_RUNTIME_DIR=/run/user/$(id -u) systemctl --user is-system-running'
	expect_line "loginctl enable-linger inside: the user lingers" "Linger=yes"
	expect_line "... the user's manager runs without a session" "active"
	expect_match "... and a command reaches it (systemctl --user)" "^(running|degraded)$"
	# the first command after a stop reaches it too: the start waits for a lingering user's manager
	"$HELPER" stop lxt-a >/dev/null
	run ssh_as lxt-a 'XDG_RUNTIME_DIR=/run/user/$(id -u) systemctl --user is-system-running'
	expect_match "... also the first command after a start" "^(initializing|starting|running|degraded)$"
	run ssh_as lxt-a 'sudo -n loginctl disable-linger lxt-a; loginctl show-user lxt-a -p Linger 2>&1'
	expect_no_match "... disable-linger ends it" "Linger=yes"
else
	echo "SKIPPED: interactive logins inside (tmux is not installed)"
fi

# --- issue 16, limits visible: with lxcfs run as lxloginctl(8) says, procps' free and top,
# /proc/cpuinfo and uptime inside are the container's (busybox's free asks sysinfo(2) instead, which
# lxcfs cannot answer: admin.sh checks /proc there)
if command -v lxcfs >/dev/null; then
	lxcfs_up
	echo "cpus = 1" >>"$LXT_CONFIG_DIR/users.d/lxt-b.conf"
	"$HELPER" stop lxt-b >/dev/null
	run ssh_as lxt-b 'free -m | awk "/^Mem:/ { print \"free\", \$2 }"; top -bn1 | grep "^MiB Mem"; echo "cpuinfo $(grep -c ^processor /proc/cpuinfo)"; echo "nproc $(nproc)"; lxlogin-usage'
	expect_line "free -m inside shows the 1G limit as its total" "free 1024"
	expect_match "... top too" "^MiB Mem : +1024\.0 total"
	expect_line "... /proc/cpuinfo shows ceil(cpus) = 1 CPU" "cpuinfo 1"
	[ "$(grep -c ^processor /proc/cpuinfo)" -ge 2 ] && expect_line "... nproc too (the container runs on 1 CPU)" "nproc 1"
	expect_match "lxlogin-usage inside: memory against the 1G limit" "^memory +[0-9.]+[KMG] of 1\.0G$"
	expect_match "... processes against 1000" "^processes +[0-9]+ of 1000$"
	expect_match "... cpus 1" "^cpus +1 \("
	"$HELPER" stop lxt-b >/dev/null
	lxcfs_down
else
	echo "SKIPPED: limits seen inside: lxcfs is not installed"
fi

# --- issue 16: no network (network = none, this test's default): said at an interactive login
run sh -c "printf 'exit\\n' | ssh -tt $(printf '%q ' "${SSH_OPTS[@]}") -p $SSHD_PORT lxt-b@127.0.0.1"
expect_match "an interactive login into a container without network says so" "your container has no network \(the admin's policy: network = none\)"
run ssh_as lxt-b 'echo plain'
expect_no_match "... a command does not (its output stays the command's)" "no network"

# --- issue 16: online (network = veth with NAT out, as lxlogin.conf ships): the container resolves
# names with the host's resolvers and installs a package from the machine's own apt mirror
if grep -q '^nameserver' /etc/resolv.conf && command -v nft >/dev/null; then
	FWD=$(cat /proc/sys/net/ipv4/ip_forward)
	printf 'bridge = lxtbr2\nsubnet = 10.213.79.1/24\npool = 10.213.79.100-10.213.79.199\nnat = yes\n' \
		>>"$LXT_CONFIG_DIR/lxlogin.conf"
	expect_rc "network setup with nat = yes" 0 "$CTL" network setup
	ct_user lxt-n "${POLICY[@]}" "root = yes" "network = veth"
	ssh_user_setup lxt-n
	run ssh_as lxt-n 'cat /etc/resolv.conf'
	expect_match "resolv.conf inside names the host's resolver" "^nameserver $(awk '$1 == "nameserver" && $2 !~ /^127\./ { print $2; exit }' /etc/resolv.conf)$"
	run ssh_as lxt-n 'sudo -n apt-get update -q && sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -q hello && hello'
	expect_line "apt-get update && apt-get install hello && hello, inside" "Hello, world!"
	"$HELPER" stop lxt-n >/dev/null
	"$CTL" network teardown >/dev/null
	echo "$FWD" >/proc/sys/net/ipv4/ip_forward
else
	echo "SKIPPED: apt inside over NAT: this machine has no resolver or no nft"
fi

# --- an image imported from a directory boots and logs in
expect_rc "import the Debian rootfs from a directory" 0 "$CTL" image import "$LXT_STATE_DIR/images/$DEBIAN_IMAGE/rootfs" lxt-imported
ct_user lxt-c "image = lxt-imported" "memory = 1G" "pids = 1000"
ssh_user_setup lxt-c
run ssh_as lxt-c 'systemctl is-system-running --wait; ps -p 1 -o comm=; id -un'
expect_match "the imported image boots" "^(running|degraded)$"
expect_line "... with systemd as PID 1" "systemd"
expect_line "... and the user logs in" "lxt-c"
"$HELPER" stop lxt-c >/dev/null

finish
