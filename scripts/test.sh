#!/usr/bin/env bash
# Everything CI checks, in the order a developer wants to hear about it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh dev
py=.venv/bin/python
# the third-party provider example, installed as a user installs a plugin (tests/test_plugin_example.py)
$py -c "import myprovider_plugin" 2>/dev/null || \
  $py -m pip install --quiet --disable-pip-version-check --no-deps -e tests/plugin_example \
    2> >(grep -v "is ignored: it is neither" >&2)
echo "== ruff"
$py -m ruff check instructor tests tools benchmarks examples stubs
echo "== mypy"
$py -m mypy
$py -m mypy --config-file stubs/mypy.ini stubs
echo "== pyright on the typed surface"
if command -v npm >/dev/null 2>&1; then
  [ -x .venv/pyright/node_modules/.bin/pyright ] || \
    npm install --silent --no-audit --no-fund --prefix .venv/pyright pyright@1.1.414 >/dev/null
  .venv/pyright/node_modules/.bin/pyright -p stubs/pyrightconfig.json
else
  echo "npm is not installed: pyright not run (mypy checked the same file above)"
fi
echo "== export table is in sync with the stub"
$py tools/gen_exports.py --check
echo "== docs site (every sample on it runs in tests/test_docs_samples.py)"
site="$(mktemp -d)"
# not --quiet: it hides the warnings that strict mode turns into a failure
NO_MKDOCS_2_WARNING=1 $py -m mkdocs build --strict --site-dir "$site" > "$site.log" 2>&1 || \
  { cat "$site.log"; exit 1; }
rm -rf "$site" "$site.log"
echo "== import budget"
$py tools/importtime.py check
echo "== pytest, litellm lane (its own venv: every installable litellm pins openai<3)"
if [ ! -x .venv-litellm/bin/python ]; then
  ${PYTHON:-python3} -m venv .venv-litellm
  .venv-litellm/bin/python -m pip install --quiet --disable-pip-version-check \
    -e ".[litellm]" "litellm==1.106.2" mcp pytest pytest-asyncio pytest-timeout \
    2> >(grep -v "is ignored: it is neither" >&2)
fi
.venv-litellm/bin/python -m pytest -q -p no:cacheprovider -m litellm tests/test_provider_litellm.py
echo "== pytest (on every core: pytest-xdist; pass -n 0 to run in one process)"
$py -m pytest -q -p no:cacheprovider -m "not litellm" -n "${PYTEST_WORKERS:-auto}" "$@"
