"""LK82 Thai soundex (Lorchirachoonkul 1982) as a Spark SQL expression: no Python worker, no Arrow.

A transcription of PyThaiNLP's `pythainlp.soundex.lk82` (Apache-2.0), which stays the reference: a
property test compares the two on random Thai text and on PyThaiNLP's name lists. PyThaiNLP walks the
characters keeping the position of the last vowel; every rule it applies looks at most one character
back or ahead, so here each rule is a regular expression with a look-behind or look-ahead, applied in an
order where no rule rewrites a character a later rule looks at.
"""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

TONE_MARKS = "\u0e48\u0e49\u0e4a\u0e4b"
# Silent consonants (karan) and signs without a sound, removed first (steps 4 and 5 of the paper).
KARANT = "จน์|มณ์|ณฑ์|ทร์|ตร์|[ก-ฮ]์|[ก-ฮ][ะ-ู]์"
SIGNS = "[\u0e2f\u0e3a\u0e46\u0e47\u0e4d]"
# The first letter's code (step 6) and every other letter's code (step 12).
FIRST_FROM, FIRST_TO = (
    "กขฃคฅฆงจฉชฌซศษสญยฎดฏตณนฐฑฒถทธบปผพภฝฟมรลฬฤฦวหฮอ",
    "กกกกกกงจชชชซซซซยยดดตตนนททททททบปพพพฟฟมรรรรรวหหอ",
)
CODE_FROM, CODE_TO = (
    "กขฃคฅฆงจฉชซฌฎฏฐฑฒดตถทธศษสญณนรลฬฤฦบปพฟภผฝมำยวไใหฮาๅึืเแโุูอ",
    "1111112333333333333333333444444445555555667777889AAABCDEEF",
)
LONG_U = "ึืุู"
SEPARATORS = "ะัิี"  # vowels that separate codes but have none themselves (step 7)
ALL_SEPARATORS = SEPARATORS + "าึืูๅ" + "ุ"  # with the coded ones (step 8) and sara u (step 9)
# Placeholders keep every character's neighbours in place while the rules run: DROP is a character
# without a code (removed before repeats are merged), BREAK an empty code (it keeps two equal codes
# on either side from being merged, as PyThaiNLP's empty string does, and is removed after).
DROP, BREAK = "\u0001", "\u0002"


def _first_letter_codes(text: Column) -> Column:
    """Step 6: a consonant first letter keeps its class letter; a leading vowel is coded after the consonant."""
    first = F.substring(text, 1, 1)
    consonant_first = F.translate(first, FIRST_FROM, FIRST_TO)
    vowel_first = F.concat(F.translate(F.substring(text, 2, 1), FIRST_FROM, FIRST_TO), F.translate(first, CODE_FROM, CODE_TO))
    return F.when(first.between("ก", "ฮ"), consonant_first).otherwise(vowel_first)


def _rest_codes(rest: Column) -> Column:
    """Steps 7-12 on the letters after the first: semivowels and ห/อ are voiced only next to a vowel."""
    silent_semivowel = f"(?<![{ALL_SEPARATORS}])[ยรฤฦว](?![{LONG_U}])"
    silent_ho_o = f"[หอ](?![{LONG_U}])"
    empty_sara_u = "(?<=[ตธ])ุ"
    coded = F.regexp_replace(rest, silent_semivowel, DROP)
    coded = F.regexp_replace(coded, silent_ho_o, DROP)
    coded = F.regexp_replace(coded, empty_sara_u, BREAK)
    coded = F.translate(coded, SEPARATORS, BREAK * len(SEPARATORS))
    return F.translate(coded, CODE_FROM + DROP, CODE_TO)


def _after_first(text: Column) -> Column:
    """The letters step 6 did not code: from the 2nd (consonant first) or the 3rd (vowel first) on."""

    def tail(start):
        return F.substring(text, start, 1 << 30)

    return F.when(F.substring(text, 1, 1).between("ก", "ฮ"), tail(2)).otherwise(tail(3))


def lk82(name: Column) -> Column:
    """LK82 code of a Thai name (5 characters), or null for a null name or one with no letter left."""
    text = F.translate(name.cast("string"), TONE_MARKS, "")
    text = F.regexp_replace(F.regexp_replace(text, KARANT, ""), SIGNS, "")
    codes = F.concat(_first_letter_codes(text), _rest_codes(_after_first(text)))
    # Step 13: repeated codes merged (placeholders of empty codes keep them apart), step 14: zeros.
    merged = F.regexp_replace(F.regexp_replace(codes, "(?s)(.)\\1+", "$1"), BREAK, "")
    return F.when(text != "", F.substring(F.concat(merged, F.lit("0000")), 1, 5))
