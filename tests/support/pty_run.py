"""Run a command on a pseudo-terminal of a given size and print what it drew.

Usage: pty_run.py ROWS COLUMNS SECONDS COMMAND [ARG...]

The command's stdin, stdout and stderr are the terminal; after SECONDS it gets
SIGINT (as from Ctrl-C), then SIGKILL if it is still running 5 s later. Every
byte it wrote goes to this script's stdout, unchanged.
"""

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time


def main():
    rows, columns, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    child = subprocess.Popen(sys.argv[4:], stdin=slave, stdout=slave, stderr=slave,
                             start_new_session=True)
    os.close(slave)
    out = bytearray()
    deadline = time.monotonic() + seconds
    interrupted = False
    while True:
        now = time.monotonic()
        if now >= deadline and not interrupted:
            child.send_signal(signal.SIGINT)
            interrupted = True
            deadline = now + 5
        elif now >= deadline:
            child.kill()
            break
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the terminal closed: the child exited
                break
            if not chunk:
                break
            out += chunk
        elif interrupted and child.poll() is not None:
            break
    child.wait()
    sys.stdout.buffer.write(bytes(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
