#!/usr/bin/env python
"""Benchmark harness: the pipeline's stages on a fresh lakehouse per scale, with the numbers per stage.

    python scripts/bench.py --scales 0.001 0.01            # every stage, each in its own process
    python scripts/bench.py --scales 0.01 --stages standardize link --root /work/s001   # reuse a lakehouse
    python scripts/bench.py --scales 0.001 --run-all       # one `run-all` process (its own start-up costs)
    python scripts/bench.py --scales 0.01 --master spark://127.0.0.1:7077 --stages reference ingest standardize link indicators \
        --root /work/c001                                  # each stage through scripts/submit.sh on a cluster

For each scale: a fresh root (`<base>/s<scale>`, or --root to go on with an existing lakehouse), then each
stage as `python -m jobs <stage>` in its own process (a fresh JVM, so memory is the stage's own), with
Spark event logs kept under the results folder (open them with a Spark history server:
`spark.history.fs.logDirectory=<results>/eventlogs`). Per stage it prints and writes (results.csv and
results.json under `<results>`, by default lakehouse/runs/bench/<time>/): seconds, rows in and out (from
ops.job_runs, read with DuckDB), rows/s, peak memory of the Python driver and of the JVM, bytes written
per layer, shuffle bytes written and read (from the event log), and the scaling exponent
log(t2/t1) / log(S2/S1) between consecutive scales. With --master, each stage goes through
scripts/submit.sh to that master, and `workers` counts the distinct workers its executors ran on (from the
executors' log addresses in the event log).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pyarrow as pa

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from scripts.duckdb_query import connect  # noqa: E402

STAGES = ("reference", "generate", "ingest", "standardize", "link", "indicators")
LAYERS = ("landing", "truth", "bronze", "silver", "gold", "ops", "ref")
FIELDS = (
    "scale", "stage", "status", "seconds", "cpu_seconds", "rows_in", "rows_out", "rows_per_s", "driver_peak_mb", "jvm_peak_mb",
    "bytes_written", "bytes_by_layer", "shuffle_write_bytes", "shuffle_read_bytes", "executors", "workers", "exponent",
)  # fmt: skip


def layer_bytes(root: Path) -> dict[str, int]:
    """Bytes on disk per layer: the landing zone, the truth, and each warehouse database."""
    folders = {"landing": root / "landing", "truth": root / "truth"}
    folders.update({db: root / "warehouse" / f"{db}.db" for db in LAYERS[2:]})
    return {layer: sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0 for layer, path in folders.items()}


class ProcessTree:
    """Samples VmHWM (peak resident memory) of a process and its children (the driver and its JVM), and the
    CPU seconds they used: on a shared machine CPU time compares two runs better than wall time."""

    def __init__(self, pid: int):
        self.process = psutil.Process(pid)
        self.driver_mb = self.jvm_mb = 0.0
        self._cpu: dict[int, float] = {}

    def sample(self) -> None:
        try:
            children = self.process.children(recursive=True)
        except psutil.NoSuchProcess:
            return
        self.driver_mb = max(self.driver_mb, _vm_hwm_mb(self.process.pid))
        for process in [self.process, *children]:
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            self._cpu[process.pid] = times.user + times.system
        java = [c for c in children if _is_java(c)]
        if java:
            self.jvm_mb = max(self.jvm_mb, sum(_vm_hwm_mb(c.pid) for c in java))

    @property
    def cpu_seconds(self) -> float:
        return sum(self._cpu.values())


def _is_java(process: psutil.Process) -> bool:
    try:
        return process.name() == "java"
    except psutil.Error:
        return False


def _vm_hwm_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    return next((int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM:")), 0.0)


def shuffle_bytes(event_log_dir: Path) -> tuple[int, int]:
    """(shuffle bytes written, read) summed over every task of every event log under the folder."""
    written = read = 0
    for line in _event_lines(event_log_dir):
        if '"SparkListenerTaskEnd"' not in line:
            continue
        metrics = json.loads(line).get("Task Metrics") or {}
        written += (metrics.get("Shuffle Write Metrics") or {}).get("Shuffle Bytes Written", 0)
        reads = metrics.get("Shuffle Read Metrics") or {}
        read += reads.get("Remote Bytes Read", 0) + reads.get("Local Bytes Read", 0)
    return written, read


def executor_placement(event_log_dir: Path) -> tuple[int, int]:
    """(executors, distinct workers they ran on) over the event logs: a standalone worker serves its
    executors' logs from its own web UI, so the log address tells the workers apart on one host."""
    executors, workers = set(), set()
    for line in _event_lines(event_log_dir):
        if '"SparkListenerExecutorAdded"' not in line:
            continue
        event = json.loads(line)
        info = event.get("Executor Info") or {}
        executors.add((event.get("App ID"), event.get("Executor ID"), info.get("Host")))
        stdout = (info.get("Log Urls") or {}).get("stdout", "")
        workers.add(urlsplit(stdout).netloc or info.get("Host"))
    return len(executors), len(workers)


def _event_lines(folder: Path):
    """Lines of Spark's (rolling, zstd-compressed by default) event log files."""
    for log in sorted(p for p in folder.rglob("*") if p.is_file() and p.name.startswith(("events_", "local-", "app-"))):
        compression = "zstd" if log.suffix == ".zstd" else None
        with pa.input_stream(str(log), compression=compression) as stream:
            yield from io.TextIOWrapper(stream, encoding="utf-8")


def run_counts(root: Path, since: datetime) -> dict[str, tuple[int, int, str]]:
    """job -> (rows read, rows written, status) of the runs recorded in ops.job_runs since a time (no Spark)."""
    warehouse = root / "warehouse"
    if not (warehouse / "ops.db" / "job_runs" / "_delta_log").is_dir():
        return {}
    con = connect(warehouse)
    rows = con.execute(
        "SELECT job, status, map_values(rows_read), map_values(rows_written) FROM ops.job_runs WHERE started_at >= ? ORDER BY started_at",
        [since],
    ).fetchall()
    return {job: (sum(read or []), sum(written or []), status) for job, status, read, written in rows}


def stage_command(stage: str, logs: Path, heap: str, master: str | None, executor_memory: str) -> list[str]:
    """`python -m jobs <stage>`, or with a master the same job through scripts/submit.sh."""
    if master is None:
        return [sys.executable, "-m", "jobs", stage]
    return [
        str(PROJECT / "scripts" / "submit.sh"),
        "--master",
        master,
        "--driver-memory",
        heap,
        "--executor-memory",
        executor_memory,
        "--conf",
        "spark.eventLog.enabled=true",
        "--conf",
        f"spark.eventLog.dir={logs.as_uri()}",
        stage,
    ]


def run_stage(
    stage: str, scale: float, seed: int, root: Path, logs: Path, heap: str, master: str | None = None, executor_memory: str = "1g"
) -> dict:
    """One stage as its own process (local, or submitted to `master`); returns its measurements."""
    logs.mkdir(parents=True, exist_ok=True)
    conf = {"spark.eventLog.enabled": "true", "spark.eventLog.dir": logs.as_uri(), "spark.driver.memory": heap}
    env = {**os.environ, "TPMAP_ROOT": str(root), "TPMAP_SPARK_CONF": json.dumps(conf)}
    command = stage_command(stage, logs, heap, master, executor_memory)
    if stage in ("generate", "run-all"):
        command += ["--scale", str(scale), "--seed", str(seed)]
    before, since, started = layer_bytes(root), datetime.now().astimezone(), time.monotonic()
    process = subprocess.Popen(command, cwd=PROJECT, env=env)
    memory = ProcessTree(process.pid)
    while process.poll() is None:  # sampled until the end, so the last CPU reading is taken just before it
        time.sleep(0.2)
        memory.sample()
    code = process.returncode
    seconds = time.monotonic() - started
    after = layer_bytes(root)
    grown = {layer: after[layer] - before[layer] for layer in after if after[layer] != before[layer]}
    counts = run_counts(root, since).get(stage, (0, 0, "unrecorded"))
    written, read = shuffle_bytes(logs)
    executors, workers = executor_placement(logs)
    rows = max(counts[0], counts[1])
    return {
        "scale": scale, "stage": stage, "status": "succeeded" if code == 0 else f"failed ({code})",
        "seconds": round(seconds, 1), "cpu_seconds": round(memory.cpu_seconds, 1), "rows_in": counts[0], "rows_out": counts[1],
        "rows_per_s": round(rows / seconds) if seconds else 0,
        "driver_peak_mb": round(memory.driver_mb), "jvm_peak_mb": round(memory.jvm_mb),
        "bytes_written": sum(max(0, v) for v in grown.values()), "bytes_by_layer": grown,
        "shuffle_write_bytes": written, "shuffle_read_bytes": read, "executors": executors, "workers": workers, "exponent": None,
    }  # fmt: skip


def with_exponents(results: list[dict]) -> list[dict]:
    """log(t2/t1) / log(S2/S1) per stage between each scale and the previous one measured."""
    previous: dict[str, dict] = {}
    for row in results:
        earlier = previous.get(row["stage"])
        if earlier and row["status"] == earlier["status"] == "succeeded" and earlier["seconds"] > 0:
            row["exponent"] = round(math.log(row["seconds"] / earlier["seconds"]) / math.log(row["scale"] / earlier["scale"]), 2)
        previous[row["stage"]] = row
    return results


def print_table(results: list[dict]) -> None:
    headers = [
        "scale",
        "stage",
        "status",
        "seconds",
        "CPU s",
        "rows in",
        "rows out",
        "rows/s",
        "driver MB",
        "JVM MB",
        "written MB",
        "shuffle MB",
        "executors",
        "workers",
        "exponent",
    ]
    lines = [
        [r["scale"], r["stage"], r["status"], f"{r['seconds']:.1f}", f"{r['cpu_seconds']:.1f}", f"{r['rows_in']:,}", f"{r['rows_out']:,}", f"{r['rows_per_s']:,}",
         f"{r['driver_peak_mb']:,}", f"{r['jvm_peak_mb']:,}", f"{r['bytes_written'] / 1e6:,.0f}",
         f"{(r['shuffle_write_bytes']) / 1e6:,.0f}", r["executors"], r["workers"], "" if r["exponent"] is None else r["exponent"]]
        for r in results
    ]  # fmt: skip
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *lines, strict=True)]
    for line in [headers, ["-" * w for w in widths], *lines]:
        print("  ".join(str(x).rjust(w) for x, w in zip(line, widths, strict=True)), flush=True)


def write_results(results: list[dict], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    with (folder / "results.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows({**r, "bytes_by_layer": json.dumps(r["bytes_by_layer"])} for r in results)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[1], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__
    )
    parser.add_argument("--scales", type=float, nargs="+", default=[0.001, 0.01])
    parser.add_argument("--stages", nargs="+", choices=STAGES, default=list(STAGES), help="stages to run, in pipeline order (default: all)")
    parser.add_argument("--run-all", action="store_true", help="one `run-all` process per scale instead of one process per stage")
    parser.add_argument("--seed", type=int, default=2561)
    parser.add_argument("--base", type=Path, default=Path("/tmp/tpmap-bench"), help="fresh roots go to <base>/s<scale> (removed first)")
    parser.add_argument("--root", type=Path, help="go on with this existing lakehouse (one scale only); nothing is removed")
    parser.add_argument("--results", type=Path, help="results folder (default: lakehouse/runs/bench/<time>)")
    parser.add_argument("--heap", default="8g", help="driver heap of each stage's JVM (default 8g)")
    parser.add_argument("--master", help="submit each stage to this master with scripts/submit.sh (e.g. spark://127.0.0.1:7077)")
    parser.add_argument("--executor-memory", default="1g", help="heap per executor with --master (default 1g)")
    args = parser.parse_args(argv)
    if args.root and len(args.scales) != 1:
        parser.error("--root takes exactly one --scales value")
    if any(s <= 0 for s in args.scales):
        parser.error("--scales must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results_dir = args.results or PROJECT / "lakehouse" / "runs" / "bench" / datetime.now().strftime("%Y%m%d-%H%M%S")
    stages = ["run-all"] if args.run_all else [s for s in STAGES if s in args.stages]
    results: list[dict] = []
    for scale in args.scales:
        root = args.root or args.base / f"s{scale:g}"
        if not args.root:
            shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True, exist_ok=True)
        for stage in stages:
            print(f"bench: scale {scale:g}, {stage} on {root}", flush=True)
            result = run_stage(
                stage,
                scale,
                args.seed,
                root,
                results_dir / "eventlogs" / f"s{scale:g}" / stage,
                args.heap,
                args.master,
                args.executor_memory,
            )
            results.append(result)
            write_results(with_exponents(results), results_dir)
            if not result["status"] == "succeeded":
                print(f"bench: {stage} at scale {scale:g} {result['status']}; later stages of this scale skipped", flush=True)
                break
    print_table(with_exponents(results))
    print(f"results: {results_dir}/results.csv and results.json; event logs: {results_dir}/eventlogs", flush=True)
    return 0 if all(r["status"] == "succeeded" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
