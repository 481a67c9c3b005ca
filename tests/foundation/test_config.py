"""Each kind of bad configuration gives its own clear error, before Spark starts."""

import shutil
from pathlib import Path

import pytest
import yaml

from jobs.config import CONF_DIR, DEV_PSEUDONYM_SECRET, ConfigError, load_config

pytestmark = pytest.mark.usefixtures("no_env_overrides")


@pytest.fixture()
def conf_dir(tmp_path: Path) -> Path:
    shutil.copy(CONF_DIR / "local.yaml", tmp_path / "local.yaml")
    shutil.copy(CONF_DIR / "cluster.yaml", tmp_path / "cluster.yaml")
    return tmp_path


def _edit(conf_dir: Path, env: str, change) -> None:
    path = conf_dir / f"{env}.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True))


def test_the_shipped_environments_load():
    assert load_config("local").spark.master == "local[2]"
    assert load_config("cluster").paths.resolved("warehouse") == "s3a://tpmap-lakehouse/warehouse"


def test_unknown_environment_names_the_known_ones(conf_dir):
    with pytest.raises(ConfigError, match=r"unknown environment 'staging'.*known: cluster, local"):
        load_config("staging", conf_dir=conf_dir)


def test_missing_key_names_file_and_key(conf_dir):
    _edit(conf_dir, "local", lambda d: d["spark"].pop("shuffle_partitions"))
    with pytest.raises(ConfigError) as err:
        load_config("local", conf_dir=conf_dir)
    assert "local.yaml" in str(err.value)
    assert "spark.shuffle_partitions: missing key" in str(err.value)


def test_wrong_type_names_key_and_reason(conf_dir):
    _edit(conf_dir, "local", lambda d: d["spark"].update(shuffle_partitions="many"))
    with pytest.raises(ConfigError, match=r"spark\.shuffle_partitions: Input should be a valid integer"):
        load_config("local", conf_dir=conf_dir)


def test_out_of_range_value(conf_dir):
    _edit(conf_dir, "local", lambda d: d["run_all"].update(scale=-1))
    with pytest.raises(ConfigError, match=r"run_all\.scale: Input should be greater than 0"):
        load_config("local", conf_dir=conf_dir)


def test_unknown_key_is_refused(conf_dir):
    _edit(conf_dir, "local", lambda d: d["paths"].update(warehous="typo"))
    with pytest.raises(ConfigError, match=r"paths\.warehous: unknown key"):
        load_config("local", conf_dir=conf_dir)


def test_invalid_yaml(conf_dir):
    (conf_dir / "local.yaml").write_text("env: local\nspark: [unclosed\n")
    with pytest.raises(ConfigError, match=r"local\.yaml: not valid YAML"):
        load_config("local", conf_dir=conf_dir)


def test_env_field_must_match_file(conf_dir):
    _edit(conf_dir, "local", lambda d: d.update(env="cluster"))
    with pytest.raises(ConfigError, match=r"env: says 'cluster' but the file is for environment 'local'"):
        load_config("local", conf_dir=conf_dir)


def test_environment_variables_override_paths(conf_dir, monkeypatch):
    monkeypatch.setenv("TPMAP_ROOT", "/data/lh")
    monkeypatch.setenv("TPMAP_LANDING", "/drop/zone")
    monkeypatch.setenv("TPMAP_TRUTH", "")  # empty: no override
    config = load_config("local", conf_dir=conf_dir)
    assert config.paths.resolved("warehouse") == "/data/lh/warehouse"
    assert config.paths.resolved("landing") == "/drop/zone"
    assert config.paths.resolved("truth") == "/data/lh/truth"


def test_development_secret_refused_outside_local(monkeypatch):
    monkeypatch.delenv("TPMAP_PSEUDONYM_SECRET", raising=False)
    assert load_config("local").pseudonym_secret() == DEV_PSEUDONYM_SECRET
    cluster = load_config("cluster")
    with pytest.raises(ConfigError, match="set TPMAP_PSEUDONYM_SECRET"):
        cluster.pseudonym_secret()
    monkeypatch.setenv("TPMAP_PSEUDONYM_SECRET", DEV_PSEUDONYM_SECRET)
    with pytest.raises(ConfigError, match="development secret"):
        cluster.pseudonym_secret()
    monkeypatch.setenv("TPMAP_PSEUDONYM_SECRET", "a-real-secret")
    assert cluster.pseudonym_secret() == "a-real-secret"


def test_catalog_kinds_and_their_settings(conf_dir, monkeypatch):
    from jobs.spark import metastore_settings

    monkeypatch.setenv("TPMAP_ROOT", "/data/lh")
    embedded = load_config("local", conf_dir=conf_dir)
    assert embedded.catalog.kind == "embedded"
    assert (
        metastore_settings(embedded)["spark.hadoop.javax.jdo.option.ConnectionURL"]
        == "jdbc:derby:;databaseName=/data/lh/metastore_db;create=true"
    )

    url = "jdbc:derby://127.0.0.1:1527//srv/tpmap/metastore_db;create=true"
    monkeypatch.setenv("TPMAP_CATALOG_URL", url)
    served = load_config("local", conf_dir=conf_dir)
    assert metastore_settings(served)["spark.hadoop.javax.jdo.option.ConnectionURL"] == url
    assert metastore_settings(served)["spark.hadoop.javax.jdo.option.ConnectionDriverName"] == "org.apache.derby.jdbc.ClientDriver"

    monkeypatch.delenv("TPMAP_CATALOG_URL")
    hive = load_config("cluster", conf_dir=conf_dir)
    assert metastore_settings(hive) == {"spark.hadoop.hive.metastore.uris": "thrift://metastore.tpmap.internal:9083"}


def test_a_server_catalog_without_its_url_is_refused(conf_dir):
    _edit(conf_dir, "local", lambda d: d.update(catalog={"kind": "server"}))
    with pytest.raises(ConfigError, match=r"catalog: Value error, kind server needs url: jdbc:derby://"):
        load_config("local", conf_dir=conf_dir)
