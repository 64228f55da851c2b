#!/usr/bin/env bash
# Everything CI checks, in the order a developer wants to hear about it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh dev
py=.venv/bin/python
echo "== ruff"
$py -m ruff check instructor tests tools benchmarks examples stubs
echo "== mypy"
$py -m mypy
$py -m mypy --config-file stubs/mypy.ini stubs
echo "== export table is in sync with the stub"
$py tools/gen_exports.py --check
echo "== import budget"
$py tools/importtime.py check
echo "== pytest"
$py -m pytest -q -p no:cacheprovider "$@"
