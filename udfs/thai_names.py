"""Thai name column functions: clean and normalise in Spark SQL, split glued titles, phonetic keys.

The phonetic key of the default engine (lk82) is a Spark SQL expression (udfs.lk82); PyThaiNLP's other
soundex engines run as a vectorised pandas UDF that computes each distinct name of a batch once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd
from pyspark.sql import Column
from pyspark.sql import functions as F

from udfs.lk82 import lk82

THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
ZERO_WIDTH = "[\u200b\u200c\u200d\ufeff]"
TONE_MARKS = "\u0e48-\u0e4b"  # mai ek, mai tho, mai tri, mai chattawa
# Vowels written above or below the consonant; the standard order is consonant, vowel, tone mark.
UPPER_LOWER_VOWELS = "\u0e31\u0e34-\u0e37\u0e38-\u0e3a\u0e47"
COMBINING = "\u0e31\u0e34-\u0e3a\u0e47-\u0e4e"


def thai_digits_to_arabic(text: Column) -> Column:
    return F.translate(text, THAI_DIGITS, "0123456789")


def normalize_thai_text(text: Column) -> Column:
    """Remove zero-width characters and stray spaces, fix mark order and duplicates, Thai digits to Arabic."""
    cleaned = F.regexp_replace(text.cast("string"), ZERO_WIDTH, "")
    cleaned = thai_digits_to_arabic(cleaned)
    # Nikhahit + sara aa typed for sara am; two sara e typed for sara ae.
    cleaned = F.regexp_replace(cleaned, "\u0e4d\u0e32", "\u0e33")
    cleaned = F.regexp_replace(cleaned, "\u0e40\u0e40", "\u0e41")
    # Tone mark typed before the upper/lower vowel: swap to consonant + vowel + tone.
    cleaned = F.regexp_replace(cleaned, f"([{TONE_MARKS}])([{UPPER_LOWER_VOWELS}])", "$2$1")
    # Spaces typed inside a word before a combining mark, then a mark typed twice.
    cleaned = F.regexp_replace(cleaned, f"\\s+([{COMBINING}])", "$1")
    cleaned = F.regexp_replace(cleaned, f"([{COMBINING}])\\1+", "$1")
    cleaned = F.trim(F.regexp_replace(cleaned, r"\s+", " "))
    return F.when(cleaned != "", cleaned)


def title_pattern(titles: Mapping[str, list[str]]) -> str:
    """Regex of every title spelling, longest first (Java regex alternation takes the first that matches)."""
    spellings = sorted({s for variants in titles.values() for s in variants}, key=len, reverse=True)
    return "|".join(re.escape(s) for s in spellings)


def _title_split_regex(titles: Mapping[str, list[str]]) -> str:
    # A plausible remaining name starts with a consonant or a leading vowel and has 2+ characters.
    return f"^({title_pattern(titles)})\\s*([\u0e01-\u0e2e\u0e40-\u0e44].+)$"


def glued_title(name: Column, titles: Mapping[str, list[str]]) -> Column:
    """The title spelling glued to the start of a (normalised) name, or null."""
    return F.nullif(F.regexp_extract(name, _title_split_regex(titles), 1), F.lit(""))


def without_glued_title(name: Column, titles: Mapping[str, list[str]]) -> Column:
    """The name with a glued title removed (unchanged when no title is glued or the rest is not a name)."""
    regex = _title_split_regex(titles)
    return F.when(name.rlike(regex), F.regexp_extract(name, regex, 2)).otherwise(name)


def canonical_title(title: Column, titles: Mapping[str, list[str]]) -> Column:
    """Map a title spelling to its canonical form (ด.ช. -> เด็กชาย); unknown titles are kept as written."""
    lookup = F.create_map(*[F.lit(x) for canonical, variants in titles.items() for v in variants for x in (v, canonical)])
    compact = F.regexp_replace(title, r"\s+", "")
    return F.coalesce(lookup[title], lookup[compact], title)


def soundex_keys(names: pd.Series, engine: str) -> pd.Series:
    """PyThaiNLP soundex of each name (None stays None), each distinct name computed once."""
    from pythainlp.soundex import soundex

    distinct = names.dropna().unique()
    keys = {name: soundex(name, engine=engine) or None for name in distinct}
    return names.map(lambda name: keys.get(name) if isinstance(name, str) else None)


def phonetic_key(name: Column, engine: str) -> Column:
    """Soundex key of a normalised Thai name: native for lk82 (no Python worker), else a pandas UDF (Arrow batches).

    Spaces are left out: a Thai name has none, so a stray one is a typing slip, not a sound (keyed, it
    shifted every code after it and split the name's key).
    """
    name = F.regexp_replace(name, r"\s+", "")
    if engine == "lk82":
        return lk82(name)

    @F.pandas_udf("string")
    def _key(names: pd.Series) -> pd.Series:
        return soundex_keys(names, engine)

    return _key(name)
