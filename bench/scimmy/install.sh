#!/usr/bin/env bash
# Installs the SCIMMY reference server's pinned dependencies from
# package-lock.json. Idempotent and non-interactive: tests and CI call it
# before starting server.js (see bench/scimload).
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v npm >/dev/null; then
  echo "bench/scimmy/install.sh: npm not found (Node.js 20 or later is needed)" >&2
  exit 1
fi
npm ci --no-audit --no-fund --loglevel=error
