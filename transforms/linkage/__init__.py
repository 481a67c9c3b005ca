"""Cross-agency record linkage: deterministic pass, blocking, Splink settings, clustering, golden record, metrics."""
