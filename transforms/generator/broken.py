"""Broken lines a synthetic delivery carries (conf/generator.yaml `broken`), as bytes: what ingest must quarantine."""

from __future__ import annotations

from transforms.contracts import SourceContract
from transforms.generator.settings import BrokenRows


def header_line(c: SourceContract) -> str:
    return c.delimiter.join(c.column_names) + (c.delimiter if c.trailing_empty_column else "")


def broken_lines(c: SourceContract, broken: BrokenRows) -> list[tuple[bytes, str]]:
    """The broken lines appended to a source's first file: (bytes with newline unless truncated, kind)."""
    bad = b"\xfe\xff"  # invalid in UTF-8 and undefined in cp874
    if c.format == "csv":
        sep, width = c.delimiter, header_line(c).count(c.delimiter) + 1
        enc = c.encoding.replace("-sig", "")
        lines = [
            ((sep.join([f"X9{k:04d}"] + ["x"] * (width - 3)) + "\n").encode(enc), "wrong_column_count")
            for k in range(broken.wrong_column_count)
        ]
        lines += [
            (f"X8{k:04d}{sep}".encode(enc) + bad + (sep * (width - 2) + "\n").encode(enc), "bad_encoding")
            for k in range(broken.bad_encoding)
        ]
        if broken.truncated_last_line:
            lines.append((f"X70000{sep}ตัด".encode(enc), "truncated_last_line"))
        return lines
    key = c.record_key[0]
    lines = [(f'{{"{key}": "X9{k:04d}", "members": [\n'.encode(), "invalid_json") for k in range(broken.invalid_json)]
    lines += [(f'{{"{key}": "X8{k:04d}", "first_name": "'.encode() + bad + b'"}\n', "bad_encoding") for k in range(broken.bad_encoding)]
    if broken.truncated_last_line:
        lines.append((f'{{"{key}": "X70000", "village_code": "1'.encode(), "truncated_last_line"))
    return lines
