"""The one SparkSession factory used by every job, the tests and the operator scripts.

Started with plain `python -m jobs ...` it launches local Spark with the Delta jars (resolved once by
Ivy into a reusable cache, or taken from a folder of pre-fetched jars). Launched by spark-submit it
leaves master, resources and jars to spark-submit and only adds the catalog settings.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import sys
from pathlib import Path

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession

from jobs.catalog_lock import hold_catalog
from jobs.config import AppConfig, ConfigError
from jobs.tables import secure_lakehouse

DELTA_EXTENSION = "io.delta.sql.DeltaSparkSessionExtension"
# A server catalog: Derby's network client, the version Spark ships (scripts/metastore.sh fetches it).
DERBY_VERSION = "10.16.1.1"
DERBY_JARS = Path(os.environ.get("TPMAP_DERBY_JARS", "~/.cache/tpmap-lakehouse/derby")).expanduser()
DERBY_CLIENT_DRIVER = "org.apache.derby.jdbc.ClientDriver"
DELTA_CATALOG = "org.apache.spark.sql.delta.catalog.DeltaCatalog"
LOG_CONFIG = Path(__file__).resolve().parents[1] / "conf" / "log4j2.properties"


def launched_by_spark_submit() -> bool:
    """spark-submit starts the JVM first and hands its gateway port to the Python driver."""
    return "PYSPARK_GATEWAY_PORT" in os.environ


def delta_package() -> str:
    """The Maven coordinate of the Delta jar matching the installed delta-spark and pyspark, derived the way
    delta-spark's own configure_spark_with_delta_pip derives it: a hand-written pin could drift from the
    Python package it must equal."""
    spark = ".".join(importlib.metadata.version("pyspark").split(".")[:2])
    return f"io.delta:delta-spark_{spark}_2.13:{importlib.metadata.version('delta-spark')}"


def jar_packages(config: AppConfig) -> list[str]:
    """Delta's coordinate first, then any others the environment config names."""
    return [delta_package(), *config.jars.extra_packages]


def local_jars(config: AppConfig) -> list[str]:
    """Delta's jars already on this machine: pre-fetched (jars.local_dir), else the ones an earlier start's
    Ivy resolution retrieved for the configured packages; an empty list when neither is there.

    Only Delta's own jars (delta-spark and delta-storage): Spark brings the rest, and using the retrieved
    files directly saves the Ivy resolution (seconds) at every session start.
    """
    if config.jars.local_dir:
        folder = Path(config.jars.local_dir).expanduser()
        jars = sorted(str(p) for p in folder.glob("*.jar"))
        _, artifact, version = delta_package().split(":")
        if f"{artifact}-{version}.jar" in {Path(j).name for j in jars}:  # as Maven copies it; another release is not used
            return jars
    retrieved = Path(config.jars.ivy_cache).expanduser() / "jars"
    wanted = [retrieved / name for package in jar_packages(config) for name in _ivy_jar_names(package)]
    return [str(p) for p in wanted] if wanted and all(p.is_file() for p in wanted) else []


def _ivy_jar_names(package: str) -> list[str]:
    """File names Ivy retrieves a Delta package's jars under: `io.delta:delta-spark_4.2_2.13:4.4.0` ->
    io.delta_delta-spark_4.2_2.13-4.4.0.jar and its storage layer io.delta_delta-storage-4.4.0.jar."""
    group, artifact, version = package.split(":")
    names = [f"{group}_{artifact}-{version}.jar"]
    if artifact.startswith("delta-spark"):
        names.append(f"{group}_delta-storage-{version}.jar")
    return names


def splink_similarity_jar() -> str | None:
    """Splink's Scala similarity functions (Jaro-Winkler etc.) for Spark 4, shipped inside the splink package."""
    spec = importlib.util.find_spec("splink")
    if spec is None or not spec.origin:
        return None
    jars = sorted(Path(spec.origin).parent.glob("internals/files/spark_jars/scala-udf-similarity-*_spark4*.jar"))
    return str(jars[-1]) if jars else None


def catalog_settings(config: AppConfig) -> dict[str, str]:
    """Settings that make the Hive-style catalog, Delta and the warehouse work, local or on a cluster."""
    warehouse = config.paths.resolved("warehouse")
    return {
        "spark.sql.extensions": DELTA_EXTENSION,
        "spark.sql.catalog.spark_catalog": DELTA_CATALOG,
        "spark.sql.catalogImplementation": "hive",
        "spark.sql.warehouse.dir": warehouse,
        **metastore_settings(config),
        "spark.databricks.delta.schema.autoMerge.enabled": "false",
    }


def metastore_settings(config: AppConfig) -> dict[str, str]:
    """The catalog's metastore: embedded Derby, a Derby network server, or a Hive metastore service."""
    catalog = config.catalog
    if catalog.kind == "hive":
        return {"spark.hadoop.hive.metastore.uris": str(catalog.uri)}
    url = catalog.url if catalog.kind == "server" else f"jdbc:derby:;databaseName={config.paths.resolved('metastore')};create=true"
    settings = {
        "spark.hadoop.javax.jdo.option.ConnectionURL": str(url),
        # The metastore creates its schema on first use instead of needing a separate init step.
        "spark.hadoop.datanucleus.schema.autoCreateAll": "true",
        "spark.hadoop.hive.metastore.schema.verification": "false",
    }
    if catalog.kind == "server":
        settings["spark.hadoop.javax.jdo.option.ConnectionDriverName"] = DERBY_CLIENT_DRIVER
    return settings


def derby_client_jar(config: AppConfig) -> str | None:
    """Derby's network client (fetched by scripts/metastore.sh), which a server catalog needs on the driver's
    class path; None for the other catalogs. Missing: a configuration error naming the script."""
    if config.catalog.kind != "server":
        return None
    jar = DERBY_JARS / f"derbyclient-{DERBY_VERSION}.jar"
    if not jar.is_file():
        raise ConfigError(f"catalog: kind server needs {jar}: run scripts/metastore.sh start (it fetches Derby's network jars)")
    return str(jar)


def local_settings(config: AppConfig) -> dict[str, str]:
    """Settings only a locally launched JVM needs: master, memory, jars, Derby's log location."""
    derby_home = str(Path(config.paths.resolved("metastore")).parent)
    settings = {
        "spark.driver.memory": config.spark.driver_memory,
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={derby_home}"
        + (f" -Dlog4j2.configurationFile={LOG_CONFIG.as_uri()}" if LOG_CONFIG.is_file() else ""),
        "spark.ui.enabled": str(config.spark.ui_enabled).lower(),
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": str(config.spark.shuffle_partitions),
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.driver.host": "127.0.0.1",
    }
    client = derby_client_jar(config)
    if client:
        settings["spark.driver.extraClassPath"] = client
    jars = local_jars(config)
    if not jars:
        settings["spark.jars.packages"] = ",".join(jar_packages(config))
        settings["spark.jars.ivy"] = str(Path(config.jars.ivy_cache).expanduser())
    similarity = splink_similarity_jar()
    if similarity:
        jars.append(similarity)
    if jars:
        settings["spark.jars"] = ",".join(jars)
    return settings


def environment_settings(environ: dict[str, str] | None = None) -> dict[str, str]:
    """Spark settings from $TPMAP_SPARK_CONF, a JSON object (e.g. event logs or memory for one benchmark run)."""
    raw = (os.environ if environ is None else environ).get("TPMAP_SPARK_CONF", "").strip()
    if not raw:
        return {}
    try:
        settings = json.loads(raw)
    except json.JSONDecodeError as err:
        raise ConfigError(f"TPMAP_SPARK_CONF is not a JSON object of Spark settings: {err}") from None
    if not isinstance(settings, dict):
        raise ConfigError('TPMAP_SPARK_CONF must be a JSON object such as {"spark.eventLog.enabled": "true"}')
    return {str(k): str(v) for k, v in settings.items()}


def get_spark(config: AppConfig, app_name: str = "tpmap-lakehouse", extra: dict[str, str] | None = None) -> SparkSession:
    """Return the session for this process, creating it from the configuration if needed.

    Raises CatalogBusy before any JVM starts when another process holds the lakehouse's metastore.
    """
    secure_lakehouse(config)  # before the JVM starts, so it inherits the private umask
    if config.catalog.kind == "embedded":
        hold_catalog(config, app_name)
    builder = SparkSession.builder.appName(app_name)
    settings = dict(catalog_settings(config))
    if not launched_by_spark_submit():
        # Python workers must run this interpreter (the project's venv); PySpark's default is whatever
        # `python3` is first on PATH, which on a fresh machine lacks pandas/pyarrow for pandas UDFs.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        builder = builder.master(config.spark.master)
        settings.update(local_settings(config))
        Path(config.paths.resolved("metastore")).parent.mkdir(parents=True, exist_ok=True)
    settings.update(config.spark.extra)
    settings.update(extra or {})
    settings.update(environment_settings())
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.enableHiveSupport().getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark


class Kept:
    """DataFrames cached on first use (memory, spilling to disk) for a job's later reads, released together
    (one output of standardize, one source of generate, gold's writes)."""

    def __init__(self) -> None:
        self.frames: list[DataFrame] = []

    def __call__(self, df: DataFrame) -> DataFrame:
        self.frames.append(df.persist(StorageLevel.MEMORY_AND_DISK))
        return self.frames[-1]

    def release(self) -> None:
        for df in self.frames:
            df.unpersist()
        self.frames.clear()
