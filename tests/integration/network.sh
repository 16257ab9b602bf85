#!/bin/bash
# network.sh - network = veth (issue 8): a real bridge, real veths into real containers, a real sshd.
# All traffic stays between the test's bridge lxtbr0 (10.213.77.0/24, no route elsewhere, no NAT)
# and the containers this test starts.
. "$(dirname "$0")/../lib.sh"
. "$SRC/tests/container-lib.sh"
. "$SRC/tests/sshd-lib.sh"
command -v ip >/dev/null || skip "ip is missing (package iproute2)"
BR=lxtbr0
NET=10.213.77
network_cleanup() {
	ip link del "$BR" 2>/dev/null
	ct_cleanup
}
trap network_cleanup EXIT
ct_setup
ip link del "$BR" 2>/dev/null
cat >> "$LXT_CONFIG_DIR/lxlogin.conf" <<EOF
bridge = $BR
subnet = $NET.1/24
pool = $NET.100-$NET.199
EOF
syslog_setup
sshd_setup || { fail "sshd did not start" "$(cat "$SSHD_DIR/sshd.log" 2>/dev/null)"; finish; exit 1; }
CTL=$BUILD/lxloginctl
ct_user lxt-na "network = veth"
ct_user lxt-nb "network = veth"
ct_user lxt-nc "network = veth" "isolate = no"
ct_user lxt-nd "network = veth" "isolate = no" "ipv4 = $NET.50" "hwaddr = 00:16:3e:00:77:50"
ct_user lxt-ne "network = none"
for u in lxt-na lxt-nb lxt-nc lxt-nd lxt-ne; do ssh_user_setup "$u"; done

lease_of() { "$CTL" network show | awk -v u="$1" '$1 == u { print $2, $3 }'; }
root_in() { local u=$1; shift; "$CTL" exec --root "$u" -- sh -c "$*"; }

# --- policy check: each bad network setting named by file:line: key
BAD=$(mktemp -d /tmp/lxt-netpolicy.XXXXXX)
mkdir -p "$BAD/users.d" "$BAD/groups.d"
cat > "$BAD/lxlogin.conf" <<EOF
subnet = $NET.1/24
pool = $NET.100-$NET.199
EOF
bad_case() { # WHAT FILE LINES... : then policy check must name FILE:1 and the message
	local what=$1 file=$2 want=$3; shift 3
	rm -f "$BAD"/users.d/* "$BAD"/groups.d/*
	printf '%s\n' "$@" > "$BAD/$file"
	chmod -R go-w "$BAD"
	run "$CTL" --config-dir "$BAD" policy check
	expect_match "policy check: $what" "^$BAD/$file:1: $want"
}
bad_case "a fixed address outside the subnet" users.d/lxt-x.conf "ipv4: '$NET.0.5' is not an IPv4" "ipv4 = $NET.0.5"
bad_case "an address of another subnet" users.d/lxt-x.conf "ipv4: 10.213.78.5 is not a host address of the subnet" "ipv4 = 10.213.78.5"
bad_case "a fixed address inside the pool" users.d/lxt-x.conf "ipv4: $NET.150 is inside the pool" "ipv4 = $NET.150"
bad_case "the bridge's own address" users.d/lxt-x.conf "ipv4: $NET.1 is the bridge's own address" "ipv4 = $NET.1"
bad_case "VLAN 0" users.d/lxt-x.conf "vlan: '0' is not a VLAN id" "vlan = 0"
bad_case "VLAN 4095" users.d/lxt-x.conf "vlan: '4095' is not a VLAN id" "vlan = 4095"
bad_case "a multicast MAC" users.d/lxt-x.conf "hwaddr: '01:00:5e:00:00:01' is not a unicast MAC" "hwaddr = 01:00:5e:00:00:01"
bad_case "a fixed address in a group file" groups.d/lxt-g.conf "ipv4: a fixed address is one user's" "ipv4 = $NET.20"
bad_case "a gateway off the subnet" users.d/lxt-x.conf "gateway: 10.9.9.9 is not a host address" "gateway = 10.9.9.9"
bad_case "lxc.net lines (the user's network is lxlogin's)" users.d/lxt-x.conf "lxc.net.0.type: set by lxlogin itself" "lxc.net.0.type = veth"
bad_case "bridge only in lxlogin.conf" users.d/lxt-x.conf "bridge: only allowed in lxlogin.conf" "bridge = br0"
rm -f "$BAD"/users.d/*
printf 'ipv4 = %s.20\nhwaddr = 00:16:3e:00:00:20\n' "$NET" > "$BAD/users.d/lxt-x.conf"
printf 'ipv4 = %s.20\nhwaddr = 00:16:3e:00:00:20\n' "$NET" > "$BAD/users.d/lxt-y.conf"
run "$CTL" --config-dir "$BAD" policy check
expect_match "policy check: an address fixed for two users" "^$BAD/users.d/lxt-y.conf:1: ipv4: $NET.20 is already $BAD/users.d/lxt-x.conf:1's$"
expect_match "policy check: a MAC fixed for two users" "^$BAD/users.d/lxt-y.conf:2: hwaddr: 00:16:3e:00:00:20 is already $BAD/users.d/lxt-x.conf:2's$"
rm -f "$BAD"/users.d/*
printf 'subnet = %s.1/24\npool = %s.100-10.213.78.10\n' "$NET" "$NET" > "$BAD/lxlogin.conf"
run "$CTL" --config-dir "$BAD" policy check
expect_match "policy check: a pool outside the subnet" "^$BAD/lxlogin.conf:2: pool: $NET.100-10.213.78.10 is not inside the subnet"
printf 'subnet = %s.0/24\n' "$NET" > "$BAD/lxlogin.conf"
run "$CTL" --config-dir "$BAD" policy check
expect_match "policy check: a subnet given by its network address" "^$BAD/lxlogin.conf:1: subnet: .*network or broadcast address"
printf 'network = veth\n' > "$BAD/lxlogin.conf"
run "$CTL" --config-dir "$BAD" policy check
expect_match "policy check: veth without a subnet" "^$BAD/lxlogin.conf:1: network: veth needs a subnet"
rm -rf "$BAD"
run "$CTL" policy check
expect_line "the test's own policy is clean" "policy OK: $LXT_CONFIG_DIR (6 files)"

# --- setup: the bridge with its address; idempotent
run ssh_as lxt-na true
[ "$RC" != 0 ] && pass "without the bridge a veth user's login is refused" || fail "lxt-na got a session without a bridge"
run "$CTL" status lxt-na
expect_match "... and status says why" "^last error: .*there is no bridge $BR \(lxloginctl network setup makes it\)"
[ -z "$(init_pid_of lxt-na)" ] && pass "... and no container was left running" || fail "a container runs without its network"
expect_rc "network setup" 0 "$CTL" network setup
expect_rc "network setup again (idempotent)" 0 "$CTL" network setup
run ip -4 addr show dev "$BR"
expect_match "the bridge has the subnet's address" "inet $NET.1/24 "
br_mac=$(cat "/sys/class/net/$BR/address")
case "$br_mac" in 02:16:3e:*) pass "... and a fixed, locally administered MAC" ;; *) fail "bridge MAC $br_mac" ;; esac

# --- a veth user over SSH: the lease's address and MAC inside; the host reaches them
run ssh_as lxt-na 'ip -4 -o addr show dev eth0; cat /sys/class/net/eth0/address'
expect_match "inside: eth0 has the pool's first address" "inet $NET.100/24 "
read -r ip_a mac_a <<<"$(lease_of lxt-na)"
[ "$ip_a" = "$NET.100" ] && pass "network show: lxt-na leases $NET.100" || fail "lease of lxt-na: '$ip_a'" "$("$CTL" network show)"
expect_line "inside: eth0 has the lease's MAC" "$mac_a"
case "$mac_a" in 00:16:3e:*) pass "... an LXC-prefixed MAC" ;; *) fail "MAC $mac_a" ;; esac
run "$CTL" network show
expect_match "network show: user, address, MAC, VLAN, veth, attached" "^lxt-na +$NET.100 +$mac_a +none +lxl0ad54d64 +attached$"
run "$CTL" status lxt-na
expect_line "status: the lease, veth and bridge" "network:    $NET.100/24 $mac_a, lxl0ad54d64 on $BR (attached)"
run ssh_as lxt-na 'ip route'
expect_match "inside: the default route via the bridge" "^default via $NET.1 dev eth0"
expect_rc "the host pings lxt-na's container" 0 busybox ping -c 1 -W 5 "$NET.100"
root_in lxt-na 'mkdir -p /srv && echo hello-from-na > /srv/index.html && httpd -p 8080 -h /srv' >/dev/null
# fetch IP: the body of GET / from port 8080 (bash's /dev/tcp: no HTTP client needed on the host)
fetch() {
	timeout 5 bash -c 'exec 3<>"/dev/tcp/$1/8080" && printf "GET / HTTP/1.0\r\n\r\n" >&3 && sed "1,/^\r\?$/d" <&3' _ "$1"
}
wait_for "httpd inside lxt-na answers the host" fetch "$NET.100"
run fetch "$NET.100"
expect_line "a TCP server inside is reached from the host" "hello-from-na"

# --- the same user keeps address and MAC: stop/start, a broken attach, a reboot
"$HELPER" stop lxt-na >/dev/null
run ssh_as lxt-na 'ip -4 -o addr show dev eth0; cat /sys/class/net/eth0/address'
expect_match "after stop and start: the same address" "inet $ip_a/24 "
expect_line "... and the same MAC" "$mac_a"
ip link set lxl0ad54d64 down # as a start killed before its last step leaves the port
run ssh_as lxt-na 'ip -4 -o addr show dev eth0'
expect_match "a login repairs a half-attached network" "inet $ip_a/24 "
expect_rc "... the host reaches it again" 0 busybox ping -c 1 -W 5 "$ip_a"
for f in /sys/fs/cgroup/*/"$LXT_CGROUP"; do
	find "$f" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u | while read -r pid; do kill -9 "$pid" 2>/dev/null; done
done
wait_for "every process of the instance is gone" sh -c "! find /sys/fs/cgroup/*/$LXT_CGROUP -name cgroup.procs -exec cat {} + 2>/dev/null | grep -q ."
for f in /sys/fs/cgroup/*/"$LXT_CGROUP"; do find "$f" -depth -type d -exec rmdir {} + 2>/dev/null; done
rm -rf "$LXT_RUN_DIR"
ip link del "$BR"
"$CTL" network setup >/dev/null # what lxlogin-network.service does at boot
run ssh_as lxt-na 'ip -4 -o addr show dev eth0; cat /sys/class/net/eth0/address'
expect_match "after a simulated reboot: the same address" "inet $ip_a/24 "
expect_line "... and the same MAC" "$mac_a"

# --- more users: the next free address, fixed ones, isolation
for u in lxt-nb lxt-nc lxt-nd lxt-ne; do expect_rc "ssh $u true" 0 ssh_as "$u" true; done
read -r ip_b mac_b <<<"$(lease_of lxt-nb)"
read -r ip_c mac_c <<<"$(lease_of lxt-nc)"
read -r ip_d mac_d <<<"$(lease_of lxt-nd)"
[ "$ip_b" = "$NET.101" ] && [ "$ip_c" = "$NET.102" ] && pass "the pool hands out the next free addresses" || fail "leases b=$ip_b c=$ip_c"
[ "$ip_d $mac_d" = "$NET.50 00:16:3e:00:77:50" ] && pass "a fixed address and MAC are used as written" || fail "lease d: $ip_d $mac_d"
[ "$mac_a" != "$mac_b" ] && [ "$mac_b" != "$mac_c" ] && pass "every user has their own MAC" || fail "MACs repeat: $mac_a $mac_b $mac_c"
run root_in lxt-na "ping -c 1 -W 2 $NET.1"
[ "$RC" = 0 ] && pass "isolated lxt-na reaches the host" || fail "lxt-na cannot reach the host" "$OUT"
run root_in lxt-na "ping -c 1 -W 2 $ip_b"
[ "$RC" != 0 ] && pass "isolate = yes: lxt-na cannot reach lxt-nb" || fail "lxt-na reached lxt-nb" "$OUT"
run root_in lxt-nb "ping -c 1 -W 2 $ip_a"
[ "$RC" != 0 ] && pass "isolate = yes: nor lxt-nb lxt-na" || fail "lxt-nb reached lxt-na" "$OUT"
run root_in lxt-nc "ping -c 1 -W 2 $ip_d"
[ "$RC" = 0 ] && pass "isolate = no: lxt-nc reaches lxt-nd" || fail "lxt-nc cannot reach lxt-nd" "$OUT"
sed -i "s/^ipv4 = .*/ipv4 = $NET.51/" "$LXT_CONFIG_DIR/users.d/lxt-nd.conf"
run ssh_as lxt-nd 'ip -4 -o addr show dev eth0'
expect_match "a changed address waits for the next start: the login still works, on the old one" "inet $ip_d/24 "
"$HELPER" stop lxt-nd >/dev/null
run ssh_as lxt-nd 'ip -4 -o addr show dev eth0'
expect_match "... and the next start uses the new one" "inet $NET.51/24 "
run bridge -d link show dev lxl0ad54d64
expect_match "lxt-na's port is isolated, locked, without learning" "learning off .*isolated on locked on"

# --- network = none: only lo
run ssh_as lxt-ne 'ip -o link | cut -d: -f2 | tr -d " "'
[ "$OUT" = lo ] && pass "network = none: only lo inside" || fail "network = none has links" "$OUT"
run "$CTL" status lxt-ne
expect_line "status says so" "network:    none (loopback only)"

# --- the user cannot take another's address or MAC, nor add a way onto the bridge
ports_before=$(ip -o link show master "$BR" | wc -l)
run root_in lxt-na 'ip link add lxt0 type dummy && ip link set lxt0 up && ip -o link | wc -l'
[ "$(ip -o link show master "$BR" | wc -l)" = "$ports_before" ] && pass "a second interface made inside stays inside (no new port on the bridge)" ||
	fail "the bridge got a port"
run root_in lxt-na "ip link add link eth0 name mv0 type macvlan && ip addr add $NET.198/24 dev mv0 && ip link set mv0 up && ping -I mv0 -c 1 -W 2 $NET.1"
[ "$RC" != 0 ] && pass "a macvlan inside (a new MAC) gets nothing through the locked port" || fail "the macvlan reached the host" "$OUT"
root_in lxt-na "ip link set eth0 down; ip link set eth0 address $mac_b; ip addr flush dev eth0; ip addr add $ip_b/24 dev eth0; ip link set eth0 up; arping -U -c 3 -I eth0 $ip_b" >/dev/null 2>&1
[ "$(cat "/sys/class/net/$BR/address")" = "$br_mac" ] && pass "the bridge kept its MAC while ports came and went" ||
	fail "the bridge's MAC changed"
run ip neigh show dev "$BR"
expect_match "ARP spoofing is harmless: the host still maps lxt-nb's address to lxt-nb's MAC" "^$ip_b lladdr $mac_b PERMANENT"
root_in lxt-nb 'mkdir -p /srv && echo hello-from-nb > /srv/index.html && httpd -p 8080 -h /srv' >/dev/null
wait_for "httpd inside lxt-nb answers the host" fetch "$ip_b"
run fetch "$ip_b"
expect_line "the host's traffic for lxt-nb still reaches lxt-nb" "hello-from-nb"
run root_in lxt-na "ping -c 1 -W 2 $NET.1"
[ "$RC" != 0 ] && pass "lxt-na posing as lxt-nb (its MAC and address) gets nothing through" || fail "the spoofed MAC got through" "$OUT"
"$HELPER" stop lxt-na >/dev/null
run ssh_as lxt-na 'ip -4 -o addr show dev eth0'
expect_match "a restart gives lxt-na its own address back" "inet $ip_a/24 "

# --- release and destroy give addresses back; teardown removes the bridge
expect_rc "network release of a running user is refused" 1 "$CTL" network release lxt-nb
"$HELPER" stop lxt-nb >/dev/null
expect_rc "network release of a stopped user" 0 "$CTL" network release lxt-nb
[ -z "$(lease_of lxt-nb)" ] && pass "... the lease is gone" || fail "lease still there"
expect_rc "destroy lxt-nc" 0 "$CTL" destroy --yes lxt-nc
[ -z "$(lease_of lxt-nc)" ] && pass "destroy removes the lease" || fail "lease of lxt-nc still there"
expect_rc "network teardown" 0 "$CTL" network teardown
ip link show "$BR" >/dev/null 2>&1 && fail "the bridge is still there" || pass "... the bridge is gone"
[ -n "$(lease_of lxt-na)" ] && pass "... leases stay (the same addresses after the next setup)" || fail "teardown dropped leases"
finish
