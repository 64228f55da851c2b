#!/usr/bin/env bash
# Everything CI checks. pytest starts first, in the background (its sleeps and waits leave the
# cores room for the static checks), and its output follows the checks'; the import budget runs
# last, alone on the machine. Pass pytest arguments through: bash scripts/test.sh -k faults -n 0
set -euo pipefail
cd "$(dirname "$0")/.."
# bytecode caches, as users have them: every xdist worker and fresh interpreter reuses them
unset PYTHONDONTWRITEBYTECODE
start=$SECONDS
took() { echo "   ($1 after $((SECONDS - start)) s)"; }
bash scripts/bootstrap.sh dev
py=.venv/bin/python
# the third-party provider example, installed as a user installs a plugin (tests/providers/test_plugin_example.py)
if ! $py -c "import myprovider_plugin" 2>/dev/null; then
  if [ -x .venv/bin/uv ]; then .venv/bin/uv pip install --quiet --python $py --no-deps -e tests/providers/plugin_example
  else $py -m pip install --quiet --disable-pip-version-check --no-deps -e tests/providers/plugin_example \
         2> >(grep -v "is ignored: it is neither" >&2)
  fi
fi
took "installed"

logs="$(mktemp -d)"
jobs_started=()
trap 'kill "${jobs_started[@]}" 2>/dev/null || true; rm -rf "$logs"' EXIT
$py -m pytest -q -p no:cacheprovider -m "not litellm and not dask" -n "${PYTEST_WORKERS:-auto}" "$@" > "$logs/pytest" 2>&1 &
pytest_job=$!
# the litellm lane's venv (every installable litellm pins openai<3)
bash scripts/bootstrap.sh litellm .venv-litellm "litellm==1.110.2" mcp pytest pytest-asyncio pytest-timeout \
  > "$logs/litellm-install" 2>&1 &
litellm_install=$!
# the google-genai 3.x lane's venv: `instructor[google]` as users get it today (the `test` extra's
# google-cloud-aiplatform caps google-genai<3, so the main venv runs 2.x)
bash scripts/bootstrap.sh google,testing .venv-genai3 "google-genai==3.6.1" pytest pytest-asyncio pytest-timeout \
  > "$logs/genai3-install" 2>&1 &
genai3_install=$!
# the dask lane's venv: the Scaling out page's recipe on a local cluster (dask is no dependency of ours)
bash scripts/bootstrap.sh openai,testing .venv-dask "dask[distributed]==2026.8.0" certifi pytest pytest-asyncio \
  pytest-timeout > "$logs/dask-install" 2>&1 &
dask_install=$!
jobs_started=("$pytest_job" "$litellm_install" "$genai3_install" "$dask_install")

echo "== ruff"
$py -m ruff check instructor tests tools benchmarks examples stubs
echo "== mypy"
$py -m mypy -n "${MYPY_WORKERS:-auto}"
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
# not --quiet: it hides the warnings that strict mode turns into a failure
NO_MKDOCS_2_WARNING=1 $py -m mkdocs build --strict --site-dir "$logs/site" > "$logs/mkdocs" 2>&1 || \
  { cat "$logs/mkdocs"; exit 1; }
took "static checks"
echo "== pytest, litellm lane (its own venv: every installable litellm pins openai<3)"
wait "$litellm_install" || { cat "$logs/litellm-install"; exit 1; }
.venv-litellm/bin/python -m pytest -q -p no:cacheprovider -m litellm tests/providers/test_provider_litellm.py
echo "== pytest, google-genai 3.x lane (its own venv: the main one runs google-genai 2.x)"
wait "$genai3_install" || { cat "$logs/genai3-install"; exit 1; }
.venv-genai3/bin/python -m pytest -q -p no:cacheprovider -m genai tests/providers/test_provider_google.py \
  tests/media/test_multimodal_genai_files.py tests/core/test_faults.py tests/core/test_secrets.py tests/core/test_concurrency.py \
  tests/core/test_faults_docs.py tests/batch/test_batch_providers.py tests/batch/test_batch_run.py tests/batch/test_batch_parts.py
echo "== pytest, dask lane (its own venv: live calls on a local Dask cluster)"
wait "$dask_install" || { cat "$logs/dask-install"; exit 1; }
.venv-dask/bin/python -m pytest -q -p no:cacheprovider -m dask tests/core/test_scaling_dask.py
echo "== pytest (started with the checks above; on every core: pytest-xdist; -n 0 for one process)"
tail -n +1 -f --pid="$pytest_job" "$logs/pytest"
wait "$pytest_job"
took "pytest"
echo "== import budget (last: on a quiet machine, with the bytecode caches the tests wrote)"
$py tools/importtime.py check
took "done"
