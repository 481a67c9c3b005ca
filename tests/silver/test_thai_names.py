"""Thai name column functions on real Thai examples: cleaning, glued titles, phonetic keys."""

from __future__ import annotations

import pandas as pd
from chispa import assert_df_equality
from pyspark.sql import functions as F

from udfs.thai_names import canonical_title, glued_title, normalize_thai_text, phonetic_key, soundex_keys, without_glued_title


def test_normalize_thai_text(apply_column, spark):
    cases = [
        ("สมชาย", "สมชาย"),
        ("สม\u200bชาย", "สมชาย"),  # zero-width space
        ("\ufeffสมชาย\u200d", "สมชาย"),  # BOM and zero-width joiner
        ("  สมชาย  ", "สมชาย"),
        ("บุญเล\u0e49\u0e35ยง", "บุญเลี้ยง"),  # tone mark typed before the vowel
        ("ทองด\u0e35\u0e35", "ทองดี"),  # vowel typed twice
        ("น\u0e49\u0e49ำฝน", "น้ำฝน"),  # tone mark typed twice
        ("น\u0e49\u0e4d\u0e32ฝน", "น้ำฝน"),  # nikhahit + sara aa for sara am
        ("\u0e40\u0e40สงเดือน", "แสงเดือน"),  # two sara e for sara ae
        ("ส ุดา", "สุดา"),  # space before a combining vowel
        ("สมชาย๒", "สมชาย2"),  # Thai digit
        ("ศรี  สุข", "ศรี สุข"),  # double space collapsed
        ("\u200b", None),
        (None, None),
    ]
    actual = apply_column([c[0] for c in cases], normalize_thai_text)
    expected = spark.createDataFrame(cases, "value string, out string")
    assert_df_equality(actual, expected, ignore_nullable=True)


def test_glued_titles_split_longest_first(spark, settings):
    titles = settings.titles
    cases = [
        ("นายสมชาย", "นาย", "สมชาย"),
        ("นางสาวสมศรี", "นางสาว", "สมศรี"),  # not นาง + สาวสมศรี
        ("นางสมศรี", "นาง", "สมศรี"),
        ("น.ส.วิไลวรรณ", "น.ส.", "วิไลวรรณ"),
        ("ด.ช.ณัฐพล", "ด.ช.", "ณัฐพล"),
        ("เด็กหญิงกนกพร", "เด็กหญิง", "กนกพร"),
        ("ร.ต.อ.สมศักดิ์", "ร.ต.อ.", "สมศักดิ์"),  # not ร.ต. + อ.สมศักดิ์
        ("พล.ต.ต.ประเสริฐ", "พล.ต.ต.", "ประเสริฐ"),
        ("จ.ส.อ.บุญมา", "จ.ส.อ.", "บุญมา"),
        ("นาย สมชาย", "นาย", "สมชาย"),
        ("นายก", None, "นายก"),  # the rest is not a plausible name
        ("นาง", None, "นาง"),
        ("นาฏยา", None, "นาฏยา"),  # starts like นา... but no title
        ("สมชาย", None, "สมชาย"),
    ]
    df = spark.createDataFrame([(c[0],) for c in cases], "name string")
    actual = df.select(
        "name",
        glued_title(F.col("name"), titles).alias("title"),
        without_glued_title(F.col("name"), titles).alias("first_name"),
    )
    expected = spark.createDataFrame(cases, "name string, title string, first_name string")
    assert_df_equality(actual, expected, ignore_nullable=True)


def test_canonical_title(apply_column, spark, settings):
    cases = [("ด.ช.", "เด็กชาย"), ("น.ส.", "นางสาว"), ("นาย", "นาย"), ("ว่าที่ ร.ต.", "ว่าที่ร.ต."), ("ดร.", "ดร."), (None, None)]
    actual = apply_column([c[0] for c in cases], lambda c: canonical_title(c, settings.titles))
    expected = spark.createDataFrame(cases, "value string, out string")
    assert_df_equality(actual, expected, ignore_nullable=True)


def test_variants_share_normalised_form_and_key_different_names_do_not(apply_column, spark, settings):
    engine = settings.phonetic_engine
    variants = ["สมชาย", "สม\u200bชาย", " สมชาย ", "สม ชาย", "อิม รอท", "อิมรอท", "ณัฐพล", "นัฐพล", "ศรีสุข", "สีสุข"]
    actual = apply_column(variants, lambda c: phonetic_key(normalize_thai_text(c), engine))
    keys = {r.value: r.out for r in actual.collect()}
    assert len({keys["สมชาย"], keys["สม\u200bชาย"], keys[" สมชาย "], keys["สม ชาย"]}) == 1
    assert keys["อิม รอท"] == keys["อิมรอท"]  # a stray space inside the name is no sound
    assert keys["ณัฐพล"] == keys["นัฐพล"]  # ณ/น sound alike
    assert keys["ศรีสุข"] == keys["สีสุข"]  # ศร/ส sound alike
    different = [("สมชาย", "สมศักดิ์"), ("ณัฐพล", "ณัฐวุฒิ"), ("ใจดี", "ใจงาม"), ("ธนพร", "ธนพล"), ("บุญมา", "บุญมี")]
    pairs = spark.createDataFrame(different, "a string, b string").select(
        phonetic_key(F.col("a"), engine).alias("a"), phonetic_key(F.col("b"), engine).alias("b")
    )
    assert all(r.a != r.b for r in pairs.collect())


def test_soundex_keys_computes_each_distinct_name_once(monkeypatch):
    import sys

    import pythainlp.soundex  # noqa: F401  (the package attribute is shadowed by the function)

    module = sys.modules["pythainlp.soundex"]
    calls = []
    real = module.soundex
    monkeypatch.setattr(module, "soundex", lambda name, engine: calls.append(name) or real(name, engine=engine))
    keys = soundex_keys(pd.Series(["สมชาย", "สมชาย", None, "สมศรี", "สมชาย"]), "lk82")
    assert sorted(calls) == ["สมชาย", "สมศรี"]
    assert keys.iloc[0] == keys.iloc[1] == keys.iloc[4] and keys.iloc[2] is None and keys.iloc[0] != keys.iloc[3]
