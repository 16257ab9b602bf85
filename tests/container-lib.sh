# container-lib.sh - a test instance of lxlogin: policy, busybox images, setuid helpers, lxt-* users.
# Sourced after lib.sh. Everything it makes lives under the build's test paths and is removed by ct_cleanup.
[ "$(id -u)" = 0 ] || skip "needs root (users, cgroups, mounts, a setuid helper)"
: "${LXT_CONFIG_DIR:?}" "${LXT_STATE_DIR:?}" "${LXT_RUN_DIR:?}" "${LXT_CGROUP:?}" "${LXT_LIBEXEC_DIR:?}"
for p in "$LXT_CONFIG_DIR" "$LXT_STATE_DIR" "$LXT_RUN_DIR" "$LXT_CGROUP" "$LXT_LIBEXEC_DIR"; do
	case "$p" in
	*lxlogin-test*) ;;
	*) skip "this build uses the host's real lxlogin paths ($p); configure with test paths as scripts/check does" ;;
	esac
done
command -v newuidmap >/dev/null || skip "newuidmap is missing (package uidmap)"
command -v lxc-info >/dev/null || skip "lxc-info is missing (package lxc)"
[ -x /bin/busybox ] || skip "busybox-static is missing"

BIN=$LXT_LIBEXEC_DIR # where the test build's PAM module and shell look for the helper; suid-capable
HELPER=$BIN/lxlogin-helper
HOOKED=$BIN/lxlogin-helper-testhooks
SHELL_BIN=$BIN/lxlogin-shell
PAM_MODULE=$BIN/pam_lxlogin.so
CT_USERS=()
CT_GROUPS=()
# The Debian test image is built once per run (debian_image.sh) and kept in LXT_IMAGE_CACHE
# (beside the state dir, same filesystem) while no test uses it: ct_cached_image moves it in,
# cleanup moves it back.
DEBIAN_IMAGE=lxt-debian
IMAGE_CACHE=${LXT_IMAGE_CACHE:-$LXT_STATE_DIR-cache}
case "$IMAGE_CACHE" in *lxlogin-test*) ;; *) skip "image cache $IMAGE_CACHE is not a test path" ;; esac

# ct_cached_image NAME: the cached image NAME into the store (false if there is none)
ct_cached_image() {
	[ -d "$IMAGE_CACHE/$1/rootfs" ] && mv "$IMAGE_CACHE/$1" "$LXT_STATE_DIR/images/$1"
}
# ct_cache_image NAME: keep the store's image NAME for the next tests of this run
ct_cache_image() {
	mkdir -p "$IMAGE_CACHE" && chmod 700 "$IMAGE_CACHE" && rm -rf "${IMAGE_CACHE:?}/$1" &&
		mv "$LXT_STATE_DIR/images/$1" "$IMAGE_CACHE/$1"
}

# ct_group NAME: a test group, removed at the end
ct_group() {
	groupdel "$1" >/dev/null 2>&1
	groupadd "$1" && CT_GROUPS+=("$1")
}

ct_setup() {
	ct_cleanup_quiet
	mkdir -p "$LXT_CONFIG_DIR/users.d" "$LXT_CONFIG_DIR/groups.d" "$LXT_STATE_DIR/images" "$BIN"
	chmod 755 "$LXT_STATE_DIR" "$LXT_STATE_DIR/images" "$BIN" "$(dirname "$BIN")"
	printf 'image = busybox\nmemory = 256M\npids = 200\nstart_timeout = 60s\n' > "$LXT_CONFIG_DIR/lxlogin.conf"
	chmod -R go-w "$(dirname "$LXT_CONFIG_DIR")"
	install -m 0755 -o root -g root "$SRC/ctl/lxlogin-mkimage" "$BIN/lxlogin-mkimage"
	install -m 0755 -o root -g root "$SRC/shell/lxlogin-usage" "$BIN/lxlogin-usage"
	install -m 0755 -o root -g root "$SRC/shell/lxlogin-sshd" "$BIN/lxlogin-sshd"
	install -m 0755 -o root -g root "$SRC/shell/lxlogin-identity" "$BIN/lxlogin-identity"
	"$BUILD/lxloginctl" image build busybox busybox >/dev/null || fail "lxloginctl image build busybox failed"
	install -m 4755 -o root -g root "$BUILD/lxlogin-helper" "$HELPER"
	install -m 4755 -o root -g root "$BUILD/lxlogin-helper-testhooks" "$HOOKED"
	install -m 0755 -o root -g root "$BUILD/lxlogin-shell" "$SHELL_BIN"
	install -m 0644 -o root -g root "$BUILD/pam_lxlogin.so" "$PAM_MODULE"
}

# ct_user NAME [POLICY LINES...]: a test user with a home, subordinate ids, and a users.d file
ct_user() {
	local u=$1; shift
	userdel -r "$u" >/dev/null 2>&1
	groupdel "$u" >/dev/null 2>&1 # a user group left behind by an earlier run
	useradd -m -s /bin/sh "$u" || return 1
	CT_USERS+=("$u")
	"$BUILD/lxloginctl" subid assign "$u" >/dev/null 2>&1
	printf '%s\n' "$@" > "$LXT_CONFIG_DIR/users.d/$u.conf"
	chmod 644 "$LXT_CONFIG_DIR/users.d/$u.conf"
}

uid_of() { id -u "$1"; }
gid_of() { id -g "$1"; }
subuid_of() { awk -F: -v u="$1" '$1 == u { print $2; exit }' /etc/subuid; }

# as_user USER CMD...: run CMD as USER (real and effective), no supplementary groups, clean env
as_user() {
	local u=$1; shift
	setpriv --reuid "$(uid_of "$u")" --regid "$(gid_of "$u")" --clear-groups -- env -i PATH=/usr/bin:/bin "$@"
}

# in_ct USER [--root] CMD: run a shell command inside USER's running container, as the user or as
# root inside, the way an admin does (lxloginctl exec: attached by pidfd from the user's cgroup)
in_ct() {
	local u=$1 root=(); shift
	if [ "$1" = --root ]; then root=(--root); shift; fi
	"$BUILD/lxloginctl" exec "${root[@]}" "$u" -- /bin/sh -c "$1"
}

init_pid_of() { "$HELPER" status "$1" 2>/dev/null | awk '$1 == "running" { print $2 }'; }
# monitor_of USER: LXC's monitor of USER's container (the init's parent); its network namespace holds
# the container's liblxc sockets, so LXC's own tools run there: nsenter -n -t "$(monitor_of U)" lxc-info ...
monitor_of() { awk '/^PPid:/ { print $2 }' "/proc/$(init_pid_of "$1")/status" 2>/dev/null; }

# host_mounts_of_instance: mount lines of the test instance in every live process's namespace
host_mounts_of_instance() { cat /proc/[0-9]*/mountinfo 2>/dev/null | grep -F "$LXT_RUN_DIR" | sort -u; }

cgroup_dirs_of() { ls -d /sys/fs/cgroup/*/"$LXT_CGROUP/$1" 2>/dev/null; }

# lxcfs_up: an lxcfs serving /var/lib/lxcfs with its CPU view on, as lxloginctl(8) says to run it;
# our own (LXCFS_PID) if none runs, stopped by lxcfs_down (and by the cleanup) after our containers
lxcfs_up() {
	LXCFS_PID=""
	[ -e /var/lib/lxcfs/proc/meminfo ] && return 0
	mkdir -p /var/lib/lxcfs
	lxcfs --enable-cfs /var/lib/lxcfs >"$LXT_STATE_DIR/lxcfs.log" 2>&1 &
	LXCFS_PID=$!
	wait_for "lxcfs serves /proc" test -e /var/lib/lxcfs/proc/meminfo
}
lxcfs_down() {
	[ -n "${LXCFS_PID:-}" ] || return 0
	kill "$LXCFS_PID" 2>/dev/null
	wait "$LXCFS_PID" 2>/dev/null
	if mountpoint -q /var/lib/lxcfs; then umount -l /var/lib/lxcfs; fi
	LXCFS_PID=""
}

# Kill what our containers left (by pid, from our own cgroups only), then remove everything we made.
ct_cleanup_quiet() {
	local u g
	declare -F sshd_cleanup >/dev/null && sshd_cleanup
	for u in "${CT_USERS[@]}"; do [ -x "$HELPER" ] && "$HELPER" stop "$u" >/dev/null 2>&1; done
	for f in /sys/fs/cgroup/*/"$LXT_CGROUP"; do
		[ -d "$f" ] || continue
		find "$f" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u | while read -r pid; do
			kill -9 "$pid" 2>/dev/null
		done
	done
	sleep 0.2
	lxcfs_down
	for f in /sys/fs/cgroup/*/"$LXT_CGROUP"; do
		[ -d "$f" ] && find "$f" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	for u in "${CT_USERS[@]}"; do
		userdel -r "$u" >/dev/null 2>&1
		groupdel "$u" >/dev/null 2>&1
	done
	if [ -d "$LXT_STATE_DIR/images/$DEBIAN_IMAGE/rootfs" ] && [ ! -e "$IMAGE_CACHE/$DEBIAN_IMAGE" ]; then
		ct_cache_image "$DEBIAN_IMAGE"
	fi
	for g in "${CT_GROUPS[@]}"; do groupdel "$g" >/dev/null 2>&1; done
	for f in "$LXT_STATE_DIR" "$(dirname "$LXT_RUN_DIR")" "$(dirname "$LXT_CONFIG_DIR")" "$LXT_LIBEXEC_DIR"; do
		case "$f" in */lxlogin-test*) rm -rf "$f" ;; esac # never anything but the test instance
	done
	return 0
}
ct_cleanup() { ct_cleanup_quiet; }
trap ct_cleanup EXIT
