"""What the linkage's tables hold, column by column: the comments link writes with silver.person_xref,
silver.person, silver.link_pairs and ops.link_review."""

from __future__ import annotations

XREF_COMMENTS = {
    "record_id": "Silver record (<source>:<record key>)",
    "source": "Source of the record",
    "person_id": "Person the record belongs to (P + hash of the anchor record id; stable across runs)",
    "match_method": "pid (corroborated ID or registry record), probabilistic (Splink), review (two registry candidates too close "
    "to choose between: its own person until reviewed, see ops.link_review) or new_person",
    "match_probability": "Probability of the deciding pair (1.0 for pid; best pair in cluster for new_person)",
    "match_weight": "Splink match weight of the deciding pair (null for pid)",
    "run_id": "The link run that decided it (ops.job_runs)",
}
PERSON_COMMENTS = {
    "person_id": "Person id (stable: derived from the anchor record)",
    "pid": "Best citizen ID (registry, else the valid ID most records agree on)",
    "title": "Title (golden record)",
    "first_name": "First name (golden record)",
    "last_name": "Last name (golden record)",
    "birth_date": "Birth date, CE (golden record)",
    "sex": "M, F or null (golden record)",
    "house_code": "House code of the current address",
    "village_code": "Village code of the current address",
    "subdistrict_code": "Subdistrict code of the current address",
    "district_code": "District code of the current address",
    "province_code": "Province code of the current address",
    "record_count": "Silver records linked to the person",
    "sources": "Sources holding a record of the person (sorted)",
}
REVIEW_COMMENTS = {
    "record_id": "Record not linked: its two best registry candidates scored within the review margin, or its own ID names one "
    "and its other fields another",
    "source": "Source of the record",
    "candidate_rank": "1 or 2: the candidate's place by match probability, then weight",
    "same_pid": "The candidate gives the record's citizen ID",
    "candidate_record_id": "Registry record the record may belong to",
    "match_probability": "Splink match probability of the pair",
    "match_weight": "Splink match weight of the pair",
    "comparisons": "Waterfall: per comparison its level (gamma), level label and match weight",
    "run_id": "The link run that found it",
}
PAIRS_COMMENTS = {
    "record_id_l": "Left record of the scored pair",
    "record_id_r": "Right record of the scored pair",
    "source_l": "Source of the left record",
    "source_r": "Source of the right record",
    "match_weight": "Splink match weight (log2 Bayes factor incl. prior)",
    "match_probability": "Splink match probability",
    "same_pid": "Both records give the same citizen ID",
    "comparisons": "Waterfall: per comparison its level (gamma), level label and match weight",
    "accepted": "Probability at or above the configured threshold",
    "run_id": "The link run that scored it",
}
