"""A job's options, declared once as a pydantic model; its command line is built from the model.

Each job module defines `class Options(JobOptions)`: field types give the argument types (bool -> a flag,
list[...] -> a repeatable option, Literal -> choices), descriptions give the help, defaults are the model's.
`positional()` marks a field given without a flag, `internal()` one the job fills in itself, and
`json_schema_extra={"flag": "--from"}` names a flag other than the field's name (and "metavar" its value). Tests and run-all call jobs with Options objects.
"""

from __future__ import annotations

import argparse
import types
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError

_POSITIONAL = "positional"
_INTERNAL = "internal"


class JobOptions(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def positional(description: str) -> Any:
    """A required field given on the command line without a flag (e.g. explain-link's record id)."""
    return Field(description=description, json_schema_extra={_POSITIONAL: True})


def internal(default: Any) -> Any:
    """A field the job fills in itself (in validate), never given on the command line."""
    return Field(default=default, json_schema_extra={_INTERNAL: True})


def _cli_fields(model: type[JobOptions]) -> dict[str, Any]:
    return {name: f for name, f in model.model_fields.items() if not (f.json_schema_extra or {}).get(_INTERNAL)}


def _without_none(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        kept = [a for a in get_args(annotation) if a is not type(None)]
        return kept[0] if len(kept) == 1 else annotation
    return annotation


def _argument(name: str, field: Any) -> tuple[list[str], dict[str, Any]]:
    """argparse's name and keywords for one field."""
    annotation = _without_none(field.annotation)
    kwargs: dict[str, Any] = {"help": field.description}
    if (field.json_schema_extra or {}).get("metavar"):
        kwargs["metavar"] = field.json_schema_extra["metavar"]
    if get_origin(annotation) is list:
        kwargs["action"] = "append"
        annotation = get_args(annotation)[0]
    if get_origin(annotation) is Literal:
        kwargs["choices"] = get_args(annotation)
    elif annotation is bool:
        kwargs["action"] = "store_true"
    elif annotation in (int, float):
        kwargs["type"] = annotation
    if (field.json_schema_extra or {}).get(_POSITIONAL):
        return [name], kwargs
    # Unset options are left out, so the model's defaults apply (one place for them).
    kwargs.update(dest=name, default=argparse.SUPPRESS, required=field.is_required())
    return [_flag(name, field)], kwargs


def _flag(name: str, field: Any) -> str:
    return (field.json_schema_extra or {}).get("flag") or "--" + name.replace("_", "-")


def add_options(parser: argparse.ArgumentParser, model: type[JobOptions]) -> None:
    for name, field in _cli_fields(model).items():
        flags, kwargs = _argument(name, field)
        parser.add_argument(*flags, **kwargs)


def options_from(model: type[JobOptions], namespace: argparse.Namespace) -> JobOptions:
    """The model from parsed arguments (other keys, such as --env, ignored); a ValueError naming each bad option."""
    fields = _cli_fields(model)
    try:
        return model(**{k: v for k, v in vars(namespace).items() if k in fields})
    except ValidationError as err:
        problems = [f"{_problem_flag(e['loc'], fields)}: {e['msg']}" for e in err.errors()]
        raise ValueError("; ".join(problems)) from None


def _problem_flag(loc: tuple, fields: dict[str, Any]) -> str:
    name = str(loc[0]) if loc else ""
    return _flag(name, fields[name]) if name in fields else "options"


def recorded(options: JobOptions, env: str, personal: tuple[str, ...] = ()) -> dict[str, Any]:
    """The environment and options as ops.job_runs keeps them: `personal` ones (which may hold a citizen ID)
    cut to the part before the first ':' (a record id's source)."""
    values = options.model_dump(mode="json")
    cut = {k: (f"{str(v).split(':')[0]}:<not recorded>" if k in personal and v is not None else v) for k, v in values.items()}
    return {"env": env, **cut}
