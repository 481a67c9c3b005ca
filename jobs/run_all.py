"""`python -m jobs run-all`: every existing stage in order, in one Spark session, with progress and timings."""

from __future__ import annotations

import sys
import time
from typing import Literal

from pydantic import Field

from jobs.config import AppConfig, ConfigError
from jobs.console import say, table
from jobs.options import JobOptions, recorded
from jobs.registry import STAGES, available_stages, load_job, validated

DESCRIPTION = "Run every pipeline stage in order (reference, generate, ingest, ...) with progress and timings"


class Options(JobOptions):
    from_stage: Literal[STAGES] | None = Field(default=None, description="first stage to run", json_schema_extra={"flag": "--from"})
    to_stage: Literal[STAGES] | None = Field(default=None, description="last stage to run", json_schema_extra={"flag": "--to"})
    scale: float | None = Field(default=None, description="population scale for generate (default: config run_all.scale)")
    seed: int | None = Field(default=None, description="random seed for generate (default: config run_all.seed)")


def selected_stages(stages: list[str], from_stage: str | None, to_stage: str | None) -> list[str]:
    start = stages.index(from_stage) if from_stage else 0
    end = stages.index(to_stage) + 1 if to_stage else len(stages)
    if start >= end:
        raise ValueError(f"--from {from_stage} comes after --to {to_stage}")
    return stages[start:end]


def stage_options(stage: str, config: AppConfig, args: Options) -> JobOptions:
    """The stage's defaults, with run-all's scale and seed passed to stages that take them."""
    model = load_job(stage).Options
    given = {"scale": args.scale if args.scale is not None else config.run_all.scale}
    given["seed"] = args.seed if args.seed is not None else config.run_all.seed
    return model(**{k: v for k, v in given.items() if k in model.model_fields})


def main(config: AppConfig, args: Options) -> int:
    from jobs.runs import failure_line, recorded_run
    from jobs.spark import get_spark

    try:
        stages = selected_stages(available_stages(), args.from_stage, args.to_stage)
        plan = [(stage, stage_options(stage, config, args)) for stage in stages]
        plan = [(stage, validated(load_job(stage), stage_args)) for stage, stage_args in plan]
        for number, (stage, stage_args) in enumerate(plan):
            preflight = getattr(load_job(stage), "preflight", None)
            if preflight is not None:
                preflight(config, stage_args, tuple(stages[:number]))
    except ValueError as err:
        print(f"run-all: {err}", file=sys.stderr)
        return 2
    except ConfigError as err:
        print(f"configuration error: {err}", file=sys.stderr)
        return 2
    say(f"run-all on environment {config.env!r}: {' -> '.join(stages)}")
    spark = get_spark(config, app_name="tpmap-run-all")
    summary: list[list[object]] = []
    arguments = recorded(args, config.env)
    log_dir = config.paths.resolved("runs")
    try:
        with recorded_run(spark, "run-all", arguments, log_dir=log_dir) as parent:
            for number, (stage, stage_args) in enumerate(plan, start=1):
                say(f"stage {number}/{len(plan)} {stage}: started")
                started = time.monotonic()
                job_run = None
                try:
                    with recorded_run(
                        spark, stage, recorded(stage_args, config.env), parent_run_id=parent.run_id, log_dir=log_dir
                    ) as job_run:
                        load_job(stage).run(spark, config, stage_args, job_run)
                except Exception as err:
                    seconds = time.monotonic() - started
                    summary.append([stage, "failed", "-", "-", f"{seconds:.1f}"])
                    raise RuntimeError(f"stage {stage!r} failed: {failure_line(err, job_run)}") from err
                seconds = time.monotonic() - started
                rows_in, rows_out = sum(job_run.rows_read.values()), sum(job_run.rows_written.values())
                for name, rows in job_run.rows_read.items():
                    parent.read(f"{stage}:{name}", rows)
                for name, rows in job_run.rows_written.items():
                    parent.wrote(name, rows)
                summary.append([stage, "succeeded", f"{rows_in:,}", f"{rows_out:,}", f"{seconds:.1f}"])
                say(f"stage {number}/{len(plan)} {stage}: rows in {rows_in:,}, rows out {rows_out:,}, {seconds:.1f} s")
    except Exception as err:  # noqa: BLE001 - the stage recorded its own failure; here the summary and exit 1
        say(f"run-all stopped: {err}")
        print(table(["stage", "status", "rows in", "rows out", "seconds"], summary))
        return 1
    print(table(["stage", "status", "rows in", "rows out", "seconds"], summary))
    return 0
