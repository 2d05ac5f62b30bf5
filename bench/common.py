# Shared pieces of the benchmark suite: temp dirs, child daemons and their cleanup, polling with
# deadlines, a /proc scanner, and small clients for berthd (HTTP) and supervisord (XML-RPC).
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import xmlrpc.client

# Variables that would make a child daemon pick another state/runtime dir or listener.
_FOREIGN_ENV = ("RUNTIME_DIRECTORY", "STATE_DIRECTORY", "CONFIGURATION_DIRECTORY",
                "CREDENTIALS_DIRECTORY", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES",
                "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "SUPERVISOR_SERVER_URL")


class BenchError(Exception):
    """A measurement could not be taken; the message says why."""


# Surprises seen while stopping daemons (non-zero exit after SIGTERM, needed SIGKILL); printed
# under the table.
ANOMALIES = []


def clean_env(extra=None):
    env = {k: v for k, v in os.environ.items()
           if k not in _FOREIGN_ENV and not k.startswith("BERTH_")}
    env.update(extra or {})
    return env


def wait_until(predicate, timeout, what, interval=0.005):
    """Polls predicate() until it returns a truthy value (returned); raises after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise BenchError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(interval)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_accepts(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def tail(path, nbytes=2000):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - nbytes))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def compile_c(source, workdir):
    """Compiles bench/<source> with cc -O2 into workdir; returns the binary's path."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        raise BenchError(f"no C compiler (cc) to build {source}")
    out = os.path.join(workdir, os.path.splitext(source)[0])
    here = os.path.dirname(os.path.abspath(__file__))
    subprocess.run([cc, "-O2", "-o", out, os.path.join(here, source)], check=True, timeout=60)
    return out


def the_running_child(scanner, is_running):
    """Waits for the daemon's one `scanner.comm` child and for is_running(pid) to say the daemon
    reports it running; returns its pid."""
    pids = wait_until(scanner.scan, 10, f"a {scanner.comm} child")
    if len(pids) != 1:
        raise BenchError(f"expected one {scanner.comm} child, found {sorted(pids)}")
    old = next(iter(pids))
    wait_until(lambda: is_running(old), 10, f"pid {old} to be reported running", interval=0.002)
    return old


def wait_for_new_child(scanner, old, daemon, timeout, what):
    """Busy-scans /proc until `scanner` sees a child other than `old`; returns
    time.perf_counter_ns() at that moment. `what` names the cause for the error message."""
    deadline = time.monotonic() + timeout
    while True:
        if scanner.scan() - {old}:
            return time.perf_counter_ns()
        if time.monotonic() > deadline:
            daemon.check_alive()
            raise BenchError(f"no new {scanner.comm} child {timeout}s after {what}")


class TempDir:
    """A temporary directory removed on exit (keep=True leaves it for inspection)."""

    def __init__(self, prefix, keep=False):
        self.path = tempfile.mkdtemp(prefix=prefix)
        self.keep = keep

    def join(self, *parts):
        return os.path.join(self.path, *parts)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if not self.keep:
            shutil.rmtree(self.path, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# /proc

def read_stat(pid):
    """(ppid, comm, state) of pid, or None when it is gone."""
    try:
        fd = os.open(f"/proc/{pid}/stat", os.O_RDONLY)
    except OSError:
        return None
    try:
        data = os.read(fd, 1024)
    except OSError:
        return None
    finally:
        os.close(fd)
    lparen, rparen = data.find(b"("), data.rfind(b")")
    fields = data[rparen + 2:].split(b" ", 2)
    return int(fields[1]), data[lparen + 1:rparen].decode("utf-8", "replace"), fields[0].decode()


def vm_rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise BenchError(f"no VmRSS for pid {pid}")


class ProcScanner:
    """Finds the descendants of one process by scanning /proc/*/stat (this kernel has no
    /proc/PID/task/TID/children). Incremental: a pid is read when it first appears, and again
    only while it is a descendant whose comm is not yet the one looked for (fork before exec)."""

    def __init__(self, root_pid, comm):
        self.root = root_pid
        self.comm = comm
        self.cache = {}  # pid -> (ppid, comm, state)

    def subtree(self):
        """Pids below the root, as of the last scan."""
        children = {}
        for pid, (ppid, _, _) in self.cache.items():
            children.setdefault(ppid, []).append(pid)
        out, todo = set(), [self.root]
        while todo:
            for child in children.get(todo.pop(), ()):
                if child not in out:
                    out.add(child)
                    todo.append(child)
        return out

    def scan(self):
        """Returns the set of live descendant pids whose comm is self.comm."""
        listed = {int(p) for p in os.listdir("/proc") if p[0].isdigit()}
        for gone in self.cache.keys() - listed:
            del self.cache[gone]
        for pid in listed - self.cache.keys():
            st = read_stat(pid)
            if st:
                self.cache[pid] = st
        subtree = self.subtree()
        for pid in subtree:
            entry = self.cache.get(pid)
            if entry and entry[1] != self.comm:
                st = read_stat(pid)
                if st:
                    self.cache[pid] = st
                else:
                    self.cache.pop(pid, None)
        subtree = self.subtree()
        return {pid for pid in subtree
                if pid in self.cache and self.cache[pid][1] == self.comm
                and self.cache[pid][2] != "Z"}

    def forget(self, pid):
        self.cache.pop(pid, None)


# ---------------------------------------------------------------------------------------------
# Child daemons

class Daemon:
    """A daemon started in its own session with stdout+stderr going to a file. stop() sends
    SIGTERM, waits, then SIGKILLs its process group and every descendant seen at stop time
    (apps live in process groups of their own)."""

    def __init__(self, argv, log_path, env=None, cwd=None):
        self.argv = argv
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, env=env, cwd=cwd,
                                     start_new_session=True)
        self.pid = self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def check_alive(self):
        if not self.alive():
            raise BenchError(f"{os.path.basename(self.argv[0])} exited with status "
                             f"{self.proc.returncode}; log tail:\n{tail(self.log_path, 1500)}")

    def _descendants(self):
        scanner = ProcScanner(self.pid, comm=None)
        scanner.scan()
        return scanner.subtree()

    def stop(self, timeout=15):
        name = os.path.basename(self.argv[0])
        victims = self._descendants() if self.alive() else set()
        if not self.alive():
            ANOMALIES.append(f"{name} had already exited with status {self.proc.returncode} "
                             f"(log: {self.log_path})")
        else:
            try:
                self.proc.send_signal(signal.SIGTERM)
                status = self.proc.wait(timeout)
                if status != 0:
                    ANOMALIES.append(f"{name} exited with status {status} after SIGTERM")
            except subprocess.TimeoutExpired:
                ANOMALIES.append(f"{name} still running {timeout}s after SIGTERM; killed")
        leftovers = [pid for pid in victims if (st := read_stat(pid)) and st[2] != "Z"]
        if leftovers:
            ANOMALIES.append(f"{name} left {len(leftovers)} child processes running")
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass
        self.log.close()


# ---------------------------------------------------------------------------------------------
# berthd

class BerthClient:
    """Keep-alive HTTP/1.1 client of the berth API."""

    def __init__(self, host, port, token):
        self.host, self.port, self.token = host, port, token
        self.conn = None
        self.connects = 0  # more than one per client means keep-alive was not honoured

    def request(self, method, path, body=None):
        headers = {"Authorization": f"Bearer {self.token}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (0, 1):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                    self.conn.connect()
                    self.connects += 1
                    self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                raw = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self.close()
                return resp.status, raw
            except (ConnectionError, http.client.HTTPException, OSError):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def json(self, method, path, body=None, expect=(200,)):
        status, raw = self.request(method, path, body)
        if status not in expect:
            raise BenchError(f"{method} {path} answered {status}: {raw[:300]!r}")
        return json.loads(raw) if raw else None

    def put_app(self, name, spec):
        return self.json("PUT", f"/v1/apps/{name}", dict(spec, name=name), expect=(200, 201))

    def control(self, name, command):
        return self.json("POST", f"/v1/apps/{name}/control", {"command": command},
                         expect=(200, 202))

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class EventStream:
    """GET /v1/events on a connection of its own; next() blocks until the next event."""

    def __init__(self, client, timeout=60):
        self.conn = http.client.HTTPConnection(client.host, client.port, timeout=timeout)
        self.conn.request("GET", "/v1/events", headers={
            "Authorization": f"Bearer {client.token}", "Accept": "text/event-stream"})
        self.resp = self.conn.getresponse()
        if self.resp.status != 200:
            raise BenchError(f"GET /v1/events answered {self.resp.status}")

    def next(self):
        """(event type, parsed data) of the next event; raises when the stream ends."""
        kind, data = "message", []
        while True:
            line = self.resp.readline()
            if not line:
                raise BenchError("the event stream ended")
            line = line.rstrip(b"\r\n").decode("utf-8", "replace")
            if line.startswith(":"):
                continue
            if not line:
                if data:
                    return kind, json.loads("\n".join(data))
                kind = "message"
                continue
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "event":
                kind = value
            elif field == "data":
                data.append(value)

    def close(self):
        self.conn.close()


class Berthd:
    """berthd with a temp state dir, listening on 127.0.0.1:0; learns its port from
    <state>/run/listeners."""

    def __init__(self, binary, workdir, log_level=None, extra_env=None, wait=True,
                 extra_args=()):
        """extra_env: more environment for berthd; extra_args: more flags. wait=False returns
        right after the spawn; call wait_serving() before using the client."""
        self.state = os.path.join(workdir, "state")
        self.config = os.path.join(workdir, "config")
        os.makedirs(os.path.join(self.config, "apps.d"), exist_ok=True)
        os.makedirs(self.state, exist_ok=True)
        self.token = os.urandom(16).hex()
        self.log_path = os.path.join(workdir, "berthd.log")
        argv = [binary, "--state-dir", self.state, "--config-dir", self.config,
                "--listen", "127.0.0.1:0"]
        if log_level:
            argv += ["--log-level", log_level]
        argv += list(extra_args)
        env = clean_env({"BERTH_ADMIN_TOKEN": self.token})
        env.update(extra_env or {})
        self.daemon = Daemon(argv, self.log_path, env=env, cwd=workdir)
        self.pid = self.daemon.pid
        self.client = None
        if wait:
            self.wait_serving()

    def wait_serving(self):
        """Waits until berthd has written run/listeners and answers GET /up; stops it on failure."""
        try:
            self.port = wait_until(self._listener_port, 15, "berthd to write run/listeners")
            self.client = BerthClient("127.0.0.1", self.port, self.token)
            wait_until(self._up, 10, "berthd to answer GET /up")
        except BaseException:
            self.stop()
            raise

    def _listener_port(self):
        self.daemon.check_alive()
        try:
            with open(os.path.join(self.state, "run", "listeners")) as f:
                lines = f.read().split()
        except FileNotFoundError:
            return None
        for line in lines:
            if not line.startswith("unix:") and ":" in line:
                return int(line.rsplit(":", 1)[1])
        return None

    def _up(self):
        self.daemon.check_alive()
        try:
            status, _ = self.client.request("GET", "/up")
            return status == 200
        except OSError:
            return False

    def stop(self):
        if self.client:
            self.client.close()
        self.daemon.stop()


# ---------------------------------------------------------------------------------------------
# supervisord

class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=60):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


class _UnixTransport(xmlrpc.client.Transport):
    def __init__(self, path):
        super().__init__()
        self.unix_path = path

    def make_connection(self, host):
        if self._connection and host == self._connection[0]:
            return self._connection[1]
        self._connection = host, UnixHTTPConnection(self.unix_path)
        return self._connection[1]


SUPERVISORD_HEADER = """\
[unix_http_server]
file={dir}/supervisor.sock

[supervisord]
nodaemon=true
logfile={dir}/supervisord.log
pidfile={dir}/supervisord.pid
childlogdir={dir}/childlogs
loglevel=info

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://{dir}/supervisor.sock
"""


def supervisord_program(name, **options):
    lines = [f"[program:{name}]"] + [f"{k}={v}" for k, v in options.items()]
    return "\n".join(lines) + "\n"


class Supervisord:
    """supervisord -n with a generated config in workdir; XML-RPC over its unix socket."""

    def __init__(self, workdir, programs_conf, wait=True):
        """wait=False returns right after the spawn; call wait_serving() before using rpc."""
        self.dir = workdir
        os.makedirs(os.path.join(workdir, "childlogs"), exist_ok=True)
        self.conf = os.path.join(workdir, "supervisord.conf")
        with open(self.conf, "w") as f:
            f.write(SUPERVISORD_HEADER.format(dir=workdir) + "\n" + programs_conf)
        self.sock = os.path.join(workdir, "supervisor.sock")
        self.daemon = Daemon([shutil.which("supervisord") or "/usr/bin/supervisord", "-n", "-c",
                              self.conf], os.path.join(workdir, "supervisord.out"),
                             env=clean_env(), cwd=workdir)
        self.pid = self.daemon.pid
        self.rpc = xmlrpc.client.ServerProxy("http://localhost/RPC2",
                                             transport=_UnixTransport(self.sock))
        if wait:
            self.wait_serving()

    def wait_serving(self):
        """Waits until supervisord answers getState with RUNNING (stops it on failure)."""
        try:
            wait_until(self._running, 30, "supervisord to answer getState")
        except BaseException:
            self.stop()
            raise

    def _running(self):
        self.daemon.check_alive()
        try:
            return self.rpc.supervisor.getState()["statename"] == "RUNNING"
        except (OSError, xmlrpc.client.Error, http.client.HTTPException):
            self.rpc = xmlrpc.client.ServerProxy("http://localhost/RPC2",
                                                 transport=_UnixTransport(self.sock))
            return False

    def stop(self):
        self.daemon.stop(timeout=30)


# ---------------------------------------------------------------------------------------------
# statistics

def percentile(values, p):
    """Nearest-rank percentile (p in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]
