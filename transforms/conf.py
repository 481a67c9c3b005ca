"""What every layer may know of the configuration: where conf/ is, and the error a bad setting raises.

Lives at the bottom (transforms/) so that transforms read their settings files without importing jobs/;
jobs.config re-exports both.
"""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONF_DIR = PROJECT_ROOT / "conf"


class ConfigError(Exception):
    """A configuration file is missing, malformed or invalid; raised before any Spark work."""
