#!/usr/bin/env bash
# Strict type check of the Solana adapter (core is checked by scripts/test.sh itself).
set -euo pipefail
cd "$(dirname "$0")/../.."
echo "solana.sh: mypy chains/solana"
.venv/bin/mypy chains/solana
