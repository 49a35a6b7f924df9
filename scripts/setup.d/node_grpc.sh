#!/usr/bin/env bash
# Node gRPC client libraries for the API's cross-language test (idempotent; CI=true safe).
# Installs @grpc/grpc-js and @grpc/proto-loader into a cache folder outside git, keyed by
# their versions; tests/api finds it through NODE_PATH=<that folder>/node_modules.
set -euo pipefail
cd "$(dirname "$0")/../.."

GRPC_JS_VERSION=1.14.7
PROTO_LOADER_VERSION=0.8.1
CACHE_ROOT=${OMNISTAKE_CACHE:-$HOME/.cache/omnistake}
DIR="$CACHE_ROOT/node-grpc/grpc-js-${GRPC_JS_VERSION}_proto-loader-${PROTO_LOADER_VERSION}"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "node_grpc.sh: node and npm are required (Node 20); installing from Debian" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q nodejs npm
fi

if [ -f "$DIR/.complete" ]; then
  echo "node_grpc.sh: @grpc/grpc-js and @grpc/proto-loader already in $DIR"
  exit 0
fi
mkdir -p "$DIR"
(
  cd "$DIR"
  [ -f package.json ] || echo '{"name":"omnistake-node-grpc","private":true}' > package.json
  npm install --no-audit --no-fund --loglevel=error \
    "@grpc/grpc-js@${GRPC_JS_VERSION}" "@grpc/proto-loader@${PROTO_LOADER_VERSION}"
)
touch "$DIR/.complete"
echo "node_grpc.sh: installed into $DIR (tests use NODE_PATH=$DIR/node_modules)"
