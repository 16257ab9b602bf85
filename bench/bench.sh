#!/bin/bash
# bench.sh - what a login through lxlogin costs, each figure beside a plain SSH login measured in
# the same run. Run by bench/run (which builds the test instance); not a test: nothing here passes
# or fails on time. Prints markdown tables for bench/RESULTS.md.
. "$(dirname "$0")/../tests/lib.sh"
. "$SRC/tests/container-lib.sh"
. "$SRC/tests/sshd-lib.sh"
. "$SRC/tests/lxd-lib.sh"
RUNS=${LXLOGIN_BENCH_RUNS:-20}
MANY=${LXLOGIN_BENCH_CONTAINERS:-200}
CTL=$BUILD/lxloginctl
ct_setup
syslog_setup
sshd_setup || { echo "bench: sshd did not start" >&2; exit 1; }
printf 'image = busybox\nmemory = 256M\npids = 200\nstart_timeout = 120s\nidle_stop = never\n' > "$LXT_CONFIG_DIR/lxlogin.conf"

# The baseline: the same sshd build and config on another port, with a PAM service without
# pam_lxlogin, and a user no policy names.
PLAIN_PORT=$((SSHD_PORT + 1))
PLAIN_SERVICE=sshd-lxlogin-bench-plain
sed -e "s/^Port .*/Port $PLAIN_PORT/" -e "s|^PidFile .*|PidFile $SSHD_DIR/plain.pid|" "$SSHD_DIR/sshd_config" > "$SSHD_DIR/plain_config"
grep -v pam_lxlogin "/etc/pam.d/$SSHD_SERVICE" > "/etc/pam.d/$PLAIN_SERVICE"
ln -sf /usr/sbin/sshd "$SSHD_DIR/$PLAIN_SERVICE"
"$SSHD_DIR/$PLAIN_SERVICE" -D -f "$SSHD_DIR/plain_config" -E "$SSHD_DIR/plain.log" &
PLAIN_PID=$!
bench_cleanup() {
	kill "$PLAIN_PID" 2>/dev/null
	ip link del lxtbrb 2>/dev/null
	rm -f "/etc/pam.d/$PLAIN_SERVICE"
	ct_cleanup
	lxd_cluster_down
}
trap bench_cleanup EXIT
for i in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PLAIN_PORT") 2>/dev/null && break; sleep 0.1; done

ms_now() { date +%s%N; }
# one_login PORT USER: wall milliseconds of `ssh USER@127.0.0.1 true`, or "fail"
# one_tty_login PORT USER: the same for an interactive login (a pty, no command) that types `exit`
one_login() {
	local s e
	s=$(ms_now)
	if ssh "${SSH_OPTS[@]}" -p "$1" "$2@127.0.0.1" true </dev/null >/dev/null 2>&1; then
		e=$(ms_now)
		echo $(((e - s) / 1000000))
	else
		echo fail
	fi
}
one_tty_login() {
	local s e
	s=$(ms_now)
	if printf 'exit\n' | ssh -tt "${SSH_OPTS[@]}" -p "$1" "$2@127.0.0.1" >/dev/null 2>&1; then
		e=$(ms_now)
		echo $(((e - s) / 1000000))
	else
		echo fail
	fi
}
# stats FILE: "median p95 p99 n" of the numbers in FILE
stats() {
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "- - - 0"; exit }
		printf "%d %d %d %d\n", v[int((NR + 1) / 2)], v[int(NR * 0.95 + 0.999)], v[int(NR * 0.99 + 0.999)], NR }'
}
BASE_MEDIAN=1
# row NAME FILE: a table row with the ratio of the median to the baseline's
row() {
	local med p95 p99 n
	read -r med p95 p99 n < <(stats "$2")
	printf '| %s | %s | %s | %s | %s |\n' "$1" "$med" "$p95" "$n" \
		"$(awk -v a="$med" -v b="$BASE_MEDIAN" 'BEGIN { if (a == "-") print "-"; else printf "%.1f×", a / b }')"
}
W=$LXT_STATE_DIR/bench
mkdir -p "$W"

echo "## Machine"
echo
echo "$(nproc) CPUs, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r), $(. /etc/os-release; echo "$PRETTY_NAME"), $(date -u +%Y-%m-%d)"
echo
echo "## Login latency: \`ssh USER@127.0.0.1 true\`, $RUNS runs each (ms)"
echo
echo "| login | median | p95 | runs | × plain |"
echo "| --- | --- | --- | --- | --- |"
ct_user lxt-x0 >/dev/null
rm -f "$LXT_CONFIG_DIR/users.d/lxt-x0.conf" # no policy names lxt-x0: not contained
install -m 0644 "$SSHD_DIR/client.pub" "$SSHD_DIR/keys/lxt-x0"
for i in $(seq "$RUNS"); do one_login "$PLAIN_PORT" lxt-x0; done | grep -v fail > "$W/plain"
read -r BASE_MEDIAN _ < <(stats "$W/plain")
row "plain sshd, no pam_lxlogin (baseline)" "$W/plain"
for i in $(seq "$RUNS"); do one_login "$SSHD_PORT" lxt-x0; done | grep -v fail > "$W/exempt"
row "user not contained, pam_lxlogin in the stack" "$W/exempt"

# hot (running), warm (stopped, layer kept), cold (a new user's first login) on an image
# login_rows TAG IMAGE LABEL [POLICY LINE...]
login_rows() {
	local tag=$1 image=$2 label=$3 u i
	shift 3
	ct_user "lxt-h$tag" "image = $image" "memory = 1G" "pids = 1000" "$@" >/dev/null
	ssh_user_setup "lxt-h$tag"
	one_login "$SSHD_PORT" "lxt-h$tag" >/dev/null
	for i in $(seq "$RUNS"); do one_login "$SSHD_PORT" "lxt-h$tag"; done | grep -v fail > "$W/hot-$tag"
	row "$label, hot (container running)" "$W/hot-$tag"
	for i in $(seq "$RUNS"); do
		"$HELPER" stop "lxt-h$tag" >/dev/null
		one_login "$SSHD_PORT" "lxt-h$tag"
	done | grep -v fail > "$W/warm-$tag"
	row "$label, warm (stopped, layer kept)" "$W/warm-$tag"
	"$HELPER" stop "lxt-h$tag" >/dev/null
	for i in $(seq "$RUNS"); do # users made here, not in the pipe's subshell: cleanup must know them
		ct_user "lxt-c$tag$i" "image = $image" "memory = 1G" "pids = 1000" "$@" >/dev/null
		ssh_user_setup "lxt-c$tag$i"
	done
	for i in $(seq "$RUNS"); do
		one_login "$SSHD_PORT" "lxt-c$tag$i"
		"$HELPER" stop "lxt-c$tag$i" >/dev/null
	done | grep -v fail > "$W/cold-$tag"
	row "$label, cold (a new user's first login)" "$W/cold-$tag"
}
login_rows busybox busybox "busybox image"

# A hot login's parts on the server, without ssh's key exchange: what sshd does after PAM (become
# the user, run their shell -c CMD), beside the same with the PAM module's step (lxlogin-helper
# session, which places the caller in the user's cgroup) and the user's shell lxlogin-shell (the
# attach); and su, whose shell is lxlogin-shell (helper start + attach, no PAM step). Microseconds
# by bash's EPOCHREALTIME (no fork to read the clock), shown in ms.
us_one() {
	local s=${EPOCHREALTIME/./}
	"$@" >/dev/null 2>&1 || { echo fail; return; }
	echo $((${EPOCHREALTIME/./} - s))
}
# us_row NAME FILE [BASEFILE]: median and p95 in ms, and the median's difference from BASEFILE's
us_row() {
	local med p95 n bmed=""
	read -r med p95 _ n < <(stats "$2")
	[ -z "${3:-}" ] || read -r bmed _ < <(stats "$3")
	printf '| %s | %s | %s | %s | %s |\n' "$1" "$(awk -v v="$med" 'BEGIN { printf "%.1f", v / 1000 }')" \
		"$(awk -v v="$p95" 'BEGIN { printf "%.1f", v / 1000 }')" "$n" \
		"$(awk -v a="$med" -v b="$bmed" 'BEGIN { if (b == "") print ""; else printf "%+.1f", (a - b) / 1000 }')"
}
hot_path_section() {
	local u=lxt-hbusybox n=$((RUNS * 5)) uid gid
	uid=$(id -u "$u") gid=$(id -g "$u")
	local as_user=(setpriv "--reuid=$uid" "--regid=$gid" --clear-groups)
	"$HELPER" start "$u" >/dev/null
	echo
	echo "## A hot login's parts on the server (busybox, container running), $n runs each (ms)"
	echo
	echo "| step | median | p95 | runs | + ms over the row it builds on |"
	echo "| --- | --- | --- | --- | --- |"
	for i in $(seq "$n"); do us_one "${as_user[@]}" /bin/sh -c true; done | grep -v fail > "$W/hp-sh"
	for i in $(seq "$n"); do
		us_one sh -c '"$1" session "$2" && shift 2 && exec "$@" /bin/sh -c true' sh "$HELPER" "$u" "${as_user[@]}"
	done | grep -v fail > "$W/hp-session"
	for i in $(seq "$n"); do
		us_one sh -c '"$1" session "$2" && s=$3 && shift 3 && exec "$@" "$s" -c true' sh "$HELPER" "$u" "$SHELL_BIN" "${as_user[@]}"
	done | grep -v fail > "$W/hp-full"
	for i in $(seq "$n"); do us_one su -s /bin/sh "$u" -c true; done | grep -v fail > "$W/hp-su-sh"
	for i in $(seq "$n"); do us_one su "$u" -c true; done | grep -v fail > "$W/hp-su-shell"
	us_row "become the user, /bin/sh -c true (what sshd does after PAM; the baseline)" "$W/hp-sh"
	us_row "... after lxlogin-helper session (the PAM module's step: the caller placed in the user's cgroup)" "$W/hp-session" "$W/hp-sh"
	us_row "... and lxlogin-shell -c true instead of /bin/sh (the attach: a hot login's whole server side)" "$W/hp-full" "$W/hp-session"
	us_row "su -s /bin/sh USER -c true" "$W/hp-su-sh"
	us_row "su USER -c true, the user's shell lxlogin-shell (no PAM step: helper start, then the attach)" "$W/hp-su-shell" "$W/hp-su-sh"
	echo
	echo "- The whole server side of a hot login, over becoming the user with a plain shell: $(awk -v a="$(stats "$W/hp-full" | cut -d' ' -f1)" -v b="$(stats "$W/hp-sh" | cut -d' ' -f1)" 'BEGIN { printf "%+.1f ms", (a - b) / 1000 }')."
	echo
	"$BUILD/bench-cgmove" "$LXT_CGROUP" "$RUNS"
	# The same over ssh, a hot login and a plain one alternated: the client's key exchange moves a
	# median by +-20 ms between runs of 20, and its drift falls on both halves of a pair alike.
	local p h
	for i in $(seq "$n"); do
		p=$(us_one ssh -n "${SSH_OPTS[@]}" -p "$PLAIN_PORT" lxt-x0@127.0.0.1 true)
		h=$(us_one ssh -n "${SSH_OPTS[@]}" -p "$SSHD_PORT" "$u@127.0.0.1" true)
		[ "$p" = fail ] || [ "$h" = fail ] || echo "$p $h"
	done > "$W/hp-pairs"
	cut -d' ' -f1 "$W/hp-pairs" > "$W/hp-pair-plain"
	cut -d' ' -f2 "$W/hp-pairs" > "$W/hp-pair-hot"
	awk '{ print $2 - $1 }' "$W/hp-pairs" | sort -n > "$W/hp-pair-diff"
	echo
	echo "### \`ssh USER@127.0.0.1 true\`, hot and plain alternated, $n pairs (ms)"
	echo
	echo "| login | median | p95 | runs | + ms over plain |"
	echo "| --- | --- | --- | --- | --- |"
	us_row "plain sshd, no pam_lxlogin (baseline)" "$W/hp-pair-plain"
	us_row "busybox image, hot (container running)" "$W/hp-pair-hot" "$W/hp-pair-plain"
	echo
	awk '{ v[NR] = $1 } END { if (NR) printf "- Hot minus plain, pair by pair: median %+.1f ms, middle half %+.1f to %+.1f ms (%d pairs).\n",
		v[int((NR + 1) / 2)] / 1000, v[int(NR / 4) + 1] / 1000, v[int(NR * 3 / 4)] / 1000, NR }' "$W/hp-pair-diff"
}
# at_once N PORT USER... : N logins at once (user i % count), their times in $W/at-once
at_once() {
	local n=$1 port=$2 pids=() i
	shift 2
	local users=("$@")
	rm -f "$W"/once-*
	for i in $(seq "$n"); do
		one_login "$port" "${users[$((i % ${#users[@]}))]}" > "$W/once-$i" &
		pids+=($!)
	done
	wait "${pids[@]}" # only these: the sshds are children too
	cat "$W"/once-* | grep -v fail > "$W/at-once"
}
# once_row WHAT N BASEFILE: a row for $W/at-once against the plain logins made at once in BASEFILE
once_row() {
	local med p99 n bmed
	read -r med _ p99 n < <(stats "$W/at-once")
	read -r bmed _ < <(stats "$3")
	printf '| %s | %s/%s | %s | %s | %s |\n' "$1" "$n" "$2" "$med" "$p99" \
		"$(awk -v a="$med" -v b="$bmed" 'BEGIN { if (b == "-" || b == 0) print "-"; else printf "%.1f×", a / b }')"
}
at_once_section() {
	echo
	echo "## Many at once (ms)"
	echo
	echo "| what | ok | median | p99 | × plain at once |"
	echo "| --- | --- | --- | --- | --- |"
	for i in $(seq 50); do
		ct_user "lxt-p$i" >/dev/null
		ssh_user_setup "lxt-p$i"
	done
	at_once 50 "$PLAIN_PORT" lxt-x0
	cp "$W/at-once" "$W/plain50"
	once_row "50 plain logins at once (baseline)" 50 "$W/plain50"
	at_once 50 "$SSHD_PORT" $(seq -f 'lxt-p%g' 50)
	once_row "50 users' first logins at once" 50 "$W/plain50"
	# the same with lxcfs running, as the package's Depends has it on a server: its files bound in at
	# every start (new users: first logins again)
	if command -v lxcfs >/dev/null; then
		for i in $(seq 50); do
			ct_user "lxt-pf$i" >/dev/null
			ssh_user_setup "lxt-pf$i"
		done
		lxcfs_up
		at_once 50 "$SSHD_PORT" $(seq -f 'lxt-pf%g' 50)
		once_row "50 users' first logins at once, lxcfs running" 50 "$W/plain50"
	else
		echo "| 50 users' first logins at once, lxcfs running | SKIPPED: lxcfs is not installed | | | |"
	fi
	at_once 100 "$PLAIN_PORT" lxt-x0
	cp "$W/at-once" "$W/plain100"
	once_row "100 plain logins at once (baseline)" 100 "$W/plain100"
	"$HELPER" start lxt-hbusybox >/dev/null
	at_once 100 "$SSHD_PORT" lxt-hbusybox
	once_row "100 logins of one user at once (container running)" 100 "$W/plain100"
	{ seq -f 'lxt-p%g' 50; seq -f 'lxt-pf%g' 50; } | xargs -P 8 -I{} "$HELPER" stop {} >/dev/null 2>&1
	lxcfs_down
}
if [ "${LXLOGIN_BENCH_ONLY:-}" = at-once ]; then
	at_once_section
	exit 0
fi
hot_path_section
if [ "${LXLOGIN_BENCH_ONLY:-}" = hot-path ]; then
	exit 0
fi

# Density: N users' containers started by their first SSH login each (LXLOGIN_BENCH_DENSE_BUSYBOX,
# default 1000; LXLOGIN_BENCH_DENSE_DEBIAN, default 300; a few logins at once), counted running,
# then a hot login among them against the hot login with one container running (above). Where
# fewer start than asked, the first refusal says what stopped them.
# dense_logins TAG IMAGE N PARALLEL: users lxt-d$TAG1..N made, logged into; "ok running why" into
# $W/dense-$TAG.out (not printed: in a subshell the users made would be unknown to the cleanup)
dense_logins() {
	local tag=$1 image=$2 n=$3 par=$4 i ok running why
	for i in $(seq "$n"); do
		ct_user "lxt-d$tag$i" "image = $image" "memory = 1G" "pids = 1000" >/dev/null || break
		ssh_user_setup "lxt-d$tag$i"
	done
	seq "$n" | xargs -P "$par" -I{} sh -c '$1 "lxt-d$2{}@127.0.0.1" echo in 2>&1 | tail -1' sh "$SSH_CMD" "$tag" > "$W/dense-$tag"
	ok=$(grep -cx in "$W/dense-$tag")
	why=$(grep -vx in "$W/dense-$tag" | head -1)
	running=0
	for i in $(seq "$n"); do
		"$HELPER" status "lxt-d$tag$i" 2>/dev/null | grep -q '^running' && running=$((running + 1))
	done
	echo "$ok $running ${why:-}" > "$W/dense-$tag.out"
}
density_section() {
	local nb=${LXLOGIN_BENCH_DENSE_BUSYBOX:-1000} nd=${LXLOGIN_BENCH_DENSE_DEBIAN:-300}
	local avail0 avail1 avail2 ok running why dok drunning dwhy
	echo
	echo "## Density: $nb busybox and $nd Debian containers, each started by its user's first SSH login"
	echo
	"$HELPER" start lxt-hbusybox >/dev/null
	avail0=$(awk '/MemAvailable/ { print $2 }' /proc/meminfo)
	dense_logins b busybox "$nb" 4
	read -r ok running why < "$W/dense-b.out"
	avail1=$(awk '/MemAvailable/ { print $2 }' /proc/meminfo)
	dok=0 drunning=0 dwhy="no Debian image"
	if ct_cached_image "$DEBIAN_IMAGE" || "$CTL" image build debian "$DEBIAN_IMAGE" >/dev/null 2>&1; then
		dense_logins e "$DEBIAN_IMAGE" "$nd" 2
		read -r dok drunning dwhy < "$W/dense-e.out"
	fi
	avail2=$(awk '/MemAvailable/ { print $2 }' /proc/meminfo)
	for i in $(seq "$RUNS"); do one_login "$SSHD_PORT" lxt-hbusybox; done | grep -v fail > "$W/hot-dense"
	echo "| login | median | p95 | runs | × plain |"
	echo "| --- | --- | --- | --- | --- |"
	row "busybox, hot, 1 container running" "$W/hot-busybox"
	row "busybox, hot, $((running + drunning + 1)) containers running" "$W/hot-dense"
	echo
	echo "- busybox: $ok of $nb first logins got in, $running containers running after them${why:+; the first refusal: $why}; MemAvailable fell by $(((avail0 - avail1) / 1024)) MiB ($(((avail0 - avail1) / (running > 0 ? running : 1))) KiB each)."
	echo "- Debian: $dok of $nd first logins got in, $drunning containers running after them${dwhy:+; the first refusal: $dwhy}; MemAvailable fell by $(((avail1 - avail2) / 1024)) MiB ($(((avail1 - avail2) / (drunning > 0 ? drunning : 1))) KiB each)."
	echo "- With all of them running: $(ps -e --no-headers | wc -l) processes (pid_max $(cat /proc/sys/kernel/pid_max)), MemAvailable $((avail2 / 1024)) MiB, load $(cut -d' ' -f1-3 /proc/loadavg)."
	{ seq "$nb" | sed 's/^/lxt-db/'; seq "$nd" | sed 's/^/lxt-de/'; } | xargs -P 8 -I{} "$HELPER" stop {} >/dev/null 2>&1
}
if [ "${LXLOGIN_BENCH_ONLY:-}" = density ]; then
	density_section
	exit 0
fi
paths=(busybox) # the images of the command vs interactive table below
if ct_cached_image "$DEBIAN_IMAGE" || "$CTL" image build debian "$DEBIAN_IMAGE" >/dev/null 2>&1; then
	login_rows debian "$DEBIAN_IMAGE" "Debian image (systemd; the login waits until it takes sessions)"
	paths+=(debian)
else
	echo "| Debian image | SKIPPED: could not build it | | | |"
fi
# backend = lxd: the same logins through a three-member LXD cluster on this machine (tests/lxd-lib.sh),
# beside the local backend's rows on the same image; cold logins copy the image (LXD's dir pool), so
# fewer of them. lxlogin.conf's backend is site-wide: the local rows after it get it back.
LXD_COLD=${LXLOGIN_BENCH_LXD_COLD:-5}
lxd_section() {
	local why u i
	echo
	echo "## Through an LXD cluster (backend = lxd): Debian image, $RUNS runs each, cold $LXD_COLD (ms)"
	echo
	why=$(lxd_missing)
	[ -n "$why" ] || [ -d "$LXT_STATE_DIR/images/$DEBIAN_IMAGE" ] || why="no Debian image"
	[ -n "$why" ] || lxd_cluster_up >/dev/null 2>&1 || why="the test cluster did not form"
	if [ -n "$why" ]; then
		echo "SKIPPED: $why"
		return
	fi
	cp "$LXT_CONFIG_DIR/lxlogin.conf" "$W/lxlogin.conf.local"
	printf 'backend = lxd\nlxd_socket = %s/unix.socket\nlxd_project = %s\n' "$(lxd_dir 1)" "$LXT_LXD_PROJECT" >> "$LXT_CONFIG_DIR/lxlogin.conf"
	if ! "$CTL" image publish "$DEBIAN_IMAGE" >/dev/null; then
		echo "SKIPPED: lxloginctl image publish failed"
	else
		echo "| login | median | p95 | runs | × plain |"
		echo "| --- | --- | --- | --- | --- |"
		row "plain sshd, no pam_lxlogin (baseline)" "$W/plain"
		row "local backend, hot" "$W/hot-debian"
		row "local backend, warm" "$W/warm-debian"
		row "local backend, cold" "$W/cold-debian"
		u=lxt-lh
		ct_user "$u" "image = $DEBIAN_IMAGE" "memory = 1G" "pids = 1000" >/dev/null
		ssh_user_setup "$u"
		one_login "$SSHD_PORT" "$u" >/dev/null
		for i in $(seq "$RUNS"); do one_login "$SSHD_PORT" "$u"; done | grep -v fail > "$W/lxd-hot"
		row "lxd backend, hot (instance running)" "$W/lxd-hot"
		for i in $(seq "$RUNS"); do
			"$HELPER" stop "$u" >/dev/null
			one_login "$SSHD_PORT" "$u"
		done | grep -v fail > "$W/lxd-warm"
		row "lxd backend, warm (instance stopped)" "$W/lxd-warm"
		for i in $(seq "$LXD_COLD"); do
			ct_user "lxt-lc$i" "image = $DEBIAN_IMAGE" "memory = 1G" "pids = 1000" >/dev/null
			ssh_user_setup "lxt-lc$i"
		done
		for i in $(seq "$LXD_COLD"); do
			one_login "$SSHD_PORT" "lxt-lc$i"
			"$CTL" destroy --yes "lxt-lc$i" >/dev/null 2>&1
		done | grep -v fail > "$W/lxd-cold"
		row "lxd backend, cold (a new user's first login: the instance made)" "$W/lxd-cold"
	fi
	cp "$W/lxlogin.conf.local" "$LXT_CONFIG_DIR/lxlogin.conf"
	lxd_cluster_down
}

if [ "${LXLOGIN_BENCH_ONLY:-}" = lxd ]; then # the cluster rows beside the local Debian rows above
	lxd_section
	exit 0
fi

# network = veth: the same, plus the lease, the veth pair and both ends' setup (a bridge of the bench's own)
printf 'bridge = lxtbrb\nsubnet = 10.213.79.1/24\n' >> "$LXT_CONFIG_DIR/lxlogin.conf"
if "$CTL" network setup >/dev/null; then
	login_rows net busybox "busybox image, network = veth" "network = veth"
else
	echo "| network = veth | SKIPPED: lxloginctl network setup failed | | | |"
fi

lxd_section

# the two paths of a hot login: a command (scp, rsync, git, Ansible) and an interactive login (on
# the Debian image through its login(1): utmp, logind, the user's systemd --user)
echo
echo "## Command vs interactive login, hot: \`ssh USER@127.0.0.1 true\` vs \`ssh -tt USER@127.0.0.1\` typing \`exit\`, $RUNS runs each (ms)"
echo
echo "| login | median | p95 | runs | × plain, same path |"
echo "| --- | --- | --- | --- | --- |"
for i in $(seq "$RUNS"); do one_tty_login "$PLAIN_PORT" lxt-x0; done | grep -v fail > "$W/plain-tty"
for tag in "${paths[@]}"; do
	one_login "$SSHD_PORT" "lxt-h$tag" >/dev/null
	one_tty_login "$SSHD_PORT" "lxt-h$tag" >/dev/null
	for i in $(seq "$RUNS"); do one_login "$SSHD_PORT" "lxt-h$tag"; done | grep -v fail > "$W/cmd-$tag"
	for i in $(seq "$RUNS"); do one_tty_login "$SSHD_PORT" "lxt-h$tag"; done | grep -v fail > "$W/tty-$tag"
done
read -r BASE_MEDIAN _ < <(stats "$W/plain")
row "plain sshd, a command (baseline)" "$W/plain"
for tag in "${paths[@]}"; do row "$tag image, a command" "$W/cmd-$tag"; done
read -r BASE_MEDIAN _ < <(stats "$W/plain-tty")
row "plain sshd, interactive (baseline)" "$W/plain-tty"
for tag in "${paths[@]}"; do row "$tag image, interactive" "$W/tty-$tag"; done
read -r BASE_MEDIAN _ < <(stats "$W/plain")
for tag in "${paths[@]}"; do "$HELPER" stop "lxt-h$tag" >/dev/null; done

echo
echo "## First login on an image of 10 vs 10,000 files, $RUNS runs each (ms)"
echo
echo "| image | median | p95 | runs | × plain |"
echo "| --- | --- | --- | --- | --- |"
for spec in small:10 large:10000; do
	name=${spec%:*} files=${spec#*:}
	"$CTL" image build busybox "$name" >/dev/null
	mkdir -p "$LXT_STATE_DIR/images/$name/rootfs/usr/share/filler"
	(cd "$LXT_STATE_DIR/images/$name/rootfs/usr/share/filler" && seq "$files" | xargs touch)
	for i in $(seq "$RUNS"); do
		ct_user "lxt-f$name$i" "image = $name" >/dev/null
		ssh_user_setup "lxt-f$name$i"
	done
	for i in $(seq "$RUNS"); do
		one_login "$SSHD_PORT" "lxt-f$name$i"
		"$HELPER" stop "lxt-f$name$i" >/dev/null
	done | grep -v fail > "$W/files-$name"
	row "busybox + $files files" "$W/files-$name"
done

at_once_section

echo
echo "## With $MANY containers running"
echo
avail_before=$(awk '/MemAvailable/ { print $2 }' /proc/meminfo)
started=0
for i in $(seq "$MANY"); do
	ct_user "lxt-m$i" >/dev/null && "$HELPER" start "lxt-m$i" >/dev/null 2>&1 && started=$((started + 1))
done
avail_after=$(awk '/MemAvailable/ { print $2 }' /proc/meminfo)
"$HELPER" start lxt-hbusybox >/dev/null
for i in $(seq "$RUNS"); do one_login "$SSHD_PORT" lxt-hbusybox; done | grep -v fail > "$W/hot-many"
echo "| login | median | p95 | runs | × plain |"
echo "| --- | --- | --- | --- | --- |"
row "busybox, hot, 1 container running" "$W/hot-busybox"
row "busybox, hot, $((started + 1)) containers running" "$W/hot-many"
echo
per_bb=$(((avail_before - avail_after) / (started > 0 ? started : 1)))
cg_bb=$(for i in $(seq "$started"); do cat "/sys/fs/cgroup/memory/$LXT_CGROUP/lxt-m$i/memory.usage_in_bytes" 2>/dev/null; done |
	awk '{ s += $1; n++ } END { if (n) printf "%d", s / n / 1024 }')
echo "- $started busybox containers started; host MemAvailable fell by $(((avail_before - avail_after) / 1024)) MiB: $per_bb KiB each (their own cgroups say ${cg_bb:-?} KiB each on average)."
seq "$MANY" | xargs -P 8 -I{} "$HELPER" stop lxt-m{} >/dev/null 2>&1
if [ -d "$LXT_STATE_DIR/images/$DEBIAN_IMAGE" ]; then
	avail_before=$(awk '/MemAvailable/ { print $2 }' /proc/meminfo)
	deb_started=0 deb_error=""
	for i in $(seq 5); do
		if out=$("$HELPER" start "lxt-cdebian$i" 2>&1); then deb_started=$((deb_started + 1)); else deb_error=$out; fi
	done
	avail_after=$(awk '/MemAvailable/ { print $2 }' /proc/meminfo)
	cg_deb=$(for i in $(seq 5); do cat "/sys/fs/cgroup/memory/$LXT_CGROUP/lxt-cdebian$i/memory.usage_in_bytes" 2>/dev/null; done |
		awk '{ s += $1; n++ } END { if (n) printf "%d", s / n / 1024 }')
	per_deb=$(((avail_before - avail_after) / (deb_started > 0 ? deb_started : 1)))
	# a measurement that did not happen is said so, never printed as a figure
	if [ "$deb_started" != 5 ]; then
		echo "- idle Debian containers: only $deb_started of 5 started ($deb_error): not measured."
		exit 0
	fi
	echo "- 5 idle Debian containers (booted systemd, journald, dbus, logind, getty): $per_deb KiB each by MemAvailable (${cg_deb:-?} KiB by their cgroups)."
	echo "- How many fit in this machine's $(awk '/MemAvailable/ { printf "%d", $2 / 1024 }' /proc/meminfo) MiB available: about $((avail_after / (per_bb > 0 ? per_bb : 1))) idle busybox or $((avail_after / (per_deb > 0 ? per_deb : 1))) idle Debian containers (memory only; pids and CPU not counted)."
fi
