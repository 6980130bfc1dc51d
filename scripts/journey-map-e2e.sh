#!/usr/bin/env bash
# End-to-end check of the CX pages in a real browser: serves the real binary on an
# in-memory catalog with the synthetic experience set, opens the job-loss journey map and
# one service's page in headless Chromium (Debian's package, installed when missing),
# saves screenshots under target/e2e/, and checks what the browser rendered: the stage
# names in order, figures on the marks, the highlighted gaps and the synthetic notice.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
out="${CARGO_TARGET_DIR:-target}/e2e"
mkdir -p "$out"
work="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

cargo build --locked --quiet
port=$((20000 + RANDOM % 20000))
"${CARGO_TARGET_DIR:-target}/debug/civic-catalog" --database-url 'sqlite::memory:' serve \
  --bind "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server=$!
up=""
for _ in $(seq 1 300); do
  if curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then up=yes; break; fi
  kill -0 "$server" 2>/dev/null || break
  sleep 0.2
done
if [ -z "$up" ]; then
  echo "the server did not come up on port $port:" >&2
  cat "$work/serve.log" >&2
  exit 1
fi

browse() { # browse WHAT URL: screenshot and rendered DOM of URL
  local flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
    --disable-background-networking --disable-component-update --disable-sync
    --user-data-dir="$work/profile-$1" --window-size=1300,1100)
  timeout 120 chromium "${flags[@]}" --screenshot="$out/$1.png" "$2" >/dev/null 2>&1
  timeout 120 chromium "${flags[@]}" --dump-dom "$2" 2>/dev/null >"$work/$1.html"
}

expect_in_order() { # expect_in_order FILE TEXT...: each TEXT in FILE, in this order
  local file="$1"; shift
  python3 - "$file" "$@" <<'PY'
import sys
text = open(sys.argv[1], encoding="utf-8").read()
at = -1
for wanted in sys.argv[2:]:
    found = text.find(wanted, at + 1)
    if found < 0:
        sys.exit(f"{sys.argv[1]}: `{wanted}` not found after position {at}")
    at = found
PY
}

check_png() { # check_png FILE: a real, non-trivial PNG
  python3 - "$1" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n" or len(data) < 20_000:
    sys.exit(f"{sys.argv[1]}: not a screenshot of a drawn page ({len(data)} bytes)")
PY
}

browse journey-map "http://127.0.0.1:$port/cx/life-events/job-loss"
check_png "$out/journey-map.png"
expect_in_order "$work/journey-map.html" \
  "Losing a job: journey map" "Synthetic demonstration data" "<svg" \
  "1. Replace lost income" "GAP 1: low satisfaction" "2. Keep your home" \
  "3. Stay healthy and covered" "4. Find your next job" "of 5" "abandoned of" \
  "Digital" "</svg>" "Experience gaps, worst first" "Keep your home and utilities" \
  "Services at each stage" "Unemployment Insurance"

browse service "http://127.0.0.1:$port/cx/services/nys-heap"
check_png "$out/service.png"
expect_in_order "$work/service.html" \
  "Home Energy Assistance Program" "Synthetic demonstration data" "Overall:" "of 5" \
  "Satisfaction by kind of channel" "ONLINE_FORM" "Trend" "Measured transactions"

echo "journey map e2e: pages rendered and checked; screenshots in $out/"
