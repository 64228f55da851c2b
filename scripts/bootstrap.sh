#!/usr/bin/env bash
# Create a venv (if needed) and install instructor with the given extras, editable.
# Usage: bash scripts/bootstrap.sh EXTRAS [VENV [MORE REQUIREMENTS...]]
#   bash scripts/bootstrap.sh dev                       # .venv, what scripts/test.sh needs
#   bash scripts/bootstrap.sh litellm .venv-litellm "litellm==1.110.2" pytest
# Installs with uv (itself pip-installed into the venv: a few seconds, and the install
# then takes ~15 s instead of ~50 s); falls back to pip where uv cannot be had.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-openai}"
venv="${2:-.venv}"
shift $(($# > 2 ? 2 : $#))
py="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
  "$py" -m venv "$venv"
fi
# the stamp names the extras and the pins: a changed pin (scripts/test.sh's lanes) installs again
stamp="$venv/.installed-$extras-$(echo "$*" | cksum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  quiet=(--quiet --disable-pip-version-check)
  [ -x "$venv/bin/uv" ] || "$venv/bin/python" -m pip install "${quiet[@]}" uv >/dev/null 2>&1 || true
  # no --compile-bytecode: the first import of a module writes its cache (the scripts keep
  # PYTHONDONTWRITEBYTECODE unset), so only what runs is compiled, once
  if [ -x "$venv/bin/uv" ] && "$venv/bin/uv" pip install --quiet --python "$venv/bin/python" -e ".[$extras]" "$@"
  then :
  else
    [ ! -x "$venv/bin/uv" ] || echo "bootstrap: uv could not install (above); installing with pip" >&2
    "$venv/bin/python" -m pip install "${quiet[@]}" -e ".[$extras]" "$@" \
      2> >(grep -v "is ignored: it is neither" >&2)
  fi
  touch "$stamp"
fi
