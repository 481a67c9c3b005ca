"""The tools' Spark flags come from the session factory's settings (so spark-sql, Thrift and submit cannot drift)."""

from __future__ import annotations

import importlib.metadata

import pytest

from jobs.spark import catalog_settings, delta_package, local_jars
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
    assert all(
        n.startswith(("io.delta_delta-spark", "io.delta_delta-storage", "delta-spark", "delta-storage", "scala-udf-similarity"))
        for n in names
    ), names


def test_jars_come_as_packages_or_jars_flags(config):
    words = flags(config, "submit", "local[*]")
    assert "--packages" in words or "--jars" in words
    if "--packages" in words:
        assert words[words.index("--packages") + 1] == ",".join([delta_package(), *config.jars.extra_packages])


def test_delta_coordinate_follows_the_installed_packages(monkeypatch):
    versions = {"pyspark": "4.2.0", "delta-spark": "4.4.0"}
    monkeypatch.setattr(importlib.metadata, "version", lambda name: versions[name])
    assert delta_package() == "io.delta:delta-spark_4.2_2.13:4.4.0"
    versions.update({"pyspark": "4.3.1", "delta-spark": "4.6.0"})
    assert delta_package() == "io.delta:delta-spark_4.3_2.13:4.6.0"


def test_prefetched_jars_of_another_delta_release_are_not_used(config, tmp_path):
    _, artifact, version = delta_package().split(":")
    (tmp_path / "ivy").mkdir()
    (tmp_path / f"{artifact}-0.0.1.jar").write_bytes(b"")
    pinned = config.model_copy(
        update={"jars": config.jars.model_copy(update={"local_dir": str(tmp_path), "ivy_cache": str(tmp_path / "ivy")})}
    )
    assert local_jars(pinned) == []
    (tmp_path / f"{artifact}-{version}.jar").write_bytes(b"")
    assert str(tmp_path / f"{artifact}-{version}.jar") in local_jars(pinned)
