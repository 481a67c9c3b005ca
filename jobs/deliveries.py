"""Generate's deliveries on disk: the files of a source, written to its contract, and which landing
deliveries are generate's own: it marks every delivery folder it writes, refuses a landing zone holding
others (unless told --force, and never writes into one of them), and replaces only its own."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from jobs.config import ConfigError
from jobs.runs import JobRun
from transforms.contracts import SourceContract
from transforms.generator.broken import broken_lines, header_line
from transforms.generator.rounds import FIRST_ROUND
from transforms.generator.settings import GeneratorSettings

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


def delivery_round(folder: Path) -> int:
    """The survey round of one of generate's deliveries (its marker; 2561 before markers said it)."""
    return int(_marker(folder).get("round", FIRST_ROUND))


def publish_deliveries(staged: Path, source_folder: Path, survey_round: int) -> None:
    """Replace generate's own earlier deliveries of one source and round by the staged ones (folders with
    markers); other rounds' and other deliveries stay as they are, and a staged delivery never goes over one of them."""
    source_folder.mkdir(parents=True, exist_ok=True)
    for earlier in _visible(source_folder):
        if is_own_delivery(earlier) and delivery_round(earlier) == survey_round:
            _remove_own_delivery(earlier)
    for delivery in sorted(staged.iterdir()):
        os.rename(delivery, source_folder / delivery.name)  # fails if a non-empty folder of that name appeared


def _partitioned(rows: DataFrame, key: str, files: int) -> DataFrame:
    """Deterministic split into files (hash of the record key) and order inside each file."""
    return rows.repartition(files, F.pmod(F.xxhash64(key), F.lit(files))).sortWithinPartitions(key)


def _write_parts(c: SourceContract, rows: DataFrame, scratch: Path, files: int) -> list[Path]:
    """Write the rows with Spark into a scratch folder; return the part files in order."""
    out = scratch / f"{c.source}-parts"
    if c.format == "csv":
        first = rows.columns[0]
        _partitioned(rows, first, files).write.options(
            header=False,
            encoding=c.java_charset,
            sep=c.delimiter,
            quote=c.quote,
            escape=c.quote,
            ignoreLeadingWhiteSpace=False,
            ignoreTrailingWhiteSpace=False,
            nullValue="",
            emptyValue="",
            lineSep="\n",
        ).csv(str(out))
    elif c.format == "jsonl":
        _partitioned(rows, "_key", files).select("json").write.text(str(out))
    else:
        _partitioned(rows, c.record_key[0], files).write.parquet(str(out))
    return sorted(p for p in out.iterdir() if p.name.startswith("part-") and not p.name.endswith(".crc"))


def _count_lines(path: Path) -> int:
    lines = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            lines += chunk.count(b"\n")
    return lines


def write_source(
    c: SourceContract, rows: DataFrame, settings: GeneratorSettings, landing: Path, scratch: Path, job_run: JobRun, about: dict
) -> tuple[list[dict], list[dict]]:
    """Write one source's deliveries (staged in scratch, then published in place of generate's own earlier
    ones); return (truth/files rows, truth/broken_rows rows)."""
    source = c.source
    total = rows.count()
    files = max(1, -(-total // settings.rows_per_file_of(source)))
    staged = scratch / "deliveries" / source
    folder = staged / settings.delivery
    folder.mkdir(parents=True)
    ext = c.format
    broken = settings.sources[source].broken if source in settings.sources else None
    file_rows, broken_rows = [], []
    for i, part in enumerate(_write_parts(c, rows, scratch, files)):
        name = f"{source}-{i:05d}.{ext}"
        target = folder / name
        if ext == "parquet":
            import pyarrow.parquet as pq

            shutil.move(part, target)
            data_rows, bad = pq.read_metadata(target).num_rows, []
        else:
            header = (header_line(c) + "\n").encode(c.encoding) if ext == "csv" and c.header else b""
            header_lines = 1 if header else 0
            data_rows = _count_lines(part)
            bad = broken_lines(c, broken) if (i == 0 and broken is not None) else []
            with target.open("wb") as out, part.open("rb") as body:
                out.write(header)
                shutil.copyfileobj(body, out, 1 << 22)
                for text, _ in bad:
                    out.write(text)
            for k, (_, kind) in enumerate(bad):
                broken_rows.append(
                    {
                        "source": source,
                        "delivery": settings.delivery,
                        "file": name,
                        "line_number": header_lines + data_rows + k + 1,
                        "kind": kind,
                    }
                )
            data_rows += len(bad)
        file_rows.append(
            {
                "source": source,
                "delivery": settings.delivery,
                "file": name,
                "data_rows": data_rows,
                "broken_rows": len(bad),
                "duplicate_of": None,
            }
        )
        job_run.wrote(f"{source}/{settings.delivery}/{name}", data_rows)
    shutil.rmtree(scratch / f"{source}-parts")  # Spark's output, moved or copied into the delivery: ours, in a folder of this run
    write_marker(folder, [f["file"] for f in file_rows], {**about, "source": source, "delivery": settings.delivery})
    if settings.redelivery.source == source:
        first = file_rows[0]
        again = staged / settings.redelivery.delivery
        again.mkdir()
        shutil.copyfile(folder / first["file"], again / first["file"])
        write_marker(again, [first["file"]], {**about, "source": source, "delivery": settings.redelivery.delivery})
        file_rows.append({**first, "delivery": settings.redelivery.delivery, "duplicate_of": f"{settings.delivery}/{first['file']}"})
        broken_rows += [{**b, "delivery": settings.redelivery.delivery} for b in broken_rows if b["file"] == first["file"]]
    publish_deliveries(staged, landing / source, about["round"])
    return file_rows, broken_rows
