# lxd-lib.sh - a three-member LXD cluster on this machine, for the lxd backend's tests.
#
# Each member is Debian's lxd daemon with its own LXD_DIR, in its own network namespace and its own
# mount namespace (a slave of the host's: the cgroup mounts stay, its own mounts go with it), linked
# by a veth to a bridge of the test's in the host's namespace. No member has a route out of the machine: the daemon's fetch of image
# data at its start fails at once. The gateway (this host) reaches every member by its address and
# the first member's unix socket.
#
# Usage: . tests/lxd-lib.sh; lxd_cluster_up || skip ...; ...; lxd_cluster_down
LXT_LXD_ROOT=${LXT_LXD_ROOT:-/var/lib/lxlogin-test-lxd}
LXT_LXD_BRIDGE=lxt-lxdbr
LXT_LXD_NET=10.231.77
LXT_LXD_MEMBERS="1 2 3"
LXT_LXD_PROJECT=lxt # the project of the backend's instances: LXC names them PROJECT_NAME
# Three daemons on two CPUs, busy shifting a new instance's files, can miss the default 20 s of
# heartbeats: the cluster would take a live member for dead. A member killed is OFFLINE after this.
LXT_LXD_OFFLINE_S=60
# The members' storage pool: btrfs on a loop file of each member's (LXD enforces a root disk's size
# there, by qgroup) where the kernel and btrfs-progs allow, else dir (no size enforced)
LXT_LXD_DRIVER=dir
if command -v mkfs.btrfs >/dev/null && { grep -qw btrfs /proc/filesystems || modprobe btrfs 2>/dev/null; }; then
	LXT_LXD_DRIVER=btrfs
fi
LXT_LXD_POOL_SIZE=8GiB # sparse: what the instances write

lxd_dir() { printf '%s/n%s' "$LXT_LXD_ROOT" "$1"; }
lxd_addr() { printf '%s.1%s' "$LXT_LXD_NET" "$1"; }
# lxd_on N ARGS...: the lxc client against member N's unix socket
lxd_on() { local n=$1; shift; LXD_DIR=$(lxd_dir "$n") lxc "$@"; }

# lxd_missing: why the cluster cannot be made here, or nothing
lxd_missing() {
	command -v lxd >/dev/null || { echo "lxd is not installed (apt-get install lxd lxd-client)"; return; }
	command -v lxc >/dev/null || { echo "lxc (lxd-client) is not installed"; return; }
	ip netns list >/dev/null 2>&1 || echo "no network namespaces (ip netns)"
}

lxd_member_pid() { cat "$(lxd_dir "$1")/lxt.pid" 2>/dev/null; }

# lxd_member_start N: member N's daemon in its namespace, until it answers
lxd_member_start() {
	local n=$1 d; d=$(lxd_dir "$n")
	# started from a shell of its own: its end (lxd_member_stop) is no job of the test's shell
	sh -c 'nsenter --net="/run/netns/lxt-lxd$1" unshare --mount --propagation slave \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LXD_DIR="$2" \
		lxd --group lxd --logfile "$2/lxd.log" >>"$2/daemon.out" 2>&1 </dev/null & echo $! >"$2/lxt.pid"' \
		sh "$n" "$d"
	LXD_DIR=$d timeout 120 lxd waitready
}

# lxd_member_stop N: member N gone at once, as a power cut leaves it: its daemon and the containers it
# ran (their monitors share its mount namespace; each one's payload is in the cgroup named after it)
lxd_member_stop() {
	local n=$1 pid mnt c p; pid=$(lxd_member_pid "$n")
	[ -n "$pid" ] || return 0
	mnt=$(readlink "/proc/$pid/ns/mnt")
	for c in /sys/fs/cgroup/pids/lxc.monitor.${LXT_LXD_PROJECT}_*; do
		[ -d "$c" ] || continue
		for p in $(cat "$c/cgroup.procs"); do
			[ "$(readlink "/proc/$p/ns/mnt" 2>/dev/null)" = "$mnt" ] || continue
			lxd_cgroup_kill "${c/lxc.monitor./lxc.payload.}"
			lxd_cgroup_kill "$c"
			break
		done
	done
	kill -9 "$pid" 2>/dev/null
	while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
	rm -f "$(lxd_dir "$n")/lxt.pid"
	# its pool's loop device (btrfs) goes with the last mount of it, which was in its namespace
	for l in $(losetup -n -O NAME -j "$(lxd_dir "$n")/disks/local.img" 2>/dev/null); do
		losetup -d "$l" 2>/dev/null
	done
}

# lxd_cgroup_kill DIR: every process in the pids cgroup DIR and below it, killed
lxd_cgroup_kill() {
	local procs
	[ -d "$1" ] || return 0
	while procs=$(find "$1" -name cgroup.procs -exec cat {} + 2>/dev/null) && [ -n "$procs" ]; do
		kill -9 $procs 2>/dev/null
		sleep 0.1
	done
}

lxd_net_up() {
	ip link add "$LXT_LXD_BRIDGE" type bridge && ip addr add "$LXT_LXD_NET.1/24" dev "$LXT_LXD_BRIDGE" &&
		ip link set "$LXT_LXD_BRIDGE" up || return 1
	for n in $LXT_LXD_MEMBERS; do
		ip netns add "lxt-lxd$n" &&
			ip link add "lxt-lxd$n" type veth peer name eth0 netns "lxt-lxd$n" &&
			ip link set "lxt-lxd$n" master "$LXT_LXD_BRIDGE" up &&
			ip -n "lxt-lxd$n" link set lo up &&
			ip -n "lxt-lxd$n" addr add "$(lxd_addr "$n")/24" dev eth0 &&
			ip -n "lxt-lxd$n" link set eth0 up || return 1
	done
}

lxd_bootstrap() {
	mkdir -p "$(lxd_dir 1)"
	lxd_member_start 1 || return 1
	LXD_DIR=$(lxd_dir 1) lxd init --preseed <<-EOF
	config:
	  core.https_address: $(lxd_addr 1):8443
	  images.auto_update_interval: "0"
	networks: []
	storage_pools:
	- name: local
	  driver: $LXT_LXD_DRIVER
	  config: {$( [ "$LXT_LXD_DRIVER" = dir ] || echo "size: $LXT_LXD_POOL_SIZE")}
	profiles:
	- name: default
	  devices:
	    root: {path: /, pool: local, type: disk}
	cluster:
	  server_name: n1
	  enabled: true
	EOF
	[ $? = 0 ] && lxd_on 1 config set cluster.offline_threshold "$LXT_LXD_OFFLINE_S" # a cluster's key
}

lxd_join() {
	local n=$1 token
	mkdir -p "$(lxd_dir "$n")"
	token=$(lxd_on 1 cluster add "n$n" --quiet) || return 1
	lxd_member_start "$n" || return 1
	LXD_DIR=$(lxd_dir "$n") lxd init --preseed <<-EOF
	cluster:
	  enabled: true
	  server_address: $(lxd_addr "$n"):8443
	  cluster_token: $token
	  member_config:
	  - entity: storage-pool
	    name: local
	    key: $( [ "$LXT_LXD_DRIVER" = dir ] && echo source || echo size)
	    value: "$( [ "$LXT_LXD_DRIVER" = dir ] || echo "$LXT_LXD_POOL_SIZE")"
	EOF
}

# lxd_cluster_up: the three members, formed; 1 on failure (what failed is on stderr)
lxd_cluster_up() {
	lxd_cluster_down
	mkdir -p "$LXT_LXD_ROOT" && chmod 0711 "$LXT_LXD_ROOT"
	# liblxc's lxc.pivot cgroup, if the members' containers make it, is ours to remove
	LXT_LXD_PIVOT=""
	[ -d /sys/fs/cgroup/pids/lxc.pivot ] || LXT_LXD_PIVOT=1
	lxd_net_up || { echo "lxd test cluster: its network could not be made" >&2; return 1; }
	lxd_bootstrap || { echo "lxd test cluster: member 1 did not bootstrap" >&2; return 1; }
	for n in 2 3; do
		lxd_join "$n" || { echo "lxd test cluster: member $n did not join" >&2; return 1; }
	done
}

lxd_cluster_down() {
	local n
	for n in $LXT_LXD_MEMBERS; do
		lxd_member_stop "$n"
		ip netns del "lxt-lxd$n" 2>/dev/null
		ip link del "lxt-lxd$n" 2>/dev/null
	done
	ip link del "$LXT_LXD_BRIDGE" 2>/dev/null
	# what the members' containers left in the host's namespaces: their cgroups, once empty
	for c in /sys/fs/cgroup/pids/lxc.payload.${LXT_LXD_PROJECT}_* /sys/fs/cgroup/pids/lxc.monitor.${LXT_LXD_PROJECT}_*; do
		lxd_cgroup_kill "$c"
	done
	pivot=()
	[ -z "${LXT_LXD_PIVOT:-}" ] || pivot=(/sys/fs/cgroup/*/lxc.pivot)
	for c in /sys/fs/cgroup/*/lxc.payload.${LXT_LXD_PROJECT}_* /sys/fs/cgroup/*/lxc.monitor.${LXT_LXD_PROJECT}_* "${pivot[@]}"; do
		[ -d "$c" ] || continue
		find "$c" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	rm -rf "$LXT_LXD_ROOT"
}
