"""Which landing deliveries are generate's own: it marks every delivery folder it writes, refuses a landing
zone holding others (unless told --force, and never writes into one of them), and replaces only its own."""

from __future__ import annotations

import json
import os
from pathlib import Path

from jobs.config import ConfigError

MARKER = "_generated.json"  # in every delivery folder generate writes; ingest skips names starting with "_"
WRITER = "tpmap-lakehouse generate"
SCRATCH_PREFIX = "_generate_tmp_"


def _marker(folder: Path) -> dict | None:
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    ours = isinstance(data, dict) and data.get("written_by") == WRITER and isinstance(data.get("files"), list)
    return data if ours else None


def is_own_delivery(folder: Path) -> bool:
    """A delivery folder generate wrote and that holds nothing else: its marker lists every other entry."""
    marker = _marker(folder) if folder.is_dir() and not folder.is_symlink() else None
    return marker is not None and {p.name for p in folder.iterdir()} <= {MARKER, *marker["files"]}


def _visible(folder: Path) -> list[Path]:
    """Entries ingest reads (it skips names starting with `.` or `_`)."""
    return sorted(p for p in folder.iterdir() if not p.name.startswith((".", "_")))


def foreign_deliveries(landing: Path) -> list[Path]:
    """Deliveries (and loose files) under <landing>/<source>/ that generate did not write."""
    if not landing.is_dir():
        return []
    sources = [s for s in _visible(landing) if s.is_dir()]
    return [d for s in sources for d in _visible(s) if not is_own_delivery(d)]


def check_landing(landing: Path, force: bool, targets: list[Path]) -> list[Path]:
    """Refuse (ConfigError) a landing zone with deliveries generate did not write, unless force; even with
    force, refuse to write into one of them (targets: the delivery folders this run writes). Returns them."""
    foreign = foreign_deliveries(landing)
    if foreign and not force:
        more = f" (and {len(foreign) - 1} more)" if len(foreign) > 1 else ""
        raise ConfigError(
            f"landing zone {landing} holds a delivery generate did not write: {foreign[0]}{more}; generate never deletes it: "
            "move it away, point TPMAP_LANDING elsewhere, or pass --force to write beside it"
        )
    clash = [t for t in targets if t in foreign]
    if clash:
        raise ConfigError(f"{clash[0]} was not written by generate; it would write its delivery there, so it refuses even with --force")
    return foreign


def write_marker(folder: Path, files: list[str], about: dict) -> None:
    (folder / MARKER).write_text(json.dumps({"written_by": WRITER, **about, "files": files}, indent=1), encoding="utf-8")


def _remove_own_delivery(folder: Path) -> None:
    """Only the files its marker lists, the marker, then the (now empty) folder: never a whole tree."""
    for name in _marker(folder)["files"]:
        (folder / name).unlink(missing_ok=True)
    (folder / MARKER).unlink()
    folder.rmdir()


def publish_deliveries(staged: Path, source_folder: Path) -> None:
    """Replace generate's own earlier deliveries of one source by the staged ones (folders with markers);
    other deliveries stay as they are, and a staged delivery never goes over one of them."""
    source_folder.mkdir(parents=True, exist_ok=True)
    for earlier in _visible(source_folder):
        if is_own_delivery(earlier):
            _remove_own_delivery(earlier)
    for delivery in sorted(staged.iterdir()):
        os.rename(delivery, source_folder / delivery.name)  # fails if a non-empty folder of that name appeared
