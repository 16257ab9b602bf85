#!/bin/bash
# mkimage-busybox.sh DIR [NFILES] - a tiny image from the host's busybox-static: DIR/rootfs, root-owned.
# NFILES > 0 adds that many small files under /usr/share/filler (for the "cost does not grow" test).
set -euo pipefail
dir=$1
nfiles=${2:-0}
bb=/bin/busybox
[ -x "$bb" ] && "$bb" --list >/dev/null || { echo "mkimage-busybox: needs busybox-static" >&2; exit 77; }
root=$dir/rootfs
mkdir -p "$root"
cd "$root"
mkdir -p bin sbin etc proc sys dev tmp root home run var/log usr/bin usr/sbin
cp "$bb" bin/busybox
for applet in $("$bb" --list); do
	[ -e "bin/$applet" ] || ln -s busybox "bin/$applet"
done
ln -sf ../bin/busybox sbin/init
cat > etc/inittab <<'TAB'
::sysinit:/bin/mount -t tmpfs -o nosuid,nodev,size=16m tmpfs /tmp
::shutdown:/bin/true
TAB
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > etc/passwd
printf 'root:x:0:\nnogroup:x:65534:\n' > etc/group
echo busybox > etc/hostname
chmod 1777 tmp
if [ "$nfiles" -gt 0 ]; then
	mkdir -p usr/share/filler
	for i in $(seq "$nfiles"); do echo "$i" > "usr/share/filler/$i"; done
fi
chown -R 0:0 "$dir"
chmod 755 "$dir"
