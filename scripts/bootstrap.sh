#!/usr/bin/env bash
# Create .venv (if needed) and install instructor with the given extras, editable.
# Usage: bash scripts/bootstrap.sh EXTRAS   (e.g. "openai" or "dev")
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-openai}"
py="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$py" -m venv .venv
fi
stamp=".venv/.installed-$extras"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null 2>&1
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[$extras]" 2> >(grep -v "is ignored: it is neither" >&2)
  touch "$stamp"
fi
