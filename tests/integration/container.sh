#!/bin/bash
# container.sh - the container core with real liblxc, cgroups and idmapped mounts (issue 4's acceptance).
. "$(dirname "$0")/../lib.sh"
. "$SRC/tests/container-lib.sh"
ct_setup

ct_user lxt-a "hostname = %u-box" "pids = 40"
ct_user lxt-b "memory = 64M"
ct_user lxt-c "root = yes" "home = container"
IMG=$LXT_STATE_DIR/images/busybox/rootfs
image_sum() { (cd "$IMG" && find . -printf '%p %m %u %g %s %T@ %y\n' | sort && find . -type f -exec sha256sum {} + | sort) | sha256sum; }
SUM_BEFORE=$(image_sum)

# --- two users side by side
expect_rc "start lxt-a" 0 "$HELPER" start lxt-a
expect_rc "start lxt-b" 0 "$HELPER" start lxt-b
for u in lxt-a lxt-b; do
	pid=$(init_pid_of "$u")
	[ -n "$pid" ] && pass "$u: status names the init pid" || fail "$u: status shows no init"
	owner=$(stat -c %u "/proc/$pid" 2>/dev/null)
	[ "$owner" = "$(subuid_of "$u")" ] && pass "$u: host sees init as the first id of $u's range ($owner)" ||
		fail "$u: init runs as host uid '$owner', want $(subuid_of "$u")"
	run cat "/proc/$pid/uid_map"
	expect_match "$u: uid_map maps container root onto the range" "^ +0 +$(subuid_of "$u") +$(uid_of "$u")$"
	expect_match "$u: uid_map maps the user's own uid through" "^ +$(uid_of "$u") +$(uid_of "$u") +1$"
	expect_no_match "$u: nothing maps to host root" "^ +[0-9]+ +0 +"
done
[ "$(subuid_of lxt-a)" != "$(subuid_of lxt-b)" ] && pass "the two users have different ranges" || fail "shared range"
run in_ct lxt-a hostname
expect_line "hostname from lxt-a's policy" "lxt-a-box"
run in_ct lxt-b hostname
expect_line "default hostname for lxt-b" "lxt-b"
in_ct lxt-a 'sleep 300 >/dev/null 2>&1 & echo a > /tmp/only-in-a'
run in_ct lxt-a 'ps -o comm | grep -c "^sleep"'
expect_line "lxt-a sees its own process" "1"
run in_ct lxt-b 'ps -o comm | grep -c "^sleep"; ls /tmp/only-in-a'
expect_line "lxt-b does not see lxt-a's process" "0"
expect_match "lxt-b does not see lxt-a's files" "No such file"

# --- identity inside
run in_ct lxt-a 'id -un; id -u; echo $HOME; cd && pwd'
expect_line "same name inside" "lxt-a"
expect_line "same uid inside" "$(uid_of lxt-a)"
# the attach makes its first process in the v2 payload cgroup (clone3) and moves it in v1 by its tasks files
# (busybox's init stays in the payload cgroup's root, so its /proc/1/cgroup is where a session belongs)
run in_ct lxt-a '[ "$(cat /proc/1/cgroup)" = "$(cat /proc/self/cgroup)" ] && echo same-cgroups || cat /proc/1/cgroup /proc/self/cgroup'
expect_line "a session is in the init's cgroup in every hierarchy, v1 and v2" "same-cgroups"
in_ct lxt-a 'echo hello > /home/lxt-a/written-inside'
[ "$(stat -c %U:%G /home/lxt-a/written-inside 2>/dev/null)" = "lxt-a:lxt-a" ] &&
	pass "a home file written inside is the user's on the host" || fail "home file owner: $(stat -c %U:%G /home/lxt-a/written-inside 2>&1)"
in_ct lxt-a --root 'touch /etc/made-by-root; echo tamper >> /etc/inittab; chmod 777 /bin; chown 5:5 /etc/passwd; touch -d 2001-01-01 /bin/busybox; rm -f /bin/ls; mkdir /new-dir'
UP=$LXT_STATE_DIR/users/lxt-a/upper
[ "$(stat -c %u:%g "$UP/etc/made-by-root" 2>/dev/null)" = "$(subuid_of lxt-a):$(awk -F: '$1=="lxt-a"{print $2}' /etc/subgid)" ] &&
	pass "a file made by root inside lands in the layer owned by the range's root" ||
	fail "owner of made-by-root: $(stat -c %u:%g "$UP/etc/made-by-root" 2>&1)"
# overlayfs makes whiteouts (char 0:0, unopenable) as the mounter: the only root-owned entries allowed
[ "$(find "$UP" -uid 0 ! -type c | wc -l)" = 0 ] && pass "nothing in the layer belongs to host root" || fail "host-root files in the layer" "$(find "$UP" -uid 0 ! -type c)"
[ "$(stat -c %t:%T "$UP/bin/ls" 2>/dev/null)" = 0:0 ] && pass "a removal is a whiteout in the layer" || fail "no whiteout for /bin/ls"
[ "$(image_sum)" = "$SUM_BEFORE" ] && pass "the base image is unchanged after root inside wrote, chmodded, chowned, removed" ||
	fail "the base image changed"
run in_ct lxt-a 'ls /new-dir && echo present'
expect_line "the container sees its own change" "present"

# SECURITY.md case 32: root inside cannot mount a v1 hierarchy (and so no release_agent).
run in_ct lxt-a --root 'mkdir -p /tmp/cg; mount -t cgroup -o rdma cgroup /tmp/cg 2>&1 || mount -t cgroup -o none,name=x cgroup /tmp/cg 2>&1; echo "rc=$?"; ls /tmp/cg/release_agent 2>&1'
expect_no_match "root inside cannot mount a cgroup v1 hierarchy" "^rc=0$"
# SECURITY.md cases 14 and 43: root inside writing through /proc/1/exe or to image files leaves the image as it was.
in_ct lxt-a --root 'echo x > /proc/1/exe; cat /bin/busybox > /proc/self/exe; echo y >> /bin/busybox' >/dev/null 2>&1
[ "$(image_sum)" = "$SUM_BEFORE" ] && pass "writes through /proc/PID/exe and to binaries leave the image unchanged" || fail "the base image changed"
cmp -s "$IMG/bin/busybox" /bin/busybox && pass "the image's busybox is byte-identical to the host's" || fail "busybox changed"

# --- limits
in_ct lxt-a 'for i in $(seq 60); do sleep 30 >/dev/null 2>&1 & done 2>/dev/null' >/dev/null 2>&1
sleepers=$(for p in $(cat /sys/fs/cgroup/pids/"$LXT_CGROUP"/lxt-a/lxc.payload.lxt-a/cgroup.procs); do cat "/proc/$p/comm"; done 2>/dev/null | grep -c '^sleep$')
cur=$(cat /sys/fs/cgroup/pids/"$LXT_CGROUP"/lxt-a/pids.current)
max=$(cat /sys/fs/cgroup/pids/"$LXT_CGROUP"/lxt-a/pids.max)
[ "$max" = 40 ] && pass "pids.max is the policy's 40" || fail "pids.max is $max"
[ "$cur" -le 40 ] && pass "a fork loop inside stops at pids ($cur of 40)" || fail "pids.current $cur > 40"
[ "${sleepers:-60}" -lt 60 ] && pass "forks were refused at the limit ($sleepers of 60 started)" || fail "all 60 forks succeeded"
sh -c 'true' && pass "the host still forks" || fail "the host cannot fork"
# end the sleepers: our own container's processes, by pid, from its cgroup (init excluded)
init_a=$(init_pid_of lxt-a)
for p in $(cat /sys/fs/cgroup/pids/"$LXT_CGROUP"/lxt-a/lxc.payload.lxt-a/cgroup.procs); do
	[ "$p" != "$init_a" ] && kill -9 "$p" 2>/dev/null
done
oom_kills() { find /sys/fs/cgroup/memory/"$LXT_CGROUP/$1" \( -name memory.oom_control -o -name memory.events \) -exec awk '$1 == "oom_kill" { n += $2 } END { print n + 0 }' {} + | awk '{ n += $1 } END { print n + 0 }'; }
run in_ct lxt-b 'dd if=/dev/zero of=/dev/null bs=200M count=1 2>/dev/null; echo "rc=$?"'
expect_line "a 200M allocation under a 64M limit is killed" "rc=137"
[ "$(oom_kills lxt-b)" -ge 1 ] && pass "the OOM kill happened inside lxt-b's cgroup" || fail "no OOM kill recorded for lxt-b"
[ "$(cat /sys/fs/cgroup/memory/"$LXT_CGROUP"/lxt-b/memory.limit_in_bytes)" = 67108864 ] && pass "memory limit is the policy's 64M" || fail "memory limit"
[ "$(cat /sys/fs/cgroup/memory/"$LXT_CGROUP"/lxt-b/memory.max_usage_in_bytes)" -le 67108864 ] && pass "usage never passed the limit" || fail "usage above the limit"
[ "$(oom_kills lxt-a)" = 0 ] && pass "no OOM kill in lxt-a" || fail "lxt-a had an OOM kill"
[ -n "$(init_pid_of lxt-b)" ] && pass "lxt-b's container survives its OOM" || fail "lxt-b's container died"
[ -n "$(init_pid_of lxt-a)" ] && pass "lxt-a is unaffected" || fail "lxt-a's container died"

# SECURITY.md case 38: the container has its own devpts instance (lxc.pty.max = 256): a user opening
# ptys inside stops there, and the host's instance keeps working while they hold them
HOLD=$LXT_RUN_DIR/pty-hold
mkfifo "$HOLD"
exec 9<>"$HOLD"
in_ct lxt-a 'n=0; for i in $(seq 10 400); do eval "command exec $i<>/dev/ptmx" 2>/dev/null || break; n=$((n + 1)); done
	echo "opened $n"; read x' <"$HOLD" >"$HOLD.out" 2>&1 &
holder=$!
wait_for "the user inside has opened what ptys they can" grep -q '^opened' "$HOLD.out"
n=$(awk '$1 == "opened" { print $2 }' "$HOLD.out")
[ "${n:-0}" -ge 200 ] && [ "$n" -le 256 ] && pass "ptys inside stop at lxc.pty.max ($n of 391 tries)" ||
	fail "ptys inside: ${n:-none} opened" "$(cat "$HOLD.out")"
run script -qec tty /dev/null
expect_match "the host opens a pty meanwhile" "^/dev/pts/[0-9]+"
echo done >&9
wait_for "the user's shell inside ends, closing them" sh -c "! kill -0 $holder"
kill "$holder" 2>/dev/null
wait "$holder"
exec 9>&-
rm -f "$HOLD" "$HOLD.out"

# SECURITY.md cases 33 and 35: limit files stay root's; no writing into others' cgroups.
CG=/sys/fs/cgroup
for f in pids/"$LXT_CGROUP"/lxt-a/pids.max memory/"$LXT_CGROUP"/lxt-a/memory.limit_in_bytes \
	memory/"$LXT_CGROUP"/lxt-a/memory.memsw.limit_in_bytes cpu/"$LXT_CGROUP"/lxt-a/cpu.cfs_quota_us \
	devices/"$LXT_CGROUP"/lxt-a/devices.allow pids/"$LXT_CGROUP"/lxt-a/notify_on_release; do
	[ -e "$CG/$f" ] || continue
	as_user lxt-a sh -c "echo 99999999999 > $CG/$f" 2>/dev/null && fail "lxt-a wrote $f" || pass "lxt-a cannot write $f"
done
as_user lxt-a sh -c "echo \$\$ > $CG/pids/$LXT_CGROUP/lxt-a/cgroup.procs" && pass "lxt-a may move itself within its own cgroup" || fail "delegation of cgroup.procs"
for t in "pids/$LXT_CGROUP/lxt-b" "pids/$LXT_CGROUP" pids; do
	as_user lxt-a sh -c "echo \$\$ > $CG/$t/cgroup.procs" 2>/dev/null && fail "lxt-a joined $t" || pass "lxt-a cannot join $t"
done
[ ! -e "$CG/pids/$LXT_CGROUP/lxt-a/release_agent" ] && [ "$(stat -c %u "$CG/pids/release_agent")" = 0 ] &&
	pass "release_agent is never delegated" || fail "release_agent reachable"

# --- the helper run by users
expect_rc "a user may not start another's container" 1 as_user lxt-a "$HELPER" start lxt-b
expect_match "and is told why" "only root may act on another user's container"
for other in root 0 1001 ../lxt-b; do
	expect_rc "a user naming '$other' is refused" 1 as_user lxt-a "$HELPER" stop "$other"
done
expect_rc "a user stops their own container" 0 as_user lxt-a "$HELPER" stop
expect_rc "... and starts it again" 0 as_user lxt-a "$HELPER" start
run as_user lxt-a "$HELPER" status
expect_match "... and sees it running" "^running [0-9]+$"
ct_user lxt-n
rm -f "$LXT_CONFIG_DIR/users.d/lxt-n.conf"
expect_rc "an uncontained user is told so (exit 3)" 3 as_user lxt-n "$HELPER" start
expect_match "... with the reason" "lxt-n is not contained"

# --- 10 parallel starts of one user
"$HELPER" stop lxt-c >/dev/null 2>&1
rcs=$(for i in $(seq 10); do ("$HELPER" start lxt-c >/dev/null 2>&1; echo $?) & done; wait)
[ "$(echo $rcs | tr ' ' '\n' | grep -c '^0$')" = 10 ] && pass "10 parallel starts all succeed" || fail "parallel start exits: $rcs"
mons=$(ps -u lxt-c -o args= | grep -c '^\[lxc monitor\]')
[ "$mons" = 1 ] && pass "exactly one container for lxt-c" || fail "$mons lxc monitors for lxt-c"
inits=$(cat "$CG/pids/$LXT_CGROUP/lxt-c/lxc.payload.lxt-c/cgroup.procs" | wc -l)
[ "$inits" = 1 ] && pass "exactly one init for lxt-c" || fail "$inits processes in lxt-c's payload"

# --- kill -9 at every step of a start: the next start repairs, and stop leaves nothing
for step in locked identity layer cgroup config mounted entered dropped; do
	"$HELPER" stop lxt-c >/dev/null 2>&1
	[ "$step" = identity ] && rm -rf "$LXT_STATE_DIR/users/lxt-c" # a first start, so the layer is made
	setsid env LXLOGIN_TEST_PAUSE="$step" "$HOOKED" start lxt-c >/dev/null 2>&1 &
	sid=$!
	stopped=""
	for i in $(seq 300); do
		for p in $(pgrep -s "$sid"); do [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" = T ] && stopped=$p; done
		[ -n "$stopped" ] && break
		sleep 0.1
	done
	[ -n "$stopped" ] && pass "paused at '$step'" || fail "never reached '$step'"
	kill -9 -- "-$sid" 2>/dev/null
	wait "$sid" 2>/dev/null
	expect_rc "start after kill -9 at '$step' succeeds" 0 "$HELPER" start lxt-c
	run in_ct lxt-c 'id -un'
	expect_line "the repaired container works ($step)" "lxt-c"
	expect_rc "stop after '$step'" 0 "$HELPER" stop lxt-c
	left=$(host_mounts_of_instance | grep -F "/lxt-c ")
	[ -z "$left" ] && pass "no mount of lxt-c left after '$step'" || fail "mounts left after '$step'" "$left"
	[ -z "$(cgroup_dirs_of lxt-c)" ] && pass "no cgroup of lxt-c left after '$step'" || fail "cgroups left after '$step'" "$(cgroup_dirs_of lxt-c)"
	[ ! -e "$LXT_STATE_DIR/users/lxt-c/upper.new" ] && pass "no half-made layer after '$step'" || fail "upper.new left"
done
[ -d "$LXT_STATE_DIR/users/lxt-c/upper" ] && pass "stop keeps the user's layer" || fail "layer gone after stop"
grep -qx "lxt-c ALL=(ALL:ALL) NOPASSWD: ALL" "$LXT_STATE_DIR/users/lxt-c/upper/etc/sudoers.d/lxlogin" &&
	pass "root = yes: a sudoers line in the layer" || fail "no sudoers line for root = yes"
[ "$(stat -c %a "$LXT_STATE_DIR/users/lxt-c/upper/etc/sudoers.d/lxlogin")" = 440 ] && pass "sudoers file mode 440" || fail "sudoers mode"
[ ! -e "$LXT_STATE_DIR/users/lxt-a/upper/etc/sudoers.d" ] && pass "root = no: no sudoers line" || fail "sudoers for lxt-a"
expect_rc "start lxt-c (home = container)" 0 "$HELPER" start lxt-c
run in_ct lxt-c 'cd /home/lxt-c && pwd && touch inside-only && ls -ld . | cut -c1-10'
expect_line "home = container: the home exists inside" "/home/lxt-c"
expect_line "... private to the user" "drwx------"
[ ! -e /home/lxt-c/inside-only ] && pass "home = container: nothing lands in the host home" || fail "host home written"
"$HELPER" stop lxt-c >/dev/null

# --- first-login cost does not grow with the image: the same work for 10 and 10,000 files
filled_image() { # NAME NFILES: a busybox image with NFILES more small files in /usr/share/filler
	"$BUILD/lxloginctl" image build busybox "$1" >/dev/null || fail "image build $1"
	mkdir -p "$LXT_STATE_DIR/images/$1/rootfs/usr/share/filler"
	(cd "$LXT_STATE_DIR/images/$1/rootfs/usr/share/filler" && seq "$2" | xargs touch)
}
filled_image small 10
filled_image large 10000
ct_user lxt-s "image = small"
ct_user lxt-l "image = large"
expect_rc "first start on a 10-file image" 0 "$HELPER" start lxt-s
expect_rc "first start on a 10,000-file image" 0 "$HELPER" start lxt-l
layer_list() { (cd "$LXT_STATE_DIR/users/$1/upper" && find . -printf '%P %m %y\n' | sed "s/$1/USER/g" | sort); }
small=$(layer_list lxt-s)
large=$(layer_list lxt-l)
[ "$small" = "$large" ] && pass "both new layers hold the same entries ($(echo "$small" | wc -l)), whatever the image size" ||
	fail "layers differ" "$(diff <(echo "$small") <(echo "$large"))"
[ "$(echo "$small" | wc -l)" -le 10 ] && pass "a new layer holds only the identity files (and the inner sshd's key directory, etc/lxlogin/sshd)" || fail "new layer: $small"
run in_ct lxt-l 'ls /usr/share/filler | wc -l'
expect_line "the large image is all there inside" "10000"

# SECURITY.md case 16: a hard link in the layer to a root file, then a start: no pass "fixes" its owner.
VICTIM=$LXT_STATE_DIR/victim
printf 'secret\n' > "$VICTIM"
chmod 600 "$VICTIM"
"$HELPER" stop lxt-s >/dev/null
ln "$VICTIM" "$LXT_STATE_DIR/users/lxt-s/upper/victim-link"
expect_rc "start with a hard link to a root file in the layer" 0 "$HELPER" start lxt-s
[ "$(stat -c %u:%g:%a "$VICTIM")" = 0:0:600 ] && pass "the linked root file keeps its owner and mode" || fail "victim is now $(stat -c %u:%g:%a "$VICTIM")"
run in_ct lxt-s 'cat /victim-link 2>&1'
expect_no_match "the container cannot read it" "^secret$"

# SECURITY.md case 18: container root plants a symlink at a mount target for the next start.
before_passwd=$(sha256sum /etc/passwd)
before_mounts=$(sort /proc/self/mountinfo | sha256sum)
"$HELPER" stop lxt-a >/dev/null
# what root inside can leave in its layer while stopped (the home dir is a busy mount while running)
rm -rf "$LXT_STATE_DIR/users/lxt-a/upper/home/lxt-a"
ln -s /etc "$LXT_STATE_DIR/users/lxt-a/upper/home/lxt-a"
chown -h "$(subuid_of lxt-a):$(awk -F: '$1=="lxt-a"{print $2}' /etc/subgid)" "$LXT_STATE_DIR/users/lxt-a/upper/home/lxt-a"
run "$HELPER" start lxt-a
[ "$(sha256sum /etc/passwd)" = "$before_passwd" ] && [ "$(sort /proc/self/mountinfo | sha256sum)" = "$before_mounts" ] &&
	pass "a planted symlink at the home mount target changes nothing on the host (start: $RC)" || fail "host changed after a planted symlink"
[ "$RC" = 1 ] && pass "liblxc refuses to mount onto the planted symlink" || fail "start over a planted symlink: $RC" "$OUT"
"$HELPER" stop lxt-a >/dev/null
rm -f "$LXT_STATE_DIR/users/lxt-a/upper/home/lxt-a"

# --- stop removes cgroups and mounts, keeps the layer
for u in lxt-a lxt-b lxt-s lxt-l; do expect_rc "stop $u" 0 "$HELPER" stop "$u"; done
[ -z "$(host_mounts_of_instance)" ] && pass "no lxlogin mount remains" || fail "mounts remain" "$(host_mounts_of_instance)"
left=$(ls -d /sys/fs/cgroup/*/"$LXT_CGROUP"/lxt-* 2>/dev/null)
[ -z "$left" ] && pass "no user cgroup remains" || fail "cgroups remain" "$left"
expect_rc "start again after stop" 0 "$HELPER" start lxt-a
run in_ct lxt-a 'cat /home/lxt-a/written-inside; ls /new-dir >/dev/null && echo kept'
expect_line "the layer survived stop and start" "kept"
expect_rc "lxloginctl status" 0 "$BUILD/lxloginctl" status lxt-a
expect_match "lxloginctl status says running" "^running [0-9]+$"
expect_rc "lxloginctl stop" 0 "$BUILD/lxloginctl" stop lxt-a
expect_rc "lxloginctl start" 0 "$BUILD/lxloginctl" start lxt-a
expect_rc "lxloginctl stop again" 0 "$BUILD/lxloginctl" stop lxt-a

# --- an account made again under the same name, with another primary group: its runtime dir is renewed
ct_group lxt-othergrp
usermod -g lxt-othergrp lxt-b
run "$HELPER" start lxt-b
[ "$RC" = 0 ] && pass "start after the user's primary group changed" || fail "start after a gid change ($RC)" "$OUT"
[ "$(stat -c %G "$LXT_RUN_DIR/user/lxt-b")" = lxt-othergrp ] && pass "... the runtime dir is theirs again" || fail "runtime dir group"
"$HELPER" stop lxt-b >/dev/null
usermod -g lxt-b lxt-b # so that userdel removes the user's own group

# --- issue 15: a home the container config cannot hold is refused before anything is written with it
ct_user lxt-h
usermod -d "/home/lxt h" lxt-h
run "$HELPER" start lxt-h
[ "$RC" != 0 ] && pass "a home with a space is refused" || fail "started with home '/home/lxt h'"
expect_match "... saying why" "home /home/lxt h cannot be given to a container"
[ ! -e "$LXT_STATE_DIR/users/lxt-h/upper" ] && pass "... and no layer was written with it" || fail "a layer was made" "$(cat "$LXT_STATE_DIR/users/lxt-h/upper/etc/passwd" 2>&1 | tail -1)"
usermod -d /home/lxt-h lxt-h
expect_rc "fixed, the start works" 0 "$HELPER" start lxt-h
run in_ct lxt-h 'grep "^lxt-h:" /etc/passwd'
expect_match "... and the layer's passwd has the fixed home" "^lxt-h:x:[0-9]+:[0-9]+::/home/lxt-h:/bin/sh$"
"$HELPER" stop lxt-h >/dev/null

# --- issue 15: /etc/subgid and a number as the owner. shadow reads it two ways: newgidmap as the
# user's uid, its libsubid (lxlogin's lookup) as the gid of the group named like the user. Only the
# user's name works with both: each numeric form is refused by name, saying what to write.
userdel -r lxt-g >/dev/null 2>&1
groupdel lxt-g >/dev/null 2>&1
ct_group lxt-g # the group named like the user, with a gid that is not the user's uid
groupmod -g 4510 lxt-g
useradd -m -N -u 4620 -g lxt-g -s /bin/sh lxt-g && CT_USERS+=(lxt-g)
"$BUILD/lxloginctl" subid assign lxt-g >/dev/null
printf 'memory = 64M\n' >"$LXT_CONFIG_DIR/users.d/lxt-g.conf"
chmod 644 "$LXT_CONFIG_DIR/users.d/lxt-g.conf"
sed -i 's/^lxt-g:/4510:/' /etc/subgid
run "$HELPER" start lxt-g
[ "$RC" != 0 ] && pass "a subgid range owned by the gid of group lxt-g (4510) is refused" || fail "started with a gid-owned subgid line"
expect_match "... saying newgidmap would refuse it, and what to write" "names its owner as '4510', lxt-g's gid: newgidmap reads a number there as a uid \(theirs is 4620\).*write 'lxt-g' or '4620'"
sed -i 's/^4510:/4620:/' /etc/subgid
run "$HELPER" start lxt-g
[ "$RC" != 0 ] && pass "owned by lxt-g's uid (4620): refused too" || fail "started with a uid-owned subgid line"
expect_match "... saying libsubid does not find it, and what to write" "owned by '4620', lxt-g's uid: newgidmap takes that, but shadow's libsubid .* write 'lxt-g' instead"
sed -i 's/^4620:/lxt-g:/' /etc/subgid
expect_rc "owned by the name: the start works" 0 "$HELPER" start lxt-g
run in_ct lxt-g 'id -u'
expect_line "... as lxt-g inside" "4620"
"$HELPER" stop lxt-g >/dev/null

finish
