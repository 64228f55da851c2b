#!/usr/bin/env bash
# The demo: a structured extraction through from_provider against the fake provider.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh openai
exec .venv/bin/python examples/demo.py "$@"
