# Redeploys of a routed app under load: a Python HTTP app deployed from a file:// git repo, with
# a route and an HTTP health check, redeployed REDEPLOYS times (a new commit each) while client
# threads send keep-alive requests through the proxy; every request that does not get a 200 is
# counted. Three ways: berth's built-in proxy (zero-downtime deploys), nginx mode (berth renders
# the routes and reloads nginx), and the built-in proxy with `deploy.zero_downtime` off.
import collections
import http.client
import json
import os
import threading
import time

import common
import gitops
import proxy

HOST = "zd.test"
APP = "zd"
REDEPLOYS = 5
CLIENTS = 4  # client threads, one keep-alive connection each
WARM = 50  # 200s each client gets before every redeploy, so that all connections are in use
TIMEOUT = 60  # per deployment, and per wait for what follows it
MODES = ("builtin", "nginx", "restart")

# The app: answers every GET with its generation (a file in the repo), keeping connections
# alive; binds the PORT berth gives it, which is a fresh one during a zero-downtime deploy.
SERVER = """\
import http.server, os
BODY = open("generation", "rb").read()
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = 1 << 16  # head and body in one write: two would wait on Nagle and delayed ACKs
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)
    def log_message(self, *args):
        pass
class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 128
    daemon_threads = True
Server((os.environ.get("HOST", "127.0.0.1"), int(os.environ["PORT"])), Handler).serve_forever()
"""

# nginx mode: nginx's own server answers /ready on the port berth's server blocks listen on.
NGINX_BODY = """\
  include {berth_dir}/live/*.conf;
  server {{
    listen 127.0.0.1:{port} default_server;
    location = /ready {{ return 200 "ready"; }}
  }}
"""


def _spec(url, port, mode):
    spec = {"source": {"git": {"url": url, "ref": "main"}},
            "command": ["/usr/bin/python3", "server.py"], "install": "none", "user": "root",
            "port": port, "routes": [{"host": HOST, "path": "/"}],
            "health": {"http": "/", "interval": 0.2, "timeout": 1}}
    if mode == "restart":
        spec["deploy"] = {"zero_downtime": False}
    return spec


class Load:
    """CLIENTS threads sending GET / (Host: zd.test) to 127.0.0.1:`port` over keep-alive
    connections until stop(). A request fails when its answer is not 200 or its connection
    breaks (then the thread connects again); failures are counted by status or error type.
    A client that fails asks again at once, so the count of failures grows with the client's
    speed: each thread also sums its time without service, from the start of a failed request
    to the start of the next one that succeeds."""

    def __init__(self, port):
        self.port = port
        self.stopping = threading.Event()
        self.counts = [collections.Counter() for _ in range(CLIENTS)]
        self.down = [0.0] * CLIENTS
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True)
                        for i in range(CLIENTS)]
        self.started = time.monotonic()
        for t in self.threads:
            t.start()

    def _run(self, i):
        conn, down_since = None, None
        while not self.stopping.is_set():
            t0 = time.monotonic()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                conn.request("GET", "/", headers={"Host": HOST})
                resp = conn.getresponse()
                resp.read()
                outcome = "ok" if resp.status == 200 else str(resp.status)
                if resp.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as e:
                outcome = type(e).__name__
                conn.close()
                conn = None
            self.counts[i][outcome] += 1
            if outcome != "ok" and down_since is None:
                down_since = t0
            elif outcome == "ok" and down_since is not None:
                self.down[i] += t0 - down_since
                down_since = None
        if down_since is not None:
            self.down[i] += time.monotonic() - down_since
        if conn is not None:
            conn.close()

    def wait_served(self):
        """Waits until every client got WARM more 200s than it had when called."""
        marks = [c["ok"] for c in self.counts]
        common.wait_until(lambda: all(c["ok"] >= m + WARM for c, m in zip(self.counts, marks)),
                          TIMEOUT, f"every client to get {WARM} answers", interval=0.005)

    def reset(self):
        """Forgets what was counted so far (each thread's next outcome starts the count)."""
        self.counts = [collections.Counter() for _ in range(CLIENTS)]
        self.down = [0.0] * CLIENTS
        self.started = time.monotonic()

    def stop(self):
        """Stops the threads; returns {"requests", "failed", "failures": {kind: n},
        "down_seconds" (the most any thread was without service), "seconds"}."""
        self.stopping.set()
        for t in self.threads:
            t.join(15)
        seconds = time.monotonic() - self.started
        total = sum(self.counts, collections.Counter())
        failures = {k: v for k, v in total.items() if k != "ok"}
        return {"requests": sum(total.values()), "failed": sum(failures.values()),
                "failures": failures, "down_seconds": max(self.down), "seconds": seconds}


def _serves(port, generation):
    """True once a GET through the proxy answers 200 with `generation`."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/", headers={"Host": HOST})
        resp = conn.getresponse()
        return resp.status == 200 and resp.read().strip() == str(generation).encode()
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


class Setup:
    """berthd (and in nginx mode a private nginx it reloads) serving the app at self.port."""

    def __init__(self, binary, workdir, mode):
        self.nginx = None
        self.berthd = None
        try:
            if mode == "nginx":
                self.port = common.free_port()
                args = self._start_nginx(workdir)
            else:
                args = ["--proxy", "builtin", "--proxy-listen", "127.0.0.1:0"]
            self.berthd = common.Berthd(binary, os.path.join(workdir, "berth"), extra_args=args)
            if mode != "nginx":
                urls = common.wait_until(lambda: proxy.proxy_urls(self.berthd), 10,
                                         "berthd's proxy-listeners")
                self.port = int(urls[0].rstrip("/").rsplit(":", 1)[1])
        except BaseException:
            self.stop()
            raise

    def _start_nginx(self, workdir):
        """Starts nginx with a master (so that it reloads); returns berthd's nginx flags."""
        berth_dir = os.path.join(workdir, "nginx-managed")
        d, conf = proxy.write_conf(workdir, "nginx", NGINX_BODY.format(
            berth_dir=berth_dir, port=self.port), master=True)
        nginx = proxy.nginx_binary()
        self.nginx = common.Daemon([nginx, "-p", d + "/", "-e", os.path.join(d, "error.log"),
                                    "-c", conf], os.path.join(d, "nginx.out"),
                                   env=common.clean_env(), cwd=d)

        def ready():
            self.nginx.check_alive()
            return common.port_accepts(self.port)
        common.wait_until(ready, 10, "nginx to accept")
        return ["--proxy", "nginx", "--nginx-dir", berth_dir, "--nginx-conf", conf,
                "--nginx", nginx, "--nginx-reload", f"{nginx} -p {d}/ -c {conf} -s reload",
                "--nginx-listen", f"127.0.0.1:{self.port}"]

    def stop(self):
        if self.berthd:
            self.berthd.stop()
        if self.nginx:
            self.nginx.stop()


def _redeploy(d, setup, scanner, generation):
    """Redeploys the app; waits until the deployment ended, the proxy serves `generation` and
    one instance is left. Returns the deployment's seconds."""
    t0 = time.monotonic()
    answer = d.client.json("POST", f"/v1/apps/{APP}/control", {"command": "redeploy"},
                           expect=(202,))
    deployment = answer["status"]["deploying"]

    def ended():
        d.daemon.check_alive()
        row = d.client.json("GET", f"/v1/apps/{APP}/deployments/{deployment}")
        return row if row["outcome"] != "running" else None
    row = common.wait_until(ended, TIMEOUT, f"deployment {deployment} to end", interval=0.01)
    seconds = time.monotonic() - t0
    if row["outcome"] != "succeeded":
        raise common.BenchError(f"deployment {deployment} ended {row['outcome']}: {row['error']}")
    common.wait_until(lambda: _serves(setup.port, generation), TIMEOUT,
                      f"the proxy to serve generation {generation}", interval=0.01)
    common.wait_until(lambda: len(scanner.scan()) == 1, TIMEOUT,
                      "the old instance to stop", interval=0.01)
    return seconds


def measure(binary, workdir, mode):
    """One mode of MODES: REDEPLOYS redeploys under load. Returns the load's counts and the
    deployments' durations, or {"rejected": message} when berthd refuses the app's definition
    (422; only the restart mode sends a field an older berthd may not know)."""
    repo = gitops.Repo(workdir, "zd", {"server.py": SERVER, "generation": "0\n"})
    setup = Setup(binary, workdir, mode)
    d = setup.berthd
    try:
        status, raw = d.client.request("PUT", f"/v1/apps/{APP}", dict(
            _spec(repo.url, common.free_port(), mode), name=APP))
        if status == 422 and mode == "restart":
            return {"rejected": json.loads(raw)["error"]["message"]}
        if status not in (200, 201):
            raise common.BenchError(f"PUT /v1/apps/{APP} answered {status}: {raw[:300]!r}")
        common.wait_until(lambda: d.daemon.check_alive() or _serves(setup.port, 0), TIMEOUT,
                          "the first deployment to serve through the proxy", interval=0.01)
        scanner = common.ProcScanner(d.pid, "python3")
        load = Load(setup.port)
        try:
            # Only what the redeploys drop: nginx's workers of the set before the first one
            # still answer 503 ("not running") to their clients for a moment after it serves.
            load.wait_served()
            load.reset()
            deploys = []
            for n in range(1, REDEPLOYS + 1):
                repo.commit({"generation": f"{n}\n"})
                load.wait_served()
                deploys.append(_redeploy(d, setup, scanner, n))
        finally:
            counts = load.stop()
        if counts["requests"] == counts["failed"]:
            raise common.BenchError(f"no request succeeded: {counts['failures']}")
        d.daemon.check_alive()
        return dict(counts, deploy_seconds=deploys,
                    req_per_s=counts["requests"] / counts["seconds"])
    finally:
        setup.stop()
