"""Benchmark the generator: rows per second per source and peak memory, at S = 0.01 and 0.1.

Usage: python scripts/bench_generate.py [--scales 0.01 0.1] [--seed 2561]
Runs the `reference` job once, then `generate` per scale into a temporary landing/truth. Memory is the
peak RSS of this driver process plus the JVM (read from /proc: VmHWM of each process).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        out += [int(c) for c in children]
    return out + [g for c in out for g in _children(c)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[0.01, 0.1])
    parser.add_argument("--seed", type=int, default=2561)
    args = parser.parse_args()
    os.environ.setdefault("TPMAP_ROOT", tempfile.mkdtemp(prefix="tpmap-bench-generate-"))

    from jobs import generate, reference
    from jobs.config import load_config
    from jobs.runs import JobRun
    from jobs.spark import get_spark
    from jobs.tables import ensure_databases

    config = load_config(os.environ.get("TPMAP_ENV", "local"))
    spark = get_spark(config, app_name="bench-generate", extra={"spark.sql.shuffle.partitions": "4", "spark.ui.enabled": "false"})
    ensure_databases(spark)
    reference.run(spark, config, None, JobRun("reference", {}))
    for scale in args.scales:
        run = JobRun("generate", {"scale": scale})
        started = time.monotonic()
        generate.run(spark, config, argparse.Namespace(scale=scale, seed=args.seed, source=None), run)
        seconds = time.monotonic() - started
        print(f"\nscale {scale}: {seconds:.1f} s in total")
        per_source: dict[str, int] = {}
        for name, rows in run.rows_written.items():
            per_source[name.split("/")[0]] = per_source.get(name.split("/")[0], 0) + rows
        for name, rows in sorted(per_source.items()):
            print(f"  {name:<20} {rows:>12,} rows  {rows / seconds:>12,.0f} rows/s (over the whole run)")
    pids = [os.getpid(), *_children(os.getpid())]
    peak = sum(_peak_rss_mb(p) for p in pids)
    print(f"\npeak memory (VmHWM, driver + JVM): {peak:,.0f} MB")
    spark.stop()


if __name__ == "__main__":
    main()
