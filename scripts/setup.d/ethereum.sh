#!/usr/bin/env bash
# Ethereum toolchain for omnistake (idempotent; CI=true safe; no stdin).
#   - npm packages, into a cache folder outside git keyed by their versions:
#       @foundry-rs/anvil (the anvil binary), solc (solc-js, the contracts' exact pragma),
#       @symbioticfi/core and the OpenZeppelin packages its imports need
#   - the Symbiotic core contracts and omnistake's test tokens compiled with solc-js
#     (standard JSON) into cached artifacts (ABI + bytecode) keyed by the same versions.
# A second run finds both and returns at once.
set -euo pipefail
cd "$(dirname "$0")/../.."

ANVIL_VERSION=1.7.1
SOLC_VERSION=0.8.25
SYMBIOTIC_VERSION=1.0.3
OZ_VERSION=5.0.2

CACHE_ROOT=${OMNISTAKE_CACHE:-$HOME/.cache/omnistake}
KEY="anvil-${ANVIL_VERSION}_solc-${SOLC_VERSION}_symbiotic-${SYMBIOTIC_VERSION}_oz-${OZ_VERSION}"
NODE_DIR="$CACHE_ROOT/ethereum/node-$KEY"
# The artifacts also depend on omnistake's own test contracts and the compile script.
SRC_HASH=$(cat scripts/ethereum/compile.js scripts/ethereum/contracts/*.sol | sha256sum | cut -c1-12)
ART_DIR="$CACHE_ROOT/ethereum/artifacts-$KEY-$SRC_HASH"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "ethereum.sh: node and npm are required (Node 20); installing from Debian" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q nodejs npm
fi

if [ ! -f "$NODE_DIR/.complete" ]; then
  echo "==> ethereum: npm install into $NODE_DIR"
  rm -rf "$NODE_DIR"
  mkdir -p "$NODE_DIR"
  cat >"$NODE_DIR/package.json" <<JSON
{ "name": "omnistake-ethereum-toolchain", "private": true, "version": "0.0.0" }
JSON
  (cd "$NODE_DIR" && CI=true npm install --no-audit --no-fund --loglevel=error \
    "@foundry-rs/anvil@${ANVIL_VERSION}" "solc@${SOLC_VERSION}" \
    "@symbioticfi/core@${SYMBIOTIC_VERSION}" \
    "@openzeppelin/contracts@${OZ_VERSION}" "@openzeppelin/contracts-upgradeable@${OZ_VERSION}" \
    </dev/null)
  touch "$NODE_DIR/.complete"
fi

if [ ! -f "$ART_DIR/.complete" ]; then
  echo "==> ethereum: compiling Symbiotic core v${SYMBIOTIC_VERSION} with solc-js ${SOLC_VERSION} (about 30-60 s)"
  rm -rf "$ART_DIR"
  mkdir -p "$ART_DIR"
  NODE_PATH="$NODE_DIR/node_modules" node scripts/ethereum/compile.js "$NODE_DIR/node_modules" \
    scripts/ethereum/contracts "$ART_DIR"
  touch "$ART_DIR/.complete"
fi

# A stable pointer for the Python side (toolchain.py reads it).
ln -sfn "$NODE_DIR" "$CACHE_ROOT/ethereum/node-current"
ln -sfn "$ART_DIR" "$CACHE_ROOT/ethereum/artifacts-current"
ANVIL_BIN=$(find "$NODE_DIR/node_modules/@foundry-rs" -type f -name anvil -perm -u+x 2>/dev/null | head -n1 || true)
echo "==> ethereum: anvil at ${ANVIL_BIN:-<not found>}, artifacts at $ART_DIR"
