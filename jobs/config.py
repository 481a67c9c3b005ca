"""Environment configuration: conf/<env>.yaml validated by pydantic before Spark starts.

Paths may be overridden by environment variables (TPMAP_ROOT, TPMAP_WAREHOUSE, TPMAP_METASTORE,
TPMAP_LANDING, TPMAP_TRUTH, TPMAP_RUNS) and the catalog by TPMAP_CATALOG_URL or TPMAP_METASTORE_URI, so
that tests, CI and operators can move the lakehouse without editing YAML (read by pydantic-settings). Secrets are never written in YAML outside the local environment: they are
read from the environment variable the config names.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from transforms.conf import CONF_DIR, PROJECT_ROOT, ConfigError, Strict, read_yaml, validated

DEV_PSEUDONYM_SECRET = "tpmap-local-development-secret-do-not-use-in-production"


class SparkSettings(Strict):
    master: str = Field(description="Spark master when not launched by spark-submit")
    driver_memory: str = Field(description="Driver JVM heap, e.g. 8g (local mode runs executors in the driver)")
    shuffle_partitions: int = Field(gt=0, description="spark.sql.shuffle.partitions")
    ui_enabled: bool = False
    concurrent_sources: int = Field(
        default=2,
        ge=1,
        description="Sources standardize works on at once from its one session: one source's tasks run while another's "
        "driver work (planning, Delta commits) goes on",
    )
    extra: dict[str, str] = Field(default_factory=dict, description="Any other Spark settings")


class JarSettings(Strict):
    extra_packages: list[str] = Field(
        default_factory=list,
        description="Maven coordinates resolved by Ivy besides Delta's, whose coordinate comes from the installed delta-spark",
    )
    ivy_cache: str = Field(description="Ivy cache folder, reused by every later start")
    local_dir: str | None = Field(
        default=None,
        description="Folder of pre-fetched jars (scripts/fetch_jars.sh); when it holds the installed delta-spark's jar, used instead of Ivy",
    )


class PathSettings(Strict):
    root: str = Field(description="Base of the relative paths below")
    warehouse: str
    metastore: str
    landing: str
    truth: str
    runs: str = Field(description="Per-run artefacts such as trained linkage models")

    def resolved(self, name: str) -> str:
        """The absolute path or URI of one of the paths (relative ones are under root)."""
        value = getattr(self, name)
        if "://" in value or os.path.isabs(value):
            return value
        root = self.root if ("://" in self.root or os.path.isabs(self.root)) else str(PROJECT_ROOT / self.root)
        return f"{root.rstrip('/')}/{value}" if value else root

    def check_writable(self, names: tuple[str, ...] = ("warehouse", "metastore", "runs")) -> None:
        """Before Spark starts: each local path a job writes can be created or written by this user."""
        for name in names:
            value = self.resolved(name)
            if "://" in value and not value.startswith("file:"):
                continue  # HDFS and object stores answer once Hadoop is up
            path = Path(value.removeprefix("file:"))
            existing = next(p for p in (path, *path.parents) if p.exists())
            if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
                raise ConfigError(f"paths.{name}: {value} cannot be written ({existing} is not a folder this user may write)")


LOCAL_ENV = "local"  # the only environment that may fall back to the development secret


class SecretSettings(Strict):
    pseudonym_secret_env: str = Field(description="Environment variable holding the HMAC key for gold pseudonyms")

    @model_validator(mode="before")
    @classmethod
    def _no_allow_dev_secret(cls, data: Any) -> Any:
        if isinstance(data, dict) and "allow_dev_secret" in data:
            raise ValueError(
                f"allow_dev_secret is no longer read: only the environment named {LOCAL_ENV!r} may use the development secret; remove the key"
            )
        return data


Layer = Literal["bronze", "silver", "gold", "public", "ops", "ref"]


class LayerRetention(Strict):
    log_days: int = Field(default=30, ge=0, description="delta.logRetentionDuration: how long table history (the log) is kept")
    deleted_file_days: int = Field(
        default=7,
        ge=0,
        description="delta.deletedFileRetentionDuration: how long files no longer in the table are kept before VACUUM removes them",
    )


class RetentionSettings(Strict):
    """Delta history retention per layer (database); `python -m jobs vacuum` applies it."""

    bronze: LayerRetention = Field(default_factory=LayerRetention)
    silver: LayerRetention = Field(default_factory=LayerRetention)
    gold: LayerRetention = Field(default_factory=LayerRetention)
    public: LayerRetention = Field(default_factory=LayerRetention)
    ops: LayerRetention = Field(default_factory=LayerRetention)
    ref: LayerRetention = Field(default_factory=LayerRetention)

    def of(self, layer: str) -> LayerRetention:
        return getattr(self, layer)


class RunAllSettings(Strict):
    scale: float = Field(gt=0, description="Synthetic population scale used by run-all's generate stage")
    seed: int = Field(ge=0)


class CatalogSettings(Strict):
    """Where the Hive-style catalog lives. embedded: Derby inside the Spark process (paths.metastore; one
    process at a time); server: a metastore database served to many processes (scripts/metastore.sh starts
    Derby's network server); hive: an existing Hive metastore service."""

    kind: Literal["embedded", "server", "hive"] = "embedded"
    url: str | None = Field(
        default=None,
        description="server: JDBC URL of the metastore database, e.g. jdbc:derby://127.0.0.1:1527//srv/tpmap/metastore;create=true",
    )
    uri: str | None = Field(default=None, description="hive: thrift URI of the Hive metastore, e.g. thrift://metastore.example:9083")

    @model_validator(mode="after")
    def _address_given(self) -> CatalogSettings:
        if self.kind == "server" and not (self.url or "").startswith("jdbc:derby://"):
            raise ValueError("kind server needs url: jdbc:derby://host:port/<database path>;create=true")
        if self.kind == "hive" and not (self.uri or "").startswith("thrift://"):
            raise ValueError("kind hive needs uri: thrift://host:port")
        return self


class AppConfig(Strict):
    env: str
    spark: SparkSettings
    jars: JarSettings
    paths: PathSettings
    secrets: SecretSettings
    run_all: RunAllSettings
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    catalog: CatalogSettings = Field(default_factory=CatalogSettings)

    @field_validator("env")
    @classmethod
    def _env_is_a_name(cls, value: str) -> str:
        if not value.isidentifier():
            raise ValueError("must be a simple name such as local or cluster")
        return value

    def pseudonym_secret(self) -> str:
        """The HMAC key for gold pseudonyms and erasure records.

        Only the environment named `local` falls back to the (public) development secret; any other
        needs its own in the variable the config names. Messages never contain the secret.
        """
        secret = os.environ.get(self.secrets.pseudonym_secret_env)
        if secret:
            if secret == DEV_PSEUDONYM_SECRET and self.env != LOCAL_ENV:
                raise ConfigError(
                    f"environment {self.env!r}: {self.secrets.pseudonym_secret_env} holds the development secret; "
                    f"set a real secret for this environment (only {LOCAL_ENV!r} may use the development secret)"
                )
            return secret
        if self.env == LOCAL_ENV:
            return DEV_PSEUDONYM_SECRET
        raise ConfigError(
            f"environment {self.env!r}: set {self.secrets.pseudonym_secret_env} to the pseudonym secret "
            f"(only the environment named {LOCAL_ENV!r} may use the development secret)"
        )


class EnvOverrides(BaseSettings):
    """TPMAP_<NAME> variables that replace a value of conf/<env>.yaml; unset or empty ones change nothing."""

    model_config = SettingsConfigDict(env_prefix="TPMAP_", env_ignore_empty=True, extra="ignore", frozen=True)

    root: str | None = Field(default=None, description="paths.root")
    warehouse: str | None = Field(default=None, description="paths.warehouse")
    metastore: str | None = Field(default=None, description="paths.metastore")
    landing: str | None = Field(default=None, description="paths.landing")
    truth: str | None = Field(default=None, description="paths.truth")
    runs: str | None = Field(default=None, description="paths.runs")
    catalog_url: str | None = Field(default=None, description="catalog: kind server with this JDBC URL")
    metastore_uri: str | None = Field(default=None, description="catalog: kind hive with this thrift URI")

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings):
        return (env_settings,)  # the process environment only: no .env file, no secrets folder

    def applied_to(self, raw: dict[str, Any]) -> dict[str, Any]:
        """The file's settings with these overrides in place (before validation, so errors name the key)."""
        paths = raw.get("paths")
        if isinstance(paths, dict):
            given = self.model_dump(include=set(PathSettings.model_fields), exclude_none=True)
            raw = {**raw, "paths": {**paths, **given}}
        if self.catalog_url:
            return {**raw, "catalog": {"kind": "server", "url": self.catalog_url}}
        if self.metastore_uri:
            return {**raw, "catalog": {"kind": "hive", "uri": self.metastore_uri}}
        return raw


def known_environments(conf_dir: Path = CONF_DIR) -> list[str]:
    return sorted(p.stem for p in conf_dir.glob("*.yaml") if _is_environment_file(p))


def _is_environment_file(path: Path) -> bool:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(data, dict) and "env" in data and "spark" in data


def load_config(env: str, conf_dir: Path = CONF_DIR) -> AppConfig:
    """Load and validate conf/<env>.yaml, apply the environment's overrides; raise ConfigError on any problem."""
    path = conf_dir / f"{env}.yaml"
    if not path.is_file():
        raise ConfigError(f"unknown environment {env!r}: there is no {path} (known: {', '.join(known_environments(conf_dir)) or 'none'})")
    raw = EnvOverrides().applied_to(read_yaml(path, "configuration"))
    config = validated(path, raw, AppConfig, "configuration")
    if config.env != env:
        raise ConfigError(f"{path}: env: says {config.env!r} but the file is for environment {env!r}")
    return config
