# boot.sh - the systemd guest, booted: sourced by the guest test stage and by bench/quota.
#   guest_boot GUEST W   boot GUEST (tests/guest/image.sh's directory) under software emulation,
#                        the image untouched (-snapshot), its sshd on a free loopback port; W holds
#                        the console log and pid file. Sets PORT, QEMU_PID, GOPTS; then
#                        g CMD (root on the guest) and as USER CMD (a user's login) reach it.
#                        Returns 1 if qemu did not start, 2 if the guest never answered on ssh.
guest_boot() {
	local guest=$1 w=$2 p
	PORT=""
	for p in $(shuf -i 20000-40000 -n 20); do
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { PORT=$p; break; }
	done
	qemu-system-x86_64 -machine q35 -accel tcg -cpu max -smp "$(nproc)" -m 2048 \
		-kernel "$guest/vmlinuz" -initrd "$guest/initrd.img" \
		-append "console=ttyS0 root=/dev/vda rw net.ifnames=0 systemd.unified_cgroup_hierarchy=1 panic=-1" \
		-drive "file=$guest/rootfs.img,if=virtio,format=raw" -snapshot \
		-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$PORT-:22" -device virtio-net-pci,netdev=n0 \
		-display none -serial "file:$w/console.log" -pidfile "$w/qemu.pid" -no-reboot -daemonize || return 1
	QEMU_PID=$(cat "$w/qemu.pid")
	GOPTS=(-i "$guest/key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
		-o BatchMode=yes -o ConnectTimeout=10 -p "$PORT")
	for p in $(seq 300); do g true 2>/dev/null && return 0; sleep 1; done # the boot, bounded: an event
	return 2
}
g() { ssh "${GOPTS[@]}" root@127.0.0.1 "$@"; }                     # root on the guest (its host side)
as() { local u=$1; shift; ssh "${GOPTS[@]}" "$u@127.0.0.1" "$@"; } # a user's login

# guest_install DEBS: copy lxlogin's packages from DEBS into the guest and install them with dpkg
guest_install() {
	local f
	for f in "$1"/lxlogin_*.deb "$1"/libpam-lxlogin_*.deb; do g "cat > /tmp/$(basename "$f")" <"$f" || return 1; done
	g 'dpkg -i /tmp/lxlogin_*.deb /tmp/libpam-lxlogin_*.deb'
}
