"""Memory measured the way the kernel sees it: code run in a fresh Python process with Django set
up, reading the process's high-water resident set (``VmHWM``) around the part that matters."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PREAMBLE = """
import os, sys
from pathlib import Path
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "treehole.settings")
django.setup()

def peak():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024

def reset_peak():
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := current RSS
    return peak()
"""


def run_measured(code: str, *args: str, timeout: float) -> str:
    """Run ``code`` (which may call ``reset_peak()`` and ``peak()``) with ``sys.argv[1:] == args``;
    its stdout. A failing child fails the test with its stderr."""
    result = subprocess.run([sys.executable, "-c", PREAMBLE + code, *args], cwd=ROOT, env=os.environ.copy(),
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr
    return result.stdout
