"""Benchmark the generator: seconds and rows per second per phase (world, each source, truth) and peak memory.

Usage: python scripts/bench_generate.py [--scales 0.01 0.1] [--seed 2561] [--keep]
Each scale runs in a process of its own (a fresh JVM, so its peak memory is its own) on a temporary
lakehouse: the `reference` job, then `generate`. Memory is the peak RSS (VmHWM from /proc) of the Python
driver plus its JVM; CPU seconds (driver, JVM and Python workers) are printed beside the wall-clock seconds,
as they depend less on what else runs on the machine. --keep leaves the lakehouse (printed) for the later stages' benchmarks.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _peak_rss_mb(process: psutil.Process) -> float:
    """VmHWM (peak resident memory) from /proc: psutil reports only the current RSS. 0 for a process that ended."""
    try:
        status = Path(f"/proc/{process.pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):  # Python workers come and go
        return 0.0
    return next((int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM:")), 0.0)


def _cpu_seconds(process: psutil.Process) -> float:
    """CPU seconds (user + system) of this process and its children (the JVM and its Python workers): less
    sensitive than wall time to other work on the machine."""
    total = 0.0
    for p in [process, *process.children(recursive=True)]:
        try:
            t = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += t.user + t.system + t.children_user + t.children_system
    return total


def measure(scale: float, seed: int) -> dict:
    """Generate one world in this process; return phase timings, rows and peak memory."""

    from jobs import generate, reference
    from jobs.config import load_config
    from jobs.runs import JobRun
    from jobs.spark import get_spark
    from jobs.tables import ensure_databases

    config = load_config(os.environ.get("TPMAP_ENV", "local"))
    spark = get_spark(config, app_name="bench-generate", extra={"spark.ui.enabled": "false"})
    ensure_databases(spark)
    reference.run(spark, config, reference.Options(), JobRun("reference", {}))
    me = psutil.Process()
    cpu = {}

    class TimedRun(JobRun):  # also takes the CPU seconds at the end of each phase
        def timed(self, phase: str, seconds: float) -> None:
            super().timed(phase, seconds)
            cpu[phase] = _cpu_seconds(me)

    run = TimedRun("generate", {"scale": scale, "seed": seed})
    started, cpu_started = time.monotonic(), _cpu_seconds(me)
    generate.run(spark, config, generate.Options(scale=scale, seed=seed), run)
    total = time.monotonic() - started
    before, phase_cpu = cpu_started, {}
    for phase in run.phase_seconds:
        phase_cpu[phase], before = cpu[phase] - before, cpu[phase]
    rows = Counter()  # per phase: a source's files, or all truth tables
    for name, count in run.rows_written.items():
        rows[name.split("/")[0]] += count
    rows["world"] = run.rows_written.get("truth/persons", 0)  # persons built
    landing_bytes = sum(f.stat().st_size for f in Path(config.paths.resolved("landing")).rglob("*") if f.is_file())
    peak = sum(_peak_rss_mb(p) for p in [me, *me.children(recursive=True)])
    spark.stop()
    return {
        "scale": scale,
        "seconds": total,
        "cpu_seconds": _cpu_seconds(me) - cpu_started,
        "phases": run.phase_seconds,
        "phase_cpu": phase_cpu,
        "rows": rows,
        "peak_mb": peak,
        "landing_bytes": landing_bytes,
    }


def report(result: dict) -> None:
    phases, rows = result["phases"], result["rows"]
    landing_rows = sum(v for k, v in rows.items() if k not in ("truth", "world"))
    print(
        f"\nscale {result['scale']}: {result['seconds']:.1f} s in total ({result['cpu_seconds']:.1f} CPU s), {landing_rows:,} landing rows "
        f"({landing_rows / result['seconds']:,.0f} rows/s), {result['landing_bytes'] / 1e9:.2f} GB of landing files, "
        f"peak memory {result['peak_mb']:,.0f} MB (driver + JVM)"
    )
    print(f"  {'phase':<18} {'seconds':>9} {'CPU s':>9} {'rows':>14} {'rows/s':>10}")
    for phase, seconds in phases.items():
        count = rows.get(phase, 0)
        rate = f"{count / seconds:>10,.0f}" if count else f"{'':>10}"
        print(f"  {phase:<18} {seconds:>9.1f} {result['phase_cpu'][phase]:>9.1f} {count:>14,} {rate}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[0.01, 0.1])
    parser.add_argument("--seed", type=int, default=2561)
    parser.add_argument("--keep", action="store_true", help="keep each scale's lakehouse (its path is printed)")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # child mode: one scale, JSON on stdout
    args = parser.parse_args()
    if any(not s > 0 for s in args.scales):
        parser.error("--scales must be positive")
    if args.json:
        print("RESULT " + json.dumps(measure(args.scales[0], args.seed)), flush=True)
        return
    for scale in args.scales:
        root = tempfile.mkdtemp(prefix=f"tpmap-bench-generate-{scale}-")
        child = subprocess.run(
            [sys.executable, __file__, "--json", "--scales", str(scale), "--seed", str(args.seed)],
            env={**os.environ, "TPMAP_ROOT": root},
            stdout=subprocess.PIPE,
            text=True,
            check=False,
        )
        lines = [line for line in child.stdout.splitlines() if line.startswith("RESULT ")]
        if child.returncode != 0 or not lines:
            sys.exit(f"scale {scale}: the generate run failed (exit code {child.returncode}); its log is above")
        report(json.loads(lines[-1].removeprefix("RESULT ")))
        if args.keep:
            print(f"  lakehouse kept at {root}")
        else:
            subprocess.run(["rm", "-rf", root], check=False)


if __name__ == "__main__":
    main()
