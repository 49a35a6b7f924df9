#!/usr/bin/env bash
# The API contract check: buf lint, buf breaking against main, and generated code freshness.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUF=.venv/bin/buf
command -v "$BUF" >/dev/null 2>&1 || BUF=buf

echo "proto.sh: buf lint"
"$BUF" lint

# buf breaking against the protos committed on main. When main has no protos yet (the first
# commit that adds them), there is nothing to break.
if git rev-parse --verify -q main >/dev/null \
  && git ls-tree -r --name-only main -- proto/omnistake/v1 | grep -q '\.proto$'; then
  echo "proto.sh: buf breaking against .git#branch=main"
  "$BUF" breaking --against '.git#branch=main'
else
  echo "proto.sh: main has no protos yet; skipping buf breaking"
fi

echo "proto.sh: generated code is fresh"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
.venv/bin/python scripts/gen_protos.py --out "$TMP" >/dev/null
STALE=0
for f in "$TMP"/omnistake/v1/*_pb2*.py*; do
  name=$(basename "$f")
  if ! cmp -s "$f" "proto/omnistake/v1/$name"; then
    echo "stale or missing: proto/omnistake/v1/$name" >&2
    STALE=1
  fi
done
for f in proto/omnistake/v1/*_pb2*.py*; do
  [ -e "$TMP/omnistake/v1/$(basename "$f")" ] || { echo "orphan: $f" >&2; STALE=1; }
done
if [ "$STALE" -ne 0 ]; then
  echo "generated code is stale: run .venv/bin/python scripts/gen_protos.py and commit" >&2
  exit 1
fi
echo "proto.sh: ok"
