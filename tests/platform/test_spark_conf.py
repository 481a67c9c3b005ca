"""The tools' Spark flags come from the session factory's settings (so spark-sql, Thrift and submit cannot drift)."""

from __future__ import annotations

import pytest

from jobs.spark import catalog_settings
from jobs.spark_conf import flags, tool_settings


def _confs(words: list[str]) -> dict[str, str]:
    pairs = [words[i + 1] for i, w in enumerate(words) if w == "--conf"]
    return dict(pair.split("=", 1) for pair in pairs)


def test_sql_flags_carry_every_catalog_setting(config):
    confs = _confs(flags(config, "sql", "local[2]"))
    for key, value in catalog_settings(config).items():
        assert confs[key] == value


def test_submit_leaves_driver_memory_and_catalog_to_the_driver(config):
    settings = tool_settings(config, "submit", "spark://127.0.0.1:7077")
    assert "spark.driver.memory" not in settings
    assert "spark.sql.catalog.spark_catalog" not in settings
    assert settings["spark.driver.host"] == "127.0.0.1"


@pytest.mark.parametrize("master", ["yarn", "k8s://https://10.0.0.5:6443", "spark://10.1.2.3:7077"])
def test_remote_masters_do_not_bind_the_driver_to_loopback(config, master):
    settings = tool_settings(config, "sql", master)
    assert "spark.driver.host" not in settings and "spark.driver.bindAddress" not in settings


def test_thrift_class_path_holds_only_delta_and_splink_jars(config):
    class_path = tool_settings(config, "thrift", "local[2]")["spark.driver.extraClassPath"]
    names = [entry.rsplit("/", 1)[-1] for entry in class_path.split(":") if entry]
    assert names, "the Thrift server needs the Delta jars on the driver class path"
    assert all(n.startswith(("io.delta_delta-spark", "io.delta_delta-storage", "delta-spark", "delta-storage", "scala-udf-similarity")) for n in names), names


def test_jars_come_as_packages_or_jars_flags(config):
    words = flags(config, "submit", "local[*]")
    assert "--packages" in words or "--jars" in words
    if "--packages" in words:
        assert words[words.index("--packages") + 1] == ",".join(config.jars.packages)
