"""Read opta-metrics frames from Python, after checking who serves the socket.

Usage: python3 opta_client.py [SOCKET] [COUNT]

SOCKET defaults to OPTA_METRICS_SOCKET, else to where a daemon of this user serves
(see default_socket).

Needs the `flatbuffers` runtime (pip install flatbuffers, or apt install
python3-flatbuffers) and the reader flatc generates from the schema
(flatc --python schemas/system_metrics.fbs writes an `Opta/` package into the
current directory: run it where this script can import it).
"""

import os
import socket
import stat
import struct
import sys

from Opta.Metrics.SystemMetrics import SystemMetrics

# --- finding the socket: start
def socket_candidates():
    """Where a daemon of this user serves by default, best first (PROTOCOL.md)."""
    if sys.platform == "darwin":
        places = [os.environ.get("TMPDIR"), "/opt/homebrew/var/run", "/usr/local/var/run"]
    else:
        places = [os.environ.get("XDG_RUNTIME_DIR"), f"/run/user/{os.getuid()}"]
        if os.getuid() == 0:
            places.append("/run/opta-metrics")
    paths = []
    for place in places:  # an unset or relative variable does not count
        if place and place.startswith("/"):
            path = place.rstrip("/") + "/opta-metrics.sock"
            if path not in paths:
                paths.append(path)
    return paths


def default_socket():
    """OPTA_METRICS_SOCKET; else the first candidate that is a socket of yours, else any
    socket (the uid check then says whose it is), else the first candidate."""
    if os.environ.get("OPTA_METRICS_SOCKET"):
        return os.environ["OPTA_METRICS_SOCKET"]
    candidates = socket_candidates()
    sockets = []
    for path in candidates:
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if stat.S_ISSOCK(info.st_mode):
            if info.st_uid == os.getuid():
                return path
            sockets.append(path)
    return (sockets or candidates)[0]
# --- finding the socket: end


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


# --- reading frames: start
MAX_FRAME_BYTES = 1 << 20  # the limits of PROTOCOL.md, "Limits"
MAX_ENTRIES = {"TopProcesses": 100, "CpuCores": 8192, "CpuCoreLevels": 16}
MAX_NAME_BYTES = 255
FRAME_TIMEOUT_S = 10  # the rest of a started frame follows at once from a live daemon


class FrameError(Exception):
    """The stream is not opta-metrics frames: stop reading it (reconnect to try again)."""


def read_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("daemon closed the stream")
        buf += chunk
    return bytes(buf)


def names(m):
    """Every string of a frame, one at a time."""
    for i in range(m.TopProcessesLength()):
        yield m.TopProcesses(i).Name()
    for i in range(m.CpuCoreLevelsLength()):
        yield m.CpuCoreLevels(i).Name()
    if m.Network() is not None:
        yield m.Network().Interface()


def check_limits(m):
    """Refuse a frame past the limits before reading it: its offsets may repeat one huge name."""
    for vector, most in MAX_ENTRIES.items():
        count = getattr(m, vector + "Length")()
        if count > most:
            raise FrameError(f"{vector} has {count} entries, over the limit of {most}")
    for name in names(m):
        if name is not None and len(name) > MAX_NAME_BYTES:
            raise FrameError(f"a name of {len(name)} bytes, over the limit of {MAX_NAME_BYTES}")


def read_frame(sock, read):
    """`read(m)` of the next frame `m`; FrameError when the stream is not opta-metrics frames."""
    sock.settimeout(None)  # frames come every tick: wait for the next one as long as it takes
    first = read_exact(sock, 1)
    sock.settimeout(FRAME_TIMEOUT_S)
    try:
        (length,) = struct.unpack(">I", first + read_exact(sock, 3))  # big-endian length
        if not 0 < length <= MAX_FRAME_BYTES:
            raise FrameError(f"bad frame length {length}: not opta-metrics framing")
        body = read_exact(sock, length)
    except socket.timeout:
        raise FrameError(f"a frame was left half-sent for {FRAME_TIMEOUT_S} s") from None
    if body[4:8] != b"OPTM":
        raise FrameError(f"not an opta-metrics frame: identifier {body[4:8]!r}, not b'OPTM'")
    try:
        m = SystemMetrics.GetRootAs(body, 0)
        check_limits(m)
        return read(m)
    except (struct.error, IndexError, TypeError, ValueError) as error:  # offsets out of the frame
        raise FrameError(f"malformed frame: {error}") from None


def summary(m):
    """What this client prints of a frame."""
    momentum = m.Momentum()
    net = m.Network()  # None without a default route, or from an older daemon
    return (m.StartedAtUs(), m.Sequence(), m.CpuUsage(), m.MemoryUsage(),
            m.Temperature(),  # None when absent
            momentum.Color() if momentum is not None else 0,
            net.ReceiveBytesPerSecond() if net is not None else None,
            m.GpuUsage(),  # None where no GPU reports it
            m.CpuCoresLength())
# --- reading frames: end


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else default_socket()
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    seen = 0
    try:
        sock = connect_trusted(path)
        while count == 0 or seen < count:
            print(*read_frame(sock, summary), flush=True)
            seen += 1
    except (OSError, EOFError, FrameError) as error:  # PermissionError (the uid check) is one
        print(f"opta_client: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
