#!/bin/bash
# image.sh - build (or reuse) the systemd guest for the systemd stage: a Debian 12 with systemd,
# pure cgroup v2, sshd and what lxlogin needs at run time, debootstrapped from this machine's apt
# mirror into an ext4 image, with the kernel and initrd beside it.
#   tests/guest/image.sh CACHE_DIR    -> prints the directory holding vmlinuz, initrd.img, rootfs.img, key
# The image is kept between runs under a key of this file's text and the mirror: it is rebuilt
# only when either changes (an older one is removed then). The guest is booted with -snapshot,
# so the image itself never changes.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${1:?usage: image.sh CACHE_DIR}
MIRROR=$(bash "$SRC/ctl/lxlogin-mkimage" mirror)
KEY=$(cat "$0" <(echo "$MIRROR") | sha256sum | cut -c1-16)
OUT=$CACHE/$KEY
if [ -f "$OUT/ready" ]; then echo "$OUT"; exit 0; fi

PACKAGES=(
	systemd systemd-sysv udev dbus libpam-systemd openssh-server iproute2 procps kmod apparmor
	linux-image-amd64 initramfs-tools
	# lxlogin's packages' dependencies (the .debs are built on the host, same Debian, and installed
	# with dpkg: the guest has no apt lists)
	liblxc1 liblxc-common uidmap libsubid4 libcap2 libseccomp2 libaudit1 libselinux1 busybox-static nftables
	lxcfs adduser
	# the disk quota checks: an XFS to mount with pquota, and quota's repquota for the kernel's own figures
	xfsprogs quota
)
mkdir -p "$CACHE" && chmod 0700 "$CACHE"
for old in "$CACHE"/*/; do [ -d "$old" ] && [ "${old%/}" != "$OUT" ] && rm -rf "$old"; done
rm -rf "$OUT" && mkdir -p "$OUT/root"
root=$OUT/root
t0=$SECONDS
echo "guest: debootstrap bookworm from $MIRROR" >&2
debootstrap --variant=minbase --include="$(printf '%s\n' "${PACKAGES[@]}" | grep -v '^#' | paste -sd, -)" \
	bookworm "$root" "$MIRROR" > "$OUT/debootstrap.log" 2>&1 ||
	{ tail -20 "$OUT/debootstrap.log" >&2; echo "guest: debootstrap failed ($OUT/debootstrap.log)" >&2; exit 1; }

echo lxlogin-guest > "$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 lxlogin-guest\n' > "$root/etc/hosts"
echo '/dev/vda / ext4 rw,errors=remount-ro 0 1' > "$root/etc/fstab"
mkdir -p "$root/etc/systemd/network"
printf '[Match]\nName=eth0\n\n[Network]\nDHCP=ipv4\n' > "$root/etc/systemd/network/10-eth0.network"
ln -sf /lib/systemd/system/systemd-networkd.service "$root/etc/systemd/system/multi-user.target.wants/"
# nothing that would reach out or grind the emulated CPU
for u in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer man-db.timer \
	systemd-timesyncd.service; do ln -sf /dev/null "$root/etc/systemd/system/$u"; done
ssh-keygen -q -t ed25519 -N '' -C lxlogin-guest-test -f "$OUT/key"
install -d -m 0700 "$root/root/.ssh"
install -m 0600 "$OUT/key.pub" "$root/root/.ssh/authorized_keys"
printf 'PermitRootLogin prohibit-password\nPasswordAuthentication no\nUseDNS no\n' \
	> "$root/etc/ssh/sshd_config.d/guest.conf"
cp "$(ls "$root"/boot/vmlinuz-* | tail -1)" "$OUT/vmlinuz"
cp "$(ls "$root"/boot/initrd.img-* | tail -1)" "$OUT/initrd.img"
rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"*
truncate -s 4G "$OUT/rootfs.img"
mkfs.ext4 -q -F -L guest -d "$root" "$OUT/rootfs.img"
rm -rf "$root"
touch "$OUT/ready"
echo "guest: image built in $((SECONDS - t0)) s" >&2
echo "$OUT"
