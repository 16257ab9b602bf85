# guest_quota.sh - issue 18 in the systemd guest, under Debian's kernel (sourced by systemd_guest.sh,
# which provides g, as, run and the expect_* checks; lxlogin is installed from its packages there):
#  - quota = require refuses, and warn starts with a warning, on a filesystem without project quota
#    (the guest's own /);
#  - then once on a loop-mounted ext4 (quota,project features, mounted prjquota) and once on a
#    loop-mounted XFS (pquota) as the state directory (/var/lib/lxlogin, the image built anew on it;
#    the containers already running keep theirs underneath), through the guest's sshd: writes past disk and inodes fail inside, the host and another user are unaffected, a
#    copy-up counts, df inside shows the limit, container root cannot untag anything (and the
#    kernel's own check and hole, bypassing the filter, as controls), list --json equals repquota,
#    reset and destroy leave no quota behind.
# Needs the static test probe: the guest's copy at /usr/local/bin/fileattr, and $BUILD/tests/fileattr.
S=/var/lib/lxlogin
U=$S/users
quota_users() { # quota_users USER...: contained users with the test key, home in the container
	local u
	for u; do
		g "userdel -r $u >/dev/null 2>&1; useradd -m -s /usr/bin/lxlogin-shell -G lxlogin-users $u &&
			install -d -m 700 -o $u -g $u /home/$u/.ssh && install -m 600 -o $u -g $u /root/.ssh/authorized_keys /home/$u/.ssh/ &&
			lxloginctl subid assign $u >/dev/null"
	done
}
projid_of() { g "awk -F: -v u=$1 '\$1 == u { print \$2 }' /etc/subuid"; }

# --- on the guest's / (ext4 without the project feature): require refuses, warn warns
quota_users lxt-q1
g "printf 'disk = 64M\ninodes = 2000\nhome = container\nnetwork = none\n' > /etc/lxlogin/users.d/lxt-q1.conf"
run as lxt-q1 true
[ "$RC" != 0 ] && pass "quota: require (the default) on a / without project quota: no session" ||
	fail "quota: a limited user got a session on a / without project quota" "$OUT"
expect_match "... the user is told why, with the fix" "could not start: the policy limits the disk of lxt-q1, but /var/lib/lxlogin/users cannot enforce it: ext4 /dev/vda has no project quota: unmount it, run 'tune2fs -O project,quota /dev/vda', and mount it with -o prjquota"
g "echo 'quota = warn' >> /etc/lxlogin/lxlogin.conf"
run as lxt-q1 'echo in'
expect_line "quota: warn: the session starts" in
run g "journalctl -q --no-pager -t lxlogin-helper | grep -c 'the disk limits of lxt-q1 are not enforced (quota = warn)'; lxloginctl doctor"
expect_match "... syslog (the journal) has the warning" "^[1-9][0-9]*$"
expect_match "... doctor notes it" "^note: lxt-q1's disk limits are not enforced \(quota = warn\)"
g "lxloginctl destroy --yes lxt-q1 >/dev/null; sed -i '/^quota = warn$/d' /etc/lxlogin/lxlogin.conf"


quota_leg() { # quota_leg ext4|xfs
	local fs=$1 img=/var/tmp/lxt-quota-$1.img dq k
	[ "$fs" = ext4 ] && dq="Disk quota exceeded" || dq="No space left on device" # XFS: ENOSPC for a project
	if [ "$fs" = ext4 ]; then
		k="rm -f $img && truncate -s 1G $img && mkfs.ext4 -F -q -I 256 -O quota,project -E quotatype=prjquota $img && mount -o loop,prjquota $img $S"
	else
		k="rm -f $img && truncate -s 1G $img && mkfs.xfs -f -q $img && mount -o loop,pquota $img $S"
	fi
	# the image built anew on it, with a file of 40M that a copy-up brings into a layer
	run g "$k && chmod 755 $S && echo mounted"
	expect_line "quota $fs: a loop-mounted $fs with project quota as the state directory" mounted
	[ "$OUT" = mounted ] || return 0
	run g "lxloginctl image build busybox debian >/dev/null && head -c 41943040 /dev/zero > $S/images/debian/rootfs/usr/big"
	last_ok "quota $fs: the image built on it, with a 40M file"
	[ "$RC" = 0 ] && quota_checks "$fs" "$dq"
	run g "lxloginctl destroy --yes lxt-q1 >/dev/null; lxloginctl destroy --yes lxt-q2 >/dev/null; umount $S && rm -f $img; userdel -r lxt-q1; userdel -r lxt-q2; rm -f /etc/lxlogin/users.d/lxt-q[12].conf; echo clean"
	expect_line "quota $fs: unmounted and removed" clean
}

quota_checks() { # quota_checks FS ERROR: on the mounted state directory
	local fs=$1 dq=$2 p1 p2
	quota_users lxt-q1 lxt-q2
	g "printf 'disk = 64M\ninodes = 2000\nhome = container\nnetwork = none\n' > /etc/lxlogin/users.d/lxt-q1.conf
		printf 'disk = 64M\nhome = container\nnetwork = none\n' > /etc/lxlogin/users.d/lxt-q2.conf"
	p1=$(projid_of lxt-q1) p2=$(projid_of lxt-q2)
	expect_rc "quota $fs: lxt-q1 logs in" 0 as lxt-q1 true
	run g "for d in $U/lxt-q1 $U/lxt-q1/upper $U/lxt-q1/work $U/lxt-q1/upper/home/lxt-q1; do fileattr get \$d; done | sort -u"
	expect_line "... its layer, upper, work and home: project $p1 (the first of its range), inherited" "projid=$p1 inherit=1"
	[ "$(printf '%s\n' "$OUT" | wc -l)" = 1 ] && pass "... all four alike" || fail "... not all alike" "$OUT"
	run g "lxloginctl status lxt-q1 | grep '^disk:'"
	expect_match "... status: the disk against its limit, enforced" "^disk: +[0-9.]+[KMG]?/64.0M, inodes [0-9]+/2000 \(project $p1 on $fs /dev/loop[0-9]+, enforced\)$"
	run g "lxloginctl doctor | grep -i 'quota\|project\|disk'"
	expect_no_match "... doctor finds nothing wrong with it" "^problem"

	# bytes
	run as lxt-q1 'dd if=/dev/zero of=$HOME/big bs=1M count=100 2>&1; echo rc=$?; df -k / | tail -1'
	expect_match "quota $fs: writing past disk = 64M fails inside ($dq)" "$dq"
	expect_no_match "... (dd's status)" "^rc=0$"
	expect_match "... df / inside shows the limit as the size" "^[^ ]+ +65536 +"
	run as lxt-q1 'df -i / | tail -1'
	expect_match "... df -i / inside shows the inode limit" "^[^ ]+ +2000 +"
	# a project id someone else's files already use: no layer is tagged with it
	g "mkdir $S/other && chattr -p $p2 $S/other"
	run as lxt-q2 true
	expect_match "quota $fs: a project id already in use by other files: lxt-q2 gets no session, told why" \
		"could not start: project id $p2 of lxt-q2 is already used by 1 other files on /dev/loop[0-9]+: refused"
	g "rm -rf $S/other"
	run as lxt-q2 'dd if=/dev/zero of=$HOME/f bs=1M count=16 2>&1 && echo wrote'
	expect_line "... once they are gone, another user still writes" wrote
	run g "dd if=/dev/zero of=$S/host-file bs=1M count=16 2>&1 && rm -f $S/host-file && echo wrote"
	expect_line "... so does the host" wrote
	run g "lxloginctl list --json"
	JSON=$OUT
	run g "repquota -P -n $S | awk '\$1 == \"#$p1\" { print \$3, \$5, \$6, \$8 }'"
	read -r kb kb_hard files files_hard <<<"$OUT"
	json_of() { # json_of USER KEY: a number from list --json, 0 if there is none
		printf '%s' "$JSON" | python3 -c "import json, sys
v = [u for u in json.load(sys.stdin) if u['user'] == '$1'][0]['$2']
print(v if isinstance(v, int) else 0)" 2>/dev/null || echo 0
	}
	[ -n "$kb" ] && [ $(( ($(json_of lxt-q1 disk) + 1023) / 1024 )) = "$kb" ] && [ "$(json_of lxt-q1 inodes)" = "$files" ] &&
		pass "... list --json: disk and inodes equal the kernel's (repquota: ${kb}K, $files files)" ||
		fail "... list --json and repquota differ" "$JSON / repquota: $kb $kb_hard $files $files_hard"
	[ "$(json_of lxt-q1 disk_max)" = $((64 * 1048576)) ] && [ "$(json_of lxt-q1 inodes_max)" = 2000 ] &&
		[ "$kb_hard" = 65536 ] && [ "$files_hard" = 2000 ] && pass "... and the limits (64M, 2000 files)" ||
		fail "... the limits differ" "$JSON / repquota: $kb $kb_hard $files $files_hard"
	as lxt-q1 'rm -f $HOME/big'

	# inodes
	run as lxt-q1 'i=0; while [ $i -lt 3000 ] && touch $HOME/f$i 2>/tmp/err; do i=$((i + 1)); done; cat /tmp/err; echo made=$i'
	expect_match "quota $fs: creating files past inodes = 2000 fails inside ($dq)" "$dq"
	expect_match "... after fewer than 2000" "^made=1?[0-9]{1,3}$"
	as lxt-q1 'rm -f $HOME/f*'

	# a copy-up of the image's 40M file counts against the user
	run g "lxloginctl list --json"
	JSON=$OUT
	before=$(json_of lxt-q1 disk)
	run g "lxloginctl exec --root lxt-q1 -- sh -c 'echo >> /usr/big' && lxloginctl list --json"
	JSON=$OUT
	after=$(json_of lxt-q1 disk)
	[ $((after - before)) -ge 41943040 ] && pass "quota $fs: copying up the image's 40M file counts against the user (+$(( (after - before) / 1048576 ))M)" ||
		fail "quota $fs: the copy-up was not counted ($before -> $after)"
	run g "lxloginctl exec --root lxt-q1 -- dd if=/dev/zero of=/root/second bs=1M count=40"
	expect_match "... and the next 40M does not fit ($dq)" "$dq"

	# container root cannot untag: through the filter, and (bypassing it) the kernel's own check
	g "lxloginctl exec --root lxt-q1 -- sh -c 'rm -f /root/second; cat > /root/fileattr && chmod 755 /root/fileattr'" <"$BUILD/tests/fileattr"
	for c in "setflags /usr/sbin" "fssetxattr /etc/inittab" "file_setattr /usr/bin" "setflags /usr" \
		"fssetxattr /usr/big" "file_setattr /usr/big"; do
		set -- $c
		run g "lxloginctl exec --root lxt-q1 -- /root/fileattr $1 $2"
		expect_line "quota $fs: container root: $1 on $2 is refused" "error EPERM"
	done
	run g "for d in /usr /usr/big; do fileattr get $U/lxt-q1/upper\$d; done; for d in /usr/sbin /etc/inittab /usr/bin; do [ -e $U/lxt-q1/upper\$d ] && fileattr get $U/lxt-q1/upper\$d; done | sort -u"
	[ "$(printf '%s\n' "$OUT" | sed 's/ inherit=.*//' | sort -u)" = "projid=$p1" ] &&
		pass "... every copy in the layer is still project $p1" || fail "... a copy lost its project" "$OUT"
	run g "init=\$(lxloginctl status lxt-q1 | awk 'NR == 1 { print \$2 }'); nsenter -t \$init -U -m -- /root/fileattr fssetxattr /usr/big; nsenter -t \$init -U -m -- /root/fileattr fssetxattr /etc/os-release; fileattr get $U/lxt-q1/upper/etc/os-release"
	expect_line "control: without the filter the kernel still refuses to change a copied-up file's project" "error EINVAL"
	expect_line "control: ... but a file not yet copied up leaves project $p1 on its way up (the hole the filter closes)" "projid=0 inherit=0"

	# a layer from before its filesystem had project quota: every entry of it in project 0 (chattr for
	# directories and files; a link, a fifo and a whiteout made anew beside them): the next start
	# tags all it holds, and each entry of the layer counts in the user's project
	count() { g "repquota -P -n $S | awk '\$1 == \"#$1\" { print \$6 }'"; }
	entries() { g "find $U/lxt-q1 -xdev | wc -l"; }
	g "lxloginctl exec --root lxt-q1 -- sh -c 'mkdir -p /srv/a/b/c && echo x > /srv/a/b/c/f'" >/dev/null
	run g "lxloginctl stop lxt-q1 >/dev/null; L=$U/lxt-q1/upper; chattr -R -p 0 $U/lxt-q1; chattr -R -P $U/lxt-q1
		ln -s /nowhere \$L/root/link && mkfifo \$L/root/fifo && mknod \$L/etc/motd c 0 0 &&
		chown -h $p1:$p1 \$L/root/link \$L/root/fifo \$L/etc/motd && fileattr get \$L/srv/a/b/c"
	expect_line "quota $fs: a layer untagged by hand" "projid=0 inherit=0"
	c=$(count "$p1")
	[ "${c:-0}" = 0 ] && pass "... nothing of it counts in project $p1" || fail "... project $p1 still counts $c"
	expect_rc "... it starts" 0 g "lxloginctl start lxt-q1"
	run g "fileattr get $U/lxt-q1/upper/srv/a/b/c; fileattr get $U/lxt-q1/upper/srv/a/b/c/f"
	expect_line "... its directories are tagged again, with inheritance" "projid=$p1 inherit=1"
	expect_line "... and its files" "projid=$p1 inherit=0"
	c=$(count "$p1") n=$(entries)
	[ -n "$c" ] && [ "$c" = "$n" ] && pass "... each of its $n entries counts again (the link, fifo and whiteout too)" ||
		fail "... $n entries in the layer, $c counted"
	run g "ls -l $U/lxt-q1/upper/root/link $U/lxt-q1/upper/etc/motd; stat -c %F $U/lxt-q1/upper/root/fifo"
	expect_match "... the link is still a link to its target" "link -> /nowhere$"
	expect_match "... the whiteout a whiteout" "^c.* 0, +0 .*/etc/motd$"
	expect_line "... the fifo a fifo" "fifo"

	run g "lxloginctl reset --yes lxt-q1 && repquota -P -n $S | awk '\$1 == \"#$p1\"'; fileattr get \$(ls -d $S/archive/lxt-q1-* | tail -1)"
	last_ok "quota $fs: lxloginctl reset lxt-q1"
	expect_no_match "... project $p1 has no limit and counts nothing (repquota)" "^#$p1 .*[1-9]"
	expect_line "... the archive is out of it" "projid=0 inherit=0"
	run g "lxloginctl destroy --yes lxt-q2 && repquota -P -n $S | awk '\$1 == \"#$p2\"'"
	last_ok "quota $fs: lxloginctl destroy lxt-q2"
	expect_no_match "... project $p2 has no limit and counts nothing" "^#$p2 .*[1-9]"
}
quota_leg ext4
quota_leg xfs
