"""One process at a time on the embedded metastore: a second one is refused before Spark starts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from jobs.config import PROJECT_ROOT

HOLD = """
import sys
from jobs.catalog_lock import hold_catalog
from jobs.config import load_config
hold_catalog(load_config("local"), "tpmap-holder")
print("held", flush=True)
sys.stdin.read()
"""


def _env(root: Path) -> dict:
    return {**os.environ, "TPMAP_ROOT": str(root), "TPMAP_ENV": "local"}


def _holder(root: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD], cwd=PROJECT_ROOT, env=_env(root), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_job_is_refused_at_once_naming_the_holder(tmp_path):
    holder = _holder(tmp_path)
    try:
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "jobs", "standardize"], cwd=PROJECT_ROOT, env=_env(tmp_path), capture_output=True, text=True, timeout=60
        )
        seconds = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 2
    assert seconds < 5
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "in use by tpmap-holder" in lines[0] and f"pid {holder.pid}" in lines[0]
    assert "SparkContext" not in result.stderr


def test_the_official_sql_shell_is_refused_too(tmp_path):
    holder = _holder(tmp_path)
    try:
        result = subprocess.run(["bash", "scripts/sql.sh", "--role", "official", "-e", "SELECT 1"], cwd=PROJECT_ROOT, env=_env(tmp_path),
                                capture_output=True, text=True, timeout=60)  # fmt: skip
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 2
    assert result.stderr.startswith("sql.sh: the lakehouse catalog is in use by tpmap-holder")


def test_the_lock_is_released_when_its_holder_is_killed(tmp_path):
    holder = _holder(tmp_path)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    again = _holder(tmp_path)  # would fail to print "held" if the lock had outlived its process
    again.kill()
    again.wait()
