"""Which jobs exist and the order run-all runs its stages in.

A job is a module with DESCRIPTION, `Options` (a jobs.options.JobOptions model: its command line is built
from it), run(spark, config, options, job_run) and, optionally, validate(options) -> options (checks what
the types cannot, before Spark starts; raises ValueError; may return the options completed, e.g. erase's
parsed requests) and preflight(config, options, earlier) (what it needs of the environment — paths,
secrets, landing zone — also before Spark starts; raises ConfigError; `earlier` names the stages run-all
runs before it, which may create what it needs). A name is offered on the command line only when its
module is present, so `python -m jobs --help` lists exactly the jobs that exist.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from jobs.options import JobOptions

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


def validated(job: ModuleType, options: JobOptions) -> JobOptions:
    """The options the job runs with: its validate's answer, or the options as given when it has none."""
    validate = getattr(job, "validate", None)
    return validate(options) if validate is not None else options
