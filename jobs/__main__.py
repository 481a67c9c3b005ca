"""Command line: `python -m jobs <job> [--env ENV] [job options]`, and `python -m jobs run-all`."""

from __future__ import annotations

import argparse
import os
import sys
import time

from jobs.catalog_lock import CatalogBusy
from jobs.config import ConfigError, load_config
from jobs.console import say
from jobs.options import JobOptions, add_options, options_from, recorded
from jobs.registry import available_jobs, load_job, validated


def _common_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--env",
        default=os.environ.get("TPMAP_ENV", "local"),
        help="environment: conf/<env>.yaml (default: $TPMAP_ENV or local)",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    from jobs import run_all

    parser = argparse.ArgumentParser(
        prog="python -m jobs",
        description="TPMAP Lakehouse jobs. Each job records its run in ops.job_runs.",
    )
    sub = parser.add_subparsers(dest="job", metavar="<job>", required=True)
    common = _common_options()
    for name in available_jobs():
        module = load_job(name)
        job_parser = sub.add_parser(name, parents=[common], help=module.DESCRIPTION, description=module.DESCRIPTION)
        add_options(job_parser, module.Options)
    all_parser = sub.add_parser("run-all", parents=[common], help=run_all.DESCRIPTION, description=run_all.DESCRIPTION)
    add_options(all_parser, run_all.Options)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = load_config(args.env)
        config.paths.check_writable()
    except ConfigError as err:
        print(f"configuration error: {err}", file=sys.stderr)
        return 2
    try:  # an option the types or the job's validate refuse: nothing runs
        options = job_options(args)
    except ValueError as err:
        print(f"{args.job}: {err}", file=sys.stderr)
        return 2
    try:
        if args.job == "run-all":
            from jobs import run_all

            return run_all.main(config, options)
        return run_one(config, args.job, options)
    except CatalogBusy as err:  # refused before Spark started: nothing ran, nothing to record
        print(f"{args.job}: {err}", file=sys.stderr)
        return 2
    except ConfigError as err:  # e.g. what the catalog needs, found while starting Spark
        print(f"configuration error: {err}", file=sys.stderr)
        return 2


def job_options(args: argparse.Namespace) -> JobOptions:
    """The job's options from the parsed command line, validated (run-all validates each stage's itself)."""
    if args.job == "run-all":
        from jobs import run_all

        return options_from(run_all.Options, args)
    module = load_job(args.job)
    return validated(module, options_from(module.Options, args))


def run_one(config, job: str, options: JobOptions) -> int:
    from jobs.runs import failure_line, recorded_run
    from jobs.spark import get_spark

    module = load_job(job)
    preflight = getattr(module, "preflight", None)
    if preflight is not None:
        try:
            preflight(config, options, ())
        except ConfigError as err:
            print(f"configuration error: {err}", file=sys.stderr)
            return 2
    spark = get_spark(config, app_name=f"tpmap-{job}")
    started = time.monotonic()
    arguments = recorded(options, config.env, getattr(module, "PERSONAL_ARGUMENTS", ()))
    job_run = None
    try:
        with recorded_run(spark, job, arguments, log_dir=config.paths.resolved("runs")) as job_run:
            module.run(spark, config, options, job_run)
    except ConfigError as err:  # found only once Spark ran (e.g. a table's setting): still a configuration error
        say(f"{job} failed after {time.monotonic() - started:.1f} s: configuration error: {err}")
        return 2
    except Exception as err:  # noqa: BLE001 - the run is recorded as failed; tell the operator in one line and exit non-zero
        say(f"{job} failed after {time.monotonic() - started:.1f} s: {failure_line(err, job_run)}")
        return 1
    say(f"{job} finished in {time.monotonic() - started:.1f} s; wrote {job_run.rows_written}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
