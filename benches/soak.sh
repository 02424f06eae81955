#!/usr/bin/env bash
# Quire's soak benchmark: builds release Quire, writes a corpus of posts that are never touched,
# then runs mixed load (posts, lists, search, feeds, terms, health checks, open event streams)
# for ten minutes while a writer creates, edits, renames, breaks, fixes and deletes posts, writes
# files slowly and in bursts, drops in hostile files (a FIFO, links outside the folder and to
# itself, a file over the size limit, deep nesting, 100,000 tags) and now and then replaces the
# whole content folder as a deploy does (every minute). Reports requests, non-2xx answers (0 for the untouched
# posts, or it fails), reloads applied, peak RSS against 3x the corpus plus 200 MB, and whether
# what is served at the end is what a fresh start on the final folder serves. The server runs in
# its default configuration (plus a preview token, to compare drafts too).
#
#   benches/soak.sh                         # 10 minutes, 2,000 untouched posts
#   QUIRE_SOAK_SECONDS=60 benches/soak.sh   # a quick run
#
# Settings (environment): QUIRE_SOAK_SECONDS (default 600), QUIRE_SOAK_POSTS (default 2000),
# QUIRE_SOAK_CLIENTS (request threads, default 8), QUIRE_SOAK_STREAMS (event streams held
# open, default 4), CARGO_TARGET_DIR (default ./target). Needs python3 (standard library only).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${QUIRE_SOAK_SECONDS:-600}
posts=${QUIRE_SOAK_POSTS:-2000}
clients=${QUIRE_SOAK_CLIENTS:-8}
streams=${QUIRE_SOAK_STREAMS:-4}
target_dir=${CARGO_TARGET_DIR:-target}

source benches/common.sh

say "building release quire and the post generator"
cargo build --release --quiet --bin quire --example corpus
quire="$target_dir/release/quire"
corpus="$target_dir/release/examples/corpus"

mkdir -p "$work/content"
"$corpus" "$work/content/stable" --posts "$posts" >/dev/null
python3 benches/soak.py --quire "$quire" --work "$work" --seconds "$seconds" \
  --clients "$clients" --streams "$streams"
