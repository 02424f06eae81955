#!/usr/bin/env bash
# /media throughput next to nginx serving the very same files from the same folder: builds
# release Quire, writes a bundle with a 150 KB photo and a 2 KB icon, and for each measures
# requests per second (wrk, 64 connections) of Quire's versioned URL (`?v=`, as Quire writes it
# into posts) and of nginx (one worker, sendfile on, access log off) in short pairs, the two
# back to back with the order alternating. Both servers run on core 0, wrk on core 1. Prints a
# Markdown table with the median of the pairs' ratios (Quire / nginx); the issue's target is
# 0.8 or more.
#
#   benches/media.sh
#   QUIRE_BENCH_BASELINE=/tmp/quire-before benches/media.sh   # also an older build, same run
#
# Settings (environment): QUIRE_BENCH_DURATION (seconds per measurement, default 2),
# QUIRE_BENCH_ROUNDS (pairs per file, default 10), QUIRE_BENCH_CONNECTIONS (default 64),
# CARGO_TARGET_DIR (default ./target), QUIRE_BENCH_BASELINE (another Quire binary, e.g. one
# built before a change: measured in the same rounds, in turn with the other two, and given
# its own ratio to nginx, so a change is judged in one run). Needs curl, python3, taskset, wrk and nginx; wrk and
# nginx-light are installed with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${QUIRE_BENCH_DURATION:-2}
rounds=${QUIRE_BENCH_ROUNDS:-10}
connections=${QUIRE_BENCH_CONNECTIONS:-64}
target_dir=${CARGO_TARGET_DIR:-target}
server_core=0
client_core=1

source benches/common.sh

install_missing wrk curl
# Debian installs nginx in /usr/sbin, which is not on every user's PATH.
nginx=$(command -v nginx || true)
[ -z "$nginx" ] && [ -x /usr/sbin/nginx ] && nginx=/usr/sbin/nginx
if [ -z "$nginx" ]; then
  install_missing nginx-light
  nginx=$(command -v nginx || echo /usr/sbin/nginx)
fi
command -v taskset >/dev/null || { say "taskset (util-linux) is needed"; exit 1; }

say "building release quire"
cargo build --release --quiet --bin quire
quire="$target_dir/release/quire"
baseline=${QUIRE_BENCH_BASELINE:-}

# The content: one bundle, its photo and icon (random bytes: both servers only copy them).
content="$work/content"
mkdir -p "$content/bench-post"
printf -- '---\ntitle: "Bench"\ndate: 2025-01-01\n---\n\n![photo](./photo.jpg) ![icon](./icon.png)\n' \
  >"$content/bench-post/index.md"
write_random() {
  python3 -I -S -c 'import random, sys
r = random.Random(int(sys.argv[3]))
open(sys.argv[1], "wb").write(r.randbytes(int(sys.argv[2])))' "$@"
}
write_random "$content/bench-post/photo.jpg" 150000 1
write_random "$content/bench-post/icon.png" 2000 2

# Polls until anything answers HTTP 200 at the URL.
wait_ok() {
  for _ in $(seq 1 1000); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1" || true)" = 200 ] && return 0
    sleep 0.01
  done
  say "nothing answers 200 at $1"
  return 1
}

quire_port=$(free_port)
RUST_LOG=warn taskset -c "$server_core" "$quire" serve --content "$content" \
  --bind "127.0.0.1:$quire_port" --no-watch 2>>"$work/quire.log" &
pids+=("$!")

if [ -n "$baseline" ]; then
  baseline_port=$(free_port)
  RUST_LOG=warn taskset -c "$server_core" "$baseline" serve --content "$content" \
    --bind "127.0.0.1:$baseline_port" --no-watch 2>>"$work/baseline.log" &
  pids+=("$!")
fi

nginx_port=$(free_port)
mkdir -p "$work/nginx"
cat >"$work/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000000;
  client_body_temp_path $work/nginx/body;
  types { image/jpeg jpg; image/png png; }
  server {
    listen 127.0.0.1:$nginx_port;
    location /media/ { alias $content/; }
  }
}
EOF
taskset -c "$server_core" "$nginx" -e "$work/nginx/error.log" -p "$work/nginx" \
  -c "$work/nginx.conf" &
pids+=("$!")

quire_base="http://127.0.0.1:$quire_port"
nginx_base="http://127.0.0.1:$nginx_port"
wait_ok "$quire_base/healthz"
wait_ok "$nginx_base/media/bench-post/icon.png"
bases=("$quire_base" "$nginx_base")
if [ -n "$baseline" ]; then
  baseline_base="http://127.0.0.1:$baseline_port"
  wait_ok "$baseline_base/healthz"
  bases+=("$baseline_base")
fi

# Runs wrk pinned to the client core; prints "requests_per_second non_2xx_3xx".
measure() {
  taskset -c "$client_core" wrk -t1 -c"$connections" -d"${duration}s" "$1" |
    awk '/Requests\/sec:/ { rps = $2 } /Non-2xx or 3xx responses:/ { bad = $5 }
      END { printf "%.0f %d\n", rps, bad + 0 }'
}

rows=()
for file in photo.jpg icon.png; do
  path="/media/bench-post/$file"
  tag=$(curl -s -D - -o /dev/null "$quire_base$path" | awk -F': ' 'tolower($1) == "etag" {print $2}' | tr -d '\r"')
  # The URL Quire writes into a post: the first 8 hex digits of the hash.
  url_path="$path?v=${tag:0:8}"
  for base in "${bases[@]}"; do
    curl -s -o "$work/served" "$base$url_path"
    cmp -s "$work/served" "$content/bench-post/$file" || { say "$base served other bytes for $file"; exit 1; }
  done
  cache_control=$(curl -s -D - -o /dev/null "$quire_base$url_path" | awk -F': ' 'tolower($1) == "cache-control" {print $2}' | tr -d '\r')

  say "measuring $file ($rounds pairs of ${duration} s)"
  for base in "${bases[@]}"; do
    taskset -c "$client_core" wrk -t1 -c"$connections" -d1s "$base$url_path" >/dev/null
  done
  pairs="$work/pairs-$file"
  : >"$pairs"
  count=${#bases[@]}
  for pair in $(seq 1 "$rounds"); do
    # Each server goes first in turn (and with two, the order alternates).
    results=()
    for step in $(seq 0 $((count - 1))); do
      results[$(((pair + step) % count))]=$(measure "${bases[$(((pair + step) % count))]}$url_path")
    done
    echo "${results[*]}" >>"$pairs"
  done
  rows+=("$(python3 -I -S - "$file" "$(stat -c %s "$content/bench-post/$file")" "$pairs" <<'PY'
import sys
name, size, pairs = sys.argv[1], int(sys.argv[2]), sys.argv[3]
# Each line: Quire's req/s and non-2xx/3xx count, nginx's, then the baseline's if measured.
rows = [list(map(float, line.split())) for line in open(pairs) if line.strip()]
def median(values):
    values = sorted(values)
    n = len(values)
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2
def ratio_cell(column):
    ratios = sorted(r[column] / r[2] for r in rows if r[2] > 0)
    return median(ratios), f"{median(ratios):.2f} ({ratios[0]:.2f}-{ratios[-1]:.2f})"
ratio, cell = ratio_cell(0)
bad = int(max(max(r[1::2]) for r in rows))
met = "yes" if ratio >= 0.8 else "no"
note = f" ({bad} non-2xx/3xx)" if bad else ""
extra = ""
if len(rows[0]) > 4:
    extra = f" {median([r[4] for r in rows]):.0f} | {ratio_cell(4)[1]} |"
print(f"| {name} | {size / 1000:.0f} KB | {median([r[0] for r in rows]):.0f} | "
      f"{median([r[2] for r in rows]):.0f} | {cell} | {met}{note} |{extra}")
PY
)")
done

printf '# /media next to nginx\n\n'
printf '%s; %s cores (%s); wrk %s s per measurement (after 1 s warm-up each), %s connections, 1 thread;\n' \
  "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(nproc)" "$(uname -m)" "$duration" "$connections"
printf 'Quire (release, --no-watch, RUST_LOG=warn) and nginx %s (1 worker, sendfile) on core %s, wrk on core %s; commit %s.\n' \
  "$("$nginx" -v 2>&1 | sed 's|.*/||')" "$server_core" "$client_core" "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
printf 'Both serve the same file at the URL Quire writes (`?v=`; Quire answers `Cache-Control: %s`). Req/s are medians of %s rounds; ratio = the median of the rounds'"'"' ratios (Quire / nginx), with the lowest and highest.\n\n' \
  "$cache_control" "$rounds"
if [ -n "$baseline" ]; then
  printf 'Baseline: %s, measured in the same rounds.\n\n' "$baseline"
  printf '| file | size | Quire req/s | nginx req/s | ratio (range) | >= 0.8? | baseline req/s | baseline ratio (range) |\n'
  printf '|---|---:|---:|---:|---:|---|---:|---:|\n'
else
  printf '| file | size | Quire req/s | nginx req/s | ratio (range) | >= 0.8? |\n'
  printf '|---|---:|---:|---:|---:|---|\n'
fi
printf '%s\n' "${rows[@]}"
