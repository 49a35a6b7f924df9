#!/usr/bin/env bash
# Strict type check of the core and the chain adapters, in one mypy run.
# mypy resolves imports by folder name, so build the installed package's shape from
# symlinks: omnistake/ = core/*, omnistake/chains/<chain> = chains/<chain>.
set -euo pipefail
cd "$(dirname "$0")/.."
view=.cache/typecheck
rm -rf "$view" && mkdir -p "$view/omnistake/chains"
for entry in core/*; do
  name=$(basename "$entry")
  [ "$name" = chains ] && continue
  ln -s "../../../$entry" "$view/omnistake/$name"
done
ln -s ../../../../core/chains/__init__.py "$view/omnistake/chains/__init__.py"
for chain in chains/*/; do
  chain=$(basename "$chain")
  ln -s "../../../../chains/$chain" "$view/omnistake/chains/$chain"
done
cd "$view" && ../../.venv/bin/mypy --config-file ../../pyproject.toml -p omnistake
