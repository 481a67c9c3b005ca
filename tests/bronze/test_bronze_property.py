"""Property: for any mix of good and broken lines, rows read = rows loaded + rows quarantined, line by line."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_bronze_bad_inputs import DOPA_HEADER, dopa_line

# kind -> (bytes of a line, expected reason code or None when it loads)
KINDS = {
    "good": (dopa_line("3100600445635").encode("cp874"), None),
    "quoted": (dopa_line("3100600445635").replace("ใจดี", '"ใจ,ดี"').encode("cp874"), None),
    "short": ("1234545678781,นาย".encode("cp874"), "wrong_column_count"),
    "long": ((dopa_line("3100600445635") + ",x").encode("cp874"), "wrong_column_count"),
    "bad_bytes": (dopa_line("3100600445635").encode("cp874") + b"\xff", "bad_encoding"),
    "no_pid": (dopa_line("").encode("cp874"), "missing_required"),
    "blank": (b"", "wrong_column_count"),
}


@pytest.mark.slow  # eight ingests of random mixes (76 s): in make test-slow, so CI
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kinds=st.lists(st.sampled_from(sorted(KINDS)), min_size=1, max_size=12), final_newline=st.booleans())
def test_balance_holds_for_random_mixes(landing, kinds, final_newline):
    land = landing("dopa_registry")
    body = b"\r\n".join([DOPA_HEADER.encode("cp874")] + [KINDS[k][0] for k in kinds])
    land.write("d1", "mix.csv", body + (b"\r\n" if final_newline else b""))
    land.ingest()

    expected = {}
    for line, kind in enumerate(kinds, start=2):
        reason = KINDS[kind][1]
        if reason == "wrong_column_count" and line == len(kinds) + 1 and not final_newline:
            reason = "truncated_last_line"
        if reason:
            expected[line] = reason
    if not final_newline and kinds[-1] == "blank":
        # A file ending in an empty line without newline is just a file ending with a newline.
        expected.pop(len(kinds) + 1)
        kinds = kinds[:-1]
    row = land.files().first()
    assert row.rows_read == row.rows_loaded + row.rows_quarantined == len(kinds)
    assert {line: code for _, line, code in land.quarantined()} == expected
    assert row.rows_loaded == len(kinds) - len(expected) == land.bronze().count()
