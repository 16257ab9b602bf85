#!/bin/bash
# forwarding.sh - ssh's forwarding for contained users (issue 19; SECURITY.md cases 64-67), through
# the real sshd and the real ssh client. With the stanza lxlogin-sshd prints, an inner sshd in the
# container does every forward, so localhost is the container's; on a plain login sshd forwards
# nothing but the agent, which lxlogin-shell relays into the container for forward_agent = yes.
# The host's loopback is never reached: a decoy listens on the same port (and socket path) there.
. "$(dirname "$0")/../lib.sh"
. "$SRC/tests/container-lib.sh"
. "$SRC/tests/sshd-lib.sh"
debian_sshd_setup Xvfb xwd curl ssh-agent tmux
ct_user lxt-f "${POLICY[@]}" "forward_agent = yes"
ct_user lxt-g "${POLICY[@]}"
W=$LXT_STATE_DIR/fwd
mkdir -p "$W" && chmod 755 "$W"
for u in lxt-f lxt-g; do
	ssh_user_setup "$u"
	# the inner sshd takes the keys of ~/.ssh/authorized_keys (the host's sshd here takes its own list)
	install -d -m 0700 -o "$u" -g "$u" "/home/$u/.ssh"
	install -m 0600 -o "$u" -g "$u" "$SSHD_DIR/client.pub" "/home/$u/.ssh/authorized_keys"
	install -m 0755 "$SRC/tests/fwd_server.py" "/home/$u/fwd_server.py"
done

BG=()
bg() { "$@" & BG+=($!); }
fwd_cleanup() {
	for p in "${BG[@]}"; do kill "$p" 2>/dev/null; done
	[ -n "${AGENT_PID:-}" ] && kill "$AGENT_PID" 2>/dev/null
	rm -f /tmp/lxt-fwd.sock /tmp/lxt-rfwd.sock /tmp/lxt-plain-rfwd.sock
	ct_cleanup
}
trap fwd_cleanup EXIT
# ready FILE: until the server whose output goes to FILE listens; its port
ready() {
	for i in $(seq 300); do grep -q '^ready' "$1" 2>/dev/null && break; sleep 0.1; done
	awk '/^ready/ { print $2; exit }' "$1"
}
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
expect_has() { if printf '%s\n' "$OUT" | grep -qF -- "$2"; then pass "$1"; else fail "$1 (no: $2)" "$OUT"; fi; }
# root_pixel DISPLAY: the colour of the root window's first pixel, from the client's X server
root_pixel() {
	DISPLAY=$1 xwd -root -silent | python3 -c '
import struct, sys
d = sys.stdin.buffer.read()
h = struct.unpack(">25I", d[:100])
off = h[0] + h[19] * 12  # the header, then its colormap entries
print("%06x" % (int.from_bytes(d[off:off + 4], "little" if h[7] == 0 else "big") & 0xffffff))'
}
XAUTHORITY=$W/Xauthority
export XAUTHORITY

P=$((SSHD_PORT + 11)) # the service's port, inside the container and (the decoy) on the host
bg python3 "$SRC/tests/fwd_server.py" tcp 127.0.0.1 "$P" host-decoy "$W/decoy.log" >"$W/decoy.out"
bg python3 "$SRC/tests/fwd_server.py" unix /tmp/lxt-fwd.sock host-decoy-unix "$W/decoy-unix.log" >"$W/decoy-unix.out"
bg python3 "$SRC/tests/fwd_server.py" tcp 127.0.0.1 0 client-side "$W/client.log" >"$W/client.out"
ready "$W/decoy.out" >/dev/null
ready "$W/decoy-unix.out" >/dev/null
CP=$(ready "$W/client.out") # a service on the client's side, for -R
LISTENERS=$(ss -Hltn | awk '{ print $4 }' | sort)
eval "$(ssh-agent -s)" >/dev/null
AGENT_PID=$SSH_AGENT_PID
AGENT=$SSH_AUTH_SOCK
unset SSH_AUTH_SOCK SSH_AGENT_PID
SSH_AUTH_SOCK=$AGENT ssh-add -q "$SSHD_DIR/client" 2>/dev/null
KEY_FP=$(ssh-keygen -lf "$SSHD_DIR/client.pub" | cut -d' ' -f2)

# --- the stanza: what lxlogin-sshd prints inside, used as printed (but for the test's own client
# options, and -F for the ProxyCommand's ssh too)
run ssh_as lxt-f 'lxlogin-sshd --config'
STANZA=$OUT
ALIAS=$(printf '%s\n' "$STANZA" | sed -n 's/^Host //p')
HOSTNAME_IN=$(ssh_as lxt-f hostname)
[ "$ALIAS" = "$HOSTNAME_IN.lxlogin" ] && pass "lxlogin-sshd --config: a Host for the container ($ALIAS)" || fail "Host line '$ALIAS'" "$STANZA"
expect_line "... through the server the login came to (from SSH_CONNECTION)" "	HostName 127.0.0.1"
expect_line "... on its port" "	Port $SSHD_PORT"
expect_match "... the ProxyCommand runs lxlogin-sshd through the ordinary login" "^	ProxyCommand ssh -T -p %p .*%r@%h lxlogin-sshd$"
FP=$(printf '%s\n' "$STANZA" | grep -oE 'SHA256:[A-Za-z0-9+/]+')
[ -n "$FP" ] && pass "... and the fingerprint of the container's host key ($FP)" || fail "no fingerprint" "$STANZA"
run ssh_as lxt-f 'lxlogin-sshd --known-hosts'
KNOWN=$OUT
expect_match "lxlogin-sshd --known-hosts: the known_hosts line" "^$ALIAS ssh-ed25519 [A-Za-z0-9+/=]+$"
CFG=$W/ssh_config
{
	printf '%s\n' "$STANZA" | sed "s|ProxyCommand ssh |ProxyCommand ssh -F $CFG |"
	cat <<EOF
Host *
	IdentityFile $SSHD_DIR/client
	UserKnownHostsFile $W/known_hosts
	StrictHostKeyChecking yes
	BatchMode yes
	LogLevel ERROR
	ConnectTimeout 30
	ExitOnForwardFailure yes
EOF
} >"$CFG"
{
	printf '%s\n' "$KNOWN"
	echo "[127.0.0.1]:$SSHD_PORT $(cut -d' ' -f1-2 "$SSHD_DIR/hostkey.pub")"
} >"$W/known_hosts"
box() { ssh -F "$CFG" "$@"; }
BOX=(ssh -F "$CFG")
PLAIN=(ssh "${SSH_OPTS[@]}" -p "$SSHD_PORT")
# as a user runs it: ssh's default log level shows a refused channel ("open failed")
PLAIN_INFO=(ssh -i "$SSHD_DIR/client" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -p "$SSHD_PORT")
run box "$ALIAS" 'echo "$(id -un) $(hostname) $(cat /proc/1/comm)"'
expect_line "ssh $ALIAS: a session as the user in their container, its host key the one printed" "lxt-f $HOSTNAME_IN systemd"
[ "$(ss -Hltn | awk '{ print $4 }' | sort)" = "$LISTENERS" ] && pass "... and nothing new listens on the host" ||
	fail "a listener appeared on the host" "$(ss -Hltnp)"

# the inner sshd runs in the user's container cgroup
bg "${BOX[@]}" "$ALIAS" 'echo up; exec sleep 60' >"$W/held.out"
wait_for "a held inner session" grep -q up "$W/held.out"
INNER=""
for p in $(pgrep -u lxt-f -x sshd); do # sshd's session processes of the user: the host's and the inner one
	[ "$(readlink "/proc/$p/ns/mnt")" = "$(readlink "/proc/$(init_pid_of lxt-f)/ns/mnt")" ] && INNER=$p
done
if [ -n "$INNER" ] && [ "$(grep -c "/$LXT_CGROUP/lxt-f" "/proc/$INNER/cgroup")" = "$(wc -l <"/proc/$INNER/cgroup")" ]; then
	pass "the inner sshd (pid $INNER) is in the user's cgroup in every hierarchy"
else
	fail "inner sshd '$INNER' cgroup" "$(cat "/proc/$INNER/cgroup" 2>&1)"
fi
[ -n "$INNER" ] && [ "$(readlink "/proc/$INNER/ns/net")" = "$(readlink "/proc/$(init_pid_of lxt-f)/ns/net")" ] &&
	pass "... and in the container's network namespace" || fail "inner sshd's network namespace"
# what it writes lands in the user's layer (its host key above, sockets, ~/.Xauthority in the home)
echo "SKIPPED: the inner login's writes against the user's disk quota: this kernel has no quota support (guest_quota.sh shows everything the container writes counts)"

# --- -L, -D, -W reach the container's loopback; the host's decoy on the same port never
bg "${PLAIN[@]}" lxt-f@127.0.0.1 "exec python3 ~/fwd_server.py tcp 127.0.0.1 $P inside /tmp/inside.log" >"$W/inside.out"
bg "${PLAIN[@]}" lxt-f@127.0.0.1 "exec python3 ~/fwd_server.py unix /tmp/lxt-fwd.sock inside-unix /tmp/inside-unix.log" >"$W/inside-unix.out"
ready "$W/inside.out" >/dev/null
ready "$W/inside-unix.out" >/dev/null
LP=$((SSHD_PORT + 12)) DP=$((SSHD_PORT + 13)) RP=$((SSHD_PORT + 14))
bg "${BOX[@]}" -N -L "127.0.0.1:$LP:127.0.0.1:$P" "$ALIAS"
wait_for "the -L port" listening "$LP"
run curl -s "http://127.0.0.1:$LP/"
expect_line "-L 127.0.0.1:$P reaches the server inside the container" "inside"
bg "${BOX[@]}" -N -D "127.0.0.1:$DP" "$ALIAS"
wait_for "the -D port" listening "$DP"
run curl -s --socks5-hostname "127.0.0.1:$DP" "http://localhost:$P/"
expect_line "-D: a SOCKS request for localhost resolves and connects in the container" "inside"
run sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | ssh -F $CFG -W 127.0.0.1:$P $ALIAS"
expect_line "-W 127.0.0.1:$P connects in the container" "inside"
bg "${BOX[@]}" -N -L "$W/local.sock:/tmp/lxt-fwd.sock" "$ALIAS"
wait_for "the -L socket" test -S "$W/local.sock"
run curl -s --unix-socket "$W/local.sock" http://x/
expect_line "-L to a unix socket: the container's /tmp/lxt-fwd.sock, not the host's" "inside-unix"
# --- -R listens in the container, nothing on the host
bg "${BOX[@]}" -N -R "127.0.0.1:$RP:127.0.0.1:$CP" -R "/tmp/lxt-rfwd.sock:127.0.0.1:$CP" "$ALIAS"
wait_for "the -R listener inside" ssh_as lxt-f "test -S /tmp/lxt-rfwd.sock && ss -Hltn 'sport = :$RP' | grep -q ."
run ssh_as lxt-f "curl -s http://127.0.0.1:$RP/; curl -s --unix-socket /tmp/lxt-rfwd.sock http://x/"
expect_line "-R 127.0.0.1:$RP listens inside and reaches the client's side" "client-side"
[ "$(printf '%s\n' "$OUT" | grep -c '^client-side$')" = 2 ] && pass "... and -R to a unix socket too" || fail "-R unix" "$OUT"
[ -z "$(ss -Hltn "sport = :$RP")" ] && [ ! -e /tmp/lxt-rfwd.sock ] && pass "... and neither listens on the host" ||
	fail "-R listens on the host" "$(ss -Hltnp "sport = :$RP"; ls -l /tmp/lxt-rfwd.sock 2>&1)"

# --- -A and -X through the inner sshd
run env SSH_AUTH_SOCK="$AGENT" ssh -F "$CFG" -A "$ALIAS" 'ssh-add -l'
expect_has "-A: ssh-add -l inside lists the client's key" "$KEY_FP"
XD=91
export -f root_pixel
bg Xvfb ":$XD" -screen 0 320x240x24 -nolisten tcp
wait_for "Xvfb" test -S "/tmp/.X11-unix/X$XD"
bg env DISPLAY=":$XD" "${BOX[@]}" -X "$ALIAS" 'echo "display=$DISPLAY"; xauth list; exec xlogo -geometry 320x240+0+0 -bg "#123456" -bw 0' >"$W/x.out" 2>&1
wait_for "an X client's window on the client's display" bash -c "[ \"\$(root_pixel :$XD)\" = 123456 ]" &&
	pass "-X: an X client inside (xlogo) draws on the client's X server"
kill "${BG[-1]}"
OUT=$(cat "$W/x.out")
expect_match "... DISPLAY inside is the inner sshd's" "^display=localhost:[0-9]+\.0$"
expect_match "... its cookie in xauth, under the container's name" "^$HOSTNAME_IN/unix:[0-9]+ +MIT-MAGIC-COOKIE-1"

# --- the editor pattern: a command starts a server inside, the same connection forwards to it
EP=$((SSHD_PORT + 15)) EP2=$((SSHD_PORT + 16))
bg "${BOX[@]}" -L "127.0.0.1:$EP:127.0.0.1:$EP2" "$ALIAS" "exec python3 ~/fwd_server.py tcp 127.0.0.1 $EP2 editor-server /tmp/editor.log" >"$W/editor.out"
ready "$W/editor.out" >/dev/null
run curl -s "http://127.0.0.1:$EP/"
expect_line "the editor pattern: a server started inside, reached by the forward of the same connection" "editor-server"

# --- the host key: the user's, in their layer, the same after a restart, another user's differs
K=$LXT_STATE_DIR/users/lxt-f/upper/etc/lxlogin/sshd/host/ssh_host_ed25519_key
[ "$(stat -c '%U %a' "$K" 2>&1)" = "lxt-f 600" ] && pass "the host key is in the user's layer, theirs alone" || fail "host key: $(stat -c '%U %a' "$K" 2>&1)"
for p in "${BG[@]}"; do kill "$p" 2>/dev/null; done
BG=()
bg python3 "$SRC/tests/fwd_server.py" tcp 127.0.0.1 "$P" host-decoy "$W/decoy.log" >"$W/decoy.out"
bg python3 "$SRC/tests/fwd_server.py" unix /tmp/lxt-fwd.sock host-decoy-unix "$W/decoy-unix.log" >"$W/decoy-unix.out"
bg Xvfb ":$XD" -screen 0 320x240x24 -nolisten tcp
ready "$W/decoy.out" >/dev/null
ready "$W/decoy-unix.out" >/dev/null
expect_rc "the container stops" 0 "$CTL" stop lxt-f
run box "$ALIAS" 'lxlogin-sshd --config | grep -oE "SHA256:[A-Za-z0-9+/]+"'
expect_line "after a stop and a new start (its reboot) the inner sshd has the same host key" "$FP"
run ssh_as lxt-g 'lxlogin-sshd --config | grep -oE "SHA256:[A-Za-z0-9+/]+"'
[ -n "$OUT" ] && [ "$OUT" != "$FP" ] && pass "another user's container has a key of its own" || fail "lxt-g's key: $OUT"

# --- a plain login: the agent for forward_agent = yes, relayed into the container
run env SSH_AUTH_SOCK="$AGENT" ssh "${SSH_OPTS[@]}" -p "$SSHD_PORT" -A lxt-f@127.0.0.1 'echo "sock=$SSH_AUTH_SOCK"; ssh-add -l'
expect_match "plain ssh -A: SSH_AUTH_SOCK inside is the session's socket in the container" "^sock=/tmp/lxlogin-agent\.[A-Za-z0-9]{6}/agent$"
expect_has "... and ssh-add -l lists the client's key" "$KEY_FP"
term_start "env SSH_AUTH_SOCK=$AGENT $(ssh_term lxt-f -A)"
wait_screen "lxt-f@$HOSTNAME_IN" || fail "no prompt" "$(screen)"
type_line 'ssh-add -l; echo "agent=$SSH_AUTH_SOCK"'
wait_screen '^agent=/tmp/lxlogin-agent' && screen | grep -q "$KEY_FP" && pass "... in an interactive login (through login(1)) too" ||
	fail "agent in an interactive login" "$(screen)"
type_line exit
term_gone
run env SSH_AUTH_SOCK="$AGENT" ssh "${SSH_OPTS[@]}" -p "$SSHD_PORT" -A lxt-g@127.0.0.1 'echo "sock=${SSH_AUTH_SOCK:-none}"'
expect_line "forward_agent = no: no agent inside" "sock=none"
expect_match "... and the user is told why" "agent forwarding \(ssh -A\) is off for you \(policy forward_agent = no\)"
run env SSH_AUTH_SOCK="$AGENT" ssh "${SSH_OPTS[@]}" -p "$SSHD_PORT" -o SetEnv=SSH_AUTH_SOCK="$AGENT" lxt-f@127.0.0.1 'echo "sock=${SSH_AUTH_SOCK:-none}"'
expect_line "without -A, a SSH_AUTH_SOCK the client sends names nothing: no agent" "sock=none"

# two sessions, two agents; who may connect to one; it ends with its session
mkfifo "$W/hold"
bg sh -c "exec env SSH_AUTH_SOCK=$AGENT ssh ${SSH_OPTS[*]} -p $SSHD_PORT -A lxt-f@127.0.0.1 'echo \"sock=\$SSH_AUTH_SOCK\"; ssh-add -l >/dev/null && echo one-ok; read x' <$W/hold >$W/one.out 2>&1"
exec 7>"$W/hold"
wait_for "the first session's agent" grep -q one-ok "$W/one.out"
SOCK1=$(sed -n 's/^sock=//p' "$W/one.out")
run env SSH_AUTH_SOCK="$AGENT" ssh "${SSH_OPTS[@]}" -p "$SSHD_PORT" -A lxt-f@127.0.0.1 'echo "sock=$SSH_AUTH_SOCK"; ssh-add -l'
SOCK2=$(printf '%s\n' "$OUT" | sed -n 's/^sock=//p')
[ -n "$SOCK1" ] && [ -n "$SOCK2" ] && [ "$SOCK1" != "$SOCK2" ] && printf '%s\n' "$OUT" | grep -q "$KEY_FP" &&
	pass "two sessions: two agent sockets ($SOCK1, $SOCK2), both working" || fail "second session's agent" "$(cat "$W/one.out"; echo "$OUT")"
run in_ct lxt-f --root "SSH_AUTH_SOCK=$SOCK1 ssh-add -l; echo rc=\$?"
printf '%s\n' "$OUT" | grep -qF "$KEY_FP" && fail "root inside got the agent's keys" "$OUT" ||
	pass "root inside reaches the socket, but the relay answers no other uid than the user's"
expect_match "... (ssh-add fails)" "^rc=[1-9]"
run in_ct lxt-f --root "setpriv --reuid 65534 --regid 65534 --clear-groups env SSH_AUTH_SOCK=$SOCK1 ssh-add -l; echo rc=\$?"
expect_match "another uid inside cannot even reach it (its directory is the user's, 0700)" "^rc=[1-9]"
INIT=$(init_pid_of lxt-f)
PROBE='import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1])
except OSError as e:
    print("connect:", e.strerror); sys.exit()
try:  # the relay may close before the request is written: a broken pipe is the same refusal
    s.sendall(b"\0\0\0\1\x0b")  # SSH_AGENTC_REQUEST_IDENTITIES
    print("answer" if s.recv(4) else "closed unanswered")
except (BrokenPipeError, ConnectionResetError):
    print("closed unanswered")'
run python3 -c "$PROBE" "/proc/$INIT/root$SOCK1"
expect_line "a host process of another uid (root) is closed unanswered: the peer's uid is checked" "closed unanswered"
run as_user lxt-g python3 -c "$PROBE" "/proc/$INIT/root$SOCK1"
expect_match "... and another host user cannot reach it at all" "^connect: Permission denied"
# while a connection from inside is open: every socket the relays opened goes to sshd's agent socket
bg "$CTL" exec lxt-f -- python3 -c "import socket, time; s = socket.socket(socket.AF_UNIX); s.connect('$SOCK1'); print('held', flush=True); time.sleep(60)" >"$W/held-agent.out"
wait_for "a held connection to the agent" grep -q held "$W/held-agent.out"
RELAYS=$(pgrep -u lxt-f -x lxlogin-shell | tr '\n' ' ')
RELAY_KIDS="" # the relays and their connections: lxlogin-shell's children (lxlogin-shell itself has sshd's stdio)
for p in $RELAYS; do
	[ "$(cat "/proc/$(awk '/^PPid:/ { print $2 }' "/proc/$p/status")/comm" 2>/dev/null)" = lxlogin-shell ] && RELAY_KIDS="$RELAY_KIDS $p"
done
run python3 -c '
import re, subprocess, sys
relays = set(sys.argv[1].split())
socks = {}
for line in subprocess.run(["ss", "-xpnH"], capture_output=True, text=True).stdout.splitlines():
    f = line.split()
    if len(f) < 8 or f[0] != "u_str" or f[1] != "ESTAB":
        continue
    socks[f[5]] = (f[4], f[7], line[line.find("users:"):])
out = 0
for inode, (path, peer, users) in socks.items():
    if path != "*" or not set(re.findall(r"pid=(\d+)", users)) & relays:
        continue
    out += 1
    target = socks.get(peer, ("?", "", ""))
    ok = re.fullmatch(r"/tmp/ssh-[A-Za-z0-9]{10}/agent\.[0-9]+", target[0]) and "\"sshd" in target[2]
    print("relay socket", inode, "->", target[0], "ok" if ok else "ELSEWHERE", target[2])
print("outgoing", out)' "$RELAY_KIDS"
expect_match "with a connection open, the relay is connected to sshd's agent socket ..." "^relay socket .* -> /tmp/ssh-.* ok "
expect_no_match "... and to nothing else" "ELSEWHERE"
kill "${BG[-1]}" 2>/dev/null
bad=""
for p in $RELAYS; do grep -q "/$LXT_CGROUP/lxt-f" "/proc/$p/cgroup" || bad="$bad $p"; done
[ -n "$RELAYS" ] && [ -z "$bad" ] && pass "the relays (lxlogin-shell's children: $RELAYS) are in the user's cgroup" || fail "relay cgroups:$bad ($RELAYS)"
exec 7>&-
wait_for "the first session's end" sh -c "! pgrep -u lxt-f -x lxlogin-shell"
run in_ct lxt-f --root "ls -d /tmp/lxlogin-agent.* 2>/dev/null; echo listed"
expect_line "after the sessions: no relay left, and no agent socket inside" "listed"
expect_no_match "... (none listed)" "lxlogin-agent"

# --- a plain login forwards nothing else, whatever the policy; the client is told
for u in lxt-f lxt-g; do
	: >"$W/decoy.log"
	run ssh_as "$u" -W "127.0.0.1:$P"
	expect_match "$u: -W is refused" "administratively prohibited|stdio forwarding failed"
	run ssh_as "$u" -o ExitOnForwardFailure=yes -N -R "127.0.0.1:$RP:127.0.0.1:$CP"
	expect_match "$u: -R is refused" "remote port forwarding failed"
	run ssh_as "$u" -o ExitOnForwardFailure=yes -N -R "/tmp/lxt-plain-rfwd.sock:127.0.0.1:$CP"
	[ ! -e /tmp/lxt-plain-rfwd.sock ] && pass "$u: -R to a path makes no socket on the host" || fail "$u: -R path made a host socket"
	bg "${PLAIN_INFO[@]}" -N "$u@127.0.0.1" -L "127.0.0.1:$LP:127.0.0.1:$P" -L "$W/plain.sock:/tmp/lxt-fwd.sock" -D "127.0.0.1:$DP" 2>"$W/plain-$u.err"
	wait_for "$u: the -L port" listening "$LP"
	wait_for "$u: the -D port" listening "$DP"
	curl -s -m 10 "http://127.0.0.1:$LP/" >"$W/plain-$u.out"
	curl -s -m 10 --unix-socket "$W/plain.sock" http://x/ >>"$W/plain-$u.out"
	curl -s -m 10 --socks5-hostname "127.0.0.1:$DP" "http://localhost:$P/" >>"$W/plain-$u.out"
	kill "${BG[-1]}" 2>/dev/null
	rm -f "$W/plain.sock"
	[ ! -s "$W/plain-$u.out" ] && [ "$(grep -c 'administratively prohibited' "$W/plain-$u.err")" -ge 3 ] &&
		pass "$u: -N -L (port and path) and -D: each connection refused, 'administratively prohibited'" ||
		fail "$u: -L/-D" "$(cat "$W/plain-$u.out" "$W/plain-$u.err")"
	[ ! -s "$W/decoy.log" ] && [ ! -s "$W/decoy-unix.log" ] && pass "$u: ... the host's decoys were never reached" ||
		fail "$u: a decoy was reached" "$(cat "$W/decoy.log" "$W/decoy-unix.log")"
	run env DISPLAY=":$XD" ssh "${SSH_OPTS[@]}" -p "$SSHD_PORT" -X "$u@127.0.0.1" 'echo "display=${DISPLAY:-none}"'
	expect_line "$u: -X on a plain login: no display ..." "display=none"
	expect_match "$u: ... and the client says the request failed" "X11 forwarding request failed"
done
[ ! -s "$W/decoy.log" ] && [ ! -s "$W/decoy-unix.log" ] && pass "in the whole test no connection reached the host's decoys" ||
	fail "a decoy was reached" "$(cat "$W/decoy.log" "$W/decoy-unix.log")"

# --- doctor: the agent-only shape passes; anything wider is named; no agent for forward_agent = yes is noted
SSHD_CONF=$SSHD_DIR/sshd_config
run "$CTL" doctor --sshd-config "$SSHD_CONF"
expect_no_match "doctor: the shipped snippet's shape (the agent alone) is accepted" "sshd: .*lxt-[fg]"
for wide in "AllowTcpForwarding no/AllowTcpForwarding local" "X11Forwarding no/X11Forwarding yes" \
	"AllowStreamLocalForwarding no/AllowStreamLocalForwarding remote"; do
	sed "s/$wide/" "$SSHD_DIR/lxlogin.conf" >"$SSHD_DIR/wide.conf"
	sed "s|^Include .*|Include $SSHD_DIR/wide.conf|" "$SSHD_CONF" >"$SSHD_DIR/wide_config"
	run "$CTL" doctor --sshd-config "$SSHD_DIR/wide_config"
	expect_match "doctor names ${wide#*/}" "^problem: sshd: $SSHD_DIR/wide_config: lxt-f: forwarding is on"
done
sed 's/^\tDisableForwarding no$/\tDisableForwarding yes/' "$SSHD_DIR/lxlogin.conf" >"$SSHD_DIR/wide.conf"
run "$CTL" doctor --sshd-config "$SSHD_DIR/wide_config"
expect_no_match "doctor: DisableForwarding yes is accepted too" "^problem: sshd: .*lxt-"
expect_match "... with a note for forward_agent = yes users" "^note: sshd: $SSHD_DIR/wide_config: lxt-f: their policy says forward_agent = yes"
expect_no_match "... and none for the others" "^note: sshd: .*lxt-g"
finish
