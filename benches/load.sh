#!/usr/bin/env bash
# Quire's load benchmark: builds release, generates 10,000 and 100,000 posts, and for each
# measures start-up time to ready (posts served) and to search ready (the search index, built in
# the background, done), peak RSS against the corpus size, and requests per second
# and p99 latency (wrk, 64 connections) of four endpoints next to an actix-web hello-world
# (examples/hello.rs) serving the very bytes Quire answered. Servers run on core 0, wrk on
# core 1. Each endpoint is measured in short pairs (Quire, then the hello-world, or the other
# way round), and the median of the pairs' ratios is reported with a 95% confidence interval;
# a target counts as met only when the whole interval clears it. Prints Markdown tables.
#
#   benches/load.sh                        # both sizes, 30 pairs of 2 s per endpoint
#   QUIRE_BENCH_SIZES=10000 benches/load.sh
#
# Settings (environment): QUIRE_BENCH_SIZES (default "10000 100000"), QUIRE_BENCH_DURATION
# (seconds per measurement, default 2), QUIRE_BENCH_ROUNDS (pairs of measurements per
# endpoint; default 30), QUIRE_BENCH_CONNECTIONS (default 64),
# QUIRE_BENCH_RUST_LOG (the servers' log filter, default "warn": per-request logging off),
# CARGO_TARGET_DIR (default ./target). Needs curl, jq, python3, taskset and wrk; wrk and jq are
# installed with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=${QUIRE_BENCH_SIZES:-"10000 100000"}
duration=${QUIRE_BENCH_DURATION:-2}
rounds=${QUIRE_BENCH_ROUNDS:-30}
connections=${QUIRE_BENCH_CONNECTIONS:-64}
log_filter=${QUIRE_BENCH_RUST_LOG:-warn}
target_dir=${CARGO_TARGET_DIR:-target}
server_core=0
client_core=1

source benches/common.sh

install_missing wrk jq curl
command -v taskset >/dev/null || { say "taskset (util-linux) is needed"; exit 1; }
build_servers

# Polls until anything answers HTTP on the address (the hello-world may answer 304).
wait_listening() {
  local base=$1
  for _ in $(seq 1 1000); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/" || true)" != 000 ] && return 0
    sleep 0.01
  done
  say "nothing listens on $base"
  return 1
}

hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# Starts quire on a free port (optionally pinned, and with more flags); sets $server_pid,
# $server_base and $server_started_ns (taken after the port is found, right before the launch).
start_quire() {
  local content=$1 pin=$2
  shift 2
  local port
  port=$(free_port)
  server_started_ns=$(now_ns)
  if [ "$pin" = pinned ]; then
    RUST_LOG=$log_filter taskset -c "$server_core" "$quire" serve --content "$content" \
      --bind "127.0.0.1:$port" "$@" 2>>"$work/quire.log" &
  else
    RUST_LOG=$log_filter "$quire" serve --content "$content" --bind "127.0.0.1:$port" "$@" \
      2>>"$work/quire.log" &
  fi
  server_pid=$!
  pids+=("$server_pid")
  server_base="http://127.0.0.1:$port"
}

# Runs wrk pinned to the client core for $duration seconds; prints "requests_per_second p99_ms
# non_2xx_3xx".
measure() {
  local url=$1
  shift
  taskset -c "$client_core" wrk -t1 -c"$connections" -d"${duration}s" --latency "$@" "$url" |
    awk '
      /Requests\/sec:/ { rps = $2 }
      /Non-2xx or 3xx responses:/ { bad = $5 }
      $1 == "99%" {
        v = $2
        if (v ~ /us$/) { sub(/us$/, "", v); p99 = v / 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); p99 = v }
        else if (v ~ /s$/) { sub(/s$/, "", v); p99 = v * 1000 }
      }
      END { printf "%.0f %.2f %d\n", rps, p99, bad + 0 }'
}

# One unmeasured second of load, so connections and caches are warm.
warm_up() {
  taskset -c "$client_core" wrk -t1 -c"$connections" -d1s "$@" >/dev/null 2>&1 || true
}

# Reads "quire_rps quire_p99 quire_bad hello_rps hello_p99 hello_bad" pairs on stdin; prints
# the medians of Quire's and the hello-world's requests per second and p99, the largest count
# of bad answers, and the median of the pairs' ratios (Quire / hello) with a distribution-free
# 95% confidence interval for it: the order statistics at (n+1)/2 -+ 0.98 sqrt(n), from the
# binomial distribution of how many ratios fall below the true median. Under 6 pairs no such
# interval exists (even the smallest and largest of 5 cover the median only 94 times in 100):
# the interval is then "-".
summarise_pairs() {
  python3 -I -S -c '
import math, sys
rows = [list(map(float, line.split())) for line in sys.stdin if line.strip()]
def median(values):
    values = sorted(values)
    n = len(values)
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2
ratios = sorted(q / h for q, _, _, h, _, _ in rows if h > 0)
n = len(ratios)
if n == 0:
    print("0 0 0 0 0 0 - -")
    sys.exit()
low = high = "-"
if n >= 6:
    half = 0.98 * math.sqrt(n)
    low = "%.4f" % ratios[max(0, math.floor((n + 1) / 2 - half) - 1)]
    high = "%.4f" % ratios[min(n - 1, math.ceil((n + 1) / 2 + half) - 1)]
columns = list(zip(*rows))
print("%.0f %.2f %.0f %.2f %d %.4f %s %s" % (
    median(columns[0]), median(columns[1]), median(columns[3]), median(columns[4]),
    max(columns[2] + columns[5]), median(ratios), low, high))
'
}

# Fetches one request from Quire, starts the hello-world serving the same status, type and
# body, measures both, and prints a table row.
compare() {
  local label=$1 path=$2 min_ratio=$3
  shift 3
  local headers=("$@") curl_headers=() wrk_headers=()
  for header in "${headers[@]}"; do
    curl_headers+=(-H "$header")
    wrk_headers+=(-H "$header")
  done
  local body="$work/body" head="$work/head"
  curl -s -D "$head" -o "$body" "${curl_headers[@]}" "$quire_base$path"
  local status content_type
  status=$(awk 'NR == 1 {print $2}' "$head")
  content_type=$(awk -F': ' 'tolower($1) == "content-type" {print $2}' "$head" | tr -d '\r')
  [ -n "$content_type" ] || content_type=application/json

  local port
  port=$(free_port)
  taskset -c "$server_core" "$hello" "127.0.0.1:$port" "$status" "$content_type" "$body" \
    2>>"$work/hello.log" &
  local hello_pid=$!
  pids+=("$hello_pid")
  wait_listening "http://127.0.0.1:$port" || true
  local quire_url="$quire_base$path" hello_url="http://127.0.0.1:$port$path"
  warm_up "${wrk_headers[@]}" "$quire_url"
  warm_up "${wrk_headers[@]}" "$hello_url"

  # Short measurements in pairs, Quire and the hello-world back to back (which goes first
  # alternates), so that each ratio is taken within a few seconds: on these shared machines
  # either server's rate moves by a factor of two from one second to the next.
  local pairs_file="$work/pairs" pair q h
  : >"$pairs_file"
  for pair in $(seq 1 "$rounds"); do
    if [ $((pair % 2)) -eq 1 ]; then
      q=$(measure "$quire_url" "${wrk_headers[@]}")
      h=$(measure "$hello_url" "${wrk_headers[@]}")
    else
      h=$(measure "$hello_url" "${wrk_headers[@]}")
      q=$(measure "$quire_url" "${wrk_headers[@]}")
    fi
    echo "$q $h" >>"$pairs_file"
  done
  stop "$hello_pid"

  local q_rps q_p99 h_rps h_p99 bad ratio low high
  read -r q_rps q_p99 h_rps h_p99 bad ratio low high < <(summarise_pairs <"$pairs_file")
  # Met when the whole interval is at or above the target (and p99 under 5 ms), not met when
  # it is wholly below; otherwise (or with no interval) this run cannot tell.
  local met interval="n/a (under 6 pairs)"
  met=$(awk -v lo="$low" -v hi="$high" -v r="$min_ratio" -v p="$q_p99" 'BEGIN {
    if (p >= 5) print "no"
    else if (lo == "-") print "cannot tell"
    else if (hi < r / 100) print "no"
    else if (lo >= r / 100) print "yes"
    else print "cannot tell"
  }')
  [ "$low" != - ] &&
    interval=$(awk -v lo="$low" -v hi="$high" 'BEGIN { printf "%.1f-%.1f%%", 100 * lo, 100 * hi }')
  local note=""
  [ "$bad" -gt 0 ] && note=" ($bad non-2xx/3xx)"
  printf '| %s | `%s` | %s | %s | %s | %s | %s | %s ms | %s ms | >= %s%%, p99 < 5 ms | %s |\n' \
    "$posts" "$label" "$status$note" "$q_rps" "$h_rps" \
    "$(awk -v r="$ratio" 'BEGIN { printf "%.0f%%", 100 * r }')" \
    "$interval" \
    "$q_p99" "$h_p99" "$min_ratio" "$met"
}

# Starts quire on both cores (with any more flags), times it to ready and to search ready,
# reads its memory, and stops it; sets ready_ms, ready_hwm_kb, search_ms, search_hwm_kb and
# steady_kb (VmRSS 1 s after search ready).
startup() {
  local content=$1
  shift
  start_quire "$content" unpinned "$@"
  local started=$server_started_ns
  wait_ready "$server_base" "$server_pid" 120
  ready_ms=$((($(now_ns) - started) / 1000000))
  ready_hwm_kb=$(hwm_kb "$server_pid")
  wait_search_ready "$server_base" "$server_pid" 300
  search_ms=$((($(now_ns) - started) / 1000000))
  search_hwm_kb=$(hwm_kb "$server_pid")
  sleep 1
  steady_kb=$(rss_kb "$server_pid")
  stop "$server_pid"
}

# A row of the table of start-ups with the index kept in a folder.
kept_row() {
  awk -v n="$posts" -v run="$1" -v ms="$ready_ms" -v sms="$search_ms" -v c="$corpus_bytes" \
    -v s="$search_hwm_kb" -v st="$steady_kb" -v d="$2" '
    BEGIN {
      smet = (n >= 100000) ? (sms < 20000 ? "yes" : "no") : "n/a"
      pmet = (s * 1024 < 3 * c && st * 1024 < 3 * c) ? "yes" : "no"
      printf "| %d | %s | %d ms | %d ms | %s | %.1f MB (%.2fx) | %.1f MB (%.2fx) | %s | %.1f MB |",
        n, run, ms, sms, smet, st * 1024 / 1e6, st * 1024 / c, s * 1024 / 1e6, s * 1024 / c, pmet, d / 1e6
    }'
}

printf '# Quire load benchmark\n\n'
printf '%s; %s cores (%s); wrk %s s per measurement (after 1 s warm-up per server and endpoint), %s connections, 1 thread;\n' \
  "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(nproc)" "$(uname -m)" "$duration" "$connections"
printf 'servers on core %s, wrk on core %s; RUST_LOG=%s; commit %s.\n\n' \
  "$server_core" "$client_core" "$log_filter" "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"

summary=()
kept=()
rows=()
for posts in $sizes; do
  content="$work/corpus-$posts"
  say "generating $posts posts"
  "$corpus" --posts "$posts" "$content" >/dev/null
  corpus_bytes=$(du -sb "$content" | awk '{print $1}')
  # Written out first, so the kernel's write-back does not share the start-up's cores.
  sync

  # Start-up on both cores, as served in production.
  say "starting quire over $posts posts (both cores)"
  startup "$content"
  summary_startup=("$ready_ms" "$ready_hwm_kb" "$search_ms" "$search_hwm_kb" "$steady_kb")

  # The same with the search index kept in a folder: a first start, a restart, and a restart
  # after 1% of the posts were edited.
  index_dir="$work/index-$posts"
  say "starting quire over $posts posts with --index-dir: first start, restart, restart after edits"
  startup "$content" --index-dir "$index_dir"
  kept+=("$(kept_row "first start (empty folder)" "$(du -sb "$index_dir" | awk '{print $1}')")")
  startup "$content" --index-dir "$index_dir"
  kept+=("$(kept_row "restart (nothing changed)" "$(du -sb "$index_dir" | awk '{print $1}')")")
  find "$content" -name '*.md' | sort | awk 'NR % 100 == 0' |
    while read -r file; do printf '\nEdited since the last run.\n' >>"$file"; done
  sync
  startup "$content" --index-dir "$index_dir"
  kept+=("$(kept_row "restart (1% of posts edited)" "$(du -sb "$index_dir" | awk '{print $1}')")")
  read -r ready_ms ready_hwm_kb search_ms search_hwm_kb steady_kb <<<"${summary_startup[*]}"

  # Throughput: the same server pinned to one core, next to the hello-world on that core.
  say "starting quire over $posts posts (pinned to core $server_core)"
  start_quire "$content" pinned
  wait_ready "$server_base" "$server_pid" 300
  # Not measured while the index is still being built on the same core.
  wait_search_ready "$server_base" "$server_pid" 600
  quire_base=$server_base

  slug=$(curl -s "$quire_base/api/v1/posts?limit=1&page=$((posts / 20))" | jq -r '.data[0].slug')
  read -r tag_a tag_b <<<"$(curl -s "$quire_base/api/v1/tags" | jq -r '[.data[0].slug, .data[1].slug] | join(" ")')"
  pages=$(curl -s "$quire_base/api/v1/posts?tag=$tag_a,$tag_b&tagMode=all" | jq -r '.meta.pagination.pages')
  etag=$(curl -s -D - -o /dev/null "$quire_base/api/v1/posts/$slug" |
    awk -F': ' 'tolower($1) == "etag" {print $2}' | tr -d '\r')

  say "measuring $posts posts: slug $slug, tags $tag_a and $tag_b"
  rows+=("$(compare "GET /api/v1/posts/{slug}" "/api/v1/posts/$slug" 80)")
  rows+=("$(compare "GET /api/v1/posts?tag=$tag_a&limit=10" "/api/v1/posts?tag=$tag_a&limit=10" 60)")
  if [ -n "$etag" ]; then
    rows+=("$(compare "304: GET /api/v1/posts/{slug}, If-None-Match" "/api/v1/posts/$slug" 80 "If-None-Match: $etag")")
    etag_note="the 304 row revalidates with the ETag of the first GET"
  else
    rows+=("$(compare "no ETag yet: GET /api/v1/posts/{slug}, If-None-Match" "/api/v1/posts/$slug" 80 'If-None-Match: "none"')")
    etag_note="Quire sent no ETag header, so no 304 revalidation is possible yet: that row is a plain 200 GET with an If-None-Match header"
  fi
  rows+=("$(compare "GET /api/v1/posts?tag=$tag_a,$tag_b&tagMode=all&page=50" "/api/v1/posts?tag=$tag_a,$tag_b&tagMode=all&page=50" 60)")

  end_hwm_kb=$(hwm_kb "$server_pid")
  stop "$server_pid"

  summary+=("$(awk -v n="$posts" -v ms="$ready_ms" -v sms="$search_ms" -v c="$corpus_bytes" \
    -v r="$ready_hwm_kb" -v s="$search_hwm_kb" -v e="$end_hwm_kb" -v p="$pages" -v st="$steady_kb" '
    BEGIN {
      limit = (n >= 100000) ? 15000 : (n >= 10000 ? 1500 : 0)
      tmet = (limit == 0) ? "n/a" : (ms < limit ? "yes" : "no")
      smet = (n >= 100000) ? (sms < 20000 ? "yes" : "no") : "n/a"
      smax = (s > e) ? s : e
      rmet = (smax * 1024 < 3 * c) ? "yes" : "no"
      stmet = (st * 1024 < 3 * c) ? "yes" : "no"
      printf "| %d | %.1f MB | %d ms | %s | %d ms | %s | %.1f MB (%.2fx) | %.1f MB (%.2fx) | %s | %.1f MB (%.2fx) | %.1f MB (%.2fx) | %s | %d |",
        n, c / 1e6, ms, tmet, sms, smet, r * 1024 / 1e6, r * 1024 / c, st * 1024 / 1e6, st * 1024 / c, stmet,
        s * 1024 / 1e6, s * 1024 / c, e * 1024 / 1e6, e * 1024 / c, rmet, p
    }')")
  say "$etag_note"
done

printf '## Start-up and memory\n\n'
printf 'Ready = from starting the process (both cores) to the first 200 from /readyz or /healthz (posts served); targets: 10,000 posts < 1.5 s, 100,000 < 15 s.\n'
printf 'Search ready = from the same start to /readyz saying `"search": "ready"` (the index is built in the background after ready); target: 100,000 posts < 20 s.\n'
printf 'RSS = VmRSS 1 s after search ready (what the server holds while serving); peak RSS = VmHWM, a high-water mark: at ready, at search ready (the index build included), and after load (the pinned server after every measurement). Target: under 3x the corpus (the posts'"'"' bytes on disk), checked for the RSS and for the larger of the last two peaks.\n\n'
printf '| posts | corpus | ready | < target? | search ready | < 20 s? | peak RSS at ready | RSS serving | < 3x? | peak RSS at search ready | peak RSS after load | peak < 3x? | tag A,B pages |\n'
printf '|---:|---:|---:|---|---:|---|---:|---:|---|---:|---:|---|---:|\n'
printf '%s\n' "${summary[@]}"
printf '\n## Start-up with the search index kept in a folder (`--index-dir`)\n\n'
printf 'Same measurements, each a new process on both cores; the folder starts empty. Peak = VmHWM at search ready; RSS = VmRSS 1 s later; the index files are mapped from disk.\n\n'
printf '| posts | run | ready | search ready | < 20 s? | RSS serving | peak RSS | < 3x? | index on disk |\n'
printf '|---:|---|---:|---:|---|---:|---:|---|---:|\n'
printf '%s\n' "${kept[@]}"
printf '\n## Requests (wrk, %s connections, %s pairs of %s s measurements)\n\n' "$connections" "$rounds" "$duration"
printf 'Req/s and p99 are medians over the pairs; ratio = the median of the pairs'"'"' ratios (Quire / hello), with its 95%% confidence interval. Met: the whole interval at or above the target and p99 under 5 ms; not met: the whole interval below it or p99 at 5 ms or more; otherwise this run cannot tell.\n\n'
printf '%s.\n\n' "$etag_note"
printf '| posts | endpoint | status | Quire req/s | hello req/s | ratio | 95%% interval | Quire p99 | hello p99 | target | met? |\n'
printf '|---:|---|---|---:|---:|---:|---:|---:|---:|---|---|\n'
printf '%s\n' "${rows[@]}"
