#!/usr/bin/env python3
"""fwd_server.py - where a forward lands, for tests/integration/forwarding.sh.

  fwd_server.py tcp HOST PORT TAG LOG    (PORT 0: any; the port is printed)
  fwd_server.py unix PATH TAG LOG

Answers every connection with a minimal HTTP response whose body is TAG (curl, ssh -W with a
request on stdin) and appends one line per connection to LOG, so that a decoy can show it was
never reached. Prints "ready PORT" once it listens. Runs until killed.
"""
import os
import socket
import sys
import threading


def serve(conn, tag, log):
    with conn:
        data = b""
        while b"\r\n\r\n" not in data and b"\n\n" not in data and len(data) < 65536:
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
        with open(log, "a") as f:
            f.write("connection %r\n" % data.split(b"\n", 1)[0])
        body = (tag + "\n").encode()
        conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)


def main():
    kind = sys.argv[1]
    if kind == "tcp":
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((sys.argv[2], int(sys.argv[3])))
        tag, log = sys.argv[4], sys.argv[5]
        port = s.getsockname()[1]
    else:
        path = sys.argv[2]
        if os.path.exists(path):
            os.unlink(path)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)
        tag, log = sys.argv[3], sys.argv[4]
        port = 0
    s.listen(16)
    open(log, "a").close()
    print("ready", port, flush=True)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn, tag, log), daemon=True).start()


main()
