# Deploys from source: a no-op redeploy of an unchanged git repo (berth fetches and finds the
# same revision) beside `git fetch` in a clone, and a first deploy of a small Node app until its
# first line beside the same steps by hand (git clone, npm ci, node).
import json
import os
import random
import select
import signal
import subprocess
import time

import common

REDEPLOYS = 20
COMMITS = 200
FILES = 8  # files in the history repo; each commit rewrites CHANGED of them
CHANGED = 4
FILE_BYTES = 3000  # random bytes per file version, written as hex
SEED = 7  # the same history (and commit ids) in every run
POLL = 0.002
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"  # berth's PATH for apps
NODE_LINE = "deploy-bench up, isNumber(7) = true"
NODE_FILES = {
    "package.json": ('{\n  "name": "deploy-bench",\n  "version": "1.0.0",\n  "private": true,\n'
                     '  "dependencies": {"is-number": "7.0.0"}\n}\n'),
    "server.js": ('const isNumber = require("is-number");\n'
                  'console.log(`deploy-bench up, isNumber(7) = ${isNumber(7)}`);\n'
                  "setInterval(() => {}, 1 << 30);\n"),
}
NPM_CI = ["npm", "ci", "--omit=dev", "--no-audit", "--no-fund"]  # berth's default npm flags
NOOP_SPEC = {"command": "exec sleep 1000", "start_seconds": 0, "user": "root", "install": "none"}
NODE_SPEC = {"start_seconds": 0, "user": "root"}


def _env(home, extra=None):
    """The environment of the commands run by hand: what berth gives its deployment steps (PATH
    and HOME, here in the half's dir), so that no personal git or npm config and no variable of
    the caller's shell (e.g. NODE_EXTRA_CA_CERTS, which makes every node parse a CA bundle)
    takes part."""
    env = {"PATH": PATH, "HOME": home, "GIT_TERMINAL_PROMPT": "0"}
    env.update(extra or {})
    return env


def _run(argv, cwd, env, timeout=120, stdin=None):
    """Runs a command to its end; raises BenchError with its output when it fails."""
    try:
        proc = subprocess.run(argv, cwd=cwd, env=env, input=stdin, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise common.BenchError(f"{' '.join(argv[:3])} still running after {timeout}s") from None
    if proc.returncode != 0:
        out = proc.stdout.decode("utf-8", "replace")[-1500:]
        raise common.BenchError(f"{' '.join(argv[:3])} exited {proc.returncode}:\n{out}")
    return proc.stdout.decode("utf-8", "replace")


def _fast_import(bare, commits, workdir):
    """Creates the bare repo `bare` (HEAD: main) holding `commits`, each a dict path -> bytes of
    the files it writes, with fixed authors and dates; returns main's commit id."""
    stream = []
    for n, files in enumerate(commits, 1):
        message = f"change {n}\n".encode()
        stream.append(b"commit refs/heads/main\n")
        stamp = 1_700_000_000 + n * 60
        stream.append(f"author Bench <bench@example.com> {stamp} +0000\n".encode())
        stream.append(f"committer Bench <bench@example.com> {stamp} +0000\n".encode())
        stream.append(b"data %d\n%s" % (len(message), message))
        for path, data in sorted(files.items()):
            stream.append(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(data), data))
    env = _env(workdir)
    _run(["git", "init", "--quiet", "--bare", "--initial-branch=main", bare], workdir, env)
    _run(["git", "fast-import", "--quiet"], bare, env, stdin=b"".join(stream))
    return _run(["git", "rev-parse", "main"], bare, env).strip()


def _pack_bytes(bare):
    total = 0
    for root, _, names in os.walk(os.path.join(bare, "objects")):
        total += sum(os.path.getsize(os.path.join(root, n)) for n in names)
    return total


def history_repo(workdir):
    """A bare repo with COMMITS commits of FILES files (a few MB of objects) served over
    file://; returns its url and main's commit id."""
    rng = random.Random(SEED)
    commits = []
    for _ in range(COMMITS):
        paths = rng.sample(range(FILES), CHANGED)
        commits.append({f"src/part{p}.txt": rng.randbytes(FILE_BYTES).hex().encode()
                        for p in paths})
    bare = os.path.join(workdir, "history.git")
    revision = _fast_import(bare, commits, workdir)
    return {"url": "file://" + bare, "revision": revision, "commits": COMMITS,
            "object_bytes": _pack_bytes(bare)}


# ---------------------------------------------------------------------------------------------
# no-op redeploy

def _newest(client, name):
    deployments = client.json("GET", f"/v1/apps/{name}/deployments")
    return deployments[0] if deployments else None


def _finished(client, name, deployment_id):
    """The deployment once it is no longer running (None while it runs)."""
    newest = _newest(client, name)
    if newest is None or newest["id"] < deployment_id:
        return None
    if newest["id"] != deployment_id:
        raise common.BenchError(f"deployment {newest['id']} started after {deployment_id}")
    return newest if newest["outcome"] != "running" else None


def _first_deploy(d, name, spec, timeout=120):
    """PUTs the app and waits until its first deployment has finished; returns it."""
    d.client.put_app(name, spec)

    def done():
        d.daemon.check_alive()
        newest = _newest(d.client, name)
        return newest if newest and newest["outcome"] != "running" else None
    first = common.wait_until(done, timeout, f"the first deployment of {name}", interval=POLL)
    if first["outcome"] != "succeeded":
        raise common.BenchError(f"the first deployment of {name} ended {first['outcome']}: "
                                f"{first.get('error')}")
    return first


def _summary(latencies):
    return {"p50": common.percentile(latencies, 50), "p99": common.percentile(latencies, 99),
            "max": max(latencies), "runs": len(latencies)}


def redeploy_berth(binary, repo, workdir, rounds=REDEPLOYS):
    """Deploys the history repo once, then `rounds` times: POST redeploy, read /v1/events until
    that deployment's end is announced. Returns latencies in seconds and berth's own
    duration_ms of each."""
    d = common.Berthd(binary, workdir)
    try:
        name = "noop"
        spec = dict(NOOP_SPEC, source={"git": {"url": repo["url"], "ref": "main"}})
        first = _first_deploy(d, name, spec)
        if first.get("revision") != repo["revision"]:
            raise common.BenchError(f"berth deployed revision {first.get('revision')}, "
                                    f"git says {repo['revision']}")
        common.wait_until(lambda: d.client.json("GET", f"/v1/apps/{name}")["status"]
                          .get("state") == "running", 10, f"{name} to run")
        latencies, durations = [], []
        events = common.EventStream(d.client, timeout=30)
        try:
            for i in range(rounds):
                t0 = time.perf_counter()
                app = d.client.control(name, "redeploy")
                deployment_id = app["status"].get("deploying")
                if not deployment_id:
                    raise common.BenchError(f"redeploy {i + 1}: the answer has no "
                                            "status.deploying")
                while True:
                    kind, data = events.next()
                    if (kind == "deploy" and data.get("id") == deployment_id
                            and data.get("phase") != "started"):
                        break
                t1 = time.perf_counter()
                done = _finished(d.client, name, deployment_id)  # untimed: what was recorded
                if not done or done["outcome"] != "skipped" or data["phase"] != "skipped":
                    raise common.BenchError(f"redeploy {i + 1} of an unchanged repo ended "
                                            f"{data['phase']} ({data.get('error')}), not skipped")
                latencies.append(t1 - t0)
                durations.append(done["duration_ms"])
        finally:
            events.close()
        result = _summary(latencies)
        result["duration_ms_p50"] = common.percentile(durations, 50)
        result["duration_ms"] = durations
        result["latencies"] = latencies
        result["fetcher"] = _fetcher_alone(binary, repo, os.path.join(d.state, "apps", name),
                                           rounds)
        return result
    finally:
        d.stop()


def _fetcher_alone(binary, repo, app_dir, rounds):
    """berth-fetch (beside berthd) run by the bench with the job berthd gives it for a redeploy
    (git-resolve of the app's cache), and with a job it refuses at once (process start and exit
    only); p50 of each in seconds."""
    fetch = os.path.join(os.path.dirname(binary), "berth-fetch")
    job = json.dumps({"op": "git-resolve", "url": repo["url"], "ref": "main", "username": "",
                      "token": "", "repo_dir": os.path.join(app_dir, "repo.git")}).encode()
    result = {}
    for key, stdin, expect in (("resolve", job, 0), ("start_exit", b"{}", 2)):
        latencies = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            proc = subprocess.run([fetch], input=stdin, cwd=app_dir, env=_env(app_dir),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
            latencies.append(time.perf_counter() - t0)
            if proc.returncode != expect:
                raise common.BenchError(f"berth-fetch ({key}) exited {proc.returncode}: "
                                        f"{proc.stderr.decode('utf-8', 'replace')[-300:]}")
        result[key] = common.percentile(latencies, 50)
    return result


def fetch_git(repo, workdir, rounds=REDEPLOYS):
    """Clones the history repo once (untimed), then times `git fetch origin` `rounds` times."""
    clone = os.path.join(workdir, "clone")
    env = _env(workdir)
    _run(["git", "clone", "--quiet", "--branch", "main", repo["url"], clone], workdir, env)
    latencies = []
    for i in range(rounds):
        t0 = time.perf_counter()
        proc = subprocess.run(["git", "fetch", "origin"], cwd=clone, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        t1 = time.perf_counter()
        if proc.returncode != 0:
            raise common.BenchError(f"git fetch {i + 1} exited {proc.returncode}: "
                                    f"{proc.stderr.decode('utf-8', 'replace')[-500:]}")
        if proc.stdout or proc.stderr:
            raise common.BenchError(f"git fetch {i + 1} of an unchanged repo fetched something: "
                                    f"{(proc.stdout + proc.stderr)[:300]!r}")
        latencies.append(t1 - t0)
    result = _summary(latencies)
    result["latencies"] = latencies
    return result


# ---------------------------------------------------------------------------------------------
# first deploy of a Node app

def node_repo(workdir):
    """A one-commit bare repo of the Node app, its package-lock.json made with
    `npm install --package-lock-only`; then an untimed `npm ci` fills the npm cache both halves
    share (npm_config_cache), so that neither downloads is-number."""
    scratch = os.path.join(workdir, "scratch")
    os.makedirs(scratch)
    for path, text in NODE_FILES.items():
        with open(os.path.join(scratch, path), "w") as f:
            f.write(text)
    cache = os.path.join(workdir, "npm-cache")
    env = _env(workdir, {"npm_config_cache": cache})
    _run(["npm", "install", "--package-lock-only", "--no-audit", "--no-fund"], scratch, env)
    _run(NPM_CI, scratch, env)
    files = {}
    for path in (*NODE_FILES, "package-lock.json"):
        with open(os.path.join(scratch, path), "rb") as f:
            files[path] = f.read()
    bare = os.path.join(workdir, "node-app.git")
    revision = _fast_import(bare, [files], workdir)
    return {"url": "file://" + bare, "revision": revision, "npm_cache": cache}


def _has_line(client, name):
    entries = client.json("GET", f"/v1/apps/{name}/logs?entries=100")
    return any(e["line"] == NODE_LINE for e in entries)


def node_berth(binary, app, workdir):
    """From PUT until the app's log holds NODE_LINE."""
    d = common.Berthd(binary, workdir)
    try:
        name = "hello"
        spec = dict(NODE_SPEC, source={"git": {"url": app["url"], "ref": "main"}},
                    env={"npm_config_cache": app["npm_cache"]})
        t0 = time.perf_counter()
        d.client.put_app(name, spec)

        def up():
            d.daemon.check_alive()
            return _has_line(d.client, name)
        common.wait_until(up, 120, f"'{NODE_LINE}' in the log of {name}", interval=POLL)
        seconds = time.perf_counter() - t0
        # Untimed: the deployment that got there, and what berth runs.
        newest = _newest(d.client, name)
        status = d.client.json("GET", f"/v1/apps/{name}")["status"]
        if newest["outcome"] != "succeeded" or newest.get("revision") != app["revision"]:
            raise common.BenchError(f"the app printed its line but its deployment is "
                                    f"{newest['outcome']} at {newest.get('revision')}")
        return {"seconds": seconds, "duration_ms": newest["duration_ms"],
                "command": status.get("command"), "state": status.get("state")}
    finally:
        d.stop()


def _read_line(proc, line, timeout):
    """Reads proc's stdout until `line` arrives; raises after timeout or at EOF."""
    deadline = time.monotonic() + timeout
    fd, buffered = proc.stdout.fileno(), b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise common.BenchError(f"no '{line}' from node after {timeout}s: {buffered[-300:]!r}")
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        data = os.read(fd, 65536)
        if not data:
            raise common.BenchError(f"node exited ({proc.wait()}) before '{line}': "
                                    f"{buffered[-300:]!r}")
        buffered += data
        if line.encode() + b"\n" in buffered:
            return


def node_by_hand(app, workdir):
    """git clone, npm ci with berth's default flags, node server.js until it prints NODE_LINE."""
    env = _env(workdir, {"npm_config_cache": app["npm_cache"]})
    release = os.path.join(workdir, "release")
    proc = None
    try:
        t0 = time.perf_counter()
        _run(["git", "clone", "--quiet", "--branch", "main", app["url"], release], workdir, env)
        _run(NPM_CI, release, env)
        proc = subprocess.Popen(["node", "server.js"], cwd=release, env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)
        _read_line(proc, NODE_LINE, 60)
        return {"seconds": time.perf_counter() - t0}
    finally:
        if proc:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
            proc.wait()
            proc.stdout.close()
