"""Job `indicators`: gold TPMAP tables from silver and the linkage, and the published surface.

Reads the survey's households and members, silver.person_xref, silver.person, the welfare registry and the
allowance programmes (the silver tables of the sources whose conf/sources/*.yaml `role` names them) and
ref.* areas; writes one survey round's rows (the latest in silver, or --round) of
gold.household_deprivation, gold.person_poverty, gold.person_welfare, gold.area_indicators,
gold.welfare_coverage (officials), and public.area_indicators, public.welfare_coverage: the area tables
with disclosure control (transforms.gold.privacy), the only tables analysts and the public read. Every
table is keyed by survey_round and keeps the other rounds' rows; area_indicators carries each figure's
change from the round before, and gold.household_movement / gold.person_movement who moved between the
round before and this one (transforms.gold.movement).
Person keys are HMAC-SHA256(secret, person_id); no citizen ID, phone or name reaches gold.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.config import CONF_DIR, AppConfig, ConfigError
from jobs.console import say
from jobs.options import JobOptions
from jobs.publication import NoCompleteVersion, Publication, load_publication, read_published, version_to_read
from jobs.publish import publish, save_area_rounds
from jobs.reference import published_comment
from jobs.rollback import restore
from jobs.runs import JobRun
from jobs.spark import Kept
from jobs.tables import ensure_databases, save_round
from transforms.conf import load
from transforms.contracts import by_role, load_contracts
from transforms.gold import areas, coverage, deprivation, movement, rounds
from transforms.gold.build import GoldTables, build_gold
from transforms.gold.catalogue import IndicatorCatalogue
from transforms.gold.rounds import ROUND_COMMENT, with_round
from transforms.linkage.settings import load_linkage_settings

DESCRIPTION = "Compute gold TPMAP indicators, target poor, welfare coverage at every area level"
CATALOGUE_FILE = CONF_DIR / "indicators.yaml"
PROGRAMMES = ("welfare_registry", "elderly_allowance", "disability_allowance", "child_grant")
REF_AREAS = ("ref.province", "ref.district", "ref.subdistrict", "ref.village")


def load_catalogue(path: Path = CATALOGUE_FILE) -> IndicatorCatalogue:
    """Read and validate the indicator catalogue; ConfigError names the file, key and reason."""
    return load(Path(path), IndicatorCatalogue, "indicator catalogue")


class Options(JobOptions):
    catalogue: Path = Field(default=CATALOGUE_FILE, description="indicator catalogue YAML (default conf/indicators.yaml)")
    silver_db: str = Field(default="silver", description="database holding the silver inputs (default silver)")
    gold_db: str = Field(default="gold", description="database to write the gold tables to (default gold)")
    public_db: str = Field(default="public", description="database of the published, disclosure-controlled tables (default public)")
    survey_round: int | None = Field(
        default=None,
        description="survey round (BE year) to compute gold for: the latest in silver (the default; an earlier round's gold is kept as computed)",
        json_schema_extra={"flag": "--round"},
    )


def validate(args: Options) -> Options:
    for option in ("silver_db", "gold_db", "public_db"):
        if not getattr(args, option).isidentifier():
            raise ValueError(f"--{option.replace('_', '-')} must be a database name, not {getattr(args, option)!r}")
    try:
        load_catalogue(args.catalogue)
    except ConfigError as err:
        raise ValueError(str(err)) from None
    return args


def silver_inputs(silver_db: str = "silver") -> dict[str, str]:
    """Gold's input tables by name: the survey's two, the linkage's two and the programmes by role."""
    roles = by_role(load_contracts())
    absent = [r for r in ("household_survey", *PROGRAMMES) if r not in roles]
    if absent:
        raise ConfigError(f"conf/sources: no source has the role {', '.join(absent)}, which gold reads")
    survey = roles["household_survey"]
    return {
        "households": f"{silver_db}.{survey.silver_tables[0]}",
        "members": f"{silver_db}.{survey.person_table}",
        "xref": f"{silver_db}.person_xref",
        "persons": f"{silver_db}.person",
        **{role: f"{silver_db}.{roles[role].person_table}" for role in PROGRAMMES},
    }


def read_inputs(
    spark: SparkSession, job_run: JobRun, silver_db: str = "silver"
) -> tuple[dict[str, DataFrame], dict[str, str], Publication]:
    """The inputs, the tables they were read from, and the publication they were read by."""
    tables = silver_inputs(silver_db)
    missing = [t for t in list(tables.values()) + list(REF_AREAS) if not spark.catalog.tableExists(t)]
    if missing:
        raise RuntimeError(f"indicators needs {', '.join(missing)}: run the earlier stages first")
    publication = load_publication(spark, job_run.own_run_ids)
    inputs = {name: read_published(spark, table, publication) for name, table in tables.items()}
    for name, table in tables.items():
        job_run.read(table, inputs[name].count())
    return inputs, tables, publication


def area_names(spark: SparkSession) -> DataFrame:
    return areas.area_names(*(spark.table(t) for t in REF_AREAS))


def preflight(config: AppConfig, args: Options, earlier: tuple[str, ...]) -> None:
    """The pseudonym secret must be there (and not the development one outside local) before Spark starts."""
    config.pseudonym_secret()


def run(spark: SparkSession, config: AppConfig, args: Options, job_run: JobRun) -> None:
    catalogue = load_catalogue(args.catalogue)
    secret = config.pseudonym_secret()  # refuses the development secret outside local, before any work
    ensure_databases(spark)
    gold_db = args.gold_db
    spark.sql(f"CREATE DATABASE IF NOT EXISTS {gold_db}")
    inputs, tables, publication = read_inputs(spark, job_run, args.silver_db)
    held = [r[0] for r in inputs["households"].select("survey_round").distinct().collect()]  # a few rounds
    survey_round = rounds.chosen_round(held, args.survey_round)
    inputs["households"], inputs["members"] = rounds.of_round(inputs["households"], inputs["members"], survey_round)
    catalogue = catalogue.for_round(survey_round)
    say(
        f"indicators: survey round {survey_round} (silver holds {', '.join(sorted(str(r) for r in held if r))}); ages on {catalogue.as_of_date}"
    )
    # Gold looks up persons for survey and welfare records only: the registry's records (about half of the
    # xref) are left out of the cached lookup.
    inputs["xref"] = inputs["xref"].where(F.col("source") != load_linkage_settings().spine)
    keys = deprivation.household_keys(inputs["households"], inputs["members"])
    # Members without a household row get no household flags and are left out of gold: count them.
    orphans = inputs["members"].join(inputs["households"].select(*keys), on=keys, how="left_anti").count()
    job_run.read(f"{tables['members']} rows without a household (not in gold)", orphans)
    written = [f"{gold_db}.{t}" for t in (*GOLD_TABLES, *MOVEMENT_TABLES)] + [f"{args.public_db}.{t}" for t in PUBLIC_TABLES]
    discard_unfinished(spark, written, publication)
    kept = Kept()
    gold = build_gold(inputs, area_names(spark), catalogue, secret, keep=kept)
    try:
        write_gold(gold, catalogue, job_run, gold_db, survey_round)
        write_movements(spark, catalogue, job_run, gold_db, survey_round)
    except Exception as err:  # noqa: BLE001 - Spark may print the plan, and the plan holds the HMAC key's padded bytes
        raise RuntimeError(redacted(f"{type(err).__name__}: {err}", secret)) from None
    finally:
        kept.release()
    publish(spark, catalogue, area_table_comments(catalogue), job_run, survey_round, gold_db, args.public_db)


def discard_unfinished(spark: SparkSession, tables: list[str], publication: Publication) -> None:
    """Gold and public tables back to what the last complete runs left: a killed run may have replaced another
    round's rows, which replacing this round's would otherwise publish (a table only such a run wrote is
    dropped)."""
    for table in tables:
        if not spark.catalog.tableExists(table):
            continue
        try:
            version = version_to_read(spark, table, publication)
        except NoCompleteVersion:
            restore(spark, table, None)
            continue
        if version is not None:
            say(f"indicators: {table} back to version {version} (a run that did not finish wrote after it)")
            restore(spark, table, version)


def redacted(message: str, secret: str) -> str:
    """The message without the secret or the key bytes hmac_sha256 puts into the plan (hex, any case)."""
    from udfs.pseudonym import _padded_keys

    for key in (secret, *(k.hex() for k in _padded_keys(secret))):
        message = message.replace(key, "<redacted>").replace(key.upper(), "<redacted>")
    return message


GOLD_TABLES = ("household_deprivation", "person_poverty", "person_welfare", "area_indicators", "welfare_coverage")
MOVEMENT_TABLES = ("household_movement", "person_movement")
PUBLIC_TABLES = ("area_indicators", "welfare_coverage", "household_flow")


def write_gold(gold: GoldTables, catalogue: IndicatorCatalogue, job_run: JobRun, database: str, survey_round: int) -> None:
    """The round's rows of every gold table (the other rounds' kept); area_indicators whole, with each
    round's change from the round before."""
    hh_comments = deprivation.household_comments(catalogue)
    tables = [
        (
            "household_deprivation",
            gold.household_deprivation,
            hh_comments,
            "Per surveyed household and round: TPMAP indicator applicability and deprivation, dimensions, BMN-poor",
        ),
        (
            "person_poverty",
            gold.person_poverty.select(*person_poverty_columns(gold.person_poverty)),
            {**hh_comments, **PERSON_COMMENTS},
            "Per surveyed person and round: household poverty flags, welfare found through the linkage, target poor",
        ),
        (
            "person_welfare",
            gold.person_welfare.select(*PERSON_WELFARE_COMMENTS),
            {**PERSON_WELFARE_COMMENTS, **ROUND_COMMENT},
            "Per linked person and round: welfare programs received and the monthly total",
        ),
        (
            "welfare_coverage",
            gold.welfare_coverage.select(*coverage.COVERAGE_COMMENTS),
            {**coverage.COVERAGE_COMMENTS, **ROUND_COMMENT},
            "Welfare coverage per round, area, level and program: exclusion and inclusion errors",
        ),
    ]
    for name, df, comments, description in tables:
        table = f"{database}.{name}"
        job_run.wrote(table, save_round(with_round(df, survey_round), table, comments, survey_round, table_comment=description))
    table = f"{database}.area_indicators"
    area = with_round(gold.area_indicators.select(*area_columns(catalogue)), survey_round)
    description = f"TPMAP figures per round and area at every level from one ROLLUP; Alkire-Foster weights {catalogue.af_weights()}"
    job_run.wrote(table, save_area_rounds(area, table, area_table_comments(catalogue), survey_round, description))


def write_movements(spark: SparkSession, catalogue: IndicatorCatalogue, job_run: JobRun, database: str, survey_round: int) -> None:
    """gold.household_movement and gold.person_movement between the round and the one before it in gold
    (none for the first round)."""
    # The rounds gold holds, from its small area table (written with every round), not its household rows.
    held = [r[0] for r in spark.table(f"{database}.area_indicators").where(F.col("level") == "country").select("survey_round").collect()]
    pair = (movement.previous_rounds(held).get(str(survey_round)), str(survey_round))
    if pair[0] is None:
        return
    say(f"indicators: movement from round {pair[0]} to {pair[1]}")
    households, persons, welfare = (spark.table(f"{database}.{t}") for t in ("household_deprivation", "person_poverty", "person_welfare"))
    before, now = (F.col("survey_round") == F.lit(r) for r in pair)
    frames = {
        "household_movement": movement.household_movement(
            households.where(before), households.where(now), persons.where(before), persons.where(now), catalogue, pair
        ),
        "person_movement": movement.person_movement(persons.where(before), persons.where(now), welfare.where(now), catalogue, pair),
    }
    for name, df in frames.items():
        table = f"{database}.{name}"
        comments = movement.movement_comments(catalogue, name)
        job_run.wrote(table, save_round(df, table, comments, survey_round, table_comment=movement.MOVEMENT_DESCRIPTIONS[name]))


def person_poverty_columns(df: DataFrame) -> list[str]:
    """Everything but the raw person_id (gold carries the pseudonym only)."""
    return ["person_key"] + [c for c in df.columns if c not in ("person_id", "person_key")]


PERSON_COMMENTS = {
    "person_key": "Pseudonym of the linked person: HMAC-SHA256(secret, person_id), hex (null if unlinked)",
    "member_no": "Member number within the household",
    "relation": "Relation to the household head as surveyed: head, spouse, child, parent, grandchild, relative, other",
    "age": "Age in years as surveyed",
    "sex": "M or F",
    "is_linked": "The member record is linked to a person",
    "is_elderly": "Aged 60 or over (catalogue elderly_age_min)",
    "is_disabled": "Has a disability (survey answer)",
    "has_chronic_illness": "Has a chronic illness (survey answer)",
    "welfare_registered": "The linked person has a welfare-card registration (MOF)",
    "welfare_verified": "The linked person's registration is verified (card holder)",
    "is_target_poor": "Target poor: member of a BMN-poor household and a verified card holder",
}

PERSON_WELFARE_COMMENTS = {
    "person_key": "Pseudonym of the person: HMAC-SHA256(secret, person_id), hex",
    "sex": "M or F",
    "age": "Age in whole years on the catalogue's as_of_date",
    "age_band": "Age band from the catalogue's age_bands",
    "province_code": "Province code of the person's registry address",
    "district_code": "District code of the person's registry address",
    "subdistrict_code": "Subdistrict code of the person's registry address",
    "village_code": "Village code of the person's registry address",
    "welfare_registered": "Registered for the welfare card (MOF)",
    "receives_welfare_card": "Verified welfare-card holder",
    "welfare_card_monthly": "Monthly value attributed to the card (catalogue welfare_card_monthly_baht), baht",
    "receives_elderly_allowance": "Receives the elderly allowance (DLA)",
    "elderly_allowance_monthly": "Elderly allowance per month (largest record), baht",
    "receives_disability_allowance": "Holds a disability card with allowance (DEP)",
    "disability_allowance_monthly": "Disability allowance per month, baht",
    "receives_child_grant": "Receives the child support grant (DCY) as the child",
    "child_grant_monthly": "Child support grant per month, baht",
    "programs": "Programs received",
    "monthly_total": "Sum of the monthly amounts of all programs, baht",
}

_AREA_HEAD = {
    "level": "Area level: country, province, district, subdistrict or village",
    "area_code": "Code of the area at its level (TH for the country)",
    "parent_code": "Code of the enclosing area (null for the country)",
    "name_th": "Area name in Thai (from ref)",
    "name_en": "Area name in English (from ref; villages have none)",
    "province_code": "Province code (null above province level)",
    "district_code": "District code (null above district level)",
    "subdistrict_code": "Subdistrict code (null above subdistrict level)",
    "village_code": "BMN village code (null above village level)",
}


def _published(catalogue: IndicatorCatalogue) -> list[str]:
    """Published TPMAP column names this table computes, in the published order."""
    head = ["household.CNT", "HOUSEMEMBER_CNT", "MOF_REG_CNT", "MOF_VAL_CNT", "ELDERLY_CNT", "DISABLED_CNT", "CHRONICPATIENT_CNT"]
    inds = [f"indicator{n}.ALL" for n in catalogue.numbers] + [f"indicator{n}.CNT" for n in catalogue.numbers]
    poor = ["poor.household.CNT", "poor.JPT.CNT", "poor.JPT.MOFreg.CNT", "poor.JPT.MOFval.CNT"]
    dims = [f"poor.JPT.MOFval.{d}" for d in catalogue.dimensions]
    return head + inds + poor + dims + ["JPT.MOFval.pov.rate"] + [f"poor.JPT.MOFval.ind{n}.CNT" for n in catalogue.numbers]


def area_comments(catalogue: IndicatorCatalogue) -> dict[str, str]:
    from jobs.reference import snake_name

    comments = dict(_AREA_HEAD)
    comments.update({snake_name(p): published_comment(p) for p in _published(catalogue)})
    comments.update(
        {
            "rank_in_parent": "Rank among areas with the same parent by target-poor rate (1 = highest rate)",
            "af_k": "Alkire-Foster poverty cutoff k (catalogue)",
            "af_poor_persons": "Persons in Alkire-Foster-poor households (q)",
            "af_h": "Alkire-Foster headcount ratio H = q / persons surveyed",
            "af_a": "Alkire-Foster intensity A = mean deprivation score of the AF-poor",
            "af_m0": "Alkire-Foster adjusted headcount M0 = H x A",
        }
    )
    return comments


def area_columns(catalogue: IndicatorCatalogue) -> list[str]:
    return list(area_comments(catalogue))


def area_table_comments(catalogue: IndicatorCatalogue) -> dict[str, str]:
    """area_indicators' columns as written: the round, the figures, and their change from the round before."""
    return {**ROUND_COMMENT, **area_comments(catalogue), **movement.area_change_comments()}
