"""Which jobs exist and the order run-all runs its stages in.

A job is a module with DESCRIPTION, add_arguments(parser), run(spark, config, args, job_run) and,
optionally, validate(args) (its options, checked before Spark starts) and preflight(config, args, earlier)
(what it needs of the environment — paths, secrets, landing zone — also before Spark starts; raises
ConfigError; `earlier` names the stages run-all runs before it, which may create what it needs). A name is offered on the command line only
when its module is present, so `python -m jobs --help` lists exactly the jobs that exist.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

JOBS: dict[str, str] = {
    "reference": "jobs.reference",
    "generate": "jobs.generate",
    "ingest": "jobs.ingest",
    "standardize": "jobs.standardize",
    "link": "jobs.link",
    "evaluate-linkage": "jobs.evaluate_linkage",
    "explain-link": "jobs.explain_link",
    "indicators": "jobs.indicators",
    "export-tpmap": "jobs.export_tpmap",
    "report": "jobs.report",
    "erase": "jobs.erase",
    "vacuum": "jobs.vacuum",
    "rollback": "jobs.rollback",
}

# run-all runs these, in this order, skipping the ones not present yet.
STAGES: tuple[str, ...] = ("reference", "generate", "ingest", "standardize", "link", "indicators")


def available_jobs() -> dict[str, str]:
    return {name: module for name, module in JOBS.items() if importlib.util.find_spec(module) is not None}


def available_stages() -> list[str]:
    present = available_jobs()
    return [stage for stage in STAGES if stage in present]


def load_job(name: str) -> ModuleType:
    return importlib.import_module(JOBS[name])
