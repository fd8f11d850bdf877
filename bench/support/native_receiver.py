#!/usr/bin/env python3
"""Latency diagnostic for the stream benchmark: a receiver with no JavaScript runtime.

The stream benchmark's subscribers are a Deno program, so its latency figures
include Deno's own wake-up path on the receiving side. This receiver (Python 3,
standard library only, one epoll loop) separates the two ends:

  receive SOCKET N SECONDS opta|floor
      connect N times to a running daemon (opta) or floor server (floor) and
      report latency = receive wall-clock time - sent_at_us, skipping the first 2 s
  pair N SECONDS
      this machine's own floor: a forked Python sender writes a 600-byte frame
      to N socket pairs at 25 Hz; latency on CLOCK_MONOTONIC, no clock estimate

Prints one line: frames, p50, p99, max (ms). Not part of any test run.
"""

import os
import select
import socket
import struct
import sys
import time

# SystemMetrics.sent_at_us is field 9 of the root table (schemas/system_metrics.fbs).
SENT_AT_FIELD = 9


def sent_at_us(body: bytes, kind: str) -> int:
    """The send time a frame body carries, in microseconds since the epoch."""
    if kind == "floor":
        return struct.unpack_from("<Q", body, 0)[0]
    table = struct.unpack_from("<I", body, 0)[0]
    vtable = table - struct.unpack_from("<i", body, table)[0]
    field = struct.unpack_from("<H", body, vtable + 4 + 2 * SENT_AT_FIELD)[0]
    return struct.unpack_from("<Q", body, table + field)[0]


def summary(label: str, latencies_ms: list) -> str:
    latencies_ms.sort()
    n = len(latencies_ms)
    if n == 0:
        return f"{label}: no frames"
    p = lambda q: latencies_ms[min(n - 1, int(q * n))]
    return f"{label}: frames {n} p50 {p(0.5):.3f} ms p99 {p(0.99):.3f} ms max {latencies_ms[-1]:.2f} ms"


def receive(path: str, count: int, seconds: float, kind: str) -> str:
    poller = select.epoll()
    pending = {}
    for _ in range(count):
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(path)
        poller.register(conn.fileno(), select.EPOLLIN)
        pending[conn.fileno()] = [conn, b""]
    latencies = []
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        for fd, _ in poller.poll(1):
            now_us = time.time_ns() // 1000
            entry = pending[fd]
            chunk = entry[0].recv(65536)
            if not chunk:
                sys.exit(f"native_receiver: the server closed connection {fd} after {len(latencies)} frames")
            data = entry[1] + chunk
            while len(data) >= 4:
                length = struct.unpack_from(">I", data, 0)[0]
                if len(data) < 4 + length:
                    break
                if time.monotonic() - start > 2:
                    latencies.append((now_us - sent_at_us(data[4 : 4 + length], kind)) / 1000)
                data = data[4 + length :]
            entry[1] = data
    return summary(f"native receiver, {kind}, {count} sub", latencies)


def pair(count: int, seconds: float) -> str:
    pairs = [socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM) for _ in range(count)]
    child = os.fork()
    if child == 0:
        frame = bytearray(600)
        due = time.monotonic()
        end = due + seconds + 1
        while due < end:
            due += 0.04
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            struct.pack_into("<Q", frame, 0, time.monotonic_ns())
            for sender, _ in pairs:
                sender.send(frame)
        os._exit(0)
    poller = select.epoll()
    receivers = {}
    for sender, receiver in pairs:
        sender.close()
        poller.register(receiver.fileno(), select.EPOLLIN)
        receivers[receiver.fileno()] = receiver
    latencies = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for fd, _ in poller.poll(1):
            now = time.monotonic_ns()
            data = receivers[fd].recv(65536)
            for at in range(0, len(data) - 599, 600):
                latencies.append((now - struct.unpack_from("<Q", data, at)[0]) / 1e6)
    os.waitpid(child, 0)
    return summary(f"python pair, {count} sub", latencies)


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) == 5 and args[0] == "receive" and args[4] in ("opta", "floor"):
        print(receive(args[1], int(args[2]), float(args[3]), args[4]))
    elif len(args) == 3 and args[0] == "pair":
        print(pair(int(args[1]), float(args[2])))
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
