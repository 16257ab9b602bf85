#!/bin/bash
# hardening.sh - every installed binary is PIE with full RELRO, now-binding, stack protector and fortify;
# lxlogin-shell, on every hot login's path, loads no library it does not use.
. "$(dirname "$0")/lib.sh"
command -v readelf >/dev/null || skip "readelf (binutils) is not installed"
for bin in "$BUILD/lxloginctl" "$BUILD/lxlogin-helper" "$BUILD/lxlogin-shell"; do
	name=$(basename "$bin")
	run readelf -h "$bin"
	expect_match "$name is PIE" "Type:[[:space:]]+DYN"
	run readelf -lW "$bin"
	expect_match "$name has RELRO" "GNU_RELRO"
	expect_no_match "$name has no executable stack" "GNU_STACK.* RWE "
	run readelf -dW "$bin"
	expect_match "$name binds now" "\(FLAGS\).*BIND_NOW|\(FLAGS_1\).*NOW"
	run readelf --dyn-syms -W "$bin"
	expect_match "$name uses the stack protector" "__stack_chk_fail"
	expect_match "$name uses fortified calls" "__[a-z]+_chk"
done
# each library is relocated at every login: the shell needs libc and libseccomp (the container's
# filter for the session), not liblxc, libsystemd, libsubid's audit and SELinux (the helper's)
run readelf -dW "$BUILD/lxlogin-shell"
needed=$(printf '%s\n' "$OUT" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
case "$needed" in
*liblxc* | *libsystemd* | *libaudit* | *libselinux* | *libcap*) fail "lxlogin-shell needs: $needed" ;;
*) pass "lxlogin-shell needs neither liblxc, libsystemd, libaudit, libselinux nor libcap ($needed)" ;;
esac
finish
