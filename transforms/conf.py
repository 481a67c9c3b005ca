"""What every layer may know of the configuration: where conf/ is, the base of every settings model, how a
settings file is read and validated, and the error a bad setting raises.

Lives at the bottom (transforms/) so that transforms read their settings files without importing jobs/;
jobs.config re-exports what jobs use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONF_DIR = PROJECT_ROOT / "conf"

Model = TypeVar("Model", bound=BaseModel)


class ConfigError(Exception):
    """A configuration file is missing, malformed or invalid; raised before any Spark work."""


class Strict(BaseModel):
    """Base of every settings model: an unknown key is an error (a misspelt setting is never silently
    ignored), and settings do not change once read."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def read_yaml(path: Path, what: str) -> dict[str, Any]:
    """The file's top-level mapping (an empty file is an empty mapping); ConfigError if it cannot be read."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigError(f"{path}: cannot read the {what}: {err}") from None
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML: {err}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of keys, found {type(data).__name__}")
    return data


def validated(path: Path, raw: Any, model: type[Model], what: str) -> Model:
    """`raw` as `model`; ConfigError naming the file and, per problem, the key and the reason."""
    try:
        return model.model_validate(raw)
    except ValidationError as err:
        raise ConfigError(describe_validation_error(path, err, what)) from None


def load(path: Path, model: type[Model], what: str) -> Model:
    """Read and validate one settings file."""
    return validated(path, read_yaml(path, what), model, what)


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
