"""Spark command-line flags for an environment, derived from the session factory's own settings.

`python -m jobs.spark_conf --env local --tool sql` prints one shell word per line (read it with
`mapfile -t`), so spark-submit, spark-sql and the Thrift server get exactly the catalog, Delta and jar
settings that `jobs.spark.get_spark` uses and cannot drift from them.

- `--tool submit`: jars (or Ivy packages) and Spark settings for spark-submit; the master and driver
  memory are given by scripts/submit.sh. The Python driver adds the catalog settings itself.
- `--tool sql`: everything a JVM-only tool (spark-sql, the Thrift server) needs to open the same
  Hive-style catalog: catalog settings, Derby location, driver memory, jars.
- `--tool thrift`: as sql, plus the jars on the driver's class path: the Thrift server's sessions do
  not see jars added by --packages/--jars (ClassNotFoundException for DeltaCatalog otherwise).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from jobs.catalog_lock import lock_path
from jobs.config import AppConfig, ConfigError, load_config
from jobs.spark import catalog_settings, derby_client_jar, jar_packages, local_jars, local_settings, splink_similarity_jar

# spark-submit options rather than --conf settings, so they are left out of the --conf list.
_JAR_KEYS = ("spark.jars", "spark.jars.packages", "spark.jars.ivy")
# Only a driver on this machine may bind to the loopback address.
_LOOPBACK_KEYS = ("spark.driver.bindAddress", "spark.driver.host")


def driver_is_local(master: str) -> bool:
    return master.startswith("local") or any(host in master for host in ("127.0.0.1", "localhost"))


def jar_flags(config: AppConfig) -> list[str]:
    """--jars with pre-fetched Delta jars and the Splink jar, or --packages resolved by Ivy."""
    jars = local_jars(config)
    flags: list[str] = []
    if not jars:
        flags += ["--packages", ",".join(jar_packages(config))]
        flags += ["--conf", f"spark.jars.ivy={Path(config.jars.ivy_cache).expanduser()}"]
    similarity = splink_similarity_jar()
    if similarity:
        jars.append(similarity)
    if jars:
        flags += ["--jars", ",".join(jars)]
    return flags


def driver_class_path(config: AppConfig) -> str:
    """The Delta jars (pre-fetched, or as Ivy retrieved them on a first --packages start) and Splink's jar.

    Only Delta's own jars: their dependencies (e.g. an older Jackson) would shadow Spark's on this path.
    """
    candidates = local_jars(config) or [str(p) for p in (Path(config.jars.ivy_cache).expanduser() / "jars").glob("*.jar")]
    jars = sorted(j for j in candidates if any(name in Path(j).name for name in ("delta-spark", "delta-storage")))
    similarity = splink_similarity_jar()
    client = derby_client_jar(config)
    return ":".join(jars + ([similarity] if similarity else []) + ([client] if client else []))


def tool_settings(config: AppConfig, tool: str, master: str) -> dict[str, str]:
    settings = {k: v for k, v in local_settings(config).items() if k not in _JAR_KEYS}
    if not driver_is_local(master):
        settings = {k: v for k, v in settings.items() if k not in _LOOPBACK_KEYS}
    if tool == "submit":
        # submit.sh passes --driver-memory; the Python driver applies the catalog settings itself.
        settings.pop("spark.driver.memory", None)
    else:
        settings.update(catalog_settings(config))
    if tool == "thrift":
        settings["spark.driver.extraClassPath"] = driver_class_path(config)
    settings.update(config.spark.extra)
    return settings


def flags(config: AppConfig, tool: str, master: str) -> list[str]:
    words = jar_flags(config)
    for key, value in tool_settings(config, tool, master).items():
        words += ["--conf", f"{key}={value}"]
    return words


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jobs.spark_conf", description=__doc__.splitlines()[0])
    parser.add_argument("--env", default=os.environ.get("TPMAP_ENV", "local"), help="conf/<env>.yaml (default: $TPMAP_ENV or local)")
    parser.add_argument("--tool", choices=("submit", "sql", "thrift"), default="sql", help="which command the flags are for")
    parser.add_argument("--master", default="local[2]", help="the master the tool will use (decides the driver address)")
    parser.add_argument("--state-dir", action="store_true", help="print only the folder holding the metastore (for pid and log files)")
    parser.add_argument("--catalog-lock", action="store_true", help="print only the catalog lock's path (nothing: the catalog is shared)")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.env)
    except ConfigError as err:
        print(f"configuration error: {err}", file=sys.stderr)
        return 2
    state_dir = Path(config.paths.resolved("metastore")).parent
    state_dir.mkdir(parents=True, exist_ok=True)
    if args.state_dir:
        print(state_dir)
        return 0
    if args.catalog_lock:
        if config.catalog.kind == "embedded":
            print(lock_path(config))
        return 0
    try:
        print("\n".join(flags(config, args.tool, args.master)))
    except ConfigError as err:
        print(f"configuration error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
