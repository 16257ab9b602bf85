#!/bin/bash
# network_vlan.sh - vlan = N (issue 8): a VLAN-filtering bridge carries each user's VLAN on their port
# only; containers on different VLANs cannot reach each other, on the same VLAN they can. Needs a
# kernel with CONFIG_BRIDGE_VLAN_FILTERING. Traffic stays on the test's bridge.
. "$(dirname "$0")/../lib.sh"
. "$SRC/tests/container-lib.sh"
command -v ip >/dev/null && command -v bridge >/dev/null || skip "ip/bridge are missing (package iproute2)"
BR=lxtbr1
NET=10.213.78
ip link del lxtvprobe 2>/dev/null
ip link add lxtvprobe type bridge vlan_filtering 1 2>/dev/null ||
	skip "this kernel's bridge cannot filter VLANs (CONFIG_BRIDGE_VLAN_FILTERING is off)"
ip link del lxtvprobe
vlan_cleanup() {
	ip link del "$BR" 2>/dev/null
	ct_cleanup
}
trap vlan_cleanup EXIT
ct_setup
printf 'bridge = %s\nsubnet = %s.1/24\nnetwork = veth\n' "$BR" "$NET" >> "$LXT_CONFIG_DIR/lxlogin.conf"
CTL=$BUILD/lxloginctl
ct_user lxt-va "vlan = 10" "isolate = no"
ct_user lxt-vb "vlan = 10" "isolate = no"
ct_user lxt-vc "vlan = 20" "isolate = no"
ct_user lxt-vd "isolate = no"
expect_rc "network setup" 0 "$CTL" network setup
run ip -d link show "$BR"
expect_match "the bridge filters VLANs" "vlan_filtering 1"
for u in lxt-va lxt-vb lxt-vc lxt-vd; do expect_rc "start $u" 0 "$CTL" start "$u"; done
lease_of() { "$CTL" network show | awk -v u="$1" '$1 == u { print $2 }'; }
veth_of() { "$CTL" network show | awk -v u="$1" '$1 == u { print $5 }'; }
run bridge vlan show dev "$(veth_of lxt-va)"
expect_match "lxt-va's port carries VLAN 10, untagged inside" "\b10 PVID Egress Untagged"
expect_no_match "... and not the default VLAN 1" "\b1 PVID"
run bridge vlan show dev "$(veth_of lxt-vc)"
expect_match "lxt-vc's port carries VLAN 20" "\b20 PVID Egress Untagged"
run "$CTL" network show
expect_match "network show names the VLAN" "^lxt-va +$NET\.[0-9]+ +[0-9a-f:]+ +10 "
ping_from() { "$CTL" exec --root "$1" -- ping -c 1 -W 2 "$2"; }
expect_rc "same VLAN: lxt-va reaches lxt-vb" 0 ping_from lxt-va "$(lease_of lxt-vb)"
run ping_from lxt-va "$(lease_of lxt-vc)"
[ "$RC" != 0 ] && pass "VLAN 10 cannot reach VLAN 20" || fail "lxt-va reached lxt-vc" "$OUT"
run ping_from lxt-va "$(lease_of lxt-vd)"
[ "$RC" != 0 ] && pass "VLAN 10 cannot reach the untagged lxt-vd" || fail "lxt-va reached lxt-vd" "$OUT"
expect_rc "the untagged lxt-vd reaches the host" 0 ping_from lxt-vd "$NET.1"
finish
