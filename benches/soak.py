"""Quire's soak test: mixed load for a while against a server whose content folder is being
created, edited, renamed, broken, deleted, made hostile and replaced whole, then a check that
what it serves at the end is what a fresh start on the final folder serves.

Run by benches/soak.sh (which builds release Quire and writes the corpus); the standard library
only, so it runs wherever Python 3.8+ does. Prints a Markdown table and exits non-zero when a
published post that was never touched answered anything but 2xx, when peak RSS passed 3x the
corpus plus 200 MB, or when the served state at the end differs from a fresh start's.
"""

import argparse
import collections
import hashlib
import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time

TOKEN = "soak-preview-token-0123456789"


def log(message):
    print(message, file=sys.stderr, flush=True)


class Client:
    """One keep-alive HTTP/1.1 connection that reconnects after an error."""

    def __init__(self, port):
        self.port = port
        self.connection = None

    def get(self, path, headers=None):
        for attempt in range(2):
            try:
                if self.connection is None:
                    self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                self.connection.request("GET", path, headers=headers or {})
                response = self.connection.getresponse()
                body = response.read()
                return response.status, body
            except (OSError, http.client.HTTPException):
                if self.connection is not None:
                    self.connection.close()
                self.connection = None
                if attempt == 1:
                    return None, b""
        return None, b""


def start_server(quire, content, log_path, extra=()):
    """Starts `quire serve` on a free port; returns the process and the port once it is ready."""
    log_file = open(log_path, "wb")
    process = subprocess.Popen(
        [quire, "serve", "--content", content, "--bind", "127.0.0.1:0",
         "--preview-token", TOKEN, *extra],
        stdout=log_file, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    port = None
    while time.monotonic() < deadline and port is None:
        if process.poll() is not None:
            sys.exit(f"quire exited at start-up; see {log_path}")
        with open(log_path, "rb") as read:
            for line in read:
                marker = b"serving on http://127.0.0.1:"
                if marker in line:
                    port = int(line.split(marker)[1].split()[0].rstrip(b"/").decode())
                    break
        time.sleep(0.05)
    if port is None:
        sys.exit(f"quire did not start; see {log_path}")
    client = Client(port)
    while time.monotonic() < deadline:
        status, body = client.get("/readyz")
        if status == 200 and json.loads(body).get("search") == "ready":
            return process, port
        time.sleep(0.1)
    sys.exit("quire did not become ready")


def all_posts(client, authorized):
    """Every post's summary, by slug, through the list's pages."""
    headers = {"Authorization": f"Bearer {TOKEN}"} if authorized else {}
    posts = {}
    page = 1
    while True:
        status, body = client.get(f"/api/v1/posts?limit=100&page={page}{'&preview=true' if authorized else ''}", headers)
        if status != 200:
            raise RuntimeError(f"/api/v1/posts page {page} answered {status}")
        data = json.loads(body)
        for post in data["data"]:
            posts[post["slug"]] = post
        if data["meta"]["pagination"]["next"] is None:
            break
        page += 1
    return posts


# What the writer does, and how often, out of the weights' total.
ACTIONS = {
    "create": 12,
    "edit": 30,
    "rename": 6,
    "break": 6,
    "fix": 8,
    "delete": 6,
    "slow write": 4,
    "burst": 2,
    "hostile": 3,
}

# How often the whole content folder is replaced, as a deploy does.
REPLACE_EVERY = 60


class Writer:
    """Changes the `churn` folder (and, now and then, replaces the whole content folder) while
    the load runs; the `stable` folder's posts are never touched."""

    def __init__(self, content, seed):
        self.content = content
        self.random = random.Random(seed)
        self.churn = os.path.join(content, "churn")
        os.makedirs(self.churn, exist_ok=True)
        self.files = {}  # name -> title, for churn posts
        self.broken = set()
        self.hostile = []
        self.counter = 0
        self.done = collections.Counter()
        self.errors = []

    def title(self):
        self.counter += 1
        return f"Churn post {self.counter} {self.random.choice(['kanban', 'scope', 'risk', 'flow'])}"

    def text(self, title, paragraphs=3):
        words = ["sprint", "backlog", "story", "team", "review", "velocity", "forecast", "value"]
        body = "\n\n".join(
            " ".join(self.random.choice(words) for _ in range(60)).capitalize() + "."
            for _ in range(paragraphs)
        )
        return (
            f'---\ntitle: "{title}"\ndate: "2024-0{self.random.randint(1, 9)}-1{self.random.randint(0, 9)}"\n'
            f'tags: ["{self.random.choice(["soak", "churn", "load"])}"]\n---\n\n{body}\n'
        )

    def write(self, name, text):
        path = os.path.join(self.churn, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as file:
            file.write(text)

    def pick(self):
        return self.random.choice(sorted(self.files)) if self.files else None

    def step(self):
        action = self.random.choices(list(ACTIONS), weights=list(ACTIONS.values()))[0]
        try:
            if self.act(action):
                self.done[action] += 1
        except OSError as err:
            self.errors.append(f"{action}: {err}")

    def act(self, action):
        name = self.pick()
        if action == "create" or name is None:
            name = f"post-{self.counter:05d}.md"
            title = self.title()
            self.write(name, self.text(title))
            self.files[name] = title
            self.broken.discard(name)
        elif action == "edit":
            title = self.title()
            self.write(name, self.text(title))
            self.files[name] = title
            self.broken.discard(name)
        elif action == "rename":
            new = f"{self.random.choice(['', 'moved/', 'moved/deeper/'])}renamed-{self.counter:05d}.md"
            self.counter += 1
            os.makedirs(os.path.dirname(os.path.join(self.churn, new)), exist_ok=True)
            os.rename(os.path.join(self.churn, name), os.path.join(self.churn, new))
            self.files[new] = self.files.pop(name)
            if name in self.broken:
                self.broken.discard(name)
                self.broken.add(new)
        elif action == "break":
            self.write(name, '---\ntitle: "unclosed\ntags: [a, b\n---\n\nBroken on purpose.\n')
            self.broken.add(name)
        elif action == "fix":
            if not self.broken:
                return False
            name = self.random.choice(sorted(self.broken))
            title = self.title()
            self.write(name, self.text(title))
            self.files[name] = title
            self.broken.discard(name)
        elif action == "delete":
            os.remove(os.path.join(self.churn, name))
            del self.files[name]
            self.broken.discard(name)
        elif action == "slow write":
            # A file written in pieces over a second, as a slow copy or an upload would.
            title = self.title()
            text = self.text(title, paragraphs=40)
            path = os.path.join(self.churn, name)
            with open(path, "w") as file:
                for start in range(0, len(text), len(text) // 8 + 1):
                    file.write(text[start:start + len(text) // 8 + 1])
                    file.flush()
                    time.sleep(0.12)
            self.files[name] = title
            self.broken.discard(name)
        elif action == "burst":
            # Many files at once, as `git checkout` of another branch writes them.
            for _ in range(40):
                name = self.random.choice(sorted(self.files))
                title = self.title()
                self.write(name, self.text(title))
                self.files[name] = title
                self.broken.discard(name)
        elif action == "hostile":
            self.make_hostile()
        return True

    def make_hostile(self):
        kind = self.random.choice(["fifo", "outside link", "loop", "too big", "deep", "many tags"])
        path = os.path.join(self.churn, f"hostile-{self.counter:05d}-{kind.replace(' ', '-')}.md")
        self.counter += 1
        if kind == "fifo":
            os.mkfifo(path)
        elif kind == "outside link":
            os.symlink("/etc/hostname", path)
        elif kind == "loop":
            os.symlink(".", path[:-3])
            path = path[:-3]
        elif kind == "too big":
            with open(path, "w") as file:
                file.write('---\ntitle: "Too big"\ndate: "2024-01-01"\n---\n\n')
                file.write(("word " * 200 + "\n\n") * 6500)
        elif kind == "deep":
            with open(path, "w") as file:
                file.write('---\ntitle: "Deep"\nextra: ' + "[" * 50_000 + "]" * 50_000 + "\n---\n\nDeep.\n")
        elif kind == "many tags":
            with open(path, "w") as file:
                tags = ", ".join(f"tag{i}" for i in range(100_000))
                file.write(f'---\ntitle: "Many tags {self.counter}"\ndate: "2024-01-01"\ntags: [{tags}]\n---\n\nTags.\n')
        self.hostile.append(path)
        # Hostile files come and go, so the folder does not fill up with them.
        while len(self.hostile) > 6:
            old = self.hostile.pop(0)
            if os.path.islink(old) or os.path.exists(old) or os.path.lexists(old):
                os.remove(old)

    def replace_folder(self):
        # The deploy pattern: build the new folder beside the old one, then swap them.
        new = self.content + ".new"
        old = self.content + ".old"
        shutil.rmtree(new, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
        shutil.copytree(self.content, new, symlinks=True,
                        ignore=lambda folder, names: [n for n in names if n.startswith("hostile-")])
        self.hostile = []
        os.rename(self.content, old)
        os.rename(new, self.content)
        shutil.rmtree(old, ignore_errors=True)

    def finish(self):
        """Fixes every broken post, so a fresh start and the running server agree on each
        file (a running server keeps a broken post's last good version)."""
        for name in sorted(self.broken):
            title = self.title()
            self.write(name, self.text(title))
            self.files[name] = title
        self.broken.clear()


def load(port, stable, stop, tally, lock):
    """Asks for the untouched posts and the busy endpoints, counting answers by kind."""
    client = Client(port)
    rng = random.Random()
    while not stop.is_set():
        roll = rng.random()
        if roll < 0.6:
            kind, path = "untouched post", f"/api/v1/posts/{rng.choice(stable)}"
        elif roll < 0.75:
            kind, path = "list", f"/api/v1/posts?page={rng.randint(1, 5)}"
        elif roll < 0.85:
            kind, path = "search", f"/api/v1/search?q={rng.choice(['sprint', 'backlog', 'churn', 'kanban'])}"
        elif roll < 0.9:
            kind, path = "feed", "/feed.xml"
        elif roll < 0.95:
            kind, path = "terms", "/api/v1/tags"
        else:
            kind, path = "health", "/healthz"
        status, _ = client.get(path)
        ok = status is not None and 200 <= status < 300
        with lock:
            tally[kind, ok] += 1
            if not ok and kind == "untouched post":
                tally["failures"].append((time.time(), path, status))


def listen(port, stop, tally, lock):
    """Holds an event stream open, counting reload events; reconnects when it ends."""
    while not stop.is_set():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
                sock.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: soak\r\n\r\n")
                buffer = b""
                while not stop.is_set():
                    try:
                        chunk = sock.recv(65536)
                    except socket.timeout:
                        continue
                    if not chunk:
                        break
                    buffer += chunk
                    events = buffer.count(b"event: reload")
                    if events:
                        with lock:
                            tally["events"] += events
                        buffer = buffer[buffer.rfind(b"event: reload") + 1:]
                    buffer = buffer[-256:]
        except OSError:
            time.sleep(0.5)


def peak_rss_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def folder_bytes(folder):
    total = 0
    for base, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(base, name)
            if os.path.isfile(path) and not os.path.islink(path):
                total += os.path.getsize(path)
    return total


def served_state(port):
    """Every post as the server serves it, drafts too, and every problem: what to compare."""
    client = Client(port)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    posts = {}
    for slug in sorted(all_posts(client, authorized=True)):
        status, body = client.get(f"/api/v1/posts/{slug}", headers)
        if status != 200:
            raise RuntimeError(f"/api/v1/posts/{slug} answered {status}")
        # Absolute URLs name the server's own port, the one thing two servers must not share.
        body = body.replace(f"127.0.0.1:{port}".encode(), b"SERVER")
        post = json.loads(body)
        posts[slug] = hashlib.sha256(json.dumps(post, sort_keys=True).encode()).hexdigest()
    status, body = client.get("/api/v1/problems", headers)
    problems = sorted(json.dumps(p, sort_keys=True) for p in json.loads(body)["data"]) if status == 200 else [f"status {status}"]
    return posts, problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quire", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--streams", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    content = os.path.join(args.work, "content")
    corpus_bytes = folder_bytes(content)
    process, port = start_server(args.quire, content, os.path.join(args.work, "soak.log"))
    ready_kb = peak_rss_kb(process.pid)
    stable = sorted(all_posts(Client(port), authorized=False))
    log(f"serving {len(stable)} untouched posts ({corpus_bytes / 1e6:.1f} MB) on port {port}; "
        f"soaking for {args.seconds} s")

    stop = threading.Event()
    lock = threading.Lock()
    tally = collections.Counter()
    tally["failures"] = []
    threads = [threading.Thread(target=load, args=(port, stable, stop, tally, lock), daemon=True)
               for _ in range(args.clients)]
    threads += [threading.Thread(target=listen, args=(port, stop, tally, lock), daemon=True)
                for _ in range(args.streams)]
    for thread in threads:
        thread.start()

    writer = Writer(content, args.seed)
    started = time.monotonic()
    largest_folder = corpus_bytes
    next_report = started + 60
    next_replace = started + REPLACE_EVERY / 2
    while time.monotonic() - started < args.seconds:
        if time.monotonic() > next_replace:
            next_replace += REPLACE_EVERY
            try:
                writer.replace_folder()
                writer.done["replace folder"] += 1
            except OSError as err:
                writer.errors.append(f"replace folder: {err}")
        else:
            writer.step()
        time.sleep(writer.random.uniform(0.02, 0.3))
        if time.monotonic() > next_report:
            next_report += 60
            largest_folder = max(largest_folder, folder_bytes(content))
            with lock:
                log(f"{time.monotonic() - started:.0f} s: {sum(v for k, v in tally.items() if isinstance(k, tuple))} requests, "
                    f"{len(tally['failures'])} untouched-post failures, peak RSS {peak_rss_kb(process.pid) / 1024:.0f} MB")
    writer.finish()
    largest_folder = max(largest_folder, folder_bytes(content))
    stop.set()
    for thread in threads:
        thread.join(timeout=35)
    peak_kb = peak_rss_kb(process.pid)

    # The last change is served within a debounce; a few seconds of quiet are plenty.
    time.sleep(3)
    fresh, fresh_port = start_server(args.quire, content, os.path.join(args.work, "fresh.log"), ["--no-watch"])
    try:
        soaked_state = served_state(port)
        fresh_state = served_state(fresh_port)
    finally:
        fresh.terminate()
        fresh.wait()
    process.terminate()
    process.wait()

    with open(os.path.join(args.work, "soak.log"), errors="replace") as server_log:
        lines = server_log.readlines()
    reloads = sum(1 for line in lines if " reload " in line and " created, " in line)
    replaced = sum(1 for line in lines if "was replaced" in line)
    log_bytes = sum(len(line) for line in lines)

    requests = {kind: (tally[kind, True], tally[kind, False])
                for kind in ["untouched post", "list", "search", "feed", "terms", "health"]}
    total = sum(ok + bad for ok, bad in requests.values())
    bound_mb = 3 * corpus_bytes / 1e6 + 200
    peak_mb = peak_kb / 1024
    posts_match = soaked_state[0] == fresh_state[0]
    problems_match = soaked_state[1] == fresh_state[1]

    print(f"| soak, {args.seconds} s, {len(stable)} untouched posts | |")
    print("|---|---|")
    print(f"| requests | {total:,} ({total / args.seconds:,.0f}/s) |")
    for kind, (ok, bad) in requests.items():
        print(f"| {kind}: 2xx / other | {ok:,} / {bad:,} |")
    print(f"| reload events heard on {args.streams} streams | {tally['events']:,} |")
    print(f"| writer's changes | {sum(writer.done.values()):,} ({', '.join(f'{k} {v}' for k, v in sorted(writer.done.items()))}) |")
    print(f"| reloads applied (log) | {reloads:,}; the folder seen replaced and watched again {replaced} times |")
    print(f"| peak RSS at search ready | {ready_kb / 1024:.0f} MB |")
    print(f"| peak RSS | {peak_mb:.0f} MB (bound: 3 x the {corpus_bytes / 1e6:.1f} MB corpus + 200 MB = {bound_mb:.0f} MB; "
          f"the folder reached {largest_folder / 1e6:.1f} MB with the writer's files) |")
    print(f"| server log | {log_bytes / 1e6:.1f} MB |")
    print(f"| served at the end = fresh start on the final folder | posts {'yes' if posts_match else 'NO'} ({len(soaked_state[0])} vs {len(fresh_state[0])}), problems {'yes' if problems_match else 'NO'} |")

    failed = False
    if requests["untouched post"][1]:
        failed = True
        log(f"untouched posts failed {requests['untouched post'][1]} times; first: {tally['failures'][:5]}")
    if peak_mb > bound_mb:
        failed = True
        log("peak RSS over the bound")
    if not posts_match:
        failed = True
        soaked, fresh_posts = soaked_state[0], fresh_state[0]
        only_soaked = sorted(set(soaked) - set(fresh_posts))[:10]
        only_fresh = sorted(set(fresh_posts) - set(soaked))[:10]
        differ = sorted(s for s in set(soaked) & set(fresh_posts) if soaked[s] != fresh_posts[s])[:10]
        log(f"served posts differ: only served {only_soaked}, only fresh {only_fresh}, different {differ}")
    if not problems_match:
        failed = True
        log("problems differ:")
        for line in sorted(set(soaked_state[1]) ^ set(fresh_state[1]))[:10]:
            log(f"  {line}")
    if writer.errors:
        log(f"the writer hit {len(writer.errors)} errors, e.g. {writer.errors[:3]}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
