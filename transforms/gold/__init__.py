"""Gold: TPMAP indicators, poverty, welfare coverage and pseudonyms, as pure DataFrame transforms."""
