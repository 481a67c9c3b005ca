"""spark-submit's entry file for `python -m jobs`: scripts/submit.sh runs `spark-submit ... submit_main.py <job> ...`.

The driver uses this checkout (its conf/ and reference files are read from disk), so the project root
goes first on sys.path, ahead of the --py-files archive that is meant for the executors.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jobs.__main__ import main

sys.exit(main())
