#!/usr/bin/env bash
# The GraphQL-over-HTTP conformance audit (npm graphql-http's serverAudits) against the
# real binary on an in-memory catalog. Fails on any MUST or SHOULD audit that is not ok.
# Installs Node.js (Debian) and the audit package into a scratch directory when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
fi
work="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
(cd "$work" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund graphql-http@1.23.1 graphql@16.15.0 >/dev/null)
cp scripts/graphql-http-audit.mjs "$work/"

cargo build --locked --quiet
port=$((20000 + RANDOM % 20000))
"${CARGO_TARGET_DIR:-target}/debug/civic-catalog" --database-url 'sqlite::memory:' serve --bind "127.0.0.1:$port" \
  --rate-limit-anonymous 0 >"$work/serve.log" 2>&1 &
server=$!
up=""
for _ in $(seq 1 150); do
  if node -e "fetch('http://127.0.0.1:$port/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"; then
    up=yes
    break
  fi
  kill -0 "$server" 2>/dev/null || break
  sleep 0.2
done
if [ -z "$up" ]; then
  echo "the server did not come up on port $port:" >&2
  cat "$work/serve.log" >&2
  exit 1
fi
node "$work/graphql-http-audit.mjs" "http://127.0.0.1:$port/graphql"
