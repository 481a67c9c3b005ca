"""Job `generate`: a synthetic Thailand — agency deliveries under <landing>/<source>/<delivery>/ and the
answer key under <truth>/ (conf/CONTRACTS.md). Deterministic for a given --seed and --scale.

Reads the ref.* tables (load them with the `reference` job first). Rates: conf/generator.yaml.
"""

from __future__ import annotations

import shutil
import time
import uuid
from pathlib import Path

from pydantic import Field
from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.config import CONF_DIR, AppConfig, ConfigError
from jobs.console import say
from jobs.deliveries import SCRATCH_PREFIX, check_landing, write_source
from jobs.options import JobOptions
from jobs.runs import JobRun
from jobs.spark import Kept
from transforms.conf import load
from transforms.contracts import SourceContract, load_contracts
from transforms.generator import build as world_build
from transforms.generator import sources as src
from transforms.generator import world
from transforms.generator.build import PERSON_COLUMNS, PERSON_EXTRA
from transforms.generator.rounds import FIRST_ROUND, LAST_ROUND, years_after_first
from transforms.generator.settings import GeneratorSettings

DESCRIPTION = "Generate the synthetic Thailand: agency deliveries in the landing zone and the truth key"
SETTINGS_FILE = CONF_DIR / "generator.yaml"
INDICATORS = world.INDICATORS


def generated_sources() -> dict[str, SourceContract]:
    """The sources generate writes: conf/sources/*.yaml with a generator section."""
    return {name: c for name, c in load_contracts().items() if c.generator is not None}


def load_settings(path: Path = SETTINGS_FILE) -> GeneratorSettings:
    settings = load(path, GeneratorSettings, "generator settings")
    known = list(generated_sources())
    unknown = sorted(set(settings.sources) - set(known)) + ([settings.redelivery.source] if settings.redelivery.source not in known else [])
    if unknown:
        raise ConfigError(f"{path}: sources: unknown source(s) {unknown}; known: {known}")
    return settings


class Options(JobOptions):
    scale: float = Field(default=0.001, description="population scale (1 = all of Thailand, ~66M persons)")
    seed: int = Field(default=2561, description="random seed")
    error_scale: float = Field(
        default=1.0, description="multiply every per-record error rate of conf/generator.yaml (capped at 1), e.g. 3 for a stress test"
    )
    source: list[str] | None = Field(
        default=None, description="source to write (repeatable; default: every source with a generator section)"
    )
    force: bool = Field(default=False, description="write beside deliveries generate did not write (it never removes or writes into them)")
    survey_round: int = Field(
        default=FIRST_ROUND,
        description=f"survey round (BE year, {FIRST_ROUND}-{LAST_ROUND}): a later round is the {FIRST_ROUND} world moved on year by year, "
        "its deliveries dated that many years later beside the earlier rounds' (truth under <truth>/rounds/<round>)",
        json_schema_extra={"flag": "--round"},
    )


def validate(args: Options) -> Options:
    if not args.scale > 0:
        raise ValueError(f"--scale must be a positive number, got {args.scale}")
    if args.scale > 2:
        raise ValueError(f"--scale {args.scale} is above 2 (scale 1 is all of Thailand)")
    if args.seed < 0:
        raise ValueError(f"--seed must be a non-negative integer, got {args.seed}")
    if not FIRST_ROUND <= args.survey_round <= LAST_ROUND:
        raise ValueError(f"--round must be a survey round from {FIRST_ROUND} to {LAST_ROUND}, got {args.survey_round}")
    if not args.error_scale > 0:
        raise ValueError(f"--error-scale must be a positive number, got {args.error_scale}")
    known = list(generated_sources())
    unknown = sorted(set(args.source or []) - set(known))
    if unknown:
        raise ValueError(f"unknown --source {unknown}; known sources: {', '.join(known)}")
    return args


def round_settings(settings: GeneratorSettings, survey_round: int) -> GeneratorSettings:
    return settings.for_round(years_after_first(survey_round))


def truth_folder(truth: str, survey_round: int) -> str:
    """Round 2561's truth at the top of the truth folder (as before rounds existed), a later round's under rounds/<round>."""
    return truth if survey_round == FIRST_ROUND else f"{truth}/rounds/{survey_round}"


def truth_rounds(truth: str) -> list[tuple[int, str]]:
    """(round, truth folder) of every round generated into `truth`, earliest first."""
    later = _local(truth) / "rounds"
    found = sorted(int(p.name) for p in later.iterdir() if p.name.isdigit()) if later.is_dir() else []
    return [(FIRST_ROUND, truth)] + [(r, truth_folder(truth, r)) for r in found]


def delivery_targets(landing: Path, settings: GeneratorSettings, sources: list[str]) -> list[Path]:
    """The delivery folders a run writes."""

    def names(s):
        return [settings.delivery] + ([settings.redelivery.delivery] if settings.redelivery.source == s else [])

    return [landing / s / d for s in sources for d in names(s)]


def chosen_sources(args: Options, known: dict[str, SourceContract]) -> list[str]:
    return [s for s in known if s in (args.source or known)]


def preflight(config: AppConfig, args: Options, earlier_stages: tuple[str, ...]) -> None:
    """Before Spark starts: the landing zone is local and holds no delivery generate did not write (or --force)."""
    landing = _local(config.paths.resolved("landing"))
    settings = round_settings(load_settings(), args.survey_round)
    check_landing(landing, args.force, delivery_targets(landing, settings, chosen_sources(args, generated_sources())))


# ---------------------------------------------------------------- parameters from the published figures


def _names(spark: SparkSession) -> tuple[world.Names, world.Names, world.Names]:
    from pythainlp.corpus import thai_family_names, thai_female_names, thai_male_names

    def frame(names) -> world.Names:
        rows = [(i + 1, n) for i, n in enumerate(sorted(set(names)))]
        return world.Names(spark.createDataFrame(rows, "index int, name string"), len(rows))

    return frame(thai_male_names()), frame(thai_female_names()), frame(thai_family_names())


# ---------------------------------------------------------------- the world


def _materialised(df: DataFrame) -> DataFrame:
    """Computed once and kept on the executors (memory, spilling to disk), with the lineage cut: every later
    plan starts from these rows instead of re-analysing the whole world's plan (at S = 0.001 plan analysis,
    not data, took most of the time). Kept as rows in memory (not serialized), so each later read does not
    deserialize them again."""
    return df.localCheckpoint(eager=True, storageLevel=StorageLevel.MEMORY_AND_DISK_DESER)


def build_world(
    spark: SparkSession, settings: GeneratorSettings, scale: float, seed: int, survey_round: int = FIRST_ROUND
) -> tuple[DataFrame, DataFrame, DataFrame]:
    """(persons with everything, survey households with answers, survey members with answers) of the round, from ref.*."""
    reference = world_build.Reference(
        district_figures=spark.table("ref.tpmap2561_district").toPandas(),
        country_figures=spark.table("ref.tpmap2561_country").first().asDict(),
        village_figures=spark.table("ref.tpmap2561_village"),
        villages=spark.table("ref.village"),
        subdistricts=spark.table("ref.subdistrict"),
    )
    return world_build.build_world(reference, _names(spark), settings, scale, seed, keep=_materialised, survey_round=survey_round)


# ---------------------------------------------------------------- deliveries


def build_delivery(
    contract: SourceContract, people: src.Population, settings: GeneratorSettings, seed: int, keep: src.Keep
) -> src.Delivery:
    """`keep` holds the source's records (with their errors' columns): its files, truth records and truth
    errors are all taken from them, so the source's plan runs once."""
    source = contract.source
    rates = settings.sources[source].rates() if source in settings.sources else {}
    return src.BUILDERS[contract.generator.builder](source, people, rates, seed, contract.generator, keep=keep)


# ---------------------------------------------------------------- truth

FILES_SCHEMA = "source string, delivery string, file string, data_rows long, broken_rows long, duplicate_of string"
BROKEN_SCHEMA = "source string, delivery string, file string, line_number long, kind string"


def _by_source(df: DataFrame, path: str) -> None:
    """Overwrite only the sources present (a --source run keeps the others' truth)."""
    df.write.mode("overwrite").option("partitionOverwriteMode", "dynamic").partitionBy("source").parquet(path)


def write_source_truth(truth: str, delivery: src.Delivery) -> None:
    """The source's truth records and errors (its partitions of truth/records and truth/errors)."""
    _by_source(delivery.records, f"{truth}/records")
    _by_source(delivery.errors, f"{truth}/errors")


def write_truth(
    spark: SparkSession, truth: str, everyone: DataFrame, households: DataFrame, files: list[dict], broken: list[dict], job_run: JobRun
) -> None:
    """Persons, households and the files' accounting (records and errors were written with each source)."""
    everyone.select(*PERSON_COLUMNS, *PERSON_EXTRA, "hh_key").write.mode("overwrite").parquet(f"{truth}/persons")
    hh_columns = [
        "hh_key",
        "hh_id",
        "house_code",
        "village_code",
        "subdistrict_code",
        "district_code",
        "province_code",
        "size",
        "latent_poverty",
        "poverty_correlation",
        "is_poor",
    ]
    households.select(*hh_columns, *[F.col(f"d{n}").cast("boolean").alias(f"deprived_ind{n}") for n in INDICATORS]).write.mode(
        "overwrite"
    ).parquet(f"{truth}/households")
    _by_source(spark.createDataFrame(files, FILES_SCHEMA), f"{truth}/files")
    if broken:
        _by_source(spark.createDataFrame(broken, BROKEN_SCHEMA), f"{truth}/broken_rows")
    elif not Path(truth, "broken_rows").exists():
        spark.createDataFrame([], BROKEN_SCHEMA).write.parquet(f"{truth}/broken_rows")
    for name in ("persons", "households", "records", "errors"):
        job_run.wrote(f"truth/{name}", spark.read.parquet(f"{truth}/{name}").count())


def _local(path: str) -> Path:
    if "://" in path and not path.startswith("file:"):
        raise ConfigError(f"generate writes local files; landing/truth must be local paths, got {path}")
    return Path(path.removeprefix("file://").removeprefix("file:"))


def run(spark: SparkSession, config: AppConfig, args: Options, job_run: JobRun) -> None:
    settings = round_settings(load_settings(), args.survey_round).with_error_scale(args.error_scale)
    spark.conf.set("spark.sql.legacy.javaCharsets", "true")  # cp874 (x-windows-874) for the registry CSV
    contracts = generated_sources()
    chosen = chosen_sources(args, contracts)
    landing, truth = _local(config.paths.resolved("landing")), truth_folder(config.paths.resolved("truth"), args.survey_round)
    # Checked again here: jobs called directly (tests, benchmarks) skip the command line's preflight.
    foreign = check_landing(landing, args.force, delivery_targets(landing, settings, chosen))
    if foreign:
        say(f"generate: --force: writing beside {len(foreign)} delivery folder(s) it did not write, leaving them as they are")
    about = {"run_id": job_run.run_id, "seed": args.seed, "scale": args.scale, "error_scale": args.error_scale, "round": args.survey_round}
    scratch = landing / f"{SCRATCH_PREFIX}{uuid.uuid4().hex}"
    started = time.monotonic()
    everyone, households, members = build_world(spark, settings, args.scale, args.seed, args.survey_round)
    job_run.read("ref.tpmap2561_village", spark.table("ref.tpmap2561_village").count())
    job_run.timed("world", time.monotonic() - started)
    say(
        f"generate: round {args.survey_round} world of {everyone.count():,} persons, {households.count():,} surveyed households built in "
        f"{job_run.phase_seconds['world']:.1f} s"
    )
    files, broken = [], []
    people = src.Population(everyone, households, members, args.survey_round)
    try:
        for number, source in enumerate(chosen, start=1):
            started = time.monotonic()
            kept = Kept()
            delivery = build_delivery(contracts[source], people, settings, args.seed, keep=kept)
            f, b = write_source(contracts[source], delivery.rows, settings, landing, scratch, job_run, about)
            write_source_truth(truth, delivery)
            kept.release()
            files += f
            broken += b
            job_run.timed(source, time.monotonic() - started)
            rows = sum(r["data_rows"] for r in f if r["duplicate_of"] is None)
            say(
                f"generate: source {number}/{len(chosen)} {source}: {rows:,} rows in {len(f)} file(s), {job_run.phase_seconds[source]:.1f} s"
            )
        started = time.monotonic()
        write_truth(spark, truth, everyone, households, files, broken, job_run)
        job_run.timed("truth", time.monotonic() - started)
        say(f"generate: truth written in {job_run.phase_seconds['truth']:.1f} s")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        del everyone, households, members, people
        # Checkpointed blocks are freed by Spark's ContextCleaner once the JVM collects their RDDs.
        spark.sparkContext._jvm.System.gc()
