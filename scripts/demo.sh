#!/usr/bin/env bash
# The demo: a structured extraction through from_provider against the fake provider.
set -euo pipefail
cd "$(dirname "$0")/.."
unset PYTHONDONTWRITEBYTECODE  # bytecode caches, as users have them (uv installs none)
bash scripts/bootstrap.sh openai
exec .venv/bin/python examples/demo.py "$@"
