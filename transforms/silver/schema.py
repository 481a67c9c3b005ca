"""Silver column order and comments (conf/CONTRACTS.md, section Silver)."""

from __future__ import annotations

AREA_COMMENTS = {
    "house_code": "House code (11 digits; first 4 = registration district); null if malformed",
    "village_code": "BMN village code (8 digits), checked against ref.village; null if unknown",
    "subdistrict_code": "Subdistrict code (6 digits), checked against ref.subdistrict; null if unknown",
    "district_code": "District code (4 digits), checked against ref.district; null if unknown",
    "province_code": "Province code (2 digits), checked against ref.province; null if unknown",
}

CANONICAL_COMMENTS = {
    "record_id": "<source>:<record key>, stable across re-runs; how the truth is joined",
    "source": "Source name (<survey>_member for the survey's members)",
    "record_key": "The source's natural key",
    "pid_raw": "Citizen ID as delivered",
    "pid": "Citizen ID, 13 digits (separators and scientific notation undone), null if it could not be read",
    "pid_valid": "True when the ID's checksum is correct and its first digit is a person type (1-8)",
    "title": "Title (canonical spelling), split from the first name if glued",
    "first_name": "First name, normalised (zero-width characters, spaces, mark order, Thai digits)",
    "last_name": "Last name, normalised like first_name",
    "first_name_key": "Phonetic key of first_name (PyThaiNLP soundex, engine from conf/standardize.yaml)",
    "last_name_key": "Phonetic key of last_name (PyThaiNLP soundex)",
    "birth_date": "Birth date, CE (missing day/month set to 1, see birth_date_precision)",
    "birth_date_precision": "day, month or year; age when only an age was given (birth_year estimated, no birth date); else null",
    "birth_year": "Birth year, CE",
    "sex": "M or F (from the source's code, else from a title that says it); null if unknown",
    "phone": "Phone in E.164 (+66...), null if missing or not a valid Thai number",
    "phone_type": "mobile or landline (null when phone is null)",
    **AREA_COMMENTS,
    "_issues": "Reason codes of the values that could not be standardised (see ops.data_quality)",
    "_batch_id": "Bronze batch the row came from (the latest to deliver the record as it is)",
    "_delivery": "Delivery (landing folder) the row came from; a later delivery replaces an earlier one",
    "_content_hash": "SHA-256 of the delivered content; the same hash redelivered is an exact duplicate",
}

CANONICAL_COLUMNS = list(CANONICAL_COMMENTS)
