"""Running `python -m schemagen` with its stderr on a terminal (a pseudo-terminal), as a person would."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

TIMEOUT_SECONDS = 300


def run_on_a_terminal(cwd: Path, env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr as the terminal got it) of `python -m schemagen ARGS`; stdout is a pipe."""
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "schemagen", *args],
            cwd=cwd,
            env={**os.environ, "COLUMNS": "120", **env},
            stdout=subprocess.PIPE,
            stderr=follower,
            text=True,
        )
        os.close(follower)
        follower = -1
        chunks = []
        while True:  # drain the terminal as the process writes, or it blocks on a full buffer
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the other end is closed and drained
                break
            if not chunk:
                break
            chunks.append(chunk)
        out = proc.stdout.read() if proc.stdout else ""
        code = proc.wait(timeout=TIMEOUT_SECONDS)
    finally:
        os.close(leader)
        if follower != -1:
            os.close(follower)
    return code, out, b"".join(chunks).decode(errors="replace")
