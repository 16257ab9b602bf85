#!/bin/bash
# images.sh - lxloginctl image build/import/list/remove and reset, on small busybox images (issue 6).
# The Debian image and what runs on it are in debian_image.sh and debian.sh.
. "$(dirname "$0")/../lib.sh"
. "$SRC/tests/container-lib.sh"
ct_setup
CTL=$BUILD/lxloginctl
IMAGES=$LXT_STATE_DIR/images

# --- build and list
run "$CTL" image list
expect_match "image list shows the busybox image with its distribution and no users" '^busybox +busybox +[0-9.]+ +[0-9.]+[KM] +[0-9T:-]+Z +0$'
[ "$(stat -c %U:%a "$IMAGES/busybox")" = root:700 ] && pass "an image is root's, closed to everyone else (root:700)" ||
	fail "image dir is $(stat -c %U:%a "$IMAGES/busybox")"
grep -qx 'distribution = busybox' "$IMAGES/busybox/image.conf" && grep -q '^built = 20' "$IMAGES/busybox/image.conf" &&
	grep -q '^size = [0-9]' "$IMAGES/busybox/image.conf" && pass "metadata beside the rootfs: distribution, date, size" ||
	fail "image.conf" "$(cat "$IMAGES/busybox/image.conf")"
expect_rc "building over an existing image is refused" 1 "$CTL" image build busybox busybox
expect_match "... saying it exists" "image busybox exists"
expect_rc "an image name with a slash is refused" 1 "$CTL" image build busybox ../evil
[ ! -e "$LXT_STATE_DIR/evil" ] && pass "... and nothing is made outside the store" || fail "../evil made"
expect_rc "--packages with a shell character is refused" 1 "$CTL" image build debian --packages 'git;id' x
expect_rc "a user cannot build images" 2 as_user nobody "$CTL" image build busybox mine

# --- import: a directory, a tarball (with and without a rootfs/ top directory), stdin
SRCDIR=$LXT_STATE_DIR/import-src
mkdir -p "$SRCDIR"
cp -a "$IMAGES/busybox/rootfs" "$SRCDIR/tree"
echo imported-from-dir > "$SRCDIR/tree/etc/motd"
expect_rc "import from a directory" 0 "$CTL" image import "$SRCDIR/tree" lxt-imp
tar -C "$SRCDIR" --transform 's,^tree,rootfs,' -czf "$SRCDIR/rootfs.tar.gz" tree
expect_rc "import from a tarball with a rootfs/ top directory" 0 "$CTL" image import "$SRCDIR/rootfs.tar.gz" lxt-tar
[ -x "$IMAGES/lxt-tar/rootfs/sbin/init" ] && pass "... unpacked to the image's root" || fail "no sbin/init in lxt-tar"
tar -C "$SRCDIR/tree" -cf - . | "$CTL" image import - lxt-stdin >/dev/null
[ -x "$IMAGES/lxt-stdin/rootfs/bin/sh" ] && pass "import from standard input (-)" || fail "no image from stdin"
mkdir -p "$SRCDIR/noinit/bin" "$SRCDIR/noinit/etc"
cp /bin/busybox "$SRCDIR/noinit/bin/sh"
expect_rc "import of a tree without an init is refused" 1 "$CTL" image import "$SRCDIR/noinit" lxt-bad
expect_match "... naming what is missing" "no /sbin/init"
[ ! -e "$IMAGES/lxt-bad" ] && [ -z "$(ls -A "$IMAGES" | grep '^\.build')" ] && pass "... and leaves nothing in the store" ||
	fail "left: $(ls -A "$IMAGES")"
expect_rc "import of a missing tarball fails" 1 "$CTL" image import "$SRCDIR/none.tar" lxt-bad
ct_user lxt-i "image = lxt-imp"
expect_rc "a container starts on the imported image" 0 "$HELPER" start lxt-i
run in_ct lxt-i 'cat /etc/motd; id -un'
expect_line "... with the imported files" "imported-from-dir"
expect_line "... and the user inside" "lxt-i"

# --- remove: refused while running, refused while layers were made on it, --force after stop
run "$CTL" image list
expect_match "image list counts the running user" '^lxt-imp .* 1 \(1 running\)$'
expect_rc "removing an image a container runs on is refused" 1 "$CTL" image remove --force lxt-imp
expect_match "... naming who runs on it" "in use by 1 running container \(lxt-i\)"
[ -d "$IMAGES/lxt-imp/rootfs/bin" ] && pass "... and the image is all there" || fail "image damaged"
"$HELPER" stop lxt-i >/dev/null
expect_rc "removing an image a stopped user's layer was made on needs --force" 1 "$CTL" image remove lxt-imp
expect_match "... naming the user" "made on it \(lxt-i\)"
expect_rc "image remove --force after the user stopped" 0 "$CTL" image remove --force lxt-imp
[ ! -e "$IMAGES/lxt-imp" ] && pass "... the image is gone" || fail "lxt-imp still there"
expect_rc "the user's next start fails" 1 "$HELPER" start lxt-i
expect_match "... saying the image is not installed" "image 'lxt-imp' is not installed"
expect_rc "removing an unused image" 0 "$CTL" image remove lxt-stdin
expect_rc "removing a missing image fails" 1 "$CTL" image remove lxt-stdin

# A start holds its image (shared lock) until the container runs: a removal then is refused.
ct_user lxt-r "image = lxt-tar"
setsid env LXLOGIN_TEST_PAUSE=layer "$HOOKED" start lxt-r >/dev/null 2>&1 &
sid=$!
stopped=""
for i in $(seq 300); do
	for p in $(pgrep -s "$sid"); do [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" = T ] && stopped=$p; done
	[ -n "$stopped" ] && break
	sleep 0.1
done
[ -n "$stopped" ] && pass "a start paused after it took its image" || fail "the start never paused"
expect_rc "image remove --force during that start is refused" 1 "$CTL" image remove --force lxt-tar
expect_match "... because a container is being started on it" "being started on it"
kill -CONT "$stopped"
wait "$sid"
[ "$(init_pid_of lxt-r)" != "" ] && pass "the start then completes" || fail "lxt-r did not start"
"$HELPER" stop lxt-r >/dev/null

# --- a changed image is refused until reset; reset archives (or deletes) the layer
ct_user lxt-m "image = busybox"
expect_rc "start on busybox" 0 "$HELPER" start lxt-m
in_ct lxt-m --root 'echo mine > /etc/made-on-busybox' >/dev/null
"$HELPER" stop lxt-m >/dev/null
printf 'image = lxt-tar\n' > "$LXT_CONFIG_DIR/users.d/lxt-m.conf"
expect_rc "a start on another image than the layer's is refused" 1 "$HELPER" start lxt-m
expect_match "... saying why and what to do" "made on image 'busybox' but the policy now gives image 'lxt-tar'.*lxloginctl reset lxt-m"
expect_rc "reset without --yes off a terminal does nothing" 1 "$CTL" reset lxt-m </dev/null
[ -f "$LXT_STATE_DIR/users/lxt-m/upper/etc/made-on-busybox" ] && pass "... the layer is untouched" || fail "layer changed"
expect_rc "reset --yes" 0 "$CTL" reset --yes lxt-m
archived=$(ls -d "$LXT_STATE_DIR/archive/lxt-m-"* 2>/dev/null | head -1)
[ -f "$archived/upper/etc/made-on-busybox" ] && pass "the old layer is archived, whole ($(basename "$archived"))" || fail "no archive"
[ "$(stat -c %U:%a "$LXT_STATE_DIR/archive")" = root:700 ] && pass "the archive is root's alone" || fail "archive perms"
expect_rc "the next start uses the new image" 0 "$HELPER" start lxt-m
run in_ct lxt-m 'ls /etc/made-on-busybox 2>&1; id -un'
expect_no_match "... with a fresh layer" "^/etc/made-on-busybox$"
expect_line "... and the user's identity" "lxt-m"
expect_rc "reset --yes --delete of a running container" 0 "$CTL" reset --yes --delete lxt-m
[ -z "$(init_pid_of lxt-m)" ] && pass "... stops it" || fail "still running after reset"
[ ! -e "$LXT_STATE_DIR/users/lxt-m" ] && [ "$(ls -d "$LXT_STATE_DIR/archive/lxt-m-"* | wc -l)" = 1 ] &&
	pass "... and deletes the layer, archiving nothing" || fail "reset --delete left: $(ls "$LXT_STATE_DIR/archive")"
expect_rc "reset of a user with no layer fails" 1 "$CTL" reset --yes lxt-m
expect_match "... saying so" "has no layer"

# SECURITY.md case 54: an image is never changed in place; a new build under the same name is
# another image, and a layer made on the old one is refused on it until reset.
ct_user lxt-n "image = lxt-re"
"$CTL" image build busybox lxt-re >/dev/null
expect_rc "start on lxt-re" 0 "$HELPER" start lxt-n
expect_rc "rebuilding lxt-re in place is refused" 1 "$CTL" image build busybox lxt-re
"$HELPER" stop lxt-n >/dev/null
"$CTL" image remove --force lxt-re >/dev/null
expect_rc "lxt-re removed and built again" 0 "$CTL" image build busybox lxt-re
expect_rc "a start of the layer made on the old build is refused" 1 "$HELPER" start lxt-n
expect_match "... saying it is another build" "made on another build of image 'lxt-re'.*lxloginctl reset lxt-n"
"$CTL" reset --yes --delete lxt-n >/dev/null
expect_rc "after reset it starts on the new build" 0 "$HELPER" start lxt-n
"$HELPER" stop lxt-n >/dev/null

# SECURITY.md case 44: an image's setuid files and its world-writable /tmp are out of host users' reach.
run as_user lxt-n sh -c "ls '$IMAGES/busybox/rootfs' >/dev/null 2>&1 && echo reached; touch '$IMAGES/busybox/rootfs/tmp/x' 2>/dev/null && echo wrote"
[ -z "$OUT" ] && [ ! -e "$IMAGES/busybox/rootfs/tmp/x" ] && pass "a host user can neither list an image nor write its /tmp" || fail "host user reached the image: $OUT"

# --- the same user's layer survives stop and start
ct_user lxt-p
"$HELPER" start lxt-p >/dev/null
in_ct lxt-p --root 'echo still-here > /var/log/persist' >/dev/null
"$HELPER" stop lxt-p >/dev/null
expect_rc "start again" 0 "$HELPER" start lxt-p
run in_ct lxt-p --root 'cat /var/log/persist'
expect_line "a file written before the stop is there after the start" "still-here"

finish
