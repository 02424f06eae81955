#!/usr/bin/env bash
# Start-up with photos: generates the same posts twice, once as plain files and once as bundles
# each with its own 1200x800 JPEG shown in the body (examples/corpus.rs --images), and starts
# Quire on each in turn, in alternating order, measuring the time from starting the process
# (both cores, watching the folder, as `quire serve` runs by default) to the first 200 from
# /readyz, and the server's own "loaded ... in N ms" figure; with photos also the time until
# /readyz says every blur placeholder is made (the worker starts once the content is loaded).
# Prints a Markdown table with the medians and the median of the rounds' ratios (with photos /
# without); the issue's targets are 1.5 or less, and placeholders done within 30 s. A third
# folder, the same bundles without their photos (examples/corpus.rs --bundles), tells the cost
# of the photos from the cost of one folder per post.
#
#   benches/media_load.sh
#   QUIRE_BENCH_POSTS=1000 QUIRE_BENCH_ROUNDS=3 benches/media_load.sh
#
# Settings (environment): QUIRE_BENCH_POSTS (default 10000), QUIRE_BENCH_ROUNDS (starts of
# each corpus, default 7; one unmeasured start of each comes first), CARGO_TARGET_DIR
# (default ./target). The photos take about 150 KB each (1.5 GB for 10,000) in a temporary
# folder, removed on exit. Needs curl and python3.
set -euo pipefail
cd "$(dirname "$0")/.."

posts=${QUIRE_BENCH_POSTS:-10000}
rounds=${QUIRE_BENCH_ROUNDS:-7}
target_dir=${CARGO_TARGET_DIR:-target}

source benches/common.sh

install_missing curl
build_servers

plain="$work/plain"
bundles="$work/bundles"
photos="$work/photos"
say "generating $posts posts, without and with photos"
generated_ns=$(now_ns)
"$corpus" --posts "$posts" "$plain" >/dev/null
plain_ms=$((($(now_ns) - generated_ns) / 1000000))
"$corpus" --posts "$posts" --bundles "$bundles" >/dev/null
generated_ns=$(now_ns)
"$corpus" --posts "$posts" --images "$photos" >/dev/null
photos_ms=$((($(now_ns) - generated_ns) / 1000000))
photo_bytes=$(find "$photos" -name photo.jpg -printf '%s\n' | awk '{ sum += $1; n++ } END { printf "%.0f", sum / n }')

# Starts Quire on a folder, waits for ready (and with photos for every placeholder) and stops
# it; prints "ready_ms loaded_ms placeholders_ms" (0 without photos) and keeps the server's
# "loaded" line in $work/loaded-<name>.
start_once() {
  local name=$1 content=$2 port pid started ready_ms placeholders_ms=0 log="$work/start.log"
  port=$(free_port)
  : >"$log"
  started=$(now_ns)
  RUST_LOG=warn,quire::startup=info "$quire" serve --content "$content" \
    --bind "127.0.0.1:$port" 2>"$log" &
  pid=$!
  pids+=("$pid")
  wait_ready "http://127.0.0.1:$port" "$pid" 120
  ready_ms=$((($(now_ns) - started) / 1000000))
  if [ "$name" = photos ]; then
    wait_placeholders_done "http://127.0.0.1:$port" "$pid" 300
    placeholders_ms=$((($(now_ns) - started) / 1000000))
  fi
  stop "$pid"
  grep -o 'loaded .*' "$log" | head -1 >"$work/loaded-$name"
  echo "$ready_ms $(sed -n 's/.* in \([0-9]*\) ms (read.*/\1/p' "$work/loaded-$name") $placeholders_ms"
}

say "one unmeasured start of each"
start_once plain "$plain" >/dev/null
start_once bundles "$bundles" >/dev/null
start_once photos "$photos" >/dev/null
say "measuring $rounds starts of each, alternating"
rounds_file="$work/rounds"
: >"$rounds_file"
for round in $(seq 1 "$rounds"); do
  if [ $((round % 2)) -eq 1 ]; then
    without=$(start_once plain "$plain")
    bare=$(start_once bundles "$bundles")
    with=$(start_once photos "$photos")
  else
    with=$(start_once photos "$photos")
    bare=$(start_once bundles "$bundles")
    without=$(start_once plain "$plain")
  fi
  echo "$without $with $bare" >>"$rounds_file"
done

printf '# Start-up with photos\n\n'
printf '%s; %s cores (%s); commit %s; Quire release, both cores, watching the folder.\n' \
  "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(nproc)" "$(uname -m)" "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
printf '%s posts (the same text both times); with photos each is a bundle with one 1200x800 JPEG (mean %s bytes) shown in its body. Generated in %s ms without and %s ms with photos.\n' \
  "$posts" "$photo_bytes" "$plain_ms" "$photos_ms"
printf 'Ready = from starting the process to the first 200 from /readyz; placeholders = from the same start to /readyz saying every image has its blur placeholder (made in the background, no --index-dir); loaded = the server'"'"'s own figure for reading the folder and building the store. Medians of %s starts of each, alternating (after one unmeasured start of each, so both folders are in the page cache); ratio = the median of the rounds'"'"' ratios, with the lowest and highest.\n' "$rounds"
printf 'Server says (last start): without photos "%s"; with photos "%s".\n\n' \
  "$(cat "$work/loaded-plain")" "$(cat "$work/loaded-photos")"
python3 -I -S - "$posts" "$rounds_file" <<'PY'
import sys
posts, path = sys.argv[1], sys.argv[2]
rows = [list(map(float, line.split())) for line in open(path) if line.strip()]
def median(values):
    values = sorted(values)
    n = len(values)
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2
def ratios(without, with_):
    return sorted(r[with_] / r[without] for r in rows if r[without] > 0)
print("| posts | measure | without photos | with photos | ratio (range) | <= 1.5? | bundles without photos | with photos / bundles (range) |")
print("|---:|---|---:|---:|---:|---|---:|---:|")
# Each row: ready, loaded, placeholders (0) without photos, the same with photos, then the
# same for the bundles without photos.
for label, without, with_, bare in (("ready", 0, 3, 6), ("loaded", 1, 4, 7)):
    r = ratios(without, with_)
    b = ratios(bare, with_)
    met = "yes" if median(r) <= 1.5 else "no"
    print(f"| {posts} | {label} | {median([x[without] for x in rows]):.0f} ms | "
          f"{median([x[with_] for x in rows]):.0f} ms | {median(r):.2f} ({r[0]:.2f}-{r[-1]:.2f}) | {met} | "
          f"{median([x[bare] for x in rows]):.0f} ms | {median(b):.2f} ({b[0]:.2f}-{b[-1]:.2f}) |")
done = sorted(x[5] for x in rows)
print()
print("| posts | all placeholders made (from process start) | range | < 30 s? |")
print("|---:|---:|---:|---|")
print(f"| {posts} | {median(done) / 1000:.1f} s | {done[0] / 1000:.1f}-{done[-1] / 1000:.1f} s | "
      f"{'yes' if median(done) < 30000 else 'no'} |")
PY
