# Helpers shared by the benchmark scripts (sourced, not run): messages, installing missing
# tools, the release build of Quire, the hello-world baseline and the post generator, a scratch
# folder whose servers are stopped on exit, free ports, and polling a server until it is
# ready. Expects `target_dir` to be set.

say() { printf '%s\n' "$*" >&2; }

# Installs the given commands with apt-get when any is missing.
install_missing() {
  local missing=()
  for tool in "$@"; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  [ ${#missing[@]} -eq 0 ] && return
  say "installing ${missing[*]} with apt-get"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Builds release Quire, examples/hello.rs and the post generator examples/corpus.rs; sets
# $quire, $hello and $corpus.
build_servers() {
  say "building release (quire, the hello-world baseline and the post generator)"
  cargo build --release --quiet --bin quire --example hello --example corpus
  quire="$target_dir/release/quire"
  hello="$target_dir/release/examples/hello"
  corpus="$target_dir/release/examples/corpus"
}

# $work: a scratch folder, removed on exit after every process in $pids is stopped.
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -I -S -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

now_ns() { date +%s%N; }

# Polls the server from one small Python process with plain sockets: spawning curl (and jq, and
# date) every few milliseconds took a noticeable share of the two cores the server starts on.
# Python starts without site packages (-I -S): their hooks doubled its start to 0.2 s of a core.
#   poll ready  BASE PID LIMIT_S: until /readyz (or /healthz where it does not exist) answers 200;
#   poll search BASE PID LIMIT_S: until /readyz's `search` is `ready` (an older Quire without
#   the field built the index before it was ready at all); fails if it says `failed`;
#   poll placeholders BASE PID LIMIT_S: until /readyz's `placeholders` says every image's blur
#   placeholder is done (`done` equals a `total` above zero).
poll() {
  python3 -I -S - "$@" <<'PY'
import json, os, socket, sys, time
mode, base, pid, limit = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
host, port = base.removeprefix("http://").split(":")
def get(path):
    try:
        with socket.create_connection((host, int(port)), timeout=2) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while chunk := s.recv(65536):
                data += chunk
    except OSError:
        return None, b""
    head, _, body = data.partition(b"\r\n\r\n")
    parts = head.split(b" ", 2)
    return (int(parts[1]) if len(parts) > 1 else None), body
deadline = time.monotonic() + limit
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("the server exited")
    if mode == "ready":
        if any(get(path)[0] == 200 for path in ("/readyz", "/healthz")):
            sys.exit(0)
        time.sleep(0.005)
    elif mode == "placeholders":
        status, body = get("/readyz")
        progress = {}
        if status == 200:
            try:
                progress = json.loads(body).get("placeholders") or {}
            except ValueError:
                pass
        if progress.get("total", 0) > 0 and progress.get("done") == progress.get("total"):
            sys.exit(0)
        time.sleep(0.05)
    else:
        status, body = get("/readyz")
        if status == 200:
            try:
                search = json.loads(body).get("search", "ready")
            except ValueError:
                search = None
            if search == "ready":
                sys.exit(0)
            if search == "failed":
                sys.exit("the search index could not be built (see the server log)")
        time.sleep(0.02)
sys.exit(f"not {mode} within {limit:.0f} s")
PY
}

wait_ready() { poll ready "$@"; }
wait_search_ready() { poll search "$@"; }
wait_placeholders_done() { poll placeholders "$@"; }

# Stops a server started in the background and waits for it.
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
