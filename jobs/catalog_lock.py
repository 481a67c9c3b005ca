"""One process at a time on the embedded metastore: a lock taken before Spark starts.

Derby's embedded metastore admits one JVM. A second one used to fail after about a minute with thousands
of lines of stack trace; now it is refused at once, naming the holder. The lock is flock(2) on
`catalog.lock` beside the metastore: the kernel releases it when its process ends, kill -9 included, so a
crashed run never leaves the lakehouse locked. scripts/sql.sh and scripts/thrift.sh take the same lock
with flock(1) (scripts/catalog_lock.sh) for the Spark processes they start.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path

from jobs.config import AppConfig

LOCK_NAME = "catalog.lock"

# Lock files this process holds, with their open descriptors (closing one would release the lock).
_held: dict[Path, int] = {}


class CatalogBusy(RuntimeError):
    """Another process holds the lakehouse's embedded metastore."""


def lock_path(config: AppConfig) -> Path:
    return Path(config.paths.resolved("metastore")).parent / LOCK_NAME


def holder_record(name: str) -> dict:
    """What the lock file says about its holder (no personal data: a job name, a pid, a host, a time)."""
    return {"holder": name, "pid": os.getpid(), "host": socket.gethostname(), "since": datetime.now(UTC).isoformat(timespec="seconds")}


def hold_catalog(config: AppConfig, name: str) -> Path:
    """Take the lakehouse's catalog lock for the rest of this process, or raise CatalogBusy naming the holder."""
    path = lock_path(config)
    if path in _held:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise CatalogBusy(refusal(path)) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(holder_record(name)).encode(), 0)
    _held[path] = fd
    return path


def holds_catalog() -> bool:
    """Whether this process holds a lakehouse's catalog lock (the embedded metastore is then its alone)."""
    return bool(_held)


def refusal(path: Path) -> str:
    """One line: who holds the catalog, and what to do."""
    try:
        holder = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        holder = {}
    who = (f"{holder.get('holder', 'another process')} (pid {holder.get('pid', '?')} on {holder.get('host', '?')}, "
           f"since {holder.get('since', '?')})") if holder else "another process"  # fmt: skip
    return (f"the lakehouse catalog is in use by {who}: its embedded metastore admits one process at a time; "
            f"wait for it to end or stop it (lock: {path})")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """`python -m jobs.catalog_lock LOCK`: the one-line refusal for a held lock (scripts/catalog_lock.sh)."""
    parser = argparse.ArgumentParser(prog="python -m jobs.catalog_lock", description="Say who holds a lakehouse catalog lock")
    parser.add_argument("lock", type=Path)
    print(refusal(parser.parse_args(argv).lock))
    return 0


if __name__ == "__main__":
    sys.exit(main())
