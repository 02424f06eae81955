#!/usr/bin/env bash
# The CPU cost of one request, counted rather than timed: runs Quire (over ./content) and the
# actix-web hello-world (examples/hello.rs, answering the very status, type and body Quire
# answered) under valgrind's callgrind, sends N requests on one keep-alive connection while
# instrumentation is on, and prints the user-space instructions per request of each and their
# ratio, for one post and for its 304 revalidation. Instruction counts repeat within about
# 0.5% for the same binaries and requests, whatever else the machine is doing; wrk's requests
# per second (benches/load.sh) move by ten points between runs. Kernel time (the same syscalls
# for both servers) is not counted.
#
#   benches/callgrind.sh            # 5,000 requests each
#   QUIRE_CALLGRIND_REQUESTS=20000 benches/callgrind.sh
#
# Needs valgrind (installed with apt-get when missing), callgrind_control, python3 and curl.
set -euo pipefail
cd "$(dirname "$0")/.."

requests=${QUIRE_CALLGRIND_REQUESTS:-5000}
target_dir=${CARGO_TARGET_DIR:-target}
export RUST_LOG=warn

source benches/common.sh

install_missing valgrind
build_servers

# Sends warm-up requests, turns instrumentation on, sends $requests requests on one
# connection, and turns it off: drive PORT PID PATH [HEADER].
drive() {
  python3 - "$@" "$requests" <<'PY'
import socket, subprocess, sys, time
port, pid, path, header, n = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
request = f"GET {path} HTTP/1.1\r\nHost: localhost\r\n{header + chr(13) + chr(10) if header else ''}\r\n".encode()
deadline = time.monotonic() + 300
while True:
    try:
        conn = socket.create_connection(("127.0.0.1", port), timeout=60)
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit("the server did not listen")
        time.sleep(0.2)
def one():
    conn.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        body += conn.recv(65536)
    return head
for _ in range(500):
    head = one()
subprocess.run(["callgrind_control", "-i", "on", pid], check=True, capture_output=True)
for _ in range(n):
    one()
subprocess.run(["callgrind_control", "-i", "off", pid], check=True, capture_output=True)
print(head.split(b"\r\n")[0].decode(), file=sys.stderr)
PY
}

# Runs a server command under callgrind on PORT, drives it, and prints instructions per request:
# count PORT PATH HEADER -- COMMAND...
count() {
  local port=$1 path=$2 header=$3 out="$work/callgrind.out"
  shift 4
  rm -f "$out"
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out" "$@" \
    >>"$work/servers.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  # Quire builds its search index after it listens; requests wait for nothing, but give the
  # build (slow under valgrind) time to finish so it is not counted.
  sleep 5
  drive "$port" "$pid" "$path" "$header"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  local total
  total=$(callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
  echo $((total / requests))
}

# A plain Quire to capture a post's answer from.
port=$(free_port)
"$quire" serve --content content --no-watch --bind "127.0.0.1:$port" \
  2>>"$work/servers.log" &
pids+=("$!")
base="http://127.0.0.1:$port"
for _ in $(seq 1 500); do curl -sf "$base/readyz" >/dev/null && break; sleep 0.02; done
slug=$(curl -s "$base/api/v1/posts?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["slug"])')
path="/api/v1/posts/$slug"
etag=$(curl -s -D - -o /dev/null "$base$path" | awk -F': ' 'tolower($1) == "etag" {print $2}' | tr -d '\r')

printf '| request | Quire instructions | hello instructions | hello / Quire |\n'
printf '|---|---:|---:|---:|\n'
for case in 200 304; do
  header=""
  [ "$case" = 304 ] && header="If-None-Match: $etag"
  curl -s -D "$work/head" -o "$work/body" ${header:+-H "$header"} "$base$path"
  status=$(awk 'NR == 1 {print $2}' "$work/head")
  content_type=$(awk -F': ' 'tolower($1) == "content-type" {print $2}' "$work/head" | tr -d '\r')
  [ -n "$content_type" ] || content_type=application/json
  say "counting $status for $path"
  q_port=$(free_port)
  q=$(count "$q_port" "$path" "$header" -- "$quire" serve --content content \
    --no-watch --bind "127.0.0.1:$q_port")
  h_port=$(free_port)
  h=$(count "$h_port" "$path" "$header" -- "$hello" "127.0.0.1:$h_port" "$status" \
    "$content_type" "$work/body")
  printf '| `GET %s`%s (%s) | %s | %s | %s |\n' "/api/v1/posts/{slug}" \
    "${header:+, If-None-Match}" "$status" "$q" "$h" \
    "$(awk -v q="$q" -v h="$h" 'BEGIN { printf "%.1f%%", 100 * h / q }')"
done
printf '\n%s requests each on one keep-alive connection, after 500 uncounted; user-space instructions per request (valgrind callgrind); commit %s.\n' \
  "$requests" "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
