"""Process accounting shared by the bench runner and the chat load generator."""

from __future__ import annotations

import os
from pathlib import Path


def cpu_seconds(pids: list[int]) -> float:
    """user + system CPU time of these processes (all their threads), in seconds, plus that of
    their children that have exited and been waited for (a gunicorn worker recycled after
    max_requests moves its time into its master's; without it a measurement could go negative)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
        except OSError:
            pass
    return total / ticks
