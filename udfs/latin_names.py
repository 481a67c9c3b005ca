"""Names in Latin transliteration compared with Thai-script names: both reduced to one romanised key.

A Thai name is romanised syllable by syllable with PyThaiNLP's RTGS engine (royin: rule-based, offline,
~4,000 names/s), after a few spelling rules for what royin reads wrongly in names; a Latin name is taken
as written. Both then go through `simplify`, which collapses the ways one Thai sound is spelt in Latin
(Jaidee, Chaidee, Chaidi -> caidi). Keys are compared with Jaro-Winkler, as the linkage compares names.
PyThaiNLP's neural engine (thai2rom_onnx) reads unseen names a little better (held-out recall 0.91 against
0.88 in tests/silver/test_latin_names.py) but needs onnxruntime, not installed, and does ~150 names/s.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import pandas as pd
from pyspark.sql import Column
from pyspark.sql import functions as F

THAI_LETTER = "\u0e01-\u0e3a\u0e40-\u0e4e"  # consonants, vowels, tone marks, signs (not Thai digits)
CONSONANT = "\u0e01-\u0e2e"
LEADING_VOWEL = "เแโไใ"
FOLLOWING_VOWEL = "\u0e30-\u0e39\u0e47"  # vowels written after, above or below the consonant
# Initial clusters Thai reads as one (ประ pra, เกรียง kriang, ขวัญ khwan); ศร/สร/ซร are read s (ศรี si).
CLUSTERS = {a + "ร" for a in "กขคตปพบดฟท"} | {a + "ล" for a in "กขคปพผบฟ"} | {a + "ว" for a in "กขค"} | {"ศร", "สร", "ซร"}
CLUSTER_LETTER = {"ร": "r", "ล": "l", "ว": "w"}
SONORANT = "งญนมยรลว"

# Rewritten before romanising, for what royin reads wrongly: ห before a sonorant with a vowel only marks
# the tone (หนึ่ง nueng, เหลือง lueang; not หงส์ hong), and in พรหม phrom; royin drops both letters of
# จน์ มณ์ ณฑ์ where only the second is silent (ไพโรจน์ phairot, กัณฑ์ kan); ร is silent before ติ (เกียรติ
# kiat); a final Pali vowel after a vowel and a dental is silent (ชาติ chat, สมบัติ sombat, วุฒิ wut; not
# ศิริ siri, and read inside a name: กิตติศักดิ์ kittisak).
THAI_SPELLINGS = (
    (f"(?<=[{LEADING_VOWEL}])ห(?=[{SONORANT}])|ห(?=[{SONORANT}][\u0e48-\u0e4b]?[{FOLLOWING_VOWEL}อ])", ""),
    ("พรหม", "พรม"),
    ("(?<=[จมณ])[นณฑ]\u0e4c", ""),
    ("รติ", "ติ"),
    (f"(?<=[{FOLLOWING_VOWEL}ย][ตฐฒถทธ])[\u0e34\u0e38]$", ""),
)


def _royin(word: str) -> str:
    # royin's one-word romaniser: the public romanize() word-tokenises again and splits syllables (กาญ -> กา ญ).
    from pythainlp.transliterate.royin import _romanize

    return _romanize(word)


def _syllables(thai: str) -> list[str]:
    """Dictionary syllables, a doubled consonant split between two (กิ ตติ -> กิต ติ), a lone last consonant
    given back to its syllable (เนีย ร -> เนียร)."""
    from pythainlp.tokenize import syllable_tokenize

    syllables = [s for s in syllable_tokenize(thai, engine="dict") if s.strip()]
    for i in range(1, len(syllables)):
        s = syllables[i]
        if re.match(f"([{CONSONANT}])\\1[{FOLLOWING_VOWEL}]", s):
            syllables[i - 1] += s[0]
            syllables[i] = s[1:]
    if len(syllables) > 1 and re.fullmatch(f"[{CONSONANT}][\u0e48-\u0e4c]*", syllables[-1]):
        syllables[-2:] = [syllables[-2] + syllables[-1]]
    return syllables


def _with_leading_vowel(vowel: str, first: str, second: str, rest: str) -> str | None:
    """A leading vowel before two consonants, which royin reads as one consonant; None: royin is right."""
    if first + second in CLUSTERS and second in CLUSTER_LETTER:  # เปรม prem, เกรียง kriang
        plain = _royin(vowel + first + rest)
        return re.sub(r"^([^aeiou]*)", lambda m: m.group(1) + CLUSTER_LETTER[second], plain, count=1)
    if first + second in CLUSTERS:  # เสริฐ soet: the ร is silent
        return _royin(vowel + first + rest)
    if second in "รลวษ" and rest not in ("", "ร"):  # เจริญ cha-roen, แสวง sa-waeng, เกษม ka-sem; เพชร phet
        return _royin(first) + "a" + _royin(vowel + second + rest)
    return None


def _romanize_syllable(syllable: str, last: bool) -> str:
    """royin for one syllable, with the rules royin lacks for clusters, hidden vowels and silent letters."""
    lead = re.match(f"^([{LEADING_VOWEL}])([{CONSONANT}])([{CONSONANT}])(.*)$", syllable)
    if lead and (latin := _with_leading_vowel(*lead.groups())) is not None:
        return latin
    # A hidden a after a first consonant that does not cluster: สวัส sa-wat, จนา cha-na, ณรงค์ na-rong, อรุณ a-run.
    # Not: a cluster, ห (silent before a sonorant, else royin reads it), อย (silent อ), ออ, รร (วรรณ wan).
    pair = re.match(f"^([{CONSONANT}])([{CONSONANT}])(.)", syllable)
    if pair and pair.group(1) + pair.group(2) not in CLUSTERS and pair.group(1) != "ห":
        first, second, after = pair.groups()
        if not (first == "อ" and second in "ยอ") and second + after != "รร":
            if re.match(f"[{FOLLOWING_VOWEL}]", after) or second in "รล" or first == "อ":
                return _royin(first) + "a" + _romanize_syllable(syllable[1:], last)
    if re.match(f"^เ([{CONSONANT}])าว$", syllable):  # เยาว yaowa (royin yeao)
        return _royin(syllable[:-1]) + "wa"
    if not last and re.search(f"[{FOLLOWING_VOWEL}]ร$", syllable):  # ธีร in ธีรพงษ์ thira (royin thin)
        return _royin(syllable[:-1]) + "ra"
    latin = _royin(syllable)
    if re.match(f"^[{LEADING_VOWEL}]?ห", syllable) and not latin.startswith("h"):  # หอม hom (royin om)
        latin = "h" + latin
    if len(syllable) == 1:  # a lone consonant syllable (ช in ชนิดา) has a hidden a
        latin += "a"
    # Two final consonants are a silent letter royin read (เพชร phetn, ลักษณ์ lakt); only ng is a final.
    if not latin.endswith("ng"):
        latin = re.sub(r"(?<=[aeiou][^aeiou])[^aeiou]$", "", latin)
    return latin


def romanize_thai(thai: str) -> str:
    """RTGS romanisation of the Thai letters of a name (other characters dropped), syllables joined by spaces."""
    thai = re.sub(f"[^{THAI_LETTER}]", "", thai)
    for pattern, replacement in THAI_SPELLINGS:
        thai = re.sub(pattern, replacement, thai)
    syllables = _syllables(thai)
    return " ".join(_romanize_syllable(s, i == len(syllables) - 1) for i, s in enumerate(syllables))


# simplify: applied in order to the lowercased Latin letters; each collapses spellings of one Thai sound.
SIMPLIFY_RULES = (
    (r"tch", "t"),  # ช final then initial: Petch phet, Patcharin phat-rin (royin)
    (r"uck", "ak"),
    (r"ck", "k"),  # Yingluck, Nongluck: English "uck" for ลักษณ์ lak
    (r"(?<=[aeiou])r(?![aeiou])", ""),  # r after a vowel, not before one, is silent: Somporn, Chalerm, Ornuma
    (r"sh|ch|j", "c"),  # ช จ ฉ: Shinawatra, Chaidee, Jaidee
    (r"([ptk])h", r"\1"),  # aspiration dropped: ph/p, th/t, kh/k
    (r"v", "w"),  # Vichai, Veerapong
    (r"sr", "s"),  # ศรี: Sri (common), Si (RTGS)
    (r"uea", "ua"),
    (r"ue", "u"),  # เ-ือ, -ือ, -ึ: royin rueang, Ruang
    (r"ee|ea", "i"),  # -ี: Malee, mali
    (r"oo|ou", "u"),  # -ู/-ุ: Boonmee, bunmi
    (r"oe", "e"),  # เ-อ/เ-ิ: Charoen, Chalerm
    (r"ae", "a"),  # แ-: Saengduan, Sangduan
    (r"(?<=[aeiou])y(?![aeiou])", "i"),  # Somchay
    (r"(?<=[aeiou])w(?![aeiou])", "o"),  # -ว final: Kaew, kaeo
    (r"h$", ""),  # Prayuth, Suwith
    (r"[cdsj]$", "t"),
    (r"b$", "p"),
    (r"l$", "n"),
    (r"(?<!n)g$", "k"),  # final sounds: Amnaj, Prapas, Kamol
    # The unwritten a between two syllables, which royin omits and clerks spell or not: รัตนา ratna,
    # Rattana; ณัฐพล natphon, Nattapon. Dropped on both sides.
    (r"(?<=[aeiou])([^aeiou])\1?a(?=[^aeiou][aeiou])", r"\1"),
    (r"(.)\1+", r"\1"),  # doubled letters: Nattapong, Kittisak
)


def simplify(latin: str) -> str | None:
    """One Latin spelling per Thai sound: letters only (accents dropped), lowercase, SIMPLIFY_RULES; '' -> None."""
    text = unicodedata.normalize("NFKD", latin).lower()
    text = re.sub(r"[^a-z]", "", text)
    for pattern, replacement in SIMPLIFY_RULES:
        text = re.sub(pattern, replacement, text)
    return text or None


@lru_cache(maxsize=200_000)  # a Python worker is reused across batches, where the same names come again
def roman_key_of(name: str) -> str | None:
    """The key of one name: Thai romanised then simplified, Latin simplified, neither script -> None."""
    if re.search(f"[{THAI_LETTER}]", name):
        return simplify(romanize_thai(name))
    return simplify(name)


def roman_keys(names: pd.Series) -> pd.Series:
    """roman_key_of each name (None and '' stay None), each distinct name computed once."""
    keys = {name: roman_key_of(name) for name in names.dropna().unique()}
    return names.map(lambda name: keys.get(name) if isinstance(name, str) else None)


def roman_key(name: Column) -> Column:
    """Romanised, simplified key of a Thai or Latin name (a pandas UDF on Arrow batches)."""

    @F.pandas_udf("string")
    def _key(names: pd.Series) -> pd.Series:
        return roman_keys(names)

    return _key(name)


def is_latin(name: Column) -> Column:
    """True when the name has Latin letters and no Thai letters; false for null."""
    latin = name.rlike(r"\p{IsLatin}") & ~name.rlike(f"[{THAI_LETTER}]")
    return F.coalesce(latin, F.lit(False))
