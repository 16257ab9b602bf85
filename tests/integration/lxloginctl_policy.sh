#!/bin/bash
# lxloginctl_policy.sh - `lxloginctl policy check` and `policy show` on real trees and real accounts.
. "$(dirname "$0")/../lib.sh"
[ "$(id -u)" = 0 ] || skip "needs root (creates lxt-* users, root-owned policy trees)"

CTL=$BUILD/lxloginctl
T=$(mktemp -d /tmp/lxlogin-ctl.XXXXXX)
USERS="lxt-alice lxt-bob lxt-carol lxt-admin lxt-broken lxt-a+b"
cleanup() {
	for u in $USERS; do userdel "$u" 2>/dev/null; done
	groupdel lxt-students 2>/dev/null
	groupdel lxt-wheel 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
cleanup 2>/dev/null; T=$(mktemp -d /tmp/lxlogin-ctl.XXXXXX)
chmod 755 "$T"

groupadd lxt-students
groupadd lxt-wheel
for u in $USERS; do useradd -M -N -g users -s /bin/sh --badname "$u"; done
usermod -aG lxt-students lxt-bob
usermod -aG lxt-students,lxt-wheel lxt-admin

# The shipped example tree, as an admin would install it.
cp -r "$SRC/conf" "$T/etc"
chown -R 0:0 "$T/etc"
chmod -R go-w "$T/etc"
E=$T/etc

expect_rc "shipped examples pass policy check" 0 "$CTL" --config-dir "$E" policy check
expect_line "check says OK and counts files" "policy OK: $E (3 files; see the warnings)"
# issue 17: an image no file can start is a warning (not a problem), with where it is named
expect_match "... warning that the shipped image 'debian' is not built yet, and how to" \
	"^warning: $E/lxlogin.conf:[0-9]+: image: 'debian' is not installed: .*lxloginctl image build debian debian"
mkdir -p "$T/img" && printf 'image = lxt-present\n' >"$T/img/lxlogin.conf" && chmod -R go-w "$T/img"
IMG=${LXT_STATE_DIR:-/var/lib/lxlogin-test}/images/lxt-present
mkdir -p "$IMG/rootfs"
run "$CTL" --config-dir "$T/img" policy check
expect_line "an installed image: no warning" "policy OK: $T/img (1 file)"
printf 'image = lxt-absent\n' >"$T/img/lxlogin.conf"
run "$CTL" --config-dir "$T/img" policy check
[ "$RC" = 0 ] && expect_line "a missing one: warned, exit 0" "warning: $T/img/lxlogin.conf:1: image: 'lxt-absent' is not installed: logins that use it fail until it is (lxloginctl image build debian lxt-absent; lxloginctl image list)" ||
	fail "policy check exit $RC with a missing image" "$OUT"
printf 'memory = 1G\n' >"$T/img/lxlogin.conf"
run "$CTL" --config-dir "$T/img" policy check
expect_match "... as is a default left to the compiled-in one" "^warning: $T/img/lxlogin.conf: image \(the default\): 'default' is not installed"
rm -rf "$IMG"

# A tree for real accounts: lxt-alice by file, lxt-bob by group, lxt-admin exempt.
cat > "$E/lxlogin.conf" <<'CONF'
exempt_groups = lxt-wheel
memory = 1G
pids = 300
CONF
mv "$E/users.d/alice.conf" "$E/users.d/lxt-alice.conf"
mv "$E/groups.d/students.conf" "$E/groups.d/lxt-students.conf"
echo "memory = 8G" > "$E/users.d/lxt-admin.conf"
chmod 644 "$E"/*.conf "$E"/*/*.conf

expect_rc "show a user contained by a users.d file" 0 "$CTL" --config-dir "$E" policy show lxt-alice
expect_match "verdict names the file" "^user lxt-alice \(uid [0-9]+\): contained: named by $E/users.d/lxt-alice.conf$"
expect_match "user value with its file:line" "^memory = 4G +# $E/users.d/lxt-alice.conf:3$"
expect_match "global value with its file:line" "^swap = 0 +# default$"
expect_match "lxlogin.conf value with its line" "^image = default +# default$"
expect_match "lxc line with its origin" "^lxc.environment = EDITOR=vi +# $E/users.d/lxt-alice.conf:7$"
expect_match "hostname shows its expansion" "^hostname = %u +# default \(lxt-alice\)$"

expect_rc "show a user contained by group" 0 "$CTL" --config-dir "$E" policy show lxt-bob
expect_match "group verdict" "^user lxt-bob \(uid [0-9]+\): contained: member of group lxt-students \($E/groups.d/lxt-students.conf\)$"
expect_match "group value" "^memory = 512M +# $E/groups.d/lxt-students.conf:3$"
expect_match "group hostname expanded" "^hostname = %u-lab +# $E/groups.d/lxt-students.conf:6 \(lxt-bob-lab\)$"
expect_match "global value under a group" "^idle_stop = 30m +# default$"

expect_rc "show an exempt-group member" 0 "$CTL" --config-dir "$E" policy show lxt-admin
expect_match "exempt beats a users.d file" "^user lxt-admin \(uid [0-9]+\): exempt \(host session\): member of group lxt-wheel, named in exempt_groups \($E/lxlogin.conf:1\)$"
expect_rc "show an uncontained user" 0 "$CTL" --config-dir "$E" policy show lxt-carol
expect_match "not contained" "^user lxt-carol \(uid [0-9]+\): not contained \(host session\)"
expect_rc "show root" 0 "$CTL" --config-dir "$E" policy show root
expect_line "root is exempt by rule" "user root (uid 0): exempt (host session): uid 0 is always exempt (built-in rule)"
# issue 15: a users.d file for an account whose name lxlogin cannot contain ('+'): the admin meant to
# contain it, so it is refused (never a host session), by show and by check alike
echo "memory = 1G" > "$E/users.d/lxt-a+b.conf"
chmod 644 "$E/users.d/lxt-a+b.conf"
expect_rc "show a user with a users.d file and a name lxlogin cannot contain: refused (exit 1)" 1 \
	"$CTL" --config-dir "$E" policy show lxt-a+b
expect_match "... refused, not a host session" "^user lxt-a\+b \(uid [0-9]+\): refused \(no session until the policy is fixed\)"
expect_match "... saying why" "^user name 'lxt-a\+b' cannot be contained"
expect_rc "... and check reports the file" 1 "$CTL" --config-dir "$E" policy check
expect_line "... by name" "$E/users.d/lxt-a+b.conf: file name is not a valid user name"
rm "$E/users.d/lxt-a+b.conf"
expect_rc "without the file it is a host session again" 0 "$CTL" --config-dir "$E" policy show lxt-a+b
expect_match "... not contained" "^user lxt-a\+b \(uid [0-9]+\): not contained \(host session\)"
expect_rc "unknown user" 2 "$CTL" --config-dir "$E" policy show lxt-nobody-here
expect_line "unknown user message" "lxloginctl: lxt-nobody-here: no such user"

# Break things: every problem is printed, not just the first.
printf 'memory = 10Q\nbogus = 1\n' > "$E/users.d/lxt-broken.conf"
printf 'io_weight = -1\n' >> "$E/groups.d/lxt-students.conf"
printf 'exempt_groups = again\n' >> "$E/lxlogin.conf"
printf 'x\n' > "$E/users.d/0bad.conf"
chmod 644 "$E"/*/*.conf
expect_rc "check on a broken tree exits 1" 1 "$CTL" --config-dir "$E" policy check
expect_line "problem 1" "$E/lxlogin.conf:4: exempt_groups: set twice (first on line 1)"
expect_line "problem 2" "$E/users.d/0bad.conf: file name is not a valid user name"
expect_line "problem 3" "$E/users.d/0bad.conf:1: expected 'key = value', found 'x'"
expect_line "problem 4" "$E/users.d/lxt-broken.conf:1: memory: '10Q' is not a size (a whole number with an optional K, M, G, T, P or E suffix, a percentage of host memory like 50%, or unlimited)"
expect_line "problem 5" "$E/users.d/lxt-broken.conf:2: bogus: unknown key"
expect_line "problem 6" "$E/groups.d/lxt-students.conf:7: io_weight: '-1' is negative"
expect_line "summary" "6 problems in $E (6 files)"

expect_rc "broken user is refused (exit 1)" 1 "$CTL" --config-dir "$E" policy show lxt-broken
expect_match "refusal verdict" "^user lxt-broken \(uid [0-9]+\): refused \(no session until the policy is fixed\): the policy for lxt-broken has 3 problems$"
expect_line "refusal carries the message" "$E/users.d/lxt-broken.conf:2: bogus: unknown key"
expect_rc "exempt user unaffected by broken files" 0 "$CTL" --config-dir "$E" policy show lxt-admin
expect_rc "uncontained user unaffected" 0 "$CTL" --config-dir "$E" policy show lxt-carol
expect_rc "root unaffected" 0 "$CTL" --config-dir "$E" policy show root

# StrictModes: a writable file or a directory not root's is refused and named.
chmod 666 "$E/users.d/lxt-alice.conf"
expect_rc "writable user file refuses its user" 1 "$CTL" --config-dir "$E" policy show lxt-alice
expect_line "writable file named" "$E/users.d/lxt-alice.conf: is group or world writable (refused)"
chmod 644 "$E/users.d/lxt-alice.conf"
chown nobody "$E/groups.d"
expect_rc "check: foreign-owned dir" 1 "$CTL" --config-dir "$E" policy check
expect_line "foreign dir named" "$E/groups.d: is not owned by root (refused)"
chown root "$E/groups.d"

# A relative --config-dir works from the current directory.
( cd "$T" && run "$CTL" --config-dir etc policy check; [ "$RC" = 1 ] ) && pass "relative --config-dir" || fail "relative --config-dir"

expect_rc "--help exits 0" 0 "$CTL" --help
expect_match "--help shows usage" "^Usage: lxloginctl"
expect_rc "--version exits 0" 0 "$CTL" --version
expect_match "--version" "^lxloginctl [0-9]+\.[0-9]+\.[0-9]+$"
expect_rc "no command is a usage error" 2 "$CTL"
expect_rc "unknown command is a usage error" 2 "$CTL" policy frobnicate
expect_rc "unknown option is a usage error" 2 "$CTL" --frob policy check

# A group of thousands of members is one long line in /etc/group (longer than glibc's first
# guess at a buffer): the lookup grows its buffer instead of calling the database broken.
run "$CTL" --config-dir "$E" policy show lxt-bob
before="$RC $OUT"
members=$(seq -f 'lxt-member%04g' 3000 | paste -sd,)
sed -i "s/^\(lxt-students:[^:]*:[^:]*:\)\(.*\)\$/\1\2,$members/" /etc/group
[ "$(getent group lxt-students | wc -c)" -gt 30000 ] && pass "lxt-students now has a 30 KB line" || fail "could not lengthen the group"
run "$CTL" --config-dir "$E" policy show lxt-bob
[ "$RC $OUT" = "$before" ] && pass "policy show of a member of a 3,000-member group is unchanged" ||
	fail "policy show with a long group line (exit $RC)" "$OUT"

# The man page documents every key that policy show prints.
"$CTL" --config-dir "$E" policy show lxt-bob | sed -n 's/^\([a-z_]*\) = .*/\1/p' | grep -v '^$' > "$T/keys"
for k in $(cat "$T/keys") exempt_users exempt_groups priority; do
	grep -qx "\.B $k" "$SRC/doc/lxlogin.conf.5" && pass "lxlogin.conf(5) documents $k" || fail "lxlogin.conf(5) lacks key $k"
done

finish
