# Helpers shared by the benchmark scripts (sourced, not run): messages, installing missing
# tools, the release build of Quire, the hello-world baseline and the post generator, a scratch
# folder whose servers are stopped on exit, and free ports. Expects `target_dir` to be set.

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
