"""The development secret only for the environment named local; any other needs its own, checked before
Spark starts (exit 2); no secret in messages or run records."""

from __future__ import annotations

import pytest
import yaml

from jobs.config import CONF_DIR, DEV_PSEUDONYM_SECRET, ConfigError, load_config

pytestmark = pytest.mark.usefixtures("no_env_overrides")


@pytest.fixture
def conf_dir(tmp_path):
    local = yaml.safe_load((CONF_DIR / "local.yaml").read_text(encoding="utf-8"))
    (tmp_path / "local.yaml").write_text(yaml.safe_dump(local), encoding="utf-8")
    (tmp_path / "staging.yaml").write_text(yaml.safe_dump({**local, "env": "staging"}), encoding="utf-8")
    return tmp_path


def test_only_local_falls_back_to_the_development_secret(conf_dir, monkeypatch):
    monkeypatch.delenv("TPMAP_PSEUDONYM_SECRET", raising=False)
    assert load_config("local", conf_dir=conf_dir).pseudonym_secret() == DEV_PSEUDONYM_SECRET
    staging = load_config("staging", conf_dir=conf_dir)  # a copy of local under another name
    with pytest.raises(ConfigError, match="set TPMAP_PSEUDONYM_SECRET"):
        staging.pseudonym_secret()
    monkeypatch.setenv("TPMAP_PSEUDONYM_SECRET", DEV_PSEUDONYM_SECRET)
    with pytest.raises(ConfigError, match="development secret") as err:
        staging.pseudonym_secret()
    assert DEV_PSEUDONYM_SECRET not in str(err.value)
    monkeypatch.setenv("TPMAP_PSEUDONYM_SECRET", "staging-secret-0123456789")
    assert staging.pseudonym_secret() == "staging-secret-0123456789"


def test_allow_dev_secret_is_refused_with_a_reason(conf_dir):
    data = yaml.safe_load((conf_dir / "staging.yaml").read_text(encoding="utf-8"))
    data["secrets"]["allow_dev_secret"] = True
    (conf_dir / "staging.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ConfigError, match="allow_dev_secret is no longer read"):
        load_config("staging", conf_dir=conf_dir)


@pytest.mark.parametrize("argv", [["indicators"], ["erase", "--pid", "3300100123459", "--reason", "r"]])
def test_jobs_needing_the_secret_stop_before_spark(conf_dir, monkeypatch, capsys, argv):
    import jobs.spark
    from jobs.__main__ import build_parser, job_options, run_one

    monkeypatch.delenv("TPMAP_PSEUDONYM_SECRET", raising=False)
    monkeypatch.setattr(jobs.spark, "get_spark", lambda *a, **k: pytest.fail("Spark must not start"))
    args = build_parser().parse_args([*argv, "--env", "staging"])
    assert run_one(load_config("staging", conf_dir=conf_dir), args.job, job_options(args)) == 2
    assert "set TPMAP_PSEUDONYM_SECRET" in capsys.readouterr().err


def test_error_messages_are_redacted_of_the_key():
    from jobs.indicators import redacted
    from udfs.pseudonym import _padded_keys

    secret = "a-real-secret-value"
    inner, outer = _padded_keys(secret)
    message = f"plan: sha2(concat(X'{inner.hex().upper()}', ...)) X'{outer.hex()}' key {secret}"
    cleaned = redacted(message, secret)
    assert secret not in cleaned and inner.hex() not in cleaned.lower() and outer.hex() not in cleaned.lower()
