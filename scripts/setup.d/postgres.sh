#!/usr/bin/env bash
# PostgreSQL server binaries for the store tests (idempotent; CI=true safe; no stdin).
# The tests start their own throw-away server (initdb into a temporary folder, postgres on
# 127.0.0.1 on a free port, as the `postgres` user) and stop it afterwards; nothing here
# starts or enables a system service.
set -euo pipefail

if compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || command -v postgres >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "postgres.sh: PostgreSQL is not installed and this is not root; the PostgreSQL store tests will be skipped" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# policy-rc.d keeps the package from starting a cluster of its own during installation
had_policy=0
[ -e /usr/sbin/policy-rc.d ] && had_policy=1
if [ "$had_policy" -eq 0 ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
fi
apt-get install -y -q --no-install-recommends postgresql
if [ "$had_policy" -eq 0 ]; then
  rm -f /usr/sbin/policy-rc.d
fi
