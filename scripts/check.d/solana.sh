#!/usr/bin/env bash
# Strict type check of the Solana adapter (core is checked by scripts/test.sh itself).
set -euo pipefail
cd "$(dirname "$0")/../.."
echo "solana.sh: mypy chains/solana"
# The adapter imports the core as `omnistake`: give mypy core/ under that name.
mkdir -p .cache/typecheck && ln -sfn ../../core .cache/typecheck/omnistake
MYPYPATH=.cache/typecheck .venv/bin/mypy chains/solana
