#!/usr/bin/env bash
# Install the example third-party chain adapter (examples/memchain) into .venv, editable,
# so the test suite loads it through its entry points like any plugin package. Idempotent:
# reinstalls only when its pyproject.toml changed (the stamp lives in .venv, outside git).
set -euo pipefail
cd "$(dirname "$0")/../.."
stamp=.venv/.omnistake-memchain.stamp
want=$(sha256sum examples/memchain/pyproject.toml | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ] \
  || ! .venv/bin/python -c "import omnistake_memchain" 2>/dev/null; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -e examples/memchain
  echo "$want" > "$stamp"
fi
