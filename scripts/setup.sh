#!/usr/bin/env bash
# Set up a development environment in .venv (idempotent).
#   bash scripts/setup.sh          Python package with every extra, editable
#   bash scripts/setup.sh --test   also the tools the test suite needs: each
#                                  scripts/setup.d/*.sh (anvil, solc, PostgreSQL, ...)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $PY"
  "$PY" -m venv .venv
fi
echo "==> installing omnistake[all,dev] (editable) into .venv"
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[all,dev]'
if [ "${1:-}" = "--test" ]; then
  for step in scripts/setup.d/*.sh; do
    [ -e "$step" ] || continue
    echo "==> $step"
    bash "$step"
  done
fi
