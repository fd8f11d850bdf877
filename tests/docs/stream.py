"""Run a command on a pseudo-terminal and copy what it writes to stdout as it comes.

Usage: stream.py COMMAND [ARG...]

On a terminal, tools flush each line (as they do for a reader at a shell), so a
streaming pipeline shows its output at once. The command runs in a session of its
own; SIGTERM to this script kills that whole session (every process of a
pipeline). Exits with the command's status when it ends by itself.
"""

import os
import pty
import signal
import subprocess
import sys


def main():
    master, slave = pty.openpty()
    child = subprocess.Popen(sys.argv[1:], stdin=slave, stdout=slave, stderr=slave,
                             start_new_session=True)
    os.close(slave)

    def stop(_signum, _frame):
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os._exit(143)

    signal.signal(signal.SIGTERM, stop)
    out = sys.stdout.buffer
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # every end of the terminal closed: the command has exited
            break
        if not chunk:
            break
        out.write(chunk)
        out.flush()
    return child.wait()


if __name__ == "__main__":
    sys.exit(main())
