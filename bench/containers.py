# Container apps beside Docker's own tools: create+start until running, the restart after a
# crash, log capture and berthd's RSS; berthd runs kind "container" apps through the Engine API,
# the other halves are the same Engine API calls made with curl, `docker run -d`, Docker's own
# restart policy and `docker logs -f`.
import json
import os
import shutil
import signal
import statistics
import subprocess
import time
import urllib.parse

import common

SOCKET = "/var/run/docker.sock"
DOCKERD = "/usr/sbin/dockerd"
BUSYBOX = "/bin/busybox"
# The integration tests' image (tests/integration/docker_support.cc): reused when present, else
# built the same way, from busybox-static's binary with `docker import`.
IMAGE = "berth-test/busybox:1"
IMAGE_CMD = 'CMD ["sh", "-c", "while true; do sleep 1; done"]'
SLEEP = ["sleep", "3600"]
ROUNDS = 10
LOG_LINES = 1_000_000
RSS_APPS = 50
TIMEOUT = 120
# Every container of this run has TAG in its name: berth's are berth-<app>, the others'
# berth-bench-<TAG>-…; cleanup() removes them all.
TAG = "b" + os.urandom(3).hex()
LABEL = "berth-bench"

_started_dockerd = []  # the dockerd this run started, stopped by teardown()


# ---------------------------------------------------------------------------------------------
# The Engine API

class Docker:
    """Keep-alive client of the Engine API on its unix socket."""

    def __init__(self, timeout=60):
        self.timeout = timeout
        self.conn = None

    def request(self, method, path, body=None):
        headers, data = {}, None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.conn is None:
            self.conn = common.UnixHTTPConnection(SOCKET, timeout=self.timeout)
        try:
            self.conn.request(method, path, body=data, headers=headers)
            resp = self.conn.getresponse()
            return resp.status, resp.read()
        except BaseException:
            self.close()
            raise

    def json(self, method, path, body=None, expect=(200,)):
        status, raw = self.request(method, path, body)
        if status not in expect:
            raise common.BenchError(f"Docker: {method} {path} answered {status}: {raw[:300]!r}")
        return json.loads(raw) if raw else None

    def run(self, name, body):
        """Creates and starts the container `name`; returns its id."""
        created = self.json("POST", f"/containers/create?name={name}", body, expect=(201,))
        self.json("POST", f"/containers/{created['Id']}/start", expect=(204,))
        return created["Id"]

    def state(self, container):
        return self.json("GET", f"/containers/{container}/json")["State"]

    def remove(self, container):
        self.json("DELETE", f"/containers/{container}?force=1&v=1", expect=(204, 404))

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class DockerEvents:
    """GET /events with `filters`, on a connection of its own; next() blocks for the next one."""

    def __init__(self, filters, timeout=60):
        query = urllib.parse.quote(json.dumps(filters))
        self.conn = common.UnixHTTPConnection(SOCKET, timeout=timeout)
        self.conn.request("GET", f"/events?filters={query}")
        self.resp = self.conn.getresponse()
        if self.resp.status != 200:
            raise common.BenchError(f"Docker: GET /events answered {self.resp.status}")

    def next(self):
        line = self.resp.readline()
        if not line:
            raise common.BenchError("Docker's event stream ended")
        return json.loads(line)

    def close(self):
        self.conn.close()


def answers():
    try:
        return Docker(timeout=2).request("GET", "/_ping")[0] == 200
    except OSError:
        return False


def peer_name(what, i=0):
    return f"berth-bench-{TAG}-{what}-{i}"


def create_body(command, restart="no"):
    """What berthd sends to create an app's container (ContainerCreateBody), for the peers."""
    host = {"PortBindings": {}, "Binds": [], "RestartPolicy": {"Name": restart},
            "ReadonlyRootfs": False, "CapDrop": [], "CapAdd": [],
            "SecurityOpt": ["no-new-privileges"]}
    return {"Image": IMAGE, "Cmd": command, "Env": [], "Tty": False, "OpenStdin": False,
            "StopSignal": "SIGKILL", "StopTimeout": 10, "HostConfig": host, "ExposedPorts": {},
            "Labels": {LABEL: TAG}}


def cli(*args):
    """argv and environment of the docker CLI."""
    docker = shutil.which("docker")
    if not docker:
        raise common.BenchError("no docker command in $PATH (Debian package docker.io)")
    env = common.clean_env({"DOCKER_HOST": f"unix://{SOCKET}", "DOCKER_CLI_HINTS": "false"})
    return [docker, *args], env


def cleanup():
    """Removes every container of this run (berth's and the peers'); returns how many."""
    docker = Docker()
    try:
        query = urllib.parse.quote(json.dumps({"name": [TAG]}))
        found = docker.json("GET", f"/containers/json?all=1&filters={query}")
        for container in found:
            docker.remove(container["Id"])
        return len(found)
    finally:
        docker.close()


# ---------------------------------------------------------------------------------------------
# Docker and the image

def setup(workdir):
    """Docker answering on SOCKET (a dockerd started when none answers) and IMAGE present."""
    started = False
    if not answers():
        if not os.access(DOCKERD, os.X_OK):
            raise common.BenchError(f"no Docker daemon answers on {SOCKET} and {DOCKERD} is "
                                    "missing (apt-get install docker.io)")
        dockerd = common.Daemon([DOCKERD, "--storage-driver=vfs"],
                                os.path.join(workdir, "dockerd.log"), env=common.clean_env())
        _started_dockerd.append(dockerd)
        common.wait_until(lambda: dockerd.check_alive() or answers(), 60,
                          f"dockerd to answer on {SOCKET}", interval=0.1)
        started = True
    docker = Docker()
    try:
        built = docker.request("GET", f"/images/{IMAGE}/json")[0] != 200
    finally:
        docker.close()
    if built:
        build_image(workdir)
    return {"started_dockerd": started, "built_image": built}


def teardown():
    """Removes this run's containers and stops the dockerd it started, if any."""
    try:
        if answers():
            cleanup()
    finally:
        while _started_dockerd:
            _started_dockerd.pop().stop(timeout=30)


def build_image(workdir):
    if not os.access(BUSYBOX, os.X_OK):
        raise common.BenchError(f"{BUSYBOX} is missing (apt-get install busybox-static)")
    root, tarball = os.path.join(workdir, "rootfs"), os.path.join(workdir, "rootfs.tar")
    for d in ("bin", "etc", "root", "tmp", "usr"):
        os.makedirs(os.path.join(root, d))
    os.chmod(os.path.join(root, "tmp"), 0o1777)
    shutil.copy(BUSYBOX, os.path.join(root, "bin", "busybox"))
    applets = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True, check=True)
    for name in set(applets.stdout.split()) - {"busybox"}:
        os.symlink("busybox", os.path.join(root, "bin", name))
    os.symlink("bin", os.path.join(root, "sbin"))
    os.symlink("../bin", os.path.join(root, "usr", "bin"))
    os.symlink("../bin", os.path.join(root, "usr", "sbin"))
    with open(os.path.join(root, "etc", "passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\n"
                "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
    with open(os.path.join(root, "etc", "group"), "w") as f:
        f.write("root:x:0:\nnogroup:x:65534:\n")
    subprocess.run(["tar", "--numeric-owner", "-C", root, "-cf", tarball, "."], check=True)
    argv, env = cli("import", "--change", IMAGE_CMD, tarball, IMAGE)
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise common.BenchError(f"docker import {IMAGE}: {done.stderr.strip()}")


# ---------------------------------------------------------------------------------------------
# berthd's side

def app_spec(command, **extra):
    return dict({"kind": "container", "image": IMAGE, "command": command, "start_seconds": 0,
                 "stop_signal": "KILL"}, **extra)


def wait_state(events, client, app, state):
    """Reads berth's events until `app` goes to `state`; returns time.perf_counter() then."""
    while True:
        kind, data = events.next()
        if kind != "app" or data.get("app") != app:
            continue
        if data.get("to") == state:
            return time.perf_counter()
        if data.get("to") in ("failed", "backoff", "stopped"):
            status = client.json("GET", f"/v1/apps/{app}")["status"]
            raise common.BenchError(f"app {app} went {data['to']}: {status.get('last_error')}")


class BerthWithEvents:
    """berthd on temp dirs with one /v1/events stream open; stop() also removes the run's
    containers."""

    def __init__(self, binary, workdir):
        self.d = common.Berthd(binary, workdir)
        self.client = self.d.client
        try:
            self.events = common.EventStream(self.client, timeout=TIMEOUT)
            self._wait_docker()
        except BaseException:
            self.d.stop()
            raise

    def _wait_docker(self):
        """Waits until berthd is connected to Docker: before that, a container app's control
        command answers 503 (a `stop` of a stopped app does nothing else)."""
        probe = f"{TAG}-probe"
        self.client.json("POST", "/v1/apps", app_spec(SLEEP, name=probe, autostart=False),
                         expect=(201,))
        stop = {"command": "stop"}
        common.wait_until(
            lambda: self.client.request("POST", f"/v1/apps/{probe}/control", stop)[0] == 202,
            30, "berthd to connect to Docker", interval=0.01)
        self.client.json("DELETE", f"/v1/apps/{probe}", expect=(204,))

    def stop(self):
        """Stops the apps first (their containers may take long to stop on a busy machine),
        then berthd."""
        try:
            self.events.close()
            if self.d.daemon.alive():
                self.client.json("POST", "/v1/control", {"command": "stop"}, expect=(202,))
                common.wait_until(self._all_stopped, TIMEOUT, "berth's apps to stop",
                                  interval=0.05)
        finally:
            self.d.stop()
            cleanup()

    def _all_stopped(self):
        return all(app["status"]["state"] in ("stopped", "exited", "failed")
                   for app in self.client.json("GET", "/v1/apps"))


def median_result(times, **extra):
    return dict({"seconds": statistics.median(times), "runs": times}, **extra)


# ---------------------------------------------------------------------------------------------
# (a) create + start until running

def start_berth(binary, workdir):
    """POST /v1/apps (autostart) until the `running` event, ROUNDS times; each app is deleted
    and its container removed between rounds, untimed."""
    b = BerthWithEvents(binary, workdir)
    docker = Docker()
    try:
        times = []
        for i in range(ROUNDS):
            app = f"{TAG}-start-{i}"
            t0 = time.perf_counter()
            b.client.json("POST", "/v1/apps", app_spec(SLEEP, name=app), expect=(201,))
            times.append(wait_state(b.events, b.client, app, "running") - t0)
            if not docker.state(f"berth-{app}")["Running"]:
                raise common.BenchError(f"berth reports {app} running but its container is not")
            b.client.json("DELETE", f"/v1/apps/{app}", expect=(204,))
            docker.remove(f"berth-{app}")
        return median_result(times)
    finally:
        docker.close()
        b.stop()


def start_curl(workdir):
    """The floor: one curl process making the same two Engine API calls, create then start."""
    curl = shutil.which("curl")
    if not curl:
        raise common.BenchError("no curl in $PATH")
    body = json.dumps(create_body(SLEEP))
    times = []
    docker = Docker()
    try:
        for i in range(ROUNDS):
            name = peer_name("curl", i)
            argv = [curl, "-sSf", "--unix-socket", SOCKET, "-o", "/dev/null",
                    "-H", "Content-Type: application/json", "-d", body,
                    f"http://docker/containers/create?name={name}",
                    "--next", "-sSf", "--unix-socket", SOCKET, "-o", "/dev/null", "-X", "POST",
                    f"http://docker/containers/{name}/start"]
            t0 = time.perf_counter()
            subprocess.run(argv, check=True, timeout=TIMEOUT)
            times.append(time.perf_counter() - t0)
            _check_running_and_remove(docker, name)
        return median_result(times)
    finally:
        docker.close()


def start_cli(workdir):
    """`docker run -d` of the same container (the CLI also asks the daemon's version)."""
    times = []
    docker = Docker()
    try:
        for i in range(ROUNDS):
            name = peer_name("run", i)
            argv, env = cli("run", "-d", "--name", name, "--label", f"{LABEL}={TAG}",
                            "--security-opt", "no-new-privileges", "--stop-signal", "SIGKILL",
                            IMAGE, *SLEEP)
            t0 = time.perf_counter()
            subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL,
                           timeout=TIMEOUT)
            times.append(time.perf_counter() - t0)
            _check_running_and_remove(docker, name)
        return median_result(times)
    finally:
        docker.close()


def _check_running_and_remove(docker, name):
    if not docker.state(name)["Running"]:
        raise common.BenchError(f"container {name} is not running after its start")
    docker.remove(name)


# ---------------------------------------------------------------------------------------------
# (b) SIGKILL of the container's process until it runs again

def _kill_main_process(state, name):
    """SIGKILLs the container's first process from the host: a crash to Docker (`docker kill`
    counts as a manual stop in Docker 20.10 and turns its restart policy off)."""
    if not state["Running"] or not state["Pid"]:
        raise common.BenchError(f"container {name} is not running: {state}")
    t0 = time.perf_counter()
    os.kill(state["Pid"], signal.SIGKILL)
    return t0


def restart_berth(binary, workdir):
    """One app with restart always; ROUNDS times: SIGKILL its container's process, wait for
    berth's `running` event (berthd removes the dead container and makes a new one)."""
    b = BerthWithEvents(binary, workdir)
    docker = Docker()
    app = f"{TAG}-restart"
    try:
        b.client.json("POST", "/v1/apps", app_spec(
            SLEEP, name=app, restart="always", max_retries=1000,
            start_limit={"interval_seconds": 0}), expect=(201,))
        wait_state(b.events, b.client, app, "running")
        times = []
        for _ in range(ROUNDS):
            t0 = _kill_main_process(docker.state(f"berth-{app}"), app)
            times.append(wait_state(b.events, b.client, app, "running") - t0)
        restarts = b.client.json("GET", f"/v1/apps/{app}")["status"].get("restarts")
        note = "" if restarts == ROUNDS else \
            f"berth reports {restarts} restarts after {ROUNDS} kills"
        return median_result(times, restarts=restarts, note=note)
    finally:
        docker.close()
        b.stop()


def restart_docker(workdir):
    """A fresh container with restart policy always per round (Docker waits 100 ms before a first
    restart and doubles that for each next one within 10 s); SIGKILL its process, wait for
    Docker's `start` event; its StartedAt must have changed."""
    docker = Docker()
    times = []
    try:
        for i in range(ROUNDS):
            name = peer_name("restart", i)
            cid = docker.run(name, create_body(SLEEP, restart="always"))
            before = docker.state(cid)
            events = DockerEvents({"container": [cid], "event": ["start"]})
            try:
                t0 = _kill_main_process(before, name)
                events.next()
                times.append(time.perf_counter() - t0)
            finally:
                events.close()
            after = docker.state(cid)
            if not after["Running"] or after["StartedAt"] == before["StartedAt"]:
                raise common.BenchError(f"container {name} was not started again: {after}")
            docker.remove(cid)
        return median_result(times)
    finally:
        docker.close()


# ---------------------------------------------------------------------------------------------
# (c) 1,000,000 lines logged by a container

SEQ = ["seq", "1", str(LOG_LINES)]


def logs_berth(binary, workdir):
    """From the start request until the app's ring holds the last line."""
    b = BerthWithEvents(binary, workdir)
    app = f"{TAG}-logs"
    try:
        b.client.json("POST", "/v1/apps", app_spec(SEQ, name=app, autostart=False,
                                                    restart="never"), expect=(201,))
        t0 = time.perf_counter()
        b.client.control(app, "start")
        deadline = time.monotonic() + TIMEOUT
        stalled = _Stall(b.client, app)
        while (last := _last_log_entry(b.client, app)).get("line") != str(LOG_LINES):
            if time.monotonic() > deadline or stalled(last):
                b.d.daemon.check_alive()
                raise common.BenchError(
                    f"berth's ring stopped at line {last.get('line')} of {LOG_LINES} "
                    f"({time.perf_counter() - t0:.1f}s after the start; app "
                    f"{stalled.state}); berthd's log: {b.d.log_path}")
            time.sleep(0.005)
        seconds = time.perf_counter() - t0
        note = "" if last.get("seq") == LOG_LINES else \
            f"berth's ring's last seq is {last.get('seq')} after {LOG_LINES} lines"
        return {"seconds": seconds, "lines_per_s": LOG_LINES / seconds, "note": note}
    finally:
        b.stop()


class _Stall:
    """True once the app has ended and its ring has not grown for 5 s."""

    def __init__(self, client, app):
        self.client, self.app = client, app
        self.seq, self.since, self.state = None, time.monotonic(), "running"

    def __call__(self, last):
        if last.get("seq") != self.seq:
            self.seq, self.since = last.get("seq"), time.monotonic()
            return False
        if time.monotonic() - self.since < 5:
            return False
        self.state = self.client.json("GET", f"/v1/apps/{self.app}")["status"]["state"]
        return self.state not in ("starting", "running")


def _last_log_entry(client, app):
    entries = client.json("GET", f"/v1/apps/{app}/logs?entries=1")
    if not entries:
        return {}
    return dict(entries[-1], line=entries[-1].get("line", "").rstrip("\n"))


def logs_docker(workdir):
    """The same container made and started with the Engine API, then `docker logs -f` to
    /dev/null until it exits (after the container ended)."""
    docker = Docker()
    name = peer_name("logs")
    argv, env = cli("logs", "-f", name)
    try:
        t0 = time.perf_counter()
        cid = docker.run(name, create_body(SEQ))
        done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True, timeout=TIMEOUT)
        seconds = time.perf_counter() - t0
        if done.returncode != 0:
            raise common.BenchError(f"docker logs -f: {done.stderr.strip()}")
        state = docker.state(cid)
        if state["Running"] or state["ExitCode"] != 0:
            raise common.BenchError(f"container {name} did not end well: {state}")
        return {"seconds": seconds, "lines_per_s": LOG_LINES / seconds}
    finally:
        docker.remove(name)
        docker.close()


# ---------------------------------------------------------------------------------------------
# (d) berthd's RSS with 0 and with RSS_APPS running containers

def rss_berth(binary, workdir):
    b = BerthWithEvents(binary, workdir)
    try:
        idle_kb, idle_memory = common.vm_rss_kb(b.d.pid), memory_kb(b.d.pid)
        t0 = time.perf_counter()
        for i in range(RSS_APPS):
            b.client.json("POST", "/v1/apps", app_spec(SLEEP, name=f"{TAG}-rss-{i}"),
                          expect=(201,))
        common.wait_until(lambda: _all_running(b.client), TIMEOUT,
                          f"{RSS_APPS} container apps to run", interval=0.05)
        seconds = time.perf_counter() - t0
        return {"idle_rss_kb": idle_kb, "idle_memory": idle_memory,
                "rss_kb": common.vm_rss_kb(b.d.pid), "memory": memory_kb(b.d.pid),
                "seconds_to_all_running": seconds}
    finally:
        b.stop()


def memory_kb(pid):
    """Where the RSS is: Pss, Shared_Clean (mostly shared libraries' pages), Private_Dirty,
    Anonymous of /proc/PID/smaps_rollup, in KiB."""
    wanted = ("Pss", "Shared_Clean", "Private_Dirty", "Anonymous")
    with open(f"/proc/{pid}/smaps_rollup") as f:
        fields = dict(line.split(":", 1) for line in f if ":" in line)
    return {k: int(fields[k].split()[0]) for k in wanted if k in fields}


def _all_running(client):
    states = [app["status"]["state"] for app in client.json("GET", "/v1/apps")]
    if "failed" in states:
        raise common.BenchError("a container app failed to start")
    return len(states) == RSS_APPS and all(s == "running" for s in states)
