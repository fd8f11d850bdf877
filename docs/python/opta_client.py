"""Read opta-metrics frames from Python, after checking who serves the socket.

Usage: python3 opta_client.py [SOCKET] [COUNT]

Needs the `flatbuffers` runtime (pip install flatbuffers, or apt install
python3-flatbuffers) and the reader flatc generates from the schema
(flatc --python schemas/system_metrics.fbs writes an `Opta/` package into the
current directory: run it where this script can import it).
"""

import os
import socket
import struct
import sys

# --- trusting the socket: start
def peer_uid(sock):
    """The uid of the process at the other end of a connected Unix socket."""
    if sys.platform.startswith("linux"):
        # struct ucred { pid_t pid; uid_t uid; gid_t gid; }
        creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        _pid, uid, _gid = struct.unpack("3i", creds)
        return uid
    # macOS and the BSDs: struct xucred { u_int cr_version; uid_t cr_uid; ... }
    sol_local = getattr(socket, "SOL_LOCAL", 0)
    local_peercred = getattr(socket, "LOCAL_PEERCRED", 0x001)
    creds = sock.getsockopt(sol_local, local_peercred, struct.calcsize("IIh2x16I"))
    _version, uid = struct.unpack_from("II", creds)
    return uid


def connect_trusted(path):
    """Connect to the daemon at `path`; refuse a peer that is neither this user nor root."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    uid = peer_uid(sock)
    if uid not in (os.getuid(), 0):
        sock.close()
        raise PermissionError(
            f"{path} is served by uid {uid}, not by you (uid {os.getuid()}) or root: "
            "another user may be impersonating the daemon"
        )
    return sock
# --- trusting the socket: end


def read_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("daemon closed the stream")
        buf += chunk
    return bytes(buf)


def main():
    from Opta.Metrics.SystemMetrics import SystemMetrics

    path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/opta-metrics.sock"
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    try:
        sock = connect_trusted(path)
    except OSError as error:  # PermissionError (the uid check) is one
        print(f"opta_client: {error}", file=sys.stderr)
        return 1
    seen = 0
    while count == 0 or seen < count:
        (length,) = struct.unpack(">I", read_exact(sock, 4))  # big-endian length
        if not 0 < length <= 1 << 20:
            raise ValueError(f"bad frame length {length}")
        m = SystemMetrics.GetRootAs(read_exact(sock, length), 0)
        temp = m.Temperature()  # None when absent
        net = m.Network()  # None without a default route, or from an older daemon
        rx = net.ReceiveBytesPerSecond() if net is not None else None
        gpu = m.GpuUsage()  # None where no GPU reports it
        print(m.StartedAtUs(), m.Sequence(), m.CpuUsage(), m.MemoryUsage(), temp,
              m.Momentum().Color(), rx, gpu, m.CpuCoresLength(), flush=True)
        seen += 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
