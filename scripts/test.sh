#!/usr/bin/env bash
# The whole test suite: set-up, lint, format, types, then every test.
# Extra arguments go to pytest (e.g. bash scripts/test.sh -k ledger -x).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
echo "==> ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "==> mypy (core and chain adapters)"
bash scripts/typecheck.sh
for check in scripts/check.d/*.sh; do
  [ -e "$check" ] || continue
  echo "==> $check"
  bash "$check"
done
echo "==> pytest"
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
