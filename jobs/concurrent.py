"""Independent pieces of one job (standardize's sources) submitted at once from one Spark session.

At S = 0.001 most of a source's time is on the driver (planning, Delta's log and commit) while the cores
wait, and a second source's tasks fill them; at S = 0.01 the cores are busy already (no gain measured).
Each task runs on a thread of its own that inherits the caller's Spark local properties (the job group that
names the stage in event logs)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from pyspark import inheritable_thread_target
from pyspark.sql import SparkSession

T = TypeVar("T")


def run_concurrently(spark: SparkSession, tasks: Sequence[Callable[[], T]], workers: int) -> list[T]:
    """The tasks' results in task order, up to `workers` at a time. Every task runs even when another
    fails (one bad source never stops the others); then the first failure in task order is raised."""
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(tasks)))) as pool:
        futures = [pool.submit(inheritable_thread_target(spark)(task)) for task in tasks]
    failures = [error for f in futures if (error := f.exception()) is not None]
    if failures:
        raise failures[0]
    return [f.result() for f in futures]
