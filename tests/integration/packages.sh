#!/bin/bash
# packages.sh - issue 17: the Debian packages, built from a scratch copy of the tree, linted, and
# installed, upgraded, refused and purged for real with apt in a fresh bookworm chroot (mmdebstrap
# from this machine's apt mirror): the PAM profile's lines where they belong, the setuid helper,
# /etc/shells, no unit enabled, the admin's config kept over an upgrade, a removal that would lock
# root out refused, and a purge that leaves the system as it was. Nothing here touches the host's
# own /etc: every install is inside the chroot. Then the RPM (Debian's rpmbuild, rpmlint) and the
# Arch package (Debian's makepkg, as a build user), built from a tarball of the tree and inspected.
. "$(dirname "$0")/../lib.sh"
for t in dpkg-buildpackage dh lintian mmdebstrap; do
	command -v $t >/dev/null || skip "$t is missing (scripts/install-deps installs it)"
done
W=$(mktemp -d /tmp/lxt-packages.XXXXXX)
R=$W/root
cleanup() {
	mountpoint -q "$R/proc" && umount "$R/proc"
	id lxt-pkgbuild >/dev/null 2>&1 && userdel -r lxt-pkgbuild >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT

# --- the build, from a scratch copy (the clone is left as it was)
before=$(cd "$SRC" && git status --porcelain --ignored | md5sum)
if ! "$SRC/packaging/build-deb" "$W/v1" >"$W/build.out" 2>&1; then
	fail "packaging/build-deb" "$(cat "$W/build.out")"
	finish
	exit 1
fi
pass "the .debs build from a scratch copy of the tree"
[ "$(cd "$SRC" && git status --porcelain --ignored | md5sum)" = "$before" ] && pass "... the tree is as it was" ||
	fail "the build left files in the tree" "$(cd "$SRC" && git status --porcelain --ignored)"
grep -qE "^ *[0-9]+/[0-9]+ Test +#[0-9]+: unit_" "$W/v1/build.log" && ! grep -qE "Test +#[0-9]+: integration_" "$W/v1/build.log" &&
	pass "... running the unit tests only" || fail "the package build ran other tests, or none" "$(grep -E 'Test +#' "$W/v1/build.log")"
DEB=$W/v1/lxlogin_0.1.0_amd64.deb
PAMDEB=$W/v1/libpam-lxlogin_0.1.0_amd64.deb
run dpkg-deb -c "$DEB"
expect_match "dpkg-deb -c: the helper is setuid root" "^-rwsr-xr-x root/root .* \./usr/libexec/lxlogin/lxlogin-helper$"
expect_match "... lxlogin-shell in /usr/bin" "^-rwxr-xr-x root/root .* \./usr/bin/lxlogin-shell$"
expect_match "... lxloginctl in /usr/sbin" " \./usr/sbin/lxloginctl$"
for u in lxlogin-reap.service lxlogin-reap.timer lxlogin-network.service; do
	expect_match "... $u where bookworm's debhelper finds it" " \./lib/systemd/system/$u$"
done
expect_match "... the shells.d entry" " \./usr/share/debianutils/shells.d/lxlogin$"
expect_match "... lxlogin-shell(1)" " \./usr/share/man/man1/lxlogin-shell\.1\.gz$"
run dpkg-deb -c "$PAMDEB"
expect_match "libpam-lxlogin: the module" " \./lib/x86_64-linux-gnu/security/pam_lxlogin\.so$|/security/pam_lxlogin\.so$"
expect_match "... the pam-auth-update profile" " \./usr/share/pam-configs/lxlogin$"
run dpkg-deb -f "$DEB" Depends
for d in liblxc1 liblxc-common uidmap lxcfs; do expect_match "lxlogin depends on $d" "(^|, )$d( |,|$)"; done
run dpkg-deb -f "$PAMDEB" Depends
expect_match "libpam-lxlogin depends on pam-auth-update's libpam-runtime" "libpam-runtime \(>= 1\.0\.1-6\)"
dpkg-deb -e "$DEB" "$W/ctl"
run cat "$W/ctl/conffiles"
expect_line "conffile: /etc/lxlogin/lxlogin.conf" /etc/lxlogin/lxlogin.conf
expect_line "conffile: the sshd snippet" /etc/ssh/sshd_config.d/lxlogin.conf
grep -q "deb-systemd-helper purge" "$W/ctl/postrm" && pass "dh_installsystemd saw the units (their purge is in postrm)" ||
	fail "no deb-systemd-helper purge in postrm" "$(cat "$W/ctl/postrm")"
grep -q "deb-systemd-invoke" "$W/ctl/postinst" && fail "postinst starts a unit" "$(cat "$W/ctl/postinst")" ||
	pass "... and postinst starts none"
run lintian --allow-root --fail-on error,warning "$W/v1/lxlogin_0.1.0_amd64.changes"
[ "$RC" = 0 ] && pass "lintian --fail-on error,warning passes" || fail "lintian" "$OUT"
run lintian --allow-root --show-overrides "$W/v1/lxlogin_0.1.0_amd64.changes"
overrides=$(printf '%s\n' "$OUT" | grep -c '^O: ')
commented=$(grep -c '^#' "$SRC/packaging/debian/lxlogin.lintian-overrides")
[ "$overrides" -ge 1 ] && [ "$(printf '%s\n' "$OUT" | grep -c '^O: lxlogin: elevated-privileges 4755 root/root \[usr/libexec/lxlogin/lxlogin-helper\]$')" = "$overrides" ] &&
	[ "$commented" -ge 1 ] && pass "... its only override is the helper's setuid bit, commented" || fail "lintian overrides" "$OUT"

# --- a fresh bookworm from this machine's mirror, with what the checks need (sshd's and cron's PAM
# services, pam_systemd's profile, pamtester)
MIRROR=$(bash "$SRC/ctl/lxlogin-mkimage" mirror) || skip "no Debian mirror in this machine's apt sources"
if ! mmdebstrap --quiet --variant=apt --include=libpam-systemd,pamtester,openssh-server,cron bookworm "$R" "$MIRROR" >"$W/mmdebstrap.log" 2>&1; then
	fail "mmdebstrap bookworm" "$(tail -20 "$W/mmdebstrap.log")"
	finish
	exit 1
fi
printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d" && chmod 755 "$R/usr/sbin/policy-rc.d" # no service starts
mount -t proc proc "$R/proc"
in_root() { chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }
apt_in() { in_root apt-get -y -q -o Dpkg::Use-Pty=0 "$@"; }
apt_in update >"$W/update.log" 2>&1 || fail "apt-get update in the chroot" "$(cat "$W/update.log")"
STATE="etc/pam.d/common-session etc/pam.d/common-session-noninteractive etc/pam.d/common-account etc/pam.d/common-auth
	etc/pam.d/common-password var/lib/pam/session var/lib/pam/account var/lib/pam/auth var/lib/pam/password var/lib/pam/seen etc/shells etc/group"
snapshot() { (cd "$R" && for f in $STATE; do printf '%s ' "$f"; md5sum <"$f" 2>/dev/null || echo absent; done); }
BEFORE=$(snapshot)
# root's session and cron account, through the real stacks (pamtester), before anything
pam_ok() { in_root pamtester "$1" root "$2" >/dev/null 2>&1; }
pam_ok sshd open_session && pam_ok cron acct_mgmt && pass "the fresh chroot: root's sshd session and cron account open" ||
	fail "pamtester does not work in the chroot" "$(in_root pamtester sshd root open_session 2>&1)"

# --- install with apt
cp "$DEB" "$PAMDEB" "$R/tmp/"
run apt_in install "/tmp/$(basename "$DEB")" "/tmp/$(basename "$PAMDEB")"
[ "$RC" = 0 ] && pass "apt-get install ./lxlogin*.deb ./libpam-lxlogin*.deb (dependencies from the mirror)" || fail "apt-get install" "$OUT"
printf '%s\n' "$OUT" | grep -q "libpam-lxlogin: pam_lxlogin.so is not" && fail "postinst says the profile is not active" "$OUT"
line_of() { grep -n "$1" "$R/etc/pam.d/$2" | head -1 | cut -d: -f1; }
l=$(line_of 'pam_lxlogin\.so' common-session) u=$(line_of 'pam_unix\.so' common-session) s=$(line_of 'pam_systemd\.so' common-session)
[ -n "$l" ] && [ -n "$u" ] && [ -n "$s" ] && [ "$l" -lt "$u" ] && [ "$l" -lt "$s" ] &&
	pass "common-session: pam_lxlogin (line $l) before pam_unix ($u) and pam_systemd ($s)" || fail "common-session order" "$(cat "$R/etc/pam.d/common-session")"
run cat "$R/etc/pam.d/common-session"
expect_match "... with the control that ends the stack for a contained user" "^session	\[success=done ignore=ignore default=die\]	pam_lxlogin\.so ?$"
expect_match "... and only for sshd and login" "^session	\[success=1 default=ignore\]	pam_succeed_if\.so service notin sshd:login quiet ?$"
! grep -q pam_lxlogin "$R/etc/pam.d/common-session-noninteractive" && pass "common-session-noninteractive has no pam_lxlogin (sudo, cron sessions)" ||
	fail "in common-session-noninteractive" "$(cat "$R/etc/pam.d/common-session-noninteractive")"
run cat "$R/etc/pam.d/common-account"
expect_match "common-account: the account check for cron, atd and systemd-user only" "^account	\[success=1 default=ignore\]	pam_succeed_if\.so service notin cron:atd:systemd-user quiet ?$"
expect_match "... refusing a contained user's jobs on the host" "^account	requisite	pam_lxlogin\.so ?$"
run in_root stat -c '%a %U:%G' /usr/libexec/lxlogin/lxlogin-helper
expect_line "the installed helper is 4755 root:root" "4755 root:root"
grep -qx /usr/bin/lxlogin-shell "$R/etc/shells" && pass "/etc/shells lists lxlogin-shell (update-shells)" || fail "/etc/shells" "$(cat "$R/etc/shells")"
in_root getent group lxlogin-users >/dev/null && pass "the lxlogin-users group of the sshd snippet exists" || fail "no lxlogin-users group"
enabled=$(find "$R/etc/systemd/system" -name 'lxlogin*' 2>/dev/null)
[ -z "$enabled" ] && pass "no lxlogin unit is enabled" || fail "units enabled" "$enabled"
pam_ok sshd open_session && pam_ok login open_session && pam_ok su open_session && pam_ok cron acct_mgmt &&
	pass "root's sshd, login and su sessions and cron account still open (exempt: the module ignores root)" ||
	fail "root's PAM stacks fail after the install" "$(in_root pamtester sshd root open_session 2>&1)"
in_root useradd -m lxt-pkg
in_root pamtester cron lxt-pkg acct_mgmt >/dev/null 2>&1 && in_root pamtester sshd lxt-pkg open_session >/dev/null 2>&1 &&
	pass "an uncontained user's cron account and sshd session open" || fail "uncontained user refused" "$(in_root pamtester cron lxt-pkg acct_mgmt 2>&1)"
printf 'image = none-such\n' >"$R/etc/lxlogin/users.d/lxt-pkg.conf"
in_root pamtester cron lxt-pkg acct_mgmt >/dev/null 2>&1 && fail "a contained user's cron account is allowed on the host" ||
	pass "a contained user's cron account is refused on the host (the profile's account line)"
in_root pamtester sshd lxt-pkg open_session >/dev/null 2>&1 && fail "a contained user got a host sshd session" ||
	pass "a contained user whose container cannot start gets no sshd session (fail closed)"
in_root pamtester su lxt-pkg open_session >/dev/null 2>&1 && pass "... su is not contained by the module (lxlogin-shell contains su -l)" ||
	fail "su lxt-pkg session refused" "$(in_root pamtester su lxt-pkg open_session 2>&1)"
rm "$R/etc/lxlogin/users.d/lxt-pkg.conf"
in_root userdel -r lxt-pkg 2>/dev/null

# --- upgrade: a newer version of the same tree; the admin's lxlogin.conf is kept
printf '\n# an admin edit\nmemory = 3G\n' >>"$R/etc/lxlogin/lxlogin.conf"
conf_before=$(md5sum <"$R/etc/lxlogin/lxlogin.conf")
if "$SRC/packaging/build-deb" "$W/v2" 0.1.0+lxt1 >"$W/build2.out" 2>&1; then
	cp "$W"/v2/lxlogin_0.1.0+lxt1_amd64.deb "$W"/v2/libpam-lxlogin_0.1.0+lxt1_amd64.deb "$R/tmp/"
	run apt_in install /tmp/lxlogin_0.1.0+lxt1_amd64.deb /tmp/libpam-lxlogin_0.1.0+lxt1_amd64.deb
	[ "$RC" = 0 ] && [ "$(in_root dpkg-query -W -f '${Version}' lxlogin)" = 0.1.0+lxt1 ] &&
		pass "upgrade to 0.1.0+lxt1 with apt" || fail "upgrade" "$OUT"
	[ "$(md5sum <"$R/etc/lxlogin/lxlogin.conf")" = "$conf_before" ] && pass "... the admin's lxlogin.conf is kept" ||
		fail "the upgrade changed lxlogin.conf" "$(cat "$R/etc/lxlogin/lxlogin.conf")"
	[ "$(grep -c 'pam_lxlogin\.so' "$R/etc/pam.d/common-session")" = 1 ] && pam_ok sshd open_session &&
		pass "... the PAM line is there once, root's session opens" || fail "PAM after the upgrade" "$(cat "$R/etc/pam.d/common-session")"
else
	fail "packaging/build-deb of 0.1.0+lxt1" "$(cat "$W/build2.out")"
fi

# --- a removal that would lock root out is refused: a line pam-auth-update cannot take out
# (common-session edited by hand inside its managed block; a hand-placed line in /etc/pam.d/sshd)
sed -i '/pam_lxlogin\.so/a session\toptional\tpam_umask.so' "$R/etc/pam.d/common-session"
run apt_in remove libpam-lxlogin
[ "$RC" != 0 ] && in_root dpkg-query -W -f '${Status}' libpam-lxlogin | grep -q "install ok installed" &&
	pass "with common-session edited by hand, removing libpam-lxlogin is refused, the module stays" || fail "removal with a hand-edited common-session" "$OUT"
expect_match "... saying which file still uses it" "^ +/etc/pam\.d/common-session$"
pam_ok sshd open_session && pass "... and root's session still opens" || fail "root locked out" "$(in_root pamtester sshd root open_session 2>&1)"
sed -i '/pam_umask\.so/d' "$R/etc/pam.d/common-session"
sed -i 's/^@include common-session$/session [success=done ignore=ignore default=die] pam_lxlogin.so\n&/' "$R/etc/pam.d/sshd"
run apt_in remove libpam-lxlogin
[ "$RC" != 0 ] && expect_match "a hand-placed line in /etc/pam.d/sshd: refused too, naming it" "^ +/etc/pam\.d/sshd$" ||
	fail "removal with a hand-placed sshd line was not refused" "$OUT"
grep -q pam_lxlogin "$R/etc/pam.d/common-session" && pam_ok sshd open_session &&
	pass "... the profile is back (postinst abort-remove), root's session opens" || fail "after the refused removal" "$(cat "$R/etc/pam.d/common-session")"
sed -i '/pam_lxlogin\.so/d' "$R/etc/pam.d/sshd"
# without the guard this is the lockout: the line left, the module gone
cp "$R/etc/pam.d/common-session" "$W/cs"
mv "$R/lib/x86_64-linux-gnu/security/pam_lxlogin.so" "$W/"
pam_ok sshd open_session && fail "root's session opened with the module gone (the guard is not needed?)" ||
	pass "the hazard is real: a line left without the module fails root's session"
mv "$W/pam_lxlogin.so" "$R/lib/x86_64-linux-gnu/security/"

# --- purge: everything as before the install (with what apt installed for them: autoremove)
run apt_in purge lxlogin libpam-lxlogin
[ "$RC" = 0 ] && pass "apt-get purge lxlogin libpam-lxlogin" || fail "purge" "$OUT"
run apt_in autoremove --purge
[ "$RC" = 0 ] && pass "... and apt-get autoremove --purge of their dependencies" || fail "autoremove" "$OUT"
AFTER=$(snapshot)
[ "$AFTER" = "$BEFORE" ] && pass "common-*, /var/lib/pam, /etc/shells and /etc/group are byte-identical to before" ||
	fail "state differs after the purge" "$(diff <(echo "$BEFORE") <(echo "$AFTER"))"
left=$(cd "$R" && ls -d etc/lxlogin var/lib/lxlogin etc/ssh/sshd_config.d/lxlogin.conf usr/libexec/lxlogin \
	usr/share/pam-configs/lxlogin lib/*/security/pam_lxlogin.so 2>/dev/null)
[ -z "$left" ] && ! in_root dpkg -S pam_lxlogin.so >/dev/null 2>&1 && pass "nothing of the packages is left" || fail "left after the purge" "$left"
pam_ok sshd open_session && pam_ok login open_session && pam_ok cron acct_mgmt && pass "root's sessions open after the purge" ||
	fail "root after the purge" "$(in_root pamtester sshd root open_session 2>&1)"
umount "$R/proc"

# --- the tarball the RPM and Arch builds start from: the tree's files under lxlogin-VERSION/
V=$(sed -n '1s/^lxlogin (\(.*\)).*/\1/p' "$SRC/packaging/debian/changelog")
mkdir -p "$W/rpm/SOURCES" "$W/arch"
(cd "$SRC" && git ls-files -z --cached --others --exclude-standard |
	xargs -0 tar --transform "s,^,lxlogin-$V/," -czf "$W/rpm/SOURCES/lxlogin-$V.tar.gz" --)

# --- RPM: rpmbuild (BuildRequires cannot be met from Debian's empty rpm database: --nodeps), rpmlint
if ! command -v rpmbuild >/dev/null || ! command -v rpmlint >/dev/null; then
	echo "SKIPPED: the RPM: rpmbuild or rpmlint is missing (scripts/install-deps installs them)"
else
	run rpmbuild -bb --nodeps --define "_topdir $W/rpm" "$SRC/packaging/rpm/lxlogin.spec"
	RPM=$(ls "$W"/rpm/RPMS/*/lxlogin-"$V"-*.rpm 2>/dev/null | head -1)
	[ "$RC" = 0 ] && [ -n "$RPM" ] && pass "rpmbuild -bb packaging/rpm/lxlogin.spec" || fail "rpmbuild" "$(printf '%s\n' "$OUT" | tail -30)"
	if [ -n "$RPM" ]; then
		run rpmlint -r "$SRC/packaging/rpm/lxlogin.rpmlintrc" "$RPM"
		expect_match "rpmlint: no errors beyond the filters (each commented)" " 0 errors, "
		[ "$(grep -c '^addFilter' "$SRC/packaging/rpm/lxlogin.rpmlintrc")" -le "$(grep -c '^#' "$SRC/packaging/rpm/lxlogin.rpmlintrc")" ] &&
			pass "... every filter has its reason" || fail "an uncommented rpmlint filter"
		run rpm -qlvp "$RPM"
		expect_match "rpm -qlvp: the helper setuid root" "^-rwsr-xr-x +1 root +root .* /usr/libexec/lxlogin/lxlogin-helper$"
		expect_match "... the module in the PAM directory" " /usr/lib64/security/pam_lxlogin\.so$"
		expect_match "... the units in /usr/lib/systemd/system" " /usr/lib/systemd/system/lxlogin-reap\.timer$"
		run rpm -qpc "$RPM"
		expect_line "rpm -qpc: lxlogin.conf is a config file" /etc/lxlogin/lxlogin.conf
		expect_line "... and the sshd snippet" /etc/ssh/sshd_config.d/lxlogin.conf
		run rpm -qp --scripts "$RPM"
		expect_match "the scriptlets register lxlogin-shell in /etc/shells" "echo /usr/bin/lxlogin-shell >>/etc/shells"
		expect_match "... and refuse an erase while a PAM line names the module" "pam_lxlogin.*take the lines out first"
		run rpm -qp --qf '[%{FILEFLAGS:fflags} %{FILENAMES}\n]' "$RPM"
		expect_match "... lxlogin.conf is %config(noreplace)" "^cn /etc/lxlogin/lxlogin\.conf$"
	fi
fi

# --- Arch: makepkg as a build user (it refuses root; --nodeps: Debian's pacman database is empty)
if ! command -v makepkg >/dev/null || ! command -v bsdtar >/dev/null; then
	echo "SKIPPED: the Arch package: makepkg or bsdtar is missing (scripts/install-deps installs them)"
else
	userdel -r lxt-pkgbuild >/dev/null 2>&1
	useradd -m lxt-pkgbuild
	cp "$SRC"/packaging/arch/PKGBUILD "$SRC"/packaging/arch/lxlogin.install "$W/rpm/SOURCES/lxlogin-$V.tar.gz" "$W/arch/"
	chown -R lxt-pkgbuild "$W/arch"
	chmod 755 "$W"
	run sh -c "cd '$W/arch' && runuser -u lxt-pkgbuild -- makepkg --nodeps --nocheck --skipinteg"
	PKG=$(ls "$W"/arch/lxlogin-"$V"-*.pkg.tar.* 2>/dev/null | head -1)
	[ "$RC" = 0 ] && [ -n "$PKG" ] && pass "makepkg packaging/arch/PKGBUILD" || fail "makepkg" "$(printf '%s\n' "$OUT" | tail -30)"
	if [ -n "$PKG" ]; then
		run bsdtar -xOf "$PKG" .PKGINFO
		expect_line ".PKGINFO: lxlogin.conf in backup" "backup = etc/lxlogin/lxlogin.conf"
		expect_line "... its name and version" "pkgver = $V-1"
		run bsdtar -tvf "$PKG"
		expect_match "the helper setuid root, in Arch's /usr/lib/lxlogin" "^-rwsr-xr-x .* root +root .* usr/lib/lxlogin/lxlogin-helper$"
		expect_match "... the module in /usr/lib/security" " usr/lib/security/pam_lxlogin\.so$"
		expect_no_match "... nothing in usr/sbin or usr/libexec (Arch has neither)" " usr/(sbin|libexec)/"
		expect_match "... the .INSTALL scriptlet" " \.INSTALL$"
	fi
	userdel -r lxt-pkgbuild >/dev/null 2>&1
fi
finish
