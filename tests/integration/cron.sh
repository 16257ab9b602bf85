#!/bin/bash
# cron.sh - SECURITY.md cases 30 and 58 (issue 15, point 5): a contained user's host crontab (one they had
# before, or one root installs with crontab -u) never runs on the host. The real cron daemon, with
# the shipped account line (conf/pam.d/lxlogin-account) in its PAM stack, runs a plain host user's
# job and refuses the contained user's. Our cron runs in a private mount namespace, where its PAM
# file and spool are ours: the machine's /etc/pam.d/cron and crontabs are never touched.
. "$(dirname "$0")/../lib.sh"
. "$SRC/tests/container-lib.sh"
. "$SRC/tests/sshd-lib.sh" # for its syslog
[ -x /usr/sbin/cron ] && [ -f /etc/pam.d/cron ] || skip "cron is missing (scripts/install-deps installs it)"
pgrep -x cron >/dev/null && skip "a cron daemon already runs on this machine (its pid file would stop ours)"
ct_setup
mkdir -p "$SSHD_DIR" # where our syslog (if the machine has none) writes
syslog_setup
CRON_DIR=$(dirname "$LXT_RUN_DIR")/cron
mkdir -p "$CRON_DIR/spool"
chown root:crontab "$CRON_DIR/spool"
chmod 1730 "$CRON_DIR/spool"

ct_user lxt-a
userdel -r lxt-p >/dev/null 2>&1
useradd -m -s /bin/sh lxt-p && CT_USERS+=(lxt-p) # an ordinary host user, not contained
HOST_PIDNS=$(readlink /proc/self/ns/pid)

# cron's own PAM file with the shipped line just before "@include common-account", naming the test module
line=$(grep -v '^#' "$SRC/conf/pam.d/lxlogin-account" | sed "s|pam_lxlogin.so|$PAM_MODULE|")
awk -v l="$line" '/^@include common-account/ { print l } { print }' /etc/pam.d/cron >"$CRON_DIR/pam.cron"
grep -qxF "$line" "$CRON_DIR/pam.cron" && pass "cron's PAM stack gets the shipped account line" || fail "no account line" "$(cat "$CRON_DIR/pam.cron")"

# each user's crontab: every minute, say where the job ran (its pid namespace) in their home
for u in lxt-a lxt-p; do
	printf '* * * * * echo "ran $(readlink /proc/self/ns/pid)" >> $HOME/cron-ran\n' >"$CRON_DIR/spool/$u"
	chown "$u:crontab" "$CRON_DIR/spool/$u"
	chmod 600 "$CRON_DIR/spool/$u"
done
unshare -m --propagation private sh -c "mount --bind '$CRON_DIR/pam.cron' /etc/pam.d/cron &&
	mount --bind '$CRON_DIR/spool' /var/spool/cron/crontabs && exec /usr/sbin/cron -f -L 15" \
	>"$CRON_DIR/cron.log" 2>&1 &
CRON_PID=$!
trap 'kill "$CRON_PID" 2>/dev/null; wait "$CRON_PID" 2>/dev/null; rm -f /run/crond.pid; ct_cleanup' EXIT

# the plain user's job runs at the next minute (an event, waited for with a bound of two minutes)
for i in $(seq 1300); do [ -s /home/lxt-p/cron-ran ] && break; kill -0 "$CRON_PID" 2>/dev/null || break; sleep 0.1; done
run cat /home/lxt-p/cron-ran
expect_line "cron runs a plain host user's job on the host" "ran $HOST_PIDNS"
if [ -n "$SYSLOG_FILE" ]; then # the contained user's job came due at the same minute: wait for its refusal
	for i in $(seq 300); do grep -q "pam_lxlogin(cron:account): lxt-a: cron refused" "$SYSLOG_FILE" && break; sleep 0.1; done
else # no log of ours to read: wait for the plain user's next run, a minute later
	for i in $(seq 1300); do [ "$(wc -l </home/lxt-p/cron-ran)" -ge 2 ] && break; sleep 0.1; done
fi
syslog_has "the contained user's job is refused by pam_lxlogin, saying why" "lxt-a: cron refused: a contained user runs nothing on the host"
[ ! -e /home/lxt-a/cron-ran ] && pass "the contained user's host crontab entry did not run" ||
	fail "lxt-a's cron job ran on the host" "$(cat /home/lxt-a/cron-ran)"
kill -0 "$CRON_PID" 2>/dev/null && pass "cron still runs" || fail "cron died" "$(cat "$CRON_DIR/cron.log")"

finish
