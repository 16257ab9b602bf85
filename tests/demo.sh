#!/bin/bash
# demo.sh - scripts/demo from this tree ends in an SSH login into the demo user's container; --down cleans up.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || skip "needs root (the demo installs lxlogin)"
[ -e /etc/lxlogin ] && skip "this machine has its own /etc/lxlogin: the demo test runs only where lxlogin is not installed"
PORT=${LXT_DEMO_PORT:-22622}
(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && skip "port $PORT is in use"

dpkg-query -W -f='${Status}' lxlogin 2>/dev/null | grep -q "install ok" && skip "lxlogin's package is installed on this machine"
PAM_BEFORE=$(md5sum /etc/pam.d/common-* /etc/shells /etc/group)
run env LXLOGIN_DEMO_PORT="$PORT" "$SRC/scripts/demo"
[ "$RC" = 0 ] && pass "scripts/demo succeeds" || fail "scripts/demo failed ($RC)" "$(printf '%s\n' "$OUT" | tail -30)"
V=$(sed -n '1s/^lxlogin (\(.*\)).*/\1/p' "$SRC/packaging/debian/changelog")
[ "$(dpkg-query -W -f='${Status} ${Version}' lxlogin)" = "install ok installed $V" ] &&
	[ "$(dpkg-query -W -f='${Status} ${Version}' libpam-lxlogin)" = "install ok installed $V" ] &&
	pass "... from the packages it built ($V), installed with apt" || fail "the packages are not installed" "$(dpkg -l 'lxlogin*' 'libpam-lxlogin' 2>&1)"
[ "$(getent passwd lxdemo | cut -d: -f7)" = /usr/bin/lxlogin-shell ] && [ "$(stat -c '%a %U' /usr/libexec/lxlogin/lxlogin-helper)" = "4755 root" ] &&
	pass "... the packaged paths: /usr/bin/lxlogin-shell, the helper 4755 in /usr/libexec/lxlogin" || fail "packaged paths"
expect_match "the demo logs in over SSH into the container" "^hostname: +lxdemo-box$"
expect_match "... as the demo user" "^id: +uid=[0-9]+\(lxdemo\)"
last=$(printf '%s\n' "$OUT" | tail -n 1)
[[ "$last" =~ ^ssh\ -i\ [^\ ]+\ -p\ $PORT\ lxdemo@127\.0\.0\.1$ ]] && pass "the last line is the command to log in" || fail "last line: $last"
read -r -a cmd <<<"$last"
run "${cmd[@]}" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR hostname
expect_line "that command logs in to the container" "lxdemo-box"
run env LXLOGIN_DEMO_PORT="$PORT" "$SRC/scripts/demo"
[ "$RC" = 0 ] && pass "running the demo twice is safe" || fail "second demo run failed ($RC)" "$(printf '%s\n' "$OUT" | tail -20)"
expect_rc "scripts/demo --down" 0 env LXLOGIN_DEMO_PORT="$PORT" "$SRC/scripts/demo" --down
[ ! -e /etc/lxlogin ] && [ ! -e /var/lib/lxlogin ] && ! id lxdemo >/dev/null 2>&1 && pass "--down removes what the demo made" ||
	fail "--down left things" "$(ls -d /etc/lxlogin /var/lib/lxlogin 2>&1; id lxdemo 2>&1)"
! dpkg-query -W -f='${Status}' lxlogin libpam-lxlogin 2>/dev/null | grep -q "ok installed" && [ "$(md5sum /etc/pam.d/common-* /etc/shells /etc/group)" = "$PAM_BEFORE" ] &&
	pass "... the packages purged: common-*, /etc/shells and /etc/group as before" ||
	fail "after --down" "$(dpkg -l lxlogin libpam-lxlogin 2>&1; diff <(echo "$PAM_BEFORE") <(md5sum /etc/pam.d/common-* /etc/shells /etc/group))"
(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && fail "the demo sshd still listens" || pass "the demo sshd is stopped"
finish
