"""Environment configuration: conf/<env>.yaml validated by pydantic before Spark starts.

Paths may be overridden by environment variables (TPMAP_ROOT, TPMAP_WAREHOUSE, TPMAP_METASTORE,
TPMAP_LANDING, TPMAP_TRUTH, TPMAP_RUNS) so that tests, CI and operators can move the lakehouse
without editing YAML. Secrets are never written in YAML outside the local environment: they are
read from the environment variable the config names.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONF_DIR = PROJECT_ROOT / "conf"
DEV_PSEUDONYM_SECRET = "tpmap-local-development-secret-do-not-use-in-production"


class ConfigError(Exception):
    """A configuration file is missing, malformed or invalid; raised before any Spark work."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SparkSettings(_Strict):
    master: str = Field(description="Spark master when not launched by spark-submit")
    driver_memory: str = Field(description="Driver JVM heap, e.g. 8g (local mode runs executors in the driver)")
    shuffle_partitions: int = Field(gt=0, description="spark.sql.shuffle.partitions")
    ui_enabled: bool = False
    extra: dict[str, str] = Field(default_factory=dict, description="Any other Spark settings")


class JarSettings(_Strict):
    packages: list[str] = Field(description="Maven coordinates resolved by Ivy on first start")
    ivy_cache: str = Field(description="Ivy cache folder, reused by every later start")
    local_dir: str | None = Field(
        default=None,
        description="Folder of pre-fetched jars (scripts/fetch_jars.sh); when it holds jars they are used instead of packages",
    )


class PathSettings(_Strict):
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


class SecretSettings(_Strict):
    pseudonym_secret_env: str = Field(description="Environment variable holding the HMAC key for gold pseudonyms")
    allow_dev_secret: bool = Field(description="Only true for local: fall back to the development secret")


class RunAllSettings(_Strict):
    scale: float = Field(gt=0, description="Synthetic population scale used by run-all's generate stage")
    seed: int = Field(ge=0)


class AppConfig(_Strict):
    env: str
    spark: SparkSettings
    jars: JarSettings
    paths: PathSettings
    secrets: SecretSettings
    run_all: RunAllSettings

    @field_validator("env")
    @classmethod
    def _env_is_a_name(cls, value: str) -> str:
        if not value.isidentifier():
            raise ValueError("must be a simple name such as local or cluster")
        return value

    def pseudonym_secret(self) -> str:
        """The HMAC key for gold pseudonyms; refuses the development key outside local."""
        secret = os.environ.get(self.secrets.pseudonym_secret_env)
        if secret:
            if secret == DEV_PSEUDONYM_SECRET and not self.secrets.allow_dev_secret:
                raise ConfigError(
                    f"environment {self.env!r}: {self.secrets.pseudonym_secret_env} holds the development secret; "
                    "set a real secret for this environment"
                )
            return secret
        if self.secrets.allow_dev_secret:
            return DEV_PSEUDONYM_SECRET
        raise ConfigError(
            f"environment {self.env!r}: set {self.secrets.pseudonym_secret_env} to the pseudonym secret "
            "(the development secret is refused outside local)"
        )


PATH_OVERRIDES = {
    "root": "TPMAP_ROOT",
    "warehouse": "TPMAP_WAREHOUSE",
    "metastore": "TPMAP_METASTORE",
    "landing": "TPMAP_LANDING",
    "truth": "TPMAP_TRUTH",
    "runs": "TPMAP_RUNS",
}


def known_environments(conf_dir: Path = CONF_DIR) -> list[str]:
    return sorted(p.stem for p in conf_dir.glob("*.yaml") if _is_environment_file(p))


def _is_environment_file(path: Path) -> bool:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(data, dict) and "env" in data and "spark" in data


def load_config(env: str, conf_dir: Path = CONF_DIR, environ: dict[str, str] | None = None) -> AppConfig:
    """Load and validate conf/<env>.yaml, apply environment overrides; raise ConfigError on any problem."""
    environ = dict(os.environ) if environ is None else environ
    path = conf_dir / f"{env}.yaml"
    if not path.is_file():
        raise ConfigError(
            f"unknown environment {env!r}: there is no {path} (known: {', '.join(known_environments(conf_dir)) or 'none'})"
        )
    raw = _read_yaml(path)
    raw = _with_path_overrides(raw, environ)
    try:
        config = AppConfig.model_validate(raw)
    except ValidationError as err:
        raise ConfigError(describe_validation_error(path, err)) from None
    if config.env != env:
        raise ConfigError(f"{path}: env: says {config.env!r} but the file is for environment {env!r}")
    return config


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML: {err}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of keys, found {type(data).__name__}")
    return data


def _with_path_overrides(raw: dict[str, Any], environ: dict[str, str]) -> dict[str, Any]:
    paths = raw.get("paths")
    if not isinstance(paths, dict):
        return raw
    overridden = dict(paths)
    for key, variable in PATH_OVERRIDES.items():
        if environ.get(variable):
            overridden[key] = environ[variable]
    return {**raw, "paths": overridden}


def describe_validation_error(path: Path, err: ValidationError, what: str = "configuration") -> str:
    """One line per problem: the dotted key and the reason, under the file's name."""
    lines = [f"{path}: invalid {what}"]
    for problem in err.errors():
        key = ".".join(str(part) for part in problem["loc"]) or "(top level)"
        reason = "missing key" if problem["type"] == "missing" else problem["msg"]
        if problem["type"] == "extra_forbidden":
            reason = f"unknown key (not part of the {what} model)"
        lines.append(f"  {key}: {reason}")
    return "\n".join(lines)
