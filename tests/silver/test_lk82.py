"""The native LK82 expression against PyThaiNLP's implementation, the reference it transcribes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from pyspark.sql import functions as F
from pythainlp.corpus import thai_family_names, thai_female_names, thai_male_names
from pythainlp.soundex import lk82 as reference_lk82

from udfs.lk82 import lk82

# The Thai block (letters, vowels, tone marks, signs, digits) and a few characters names also carry.
THAI = [chr(c) for c in range(0x0E01, 0x0E5C) if chr(c).isprintable()]
ALPHABET = st.sampled_from(THAI + list(" .-aZ09"))


def expected(name: str | None) -> str | None:
    return (reference_lk82(name) or None) if name is not None else None


def native(spark, names: list[str | None]) -> dict:
    df = spark.createDataFrame([(i, n) for i, n in enumerate(names)], "i int, name string")
    return {r.i: r.key for r in df.select("i", lk82(F.col("name")).alias("key")).collect()}


def test_every_name_in_pythainlp_lists_gets_the_reference_key(spark):
    names = sorted(set(thai_male_names()) | set(thai_female_names()) | set(thai_family_names()))
    keys = native(spark, names)
    wrong = [(n, keys[i], expected(n)) for i, n in enumerate(names) if keys[i] != expected(n)]
    assert len(names) > 10_000 and wrong == []


def test_docstring_examples_and_edge_cases(spark):
    cases = {"ลัก": "ร1000", "รัก": "ร1000", "รักษ์": "ร1000", "บูรณการ": "บE419", "ปัจจุบัน": "ป3E54",
             "": None, "่": None, "์": "์0000", None: None, "เอ": "อB000", "ตุตุ": "ตE300", "เ": "B0000"}  # fmt: skip
    names = list(cases)
    keys = native(spark, names)
    assert {n: keys[i] for i, n in enumerate(names)} == {n: expected(n) for n in names}
    assert {n: expected(n) for n in names} == cases


@settings(max_examples=25, deadline=None)
@given(st.lists(st.text(ALPHABET, min_size=0, max_size=12), min_size=1, max_size=400))
def test_random_thai_text_gets_the_reference_key(spark, names):
    keys = native(spark, names)
    assert [keys[i] for i in range(len(names))] == [expected(n) for n in names]
