# sshd-lib.sh - a real sshd on loopback with its own config, host key and PAM service name.
# Sourced after container-lib.sh. The host's sshd and /etc/pam.d files are never changed for good:
# the PAM service is a file of our own, /etc/pam.d/$SSHD_SERVICE, removed at the end.
command -v /usr/sbin/sshd >/dev/null || skip "sshd is missing (package openssh-server)"
command -v ssh >/dev/null || skip "ssh is missing (package openssh-client)"

SSHD_DIR=$(dirname "$LXT_RUN_DIR")/sshd
SSHD_SERVICE=sshd-lxlogin-test
SSHD_PORT=${LXT_SSHD_PORT:-22522}
SSH_GROUP=lxlogin-users

sshd_setup() {
	mkdir -p "$SSHD_DIR/keys" /run/sshd
	chmod 755 "$SSHD_DIR" "$SSHD_DIR/keys"
	ssh-keygen -q -t ed25519 -N '' -f "$SSHD_DIR/hostkey"
	ssh-keygen -q -t ed25519 -N '' -f "$SSHD_DIR/client"
	ln -sf /usr/sbin/sshd "$SSHD_DIR/$SSHD_SERVICE" # sshd's PAM service is its program name
	cp "$SRC/conf/sshd_config.d/lxlogin.conf" "$SSHD_DIR/lxlogin.conf"
	cat > "$SSHD_DIR/sshd_config" <<CONF
Port $SSHD_PORT
ListenAddress 127.0.0.1
HostKey $SSHD_DIR/hostkey
PidFile $SSHD_DIR/sshd.pid
AuthorizedKeysFile $SSHD_DIR/keys/%u
UsePAM yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
Subsystem sftp /usr/lib/openssh/sftp-server
# a careless global AcceptEnv: the shipped Match block must narrow it for contained users
AcceptEnv LANG LC_* LD_*
LogLevel VERBOSE
MaxStartups 100
Include $SSHD_DIR/lxlogin.conf
CONF
	cat > "/etc/pam.d/$SSHD_SERVICE" <<CONF
# lxlogin's test sshd (removed by the test)
@include common-auth
account required pam_nologin.so
@include common-account
session required pam_loginuid.so
session [success=done ignore=ignore default=die] $PAM_MODULE debug
@include common-session
CONF
	SSHD_MADE_GROUP=""
	getent group "$SSH_GROUP" >/dev/null || { groupadd "$SSH_GROUP" && SSHD_MADE_GROUP=1; }
	"$SSHD_DIR/$SSHD_SERVICE" -t -f "$SSHD_DIR/sshd_config" || return 1
	# a listener already on the port (a stale sshd of a killed run) would answer in ours' place
	if (exec 3<>"/dev/tcp/127.0.0.1/$SSHD_PORT") 2>/dev/null; then
		echo "sshd-lib: port $SSHD_PORT is in use already: $(ss -Hltnp "sport = :$SSHD_PORT" 2>/dev/null)" >&2
		return 1
	fi
	"$SSHD_DIR/$SSHD_SERVICE" -D -f "$SSHD_DIR/sshd_config" -E "$SSHD_DIR/sshd.log" &
	SSHD_PID=$!
	for i in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$SSHD_PORT") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# debian_sshd_setup TOOLS...: the Debian test image, our syslog and sshd, for a test of logins into a
# whole Debian system (skipped without the tools on the host or the image); CTL and POLICY for its users
debian_sshd_setup() {
	for t in "$@"; do command -v "$t" >/dev/null || skip "$t is missing on the host (scripts/install-deps installs it)"; done
	ct_setup
	ct_cached_image "$DEBIAN_IMAGE" || skip "no Debian test image (integration_debian_image builds it)"
	syslog_setup
	sshd_setup || { fail "sshd did not start" "$(cat "$SSHD_DIR/sshd.log" 2>/dev/null)"; finish; exit 1; }
	CTL=$BUILD/lxloginctl
	POLICY=("image = $DEBIAN_IMAGE" "memory = 1G" "pids = 1000")
}

# A syslog of our own if the machine has none (then we can read what the PAM module logged).
syslog_setup() {
	SYSLOG_FILE=""
	if [ ! -e /dev/log ]; then
		busybox syslogd -n -O "$SSHD_DIR/syslog" &
		SYSLOG_PID=$!
		SYSLOG_FILE=$SSHD_DIR/syslog
		for i in $(seq 50); do [ -S /dev/log ] && break; sleep 0.1; done
	fi
}

# syslog_has WHAT TEXT: our syslog got a line with TEXT (SKIPPED where the machine has its own /dev/log)
syslog_has() {
	if [ -z "$SYSLOG_FILE" ]; then
		printf 'SKIPPED: %s (the machine has its own /dev/log)\n' "$1"
	elif grep -qF -- "$2" "$SYSLOG_FILE"; then
		pass "$1"
	else
		fail "$1" "$(tail -5 "$SYSLOG_FILE")"
	fi
}

sshd_cleanup() {
	if [ -n "${SSHD_PID:-}" ]; then
		kill "$SSHD_PID" 2>/dev/null
		wait "$SSHD_PID" 2>/dev/null
	fi
	if [ -n "${SYSLOG_PID:-}" ]; then
		kill "$SYSLOG_PID" 2>/dev/null
		wait "$SYSLOG_PID" 2>/dev/null
		rm -f /dev/log # the socket our syslogd made
	fi
	rm -f "/etc/pam.d/$SSHD_SERVICE"
	command -v tmux >/dev/null && "${TM[@]}" kill-server 2>/dev/null
	[ -n "${SSHD_MADE_GROUP:-}" ] && groupdel "$SSH_GROUP" 2>/dev/null
	return 0
}

# The real ssh client's options for our sshd: our key, no host key prompts, no waiting on input.
ssh_opts() {
	SSH_OPTS=(-i "$SSHD_DIR/client" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
		-o BatchMode=yes -o LogLevel=ERROR -o ConnectTimeout=30)
	SSH_CMD="ssh ${SSH_OPTS[*]} -p $SSHD_PORT" # for rsync -e and GIT_SSH_COMMAND
}
ssh_opts

# ssh_as USER [SSH ARGS...] [-- CMD]: the real ssh client with our key
ssh_as() {
	local u=$1; shift
	ssh "${SSH_OPTS[@]}" -p "$SSHD_PORT" "$u@127.0.0.1" "$@"
}

# ssh_user_setup USER: key, lxlogin-shell as login shell, member of the contained group
ssh_user_setup() {
	install -m 0644 "$SSHD_DIR/client.pub" "$SSHD_DIR/keys/$1"
	usermod -s "$SHELL_BIN" -aG "$SSH_GROUP" "$1"
}

# A terminal a person would use, driven through tmux (its own server, ended by sshd_cleanup):
#   term_start CMD   run CMD in an 80x24 window
#   screen           what the window shows now
#   wait_screen RE   until the window shows a line matching RE (bounded, 30 s)
#   type_line TEXT   type TEXT and Enter
#   term_gone        until the window's command has ended (bounded); false if it has not
TM=(tmux -L lxlogin-test)
term_start() { "${TM[@]}" kill-session -t lxt 2>/dev/null; "${TM[@]}" new-session -d -s lxt -x 80 -y 24 "$1"; }
screen() { "${TM[@]}" capture-pane -p -J -t lxt 2>/dev/null; }
wait_screen() {
	for i in $(seq 150); do screen | grep -qE "$1" && return 0; sleep 0.2; done
	return 1
}
type_line() { "${TM[@]}" send-keys -t lxt "$1" Enter; }
term_gone() {
	for i in $(seq 50); do "${TM[@]}" has-session -t lxt 2>/dev/null || return 0; sleep 0.2; done
	return 1
}
# ssh_term USER [SSH OPTIONS...]: the ssh command line of an interactive login as USER, for term_start
ssh_term() {
	local u=$1; shift
	echo "ssh -t -i $SSHD_DIR/client -p $SSHD_PORT -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR $* $u@127.0.0.1"
}
