"""PDPA erasure: the pure parts — which requests are valid, which text mentions a person, and a BMN
household's member list without the erased member. The job (jobs/erase.py) does the reading and writing."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pyspark.sql import Column
from pyspark.sql import functions as F

from transforms.contracts import SourceContract

PID = re.compile(r"^\d{13}$")


def pid_checksum_ok(pid: str) -> bool:
    """The 13th digit of a Thai citizen ID checks the first 12 (weights 13..2, mod 11)."""
    total = sum(int(d) * (13 - i) for i, d in enumerate(pid[:12]))
    return (11 - total % 11) % 10 == int(pid[12])


def check_pid(pid: str) -> str:
    """The ID as given if it is 13 digits with a valid checksum; ValueError (without the ID) otherwise."""
    pid = pid.strip()
    if not PID.match(pid):
        raise ValueError("an erasure request needs a 13-digit citizen ID")
    if not pid_checksum_ok(pid):
        raise ValueError("a citizen ID in the request fails its checksum (mistyped?)")
    return pid


def check_reason(reason: str | None) -> str:
    """A reason is required, and must not itself hold an ID (it is kept in the audit table)."""
    if not reason or not reason.strip():
        raise ValueError("an erasure request needs a reason (e.g. 'PDPA s.33 request 2026-117')")
    if re.search(r"\d{13}", re.sub(r"[\s-]", "", reason)):
        raise ValueError("the reason must not contain a citizen ID: it is kept in ops.erasures")
    return reason.strip()


@dataclass(frozen=True)
class Request:
    pid: str
    reason: str

    def __repr__(self) -> str:  # never shows the ID, even in a traceback
        return f"Request(pid=<redacted>, reason={self.reason!r})"


class Requests:
    """The validated requests of one run. str() and repr() never show an ID, so the requests can sit in
    the job's arguments (recorded as JSON in ops.job_runs) without the IDs reaching the record."""

    def __init__(self, requests: Iterable[Request]):
        self.items = list(requests)

    def __str__(self) -> str:
        return f"<{len(self.items)} erasure request(s), IDs redacted>"

    __repr__ = __str__

    @property
    def pids(self) -> list[str]:
        return [r.pid for r in self.items]


def parse_request_file(text: str, default_reason: str | None) -> Requests:
    """CSV with a header `pid,reason` (reason optional when --reason is given); blank lines are skipped."""
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or "pid" not in (rows[0].keys() if rows else ()):
        raise ValueError("the request file needs a header line `pid,reason` and one request per line")
    requests = []
    for number, row in enumerate(rows, start=2):
        if not any((v or "").strip() for v in row.values()):
            continue
        try:
            requests.append(Request(check_pid(row["pid"] or ""), check_reason(row.get("reason") or default_reason)))
        except ValueError as err:
            raise ValueError(f"line {number}: {err}") from None
    if not requests:
        raise ValueError("the request file holds no request")
    return Requests(requests)


def member_number(member: dict, position: int) -> int | None:
    """The member number as standardize reads it: the member_no field, else the position (1-based)."""
    try:
        return int(member.get("member_no"))
    except (TypeError, ValueError):
        return position + 1


def without_members(members_json: str, numbers: set[int], pids: set[str]) -> tuple[str, int]:
    """The household's member list (bronze JSON text) without the given member numbers or IDs, and how many
    were removed. Values keep their JSON types, so standardize reads the rewritten text as before."""
    members = json.loads(members_json)
    kept = [m for i, m in enumerate(members) if member_number(m, i) not in numbers and str(m.get("pid") or "") not in pids]
    return json.dumps(kept, ensure_ascii=False), len(members) - len(kept)


def mentions(text: Column, pids: list[str], names: list[tuple[str, str]]) -> Column:
    """The text holds one of the IDs (also written with spaces or dashes) or a given name and a surname
    of the same person: how a quarantined raw line is recognised as someone's."""
    digits = F.regexp_replace(text, r"[\s-]", "")
    by_pid = [digits.contains(pid) for pid in pids]
    by_name = [text.contains(first) & text.contains(last) for first, last in names if first and last]
    condition = F.lit(False)
    for test in by_pid + by_name:
        condition = condition | test
    return F.coalesce(condition, F.lit(False))


def redact(text: str | None, pids: Iterable[str]) -> str | None:
    if text is None:
        return None
    for pid in pids:
        text = text.replace(pid, "<erased>")
    return text


@dataclass(frozen=True)
class NamedPerson:
    """Columns of a record that name another person (a child grant's mother): cleared, never deleted, when
    that person is erased. `pid` is the first of `columns`."""

    table: str
    columns: tuple[str, ...]


def own_id_columns(contracts: Mapping[str, SourceContract]) -> dict[str, str]:
    """bronze table -> the delivered column holding the record's own person's ID (persons-shaped sources)."""
    return {
        name: c.silver.person.pid
        for name, c in contracts.items()
        if c.silver is not None and c.silver.shape == "persons" and c.silver.person.pid
    }


def named_persons(contracts: Mapping[str, SourceContract], layer: str) -> list[NamedPerson]:
    """Per source, the columns naming another person by ID, in bronze (as delivered) or silver."""
    out = []
    for name, c in contracts.items():
        payload = {p.name: p for p in (c.silver.payload if c.silver else [])}
        for other in (p for p in payload.values() if p.kind == "citizen_id"):
            if layer == "bronze":
                columns = (other.source, *[payload[n].source for n in other.names])
            else:
                columns = (other.name, f"{other.name}_valid", *other.names)
            out.append(NamedPerson(name, columns))
    return out


def surveys(contracts: Mapping[str, SourceContract]) -> list[str]:
    """Sources delivering households with their members nested (silver.<survey> and <survey>_member)."""
    return [name for name, c in contracts.items() if c.silver is not None and c.silver.shape == "household_survey"]
