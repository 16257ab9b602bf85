#!/bin/bash
# debian_image.sh - build the Debian test image once per run (a ctest fixture), interrupting a
# first build with kill -9 on the way; debian.sh and later runs of the suite reuse it.
. "$(dirname "$0")/../lib.sh"
. "$SRC/tests/container-lib.sh"
command -v debootstrap >/dev/null || skip "debootstrap is missing (scripts/install-deps installs it)"
ct_setup
CTL=$BUILD/lxloginctl
IMAGES=$LXT_STATE_DIR/images
BUILDDIR=$IMAGES/.build-$DEBIAN_IMAGE
LOG=$LXT_STATE_DIR/build.log
# git for debian.sh, an X client that draws (xlogo) for forwarding.sh
PACKAGES=git,x11-apps

# (an image of this run's cache built with another package set, by an older tree, is built again)
if [ -f "$IMAGE_CACHE/$DEBIAN_IMAGE/image.conf" ] && grep -qx 'set = server' "$IMAGE_CACHE/$DEBIAN_IMAGE/image.conf" &&
	grep -qx "packages = $PACKAGES" "$IMAGE_CACHE/$DEBIAN_IMAGE/image.conf" && [ -e "$IMAGE_CACHE/$DEBIAN_IMAGE/rootfs/usr/sbin/sshd" ]; then
	pass "reusing the Debian image built earlier in this run: $(grep -E '^(built|size|files) = ' \
		"$IMAGE_CACHE/$DEBIAN_IMAGE/image.conf" | tr '\n' ' ')"
	echo "SKIPPED: kill -9 of a Debian image build: the image was already built in this run"
	finish
	exit
fi

# processes and mounts of a build: anything whose root, cwd or mount lives in its temporary dir
build_procs() {
	local p
	for p in /proc/[0-9]*; do
		case "$(readlink "$p/root" 2>/dev/null) $(readlink "$p/cwd" 2>/dev/null)" in
		*"$BUILDDIR"*) echo "${p#/proc/}" ;;
		esac
	done
}
build_mounts() { cat /proc/[0-9]*/mountinfo 2>/dev/null | grep -F "$BUILDDIR" | sort -u; }

# --- kill -9 while debootstrap works: no image under the name, nothing of the build left running
"$CTL" image build debian --packages $PACKAGES "$DEBIAN_IMAGE" >"$LOG" 2>&1 &
ctl=$!
for i in $(seq 1200); do
	[ -n "$(build_procs)" ] && [ -d "$BUILDDIR/rootfs/var/cache/apt/archives" ] && break
	kill -0 "$ctl" 2>/dev/null || break
	sleep 0.1
done
if [ -n "$(build_procs)" ]; then
	pass "a build is under way (debootstrap in $BUILDDIR)"
else
	fail "the first build never got going" "$(tail -20 "$LOG")"
fi
kill -9 "$ctl"
wait "$ctl" 2>/dev/null
[ ! -e "$IMAGES/$DEBIAN_IMAGE" ] && pass "after kill -9: no image under the name" || fail "an image appeared after kill -9"
run "$CTL" image list
expect_no_match "... image list does not show it" "^$DEBIAN_IMAGE "
for i in $(seq 300); do [ -z "$(build_procs)" ] && break; sleep 0.1; done
[ -z "$(build_procs)" ] && pass "... every process of the build died with lxloginctl" ||
	fail "build processes left: $(build_procs | xargs -r ps -o pid,args -p)"
[ -z "$(build_mounts)" ] && pass "... and no mount of the build is left" || fail "mounts left" "$(build_mounts)"

# --- the second build succeeds, clearing what the first left
start=$(date +%s)
"$CTL" image build debian --packages $PACKAGES "$DEBIAN_IMAGE" >"$LOG" 2>&1
rc=$?
[ "$rc" = 0 ] && pass "a second build succeeds: $(tail -1 "$LOG")" || fail "Debian image build failed ($rc)" "$(tail -30 "$LOG")"
grep -q "cleared .build-$DEBIAN_IMAGE, left by an interrupted run" "$LOG" && pass "... after clearing the interrupted build's directory" ||
	fail "the leftover was not reported cleared" "$(head -5 "$LOG")"
[ -z "$(ls -A "$IMAGES" | grep '^\.build')" ] && pass "... and nothing else is left in the store" || fail "left: $(ls -A "$IMAGES")"
echo "Debian image: built in $(($(date +%s) - start)) s; $(du -sh "$IMAGES/$DEBIAN_IMAGE/rootfs" | cut -f1) on disk"
grep -q '^I: Retrieving' "$LOG" && pass "the build shows its progress" || fail "no progress lines"

# --- prepared for an unprivileged container, with nothing of this host or any secret inside
R=$IMAGES/$DEBIAN_IMAGE/rootfs
[ -f "$R/etc/machine-id" ] && [ ! -s "$R/etc/machine-id" ] && pass "machine-id is empty (each container makes its own)" || fail "machine-id"
[ -z "$(ls "$R"/etc/ssh/ssh_host_* 2>/dev/null)" ] && pass "no ssh host keys" || fail "host keys baked in"
[ ! -e "$R/etc/hostname" ] && [ ! -s "$R/etc/resolv.conf" ] && pass "no hostname or resolver of the build host" || fail "host files baked in"
[ "$(readlink "$R/etc/systemd/system/sys-kernel-debug.mount")" = /dev/null ] && pass "units that cannot work unprivileged are masked" || fail "no masks"
init=$(chroot "$R" readlink -f /sbin/init)
[ "$init" = /usr/lib/systemd/systemd ] && pass "init is systemd" || fail "init is $init"
missing=""
for b in usr/bin/sudo usr/bin/rsync usr/bin/git usr/bin/less usr/lib/openssh/sftp-server usr/bin/apt-get; do
	[ -x "$R/$b" ] || missing="$missing /$b"
done
[ -z "$missing" ] && pass "sudo, rsync, git, less, apt-get and sftp-server are in the image" || fail "missing in the image:$missing"
[ -x "$R/usr/sbin/sshd" ] && [ -x "$R/usr/bin/xauth" ] && [ -e "$R/usr/bin/lxlogin-sshd" ] &&
	pass "sshd's binaries, xauth and lxlogin-sshd's mount point are in the image (forwarding inside)" || fail "no sshd, xauth or lxlogin-sshd in the image"
[ "$(readlink "$R/etc/systemd/system/ssh.service")" = /dev/null ] && [ "$(readlink "$R/etc/systemd/system/ssh.socket")" = /dev/null ] &&
	[ ! -e "$R/etc/systemd/system/sshd.service" ] && pass "... and no sshd service: ssh.service and ssh.socket are masked" || fail "an sshd service is left" "$(ls -l "$R"/etc/systemd/system/ss*)"
grep -qx 'LANG=C.UTF-8' "$R/etc/default/locale" && pass "a default locale" || fail "no default locale"
grep -qx "packages = $PACKAGES" "$IMAGES/$DEBIAN_IMAGE/image.conf" && grep -qx 'set = server' "$IMAGES/$DEBIAN_IMAGE/image.conf" &&
	grep -qx 'distribution = debian' "$IMAGES/$DEBIAN_IMAGE/image.conf" &&
	pass "metadata: debian, the server set, with the extra packages" || fail "image.conf" "$(cat "$IMAGES/$DEBIAN_IMAGE/image.conf")"
ct_cache_image "$DEBIAN_IMAGE" && pass "kept for the other tests of this run" || fail "could not cache the image"
finish
