#!/bin/bash
# quota.sh - disk limits (issue 18) where this machine can check them, through the real sshd:
#  - SECURITY.md case 62, everywhere (it needs no quota support, only the project-inherit flag of
#    ext4 or XFS): container root cannot make a file of the image, not yet copied up, lose the layer's
#    project tag on its way up (chattr's ioctls, FS_IOC_FSSETXATTR, file_setattr), neither from a
#    login nor from a process of the container's own init; a negative control shows the kernel's
#    hole is there and that this test sees it;
#  - quota = require | warn | off on a state dir without project quota (this machine's);
#  - the limits themselves need a kernel with quota support: checked in the systemd guest stage.
. "$(dirname "$0")/../lib.sh"
. "$SRC/tests/container-lib.sh"
. "$SRC/tests/sshd-lib.sh"
FA=$BUILD/tests/fileattr
[ -x "$FA" ] || skip "the test probe $FA is not built"
command -v lsattr >/dev/null && command -v chattr >/dev/null || skip "chattr/lsattr are missing (e2fsprogs)"
command -v nsenter >/dev/null || skip "nsenter is missing (util-linux)"
ct_setup
syslog_setup
sshd_setup || { fail "sshd did not start" "$(cat "$SSHD_DIR/sshd.log" 2>/dev/null)"; finish; exit 1; }
CTL=$BUILD/lxloginctl
has_P() { lsattr -d "$1" 2>/dev/null | awk '{ print $1 }' | grep -q P; } # the project-inherit flag

# --- SECURITY.md case 62: the overlay's attribute hole
ct_user lxt-q
L=$LXT_STATE_DIR/users/lxt-q
install -d -m 0700 "$LXT_STATE_DIR/users" "$L"
if ! chattr +P "$L" 2>/dev/null || ! has_P "$L"; then
	printf 'SKIPPED: case 62 (%s has no project-inherit flag: not ext4 or XFS)\n' "$LXT_STATE_DIR"
else
	# made as a start makes it before upper and work exist: they inherit the flag
	expect_rc "start: a layer tagged before its first start" 0 "$CTL" start lxt-q
	has_P "$L/upper" && has_P "$L/work" && pass "... upper and work inherit the tag" ||
		fail "upper or work lacks the tag" "$(lsattr -d "$L/upper" "$L/work" 2>&1)"
	install -m 0755 "$FA" /home/lxt-q/fileattr
	probe() { "$CTL" exec --root lxt-q -- /home/lxt-q/fileattr "$@"; }
	# each call on its own file or directory of the image, none copied up yet
	for c in "setflags /usr/bin" "fssetxattr /usr/sbin" "file_setattr /var/log" "setflags /etc/inittab" \
		"fssetxattr /etc/os-release" "file_setattr /root"; do
		set -- $c
		run probe "$1" "$2"
		expect_line "container root: $1 on the image's $2 (not copied up) is refused" "error EPERM"
		if [ -d "$L/upper$2" ] && ! has_P "$L/upper$2"; then
			fail "... and $2's copy in the layer lost the tag" "$(lsattr -d "$L/upper$2")"
		else
			pass "... and the layer has no untagged copy of $2"
		fi
	done
	"$CTL" exec --root lxt-q -- mkdir /usr/bin/made-here >/dev/null
	has_P "$L/upper/usr/bin" && pass "a write copies /usr/bin up, tagged" || fail "/usr/bin copied up without the tag"
	run probe setflags /usr/bin
	expect_line "container root: setflags on the copied-up /usr/bin is refused too" "error EPERM"
	run probe get /usr/bin
	expect_line "... reading the flags is allowed" "projid=0 inherit=1"
	# the container's init has the filter (from the start, not from an attach): a process it runs
	"$CTL" exec --root lxt-q -- sh -c 'echo "::once:/home/lxt-q/fileattr setflags /sbin > /root/from-init 2>&1" >> /etc/inittab'
	expect_rc "restart, the init running the probe once" 0 "$CTL" restart lxt-q
	wait_for "the init's probe" test -s "$L/upper/root/from-init"
	run cat "$L/upper/root/from-init"
	expect_line "a process of the container's init: setflags on the image's /sbin is refused" "error EPERM"
	[ -d "$L/upper/sbin" ] && ! has_P "$L/upper/sbin" && fail "... /sbin's copy lost the tag" ||
		pass "... and no untagged copy of /sbin"
	# negative control: the container's user and mount namespace entered from the host, without the
	# container's seccomp filter: the kernel's hole is there, and this test sees it
	init=$("$CTL" status lxt-q | awk 'NR == 1 { print $2 }')
	run nsenter -t "$init" -U -m -- /home/lxt-q/fileattr setflags /run
	expect_line "negative control: without the filter the same call on the image's /run succeeds" "ok"
	if [ -d "$L/upper/run" ] && ! has_P "$L/upper/run"; then
		pass "... and /run's copy in the layer lost the tag (the hole the filter closes)"
	else
		fail "negative control: /run's copy kept the tag: this test could not see the hole" \
			"$(lsattr -d "$L/upper/run" 2>&1)"
	fi
	"$CTL" stop lxt-q >/dev/null
fi

# --- quota = require | warn | off, on a state dir whose filesystem cannot enforce a disk limit
ct_user lxt-r "disk = 64M" "inodes = 10000"
ssh_user_setup lxt-r
run "$CTL" start lxt-r
if [ "$RC" = 0 ] && "$CTL" status lxt-r | grep -q '^disk: .*enforced)$'; then
	printf 'SKIPPED: quota = require and warn on a filesystem without project quota (%s enforces it here; the guest stage checks them)\n' "$LXT_STATE_DIR"
	"$CTL" stop lxt-r >/dev/null
else
	[ "$RC" != 0 ] && pass "quota = require (the default): no start for a user with disk limits" ||
		fail "a limited user started on a filesystem without project quota" "$OUT"
	expect_match "... the reason and the fix, named" \
		"the policy limits the disk of lxt-r, but $LXT_STATE_DIR/users cannot enforce it: .*(tune2fs -O project,quota|mount it with -o p?r?j?quota|no quota support|not on ext4 or XFS).*or set quota = warn in lxlogin.conf"
	run ssh_as lxt-r true
	[ "$RC" != 0 ] && pass "ssh lxt-r: no session" || fail "ssh lxt-r got a session" "$OUT"
	expect_match "... and the user is told why" "your container could not start: the policy limits the disk of lxt-r"
	"$CTL" status lxt-r >/dev/null 2>&1
	run "$CTL" doctor
	expect_match "doctor: a problem, with quota = require" "^problem: lxt-r's disk limits are not enforced \(quota = require: their logins are refused\): "
	expect_rc "a user without limits starts all the same (lxt-q)" 0 "$CTL" start lxt-q
	"$CTL" stop lxt-q >/dev/null

	echo "quota = warn" >> "$LXT_CONFIG_DIR/lxlogin.conf"
	run "$CTL" start lxt-r
	[ "$RC" = 0 ] && pass "quota = warn: the limited user starts" || fail "quota = warn: no start" "$OUT"
	expect_match "... with the warning" "^lxloginctl: warning: the disk limits of lxt-r are not enforced \(quota = warn\): "
	"$CTL" stop lxt-r >/dev/null
	expect_rc "quota = warn: ssh lxt-r gets a session" 0 ssh_as lxt-r true
	syslog_has "... and syslog has the warning" "lxlogin: the disk limits of lxt-r are not enforced (quota = warn)"
	run ssh_as lxt-r lxlogin-usage
	expect_match "... lxlogin-usage inside says the disk limit is not enforced" "^disk +64.0M, not enforced on this server$"
	run "$CTL" doctor
	expect_match "doctor: a note, with quota = warn" "^note: lxt-r's disk limits are not enforced \(quota = warn\): "
	expect_no_match "... not a problem" "^problem: lxt-r's disk"
	"$CTL" stop lxt-r >/dev/null

	sed -i 's/^quota = warn$/quota = off/' "$LXT_CONFIG_DIR/lxlogin.conf"
	run "$CTL" start lxt-r
	[ "$RC" = 0 ] && pass "quota = off: the limited user starts" || fail "quota = off: no start" "$OUT"
	expect_no_match "... without a warning" "warning"
	run ssh_as lxt-r lxlogin-usage
	expect_no_match "... lxlogin-usage shows no disk limit" "^disk"
	run "$CTL" doctor
	expect_no_match "doctor: nothing about lxt-r's disk with quota = off" "lxt-r's disk"
	"$CTL" stop lxt-r >/dev/null
	sed -i '/^quota = off$/d' "$LXT_CONFIG_DIR/lxlogin.conf"
fi

# --- the limits themselves: on loop-mounted ext4 and XFS with project quota, under Debian's kernel
if zgrep -qE '^CONFIG_QFMT_V2=(y|m)' /proc/config.gz 2>/dev/null; then kernel="this kernel has quota support"
else kernel="this kernel ($(uname -r)) has no quota support"; fi
printf 'SKIPPED: disk and inode limits enforced, df inside, reset and destroy, here (%s): the systemd guest stage checks them\n' "$kernel"

sshd_cleanup
ct_cleanup
finish
