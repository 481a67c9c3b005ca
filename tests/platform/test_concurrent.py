"""Independent writes submitted at once: results in order, every task run, the stage's job group kept."""

from __future__ import annotations

import threading

import pytest

from jobs.concurrent import run_concurrently


def test_results_come_back_in_task_order_from_several_threads(spark):
    threads: set[int] = set()
    started = threading.Barrier(2, timeout=30)  # both tasks must be running at once to pass it

    def task(n: int) -> int:
        threads.add(threading.get_ident())
        started.wait()
        return spark.range(n).count()

    assert run_concurrently(spark, [lambda: task(3), lambda: task(5)], workers=2) == [3, 5]
    assert len(threads) == 2


def test_every_task_runs_when_one_fails_and_the_first_failure_is_raised(spark):
    ran: list[str] = []

    def failing(name: str):
        def run():
            ran.append(name)
            raise ValueError(f"{name} failed")

        return run

    with pytest.raises(ValueError, match="first failed"):
        run_concurrently(spark, [failing("first"), lambda: ran.append("ok"), failing("third")], workers=1)
    assert ran == ["first", "ok", "third"]


def test_the_threads_spark_jobs_carry_the_callers_job_group(spark):
    context = spark.sparkContext
    context.setJobGroup("standardize", "a stage's jobs")
    try:
        groups = run_concurrently(spark, [lambda: context.getLocalProperty("spark.jobGroup.id")] * 2, workers=2)
    finally:
        for key in ("spark.jobGroup.id", "spark.job.description", "spark.job.interruptOnCancel"):
            context.setLocalProperty(key, None)  # what setJobGroup set, so later tests' jobs carry none of it
    assert groups == ["standardize", "standardize"]
