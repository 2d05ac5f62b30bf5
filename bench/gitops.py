# GitOps: what berth costs beside doing the same by hand, in one run.
# (a) no-op polls of 20 apps: berthd's CPU (itself and the fetchers it reaps) per poll, beside the
#     CPU of `git ls-remote` of the same repos;
# (b) a signed webhook until Compose starts: berth's time minus what a fetch and checkout of the
#     same commit take by hand (berth's added latency);
# (c) a redeploy of a two-service stack where one service changed, until the deployment ended,
#     beside `git fetch && git checkout && docker-compose up -d` by hand;
# (d) berthd's RSS with 20 compose apps polling.
import hashlib
import hmac
import http.client
import json
import os
import resource
import shutil
import subprocess
import time

import common
import containers

POLL_APPS = 20
POLL_INTERVAL = 10
POLL_ROUNDS = 2  # rounds of polls measured (after a first round that is not)
RSS_STACKS = 20
HOOK_ROUNDS = 5
REDEPLOY_ROUNDS = 3
TIMEOUT = 180
SECRET = "bench-webhook-secret"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def _env(home):
    return {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": home,
            "GIT_TERMINAL_PROMPT": "0", "DOCKER_HOST": f"unix://{containers.SOCKET}"}


def _run(argv, cwd, env, timeout=300):
    proc = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=timeout)
    if proc.returncode != 0:
        out = proc.stdout.decode("utf-8", "replace")[-1500:]
        raise common.BenchError(f"{' '.join(argv[:3])} exited {proc.returncode}:\n{out}")
    return proc.stdout.decode("utf-8", "replace")


def _compose_file(revision, services=("a", "b")):
    """A stack of busybox services; `revision` changes service b only."""
    lines = ["services:"]
    for name in services:
        rev = revision if name == "b" else "1"
        lines += [f"  {name}:",
                  f"    image: {containers.IMAGE}",
                  "    command: [\"sh\", \"-c\", \"while true; do sleep 1; done\"]",
                  "    init: true",
                  f"    environment: {{REV: \"{rev}\"}}"]
    return "\n".join(lines) + "\n"


class Repo:
    """A bare repo served over file:// and a work tree that commits to it."""

    def __init__(self, workdir, name, files):
        self.env = _env(workdir)
        self.bare = os.path.join(workdir, f"{name}.git")
        self.work = os.path.join(workdir, f"{name}-work")
        _run(["git", "init", "-q", "--bare", "--initial-branch=main", self.bare], workdir, self.env)
        _run(["git", "init", "-q", "--initial-branch=main", self.work], workdir, self.env)
        for key, value in (("user.name", "Bench"), ("user.email", "bench@example.com")):
            _run(["git", "config", key, value], self.work, self.env)
        _run(["git", "remote", "add", "origin", self.bare], self.work, self.env)
        self.commit(files)

    @property
    def url(self):
        return "file://" + self.bare

    def commit(self, files):
        for path, text in files.items():
            with open(os.path.join(self.work, path), "w") as f:
                f.write(text)
        _run(["git", "add", "-A"], self.work, self.env)
        _run(["git", "commit", "-q", "-m", "change"], self.work, self.env)
        _run(["git", "push", "-q", "origin", "main"], self.work, self.env)
        return _run(["git", "rev-parse", "HEAD"], self.work, self.env).strip()


def _cpu_seconds(pid):
    """utime + stime + cutime + cstime of pid: itself and the children it has reaped."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / CLK_TCK


def _metric_sum(client, name, **labels):
    status, raw = client.request("GET", "/metrics")
    if status != 200:
        raise common.BenchError(f"GET /metrics answered {status}")
    total = 0.0
    for line in raw.decode().splitlines():
        if not line.startswith(name + "{"):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def _deployments(client, name):
    return client.json("GET", f"/v1/apps/{name}/deployments")


def _wait_deployment(d, name, after_id, timeout=TIMEOUT):
    """The first deployment of `name` newer than `after_id`, once it ended."""
    def ended():
        d.daemon.check_alive()
        rows = [r for r in _deployments(d.client, name) if r["id"] > after_id]
        rows.sort(key=lambda r: r["id"])
        if rows and rows[0]["outcome"] != "running":
            return rows[0]
        return None
    return common.wait_until(ended, timeout, f"a deployment of {name} to end", interval=0.01)


def _newest_id(client, name):
    rows = _deployments(client, name)
    return max((r["id"] for r in rows), default=0)


def _all_running(client, count):
    apps = client.json("GET", "/v1/apps")
    if any(a["status"]["state"] == "failed" for a in apps):
        bad = [a["name"] + ": " + str(a["status"].get("last_error")) for a in apps
               if a["status"]["state"] == "failed"]
        raise common.BenchError("an app failed: " + "; ".join(bad))
    return len(apps) == count and all(a["status"]["state"] == "running" for a in apps)


# ---------------------------------------------------------------------------------------------
# (a) no-op polls

def poll_berth(binary, workdir):
    repos = [Repo(workdir, f"poll{i}", {"run.sh": "exec sleep 100000\n"}) for i in range(POLL_APPS)]
    d = common.Berthd(binary, workdir)
    try:
        for i, repo in enumerate(repos):
            d.client.put_app(f"poll{i}", {
                "source": {"git": {"url": repo.url, "ref": "main"}}, "command": "exec sleep 100000",
                "user": "root", "install": "none", "start_seconds": 0,
                "deploy": {"strategy": "polling", "interval": POLL_INTERVAL}})
        common.wait_until(lambda: _all_running(d.client, POLL_APPS), TIMEOUT,
                          f"{POLL_APPS} apps to run", interval=0.05)
        # A first round, not measured: every app has polled once.
        common.wait_until(
            lambda: _metric_sum(d.client, "berth_polls_total") >= POLL_APPS, POLL_INTERVAL * 3,
            "a first round of polls", interval=0.05)
        polls0, cpu0 = _metric_sum(d.client, "berth_polls_total"), _cpu_seconds(d.pid)
        want = polls0 + POLL_APPS * POLL_ROUNDS
        common.wait_until(lambda: _metric_sum(d.client, "berth_polls_total") >= want,
                          POLL_INTERVAL * (POLL_ROUNDS + 2), "more rounds of polls", interval=0.05)
        polls1, cpu1 = _metric_sum(d.client, "berth_polls_total"), _cpu_seconds(d.pid)
        changed = _metric_sum(d.client, "berth_polls_total", result="changed")
        failed = _metric_sum(d.client, "berth_polls_total", result="failed")
        if changed or failed:
            raise common.BenchError(f"no-op polls found {changed} changes and {failed} failures")
        deployments = sum(len(_deployments(d.client, f"poll{i}")) for i in range(POLL_APPS))
        return {"cpu_per_poll": (cpu1 - cpu0) / (polls1 - polls0), "polls": polls1 - polls0,
                "deployments": deployments, "repos": [r.url for r in repos]}
    finally:
        d.stop()


def poll_git(urls, workdir):
    env = _env(workdir)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    calls = 0
    for _ in range(POLL_ROUNDS):
        for url in urls:
            _run(["git", "ls-remote", url, "refs/heads/main"], workdir, env)
            calls += 1
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"cpu_per_poll": cpu / calls, "polls": calls}


# ---------------------------------------------------------------------------------------------
# (b) webhook -> Compose started, (c) redeploy of one changed service

def _compose_wrapper(workdir):
    """A docker-compose first on berthd's PATH that notes when it starts, then runs the real one."""
    real = shutil.which("docker-compose")
    if not real:
        raise common.BenchError("no docker-compose (Debian package docker-compose)")
    bindir = os.path.join(workdir, "bin")
    os.makedirs(bindir)
    stamps = os.path.join(workdir, "compose-starts")
    with open(os.path.join(bindir, "docker-compose"), "w") as f:
        f.write(f"#!/bin/sh\ndate +%s.%N >> {stamps}\nexec {real} \"$@\"\n")
    os.chmod(os.path.join(bindir, "docker-compose"), 0o755)
    return bindir, stamps


def _stamps(path):
    try:
        with open(path) as f:
            return [float(x) for x in f.read().split()]
    except FileNotFoundError:
        return []


def _open_to_app_users(workdir):
    """A compose app's source is fetched as its own user, who must reach the state dir."""
    for path in (os.path.dirname(workdir), workdir):
        os.chmod(path, 0o755)


def _delete_apps(d, names):
    """Deletes the apps with purge (their stacks go down, their users are removed)."""
    for name in names:
        try:
            d.client.request("DELETE", f"/v1/apps/{name}?purge=true")
        except OSError:
            pass


def _remove_app_users(workdir):
    """Removes the users berthd made for this half's apps (their homes are in `workdir`)."""
    with open("/etc/passwd") as f:
        users = [line.split(":") for line in f]
    for fields in users:
        if len(fields) > 5 and fields[0].startswith("svc_") and fields[5].startswith(workdir + "/"):
            subprocess.run(["userdel", fields[0]], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)


def _stack_berthd(binary, workdir):
    _open_to_app_users(workdir)
    bindir, stamps = _compose_wrapper(workdir)
    path = bindir + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    return common.Berthd(binary, workdir, extra_env={"PATH": path}), stamps


def _signed_push(client, name, body):
    """A GitHub push webhook signed with SECRET, on a connection of its own (no bearer token)."""
    raw = json.dumps(body).encode()
    digest = hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    c = http.client.HTTPConnection(client.host, client.port, timeout=30)
    try:
        c.request("POST", f"/v1/apps/{name}/webhook", body=raw, headers={
            "Content-Type": "application/json", "X-GitHub-Event": "push",
            "X-GitHub-Delivery": os.urandom(8).hex(), "X-Hub-Signature-256": "sha256=" + digest})
        resp = c.getresponse()
        text = resp.read()
        if resp.status != 202:
            raise common.BenchError(f"the webhook answered {resp.status}: {text[:300]!r}")
        return json.loads(text)
    finally:
        c.close()


def _fetch_by_hand(repo, clone, env):
    """What any deploy must do before Compose can start: fetch and check out the new commit."""
    t0 = time.perf_counter()
    _run(["git", "fetch", "-q", "origin"], clone, env)
    _run(["git", "checkout", "-q", "--detach", "origin/main"], clone, env)
    return time.perf_counter() - t0


def stack_berth(binary, workdir):
    """(b) and (c) on one berthd: a webhook-driven stack, then redeploys of a changed service."""
    repo = Repo(workdir, "stack", {"compose.yaml": _compose_file("1")})
    env = _env(workdir)
    clone = os.path.join(workdir, "hand-clone")
    _run(["git", "clone", "-q", repo.url, clone], workdir, env)
    d, stamps = _stack_berthd(binary, workdir)
    name = "gitops-" + containers.TAG
    try:
        d.client.put_app(name, {
            "kind": "compose", "source": {"git": {"url": repo.url, "ref": "main"}},
            "deploy": {"strategy": "webhook", "secret": SECRET}})
        common.wait_until(lambda: _all_running(d.client, 1), TIMEOUT, "the stack to run",
                          interval=0.05)
        added, totals, fetches = [], [], []
        for n in range(HOOK_ROUNDS):
            revision = repo.commit({"compose.yaml": _compose_file(f"hook{n}")})
            by_hand = _fetch_by_hand(repo, clone, env)
            before, last = len(_stamps(stamps)), _newest_id(d.client, name)
            t0 = time.time()
            _signed_push(d.client, name, {"ref": "refs/heads/main", "after": revision})
            common.wait_until(lambda: len(_stamps(stamps)) > before, TIMEOUT,
                              "Compose to start", interval=0.001)
            started = _stamps(stamps)[before]
            added.append((started - t0) - by_hand)
            totals.append(started - t0)
            fetches.append(by_hand)
            row = _wait_deployment(d, name, last)
            if row["outcome"] != "succeeded":
                raise common.BenchError(f"webhook deployment ended {row['outcome']}: "
                                        f"{row.get('error')}")
        redeploys = []
        for n in range(REDEPLOY_ROUNDS):
            repo.commit({"compose.yaml": _compose_file(f"redeploy{n}")})
            last = _newest_id(d.client, name)
            t0 = time.perf_counter()
            d.client.control(name, "redeploy")
            row = _wait_deployment(d, name, last)
            redeploys.append(time.perf_counter() - t0)
            if row["outcome"] != "succeeded":
                raise common.BenchError(f"redeploy ended {row['outcome']}: {row.get('error')}")
        for values in (added, totals, fetches, redeploys):
            values.sort()
        return {"added_latency": added[len(added) // 2], "added_all": added,
                "hook_to_compose": totals[len(totals) // 2],
                "fetch_by_hand": fetches[len(fetches) // 2],
                "redeploy": redeploys[len(redeploys) // 2], "redeploy_all": redeploys}
    finally:
        _delete_apps(d, [name])
        d.stop()
        _remove_app_users(workdir)
        _remove_project(f"berth-{name}")


def _remove_project(project):
    """Removes what Compose made for `project`: its containers, volumes and networks."""
    def docker(*args):
        return subprocess.run(["docker", *args], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, env=_env("/tmp")).stdout.decode().split()
    label = f"label=com.docker.compose.project={project}"
    ids = docker("ps", "-aq", "--filter", label)
    if ids:
        docker("rm", "-f", "-v", *ids)
    networks = docker("network", "ls", "-q", "--filter", label)
    if networks:
        docker("network", "rm", *networks)


def redeploy_by_hand(workdir, berths_steps=False):
    """(c) by hand: a clone, then per round fetch + checkout + docker-compose up -d; with
    `berths_steps`, also the Compose steps berth runs before `up` (config --quiet, config
    --no-interpolate, pull --ignore-pull-failures), one after the other, as berth does."""
    repo = Repo(workdir, "hand", {"compose.yaml": _compose_file("1")})
    env = _env(workdir)
    clone = os.path.join(workdir, "clone")
    _run(["git", "clone", "-q", repo.url, clone], workdir, env)
    project = "bench-hand-" + containers.TAG
    up = ["docker-compose", "--project-name", project, "up", "-d", "--remove-orphans"]
    try:
        _run(up, clone, env)
        times = []
        for n in range(REDEPLOY_ROUNDS):
            repo.commit({"compose.yaml": _compose_file(f"redeploy{n}")})
            t0 = time.perf_counter()
            _run(["git", "fetch", "-q", "origin"], clone, env)
            _run(["git", "checkout", "-q", "--detach", "origin/main"], clone, env)
            if berths_steps:
                compose = ["docker-compose", "--project-name", project]
                _run(compose + ["config", "--quiet"], clone, env)
                _run(compose + ["config", "--no-interpolate"], clone, env)
                subprocess.run(compose + ["pull", "--ignore-pull-failures"], cwd=clone, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _run(up, clone, env)
            times.append(time.perf_counter() - t0)
        times.sort()
        return {"redeploy": times[len(times) // 2], "redeploy_all": times}
    finally:
        subprocess.run(["docker-compose", "--project-name", project, "down", "-v"], cwd=clone,
                       env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# ---------------------------------------------------------------------------------------------
# (d) RSS with 20 compose apps polling

def rss_berth(binary, workdir):
    repos = [Repo(workdir, f"rss{i}", {"compose.yaml": _compose_file("1", services=("a",))})
             for i in range(RSS_STACKS)]
    _open_to_app_users(workdir)
    d = common.Berthd(binary, workdir)
    names = [f"rss{i}-{containers.TAG}" for i in range(RSS_STACKS)]
    try:
        idle_kb = common.vm_rss_kb(d.pid)
        for name, repo in zip(names, repos):
            d.client.put_app(name, {
                "kind": "compose", "source": {"git": {"url": repo.url, "ref": "main"}},
                "deploy": {"strategy": "polling", "interval": POLL_INTERVAL}})
        common.wait_until(lambda: _all_running(d.client, RSS_STACKS), TIMEOUT * 2,
                          f"{RSS_STACKS} stacks to run", interval=0.1)
        polls = _metric_sum(d.client, "berth_polls_total")
        common.wait_until(lambda: _metric_sum(d.client, "berth_polls_total") >= polls + RSS_STACKS,
                          POLL_INTERVAL * 3, "a round of polls", interval=0.1)
        return {"rss_kb": common.vm_rss_kb(d.pid), "idle_rss_kb": idle_kb,
                "memory": containers.memory_kb(d.pid)}
    finally:
        _delete_apps(d, names)
        d.stop()
        _remove_app_users(workdir)
        for name in names:
            _remove_project(f"berth-{name}")
