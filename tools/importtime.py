"""The import profiler and budget check of this repository (CI runs `check`).

    .venv/bin/python tools/importtime.py "import instructor" --runs 7 --html import.html
    .venv/bin/python tools/importtime.py check            # tools/import_budget.json
    .venv/bin/python tools/importtime.py check --only "import instructor"

The profiler itself ships with the package (`instructor.cli.importtime`, also
`python -m instructor importtime`); this script adds the repository's budget.
"""

from __future__ import annotations

import sys
from pathlib import Path

BUDGET = Path(__file__).resolve().parent / "import_budget.json"

if __name__ == "__main__":
    sys.path.append(str(BUDGET.parent.parent))  # a checkout without an install; PYTHONPATH still wins
    from instructor.cli.importtime import main

    sys.exit(main(prog="tools/importtime.py", default_budget=str(BUDGET)))
