"""Silver standardisation: per-source adapters (bronze -> canonical input) and the shared canonical steps."""
