"""Run a command with a time limit and report its peak RSS: ``measure.py OUT SECONDS CMD...``.

Writes ``{"code": ..., "timed_out": ..., "max_rss_kib": ...}`` to OUT. A wrapper process
of its own, so that RUSAGE_CHILDREN holds exactly the one command (and what it started).
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys


def main() -> None:
    out, seconds, argv = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    proc = subprocess.Popen(argv, start_new_session=True)
    timed_out = False
    try:
        code = proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(proc.pid, signal.SIGKILL)
        code = proc.wait()
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    with open(out, "w") as f:
        json.dump({"code": code, "timed_out": timed_out, "max_rss_kib": rss}, f)


if __name__ == "__main__":
    main()
