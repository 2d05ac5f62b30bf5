# Proxy throughput: wrk (1 thread, 50 keep-alive connections) through berth's built-in proxy and
# through nginx's proxy_pass (one worker, like berthd's one thread), both keeping upstream
# connections alive, to the same backend: an nginx worker answering "hello" from memory, run by
# berth as a process app. Plain HTTP and TLS (the same self-signed certificate for both).
import http.client
import os
import re
import shutil
import subprocess

import common

HOST = "bench.test"
WRK_ARGS = ["-t1", "-c50", "-d8s", "--latency"]
ROUNDS = 3

_COMMON = """\
daemon off;
master_process {master};
worker_processes 1;
user root;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {dir}/tmp/body;
  proxy_temp_path {dir}/tmp/proxy;
  fastcgi_temp_path {dir}/tmp/fastcgi;
  uwsgi_temp_path {dir}/tmp/uwsgi;
  scgi_temp_path {dir}/tmp/scgi;
  keepalive_requests 1000000;
{body}
}}
"""

BACKEND = """\
  server {{
    listen 127.0.0.1:{port};
    location / {{ default_type text/plain; return 200 "hello from the backend\\n"; }}
  }}
"""

PROXY = """\
  upstream app {{ server 127.0.0.1:{backend}; keepalive 64; keepalive_requests 1000000; }}
  server {{
    listen 127.0.0.1:{port};
    listen 127.0.0.1:{tls_port} ssl;
    server_name {host};
    ssl_certificate {cert}.pem;
    ssl_certificate_key {cert}.key;
    location / {{
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $host;
      proxy_set_header Forwarded "for=$remote_addr;proto=$scheme;host=$host";
      proxy_buffering off;
    }}
  }}
"""


def nginx_binary():
    return shutil.which("nginx") or "/usr/sbin/nginx"


def write_conf(workdir, name, body, master=False):
    """<workdir>/<name>/nginx.conf with `body` in its http block; `master`: a master process,
    needed for `nginx -s reload`."""
    d = os.path.join(workdir, name)
    for sub in ("tmp",):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    conf = os.path.join(d, "nginx.conf")
    with open(conf, "w") as f:
        f.write(_COMMON.format(dir=d, body=body, master="on" if master else "off"))
    return d, conf


def make_certificate(tls_dir):
    os.makedirs(tls_dir, exist_ok=True)
    base = os.path.join(tls_dir, HOST)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", base + ".key", "-out",
                    base + ".pem", "-days", "2", "-subj", "/CN=" + HOST],
                   check=True, capture_output=True)
    return base


def run_wrk(url):
    wrk = shutil.which("wrk")
    if not wrk:
        raise common.BenchError("wrk is not installed")
    out = subprocess.run([wrk] + WRK_ARGS + ["-H", "Host: " + HOST, url], capture_output=True,
                         text=True, timeout=60).stdout
    rate = re.search(r"Requests/sec:\s*([0-9.]+)", out)
    p99 = re.search(r"99%\s+([0-9.]+)(us|ms|s)\b", out)
    if not rate or not p99:
        raise common.BenchError(f"could not parse wrk output:\n{out}")
    if re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out):
        raise common.BenchError(f"non-2xx answers through {url}:\n{out}")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    return {"req_per_s": float(rate.group(1)), "p99_ms": float(p99.group(1)) * scale}


def proxy_urls(berthd):
    """The URLs berthd's proxy serves (<state>/run/proxy-listeners), each ending in "/"; None
    until berthd wrote them."""
    berthd.daemon.check_alive()
    try:
        with open(os.path.join(berthd.state, "run", "proxy-listeners")) as f:
            return [line.rstrip("/") + "/" for line in f.read().split()]
    except FileNotFoundError:
        return None


class Setup:
    """berthd (proxy on, plain and TLS) running the backend nginx as a process app with a route,
    and nginx proxying to the same backend."""

    def __init__(self, berthd_binary, workdir):
        self.workdir = workdir
        cert = make_certificate(os.path.join(workdir, "tls"))
        backend_port = common.free_port()
        _, backend_conf = write_conf(workdir, "backend", BACKEND.format(port=backend_port))
        self.berthd = common.Berthd(berthd_binary, os.path.join(workdir, "berth"), extra_args=[
            "--proxy-listen", "127.0.0.1:0", "--proxy-tls-listen", "127.0.0.1:0",
            "--tls-dir", os.path.join(workdir, "tls")])
        self.nginx = None
        try:
            self.berthd.client.put_app("backend", {
                "command": [nginx_binary(), "-c", backend_conf], "port": backend_port,
                "user": "root", "routes": [{"host": HOST}]})
            urls = common.wait_until(lambda: proxy_urls(self.berthd), 10,
                                     "berthd's proxy-listeners")
            self.berth_http = next(u for u in urls if u.startswith("http://"))
            self.berth_https = next(u for u in urls if u.startswith("https://"))
            common.wait_until(self._berth_serves, 15, "berth's proxy to reach the backend")
            port, tls_port = common.free_port(), common.free_port()
            d, conf = write_conf(workdir, "proxy", PROXY.format(
                backend=backend_port, port=port, tls_port=tls_port, host=HOST, cert=cert))
            self.nginx = common.Daemon([nginx_binary(), "-p", d, "-e", os.path.join(d, "error.log"),
                                        "-c", conf], os.path.join(d, "nginx.out"),
                                       env=common.clean_env(), cwd=d)
            common.wait_until(lambda: common.port_accepts(port), 10, "nginx to accept")
            self.nginx_http = f"http://127.0.0.1:{port}/"
            self.nginx_https = f"https://127.0.0.1:{tls_port}/"
        except BaseException:
            self.stop()
            raise

    def _berth_serves(self):
        self.berthd.daemon.check_alive()
        try:
            conn = http.client.HTTPConnection(self.berth_http[7:].rstrip("/"), timeout=2)
            conn.request("GET", "/", headers={"Host": HOST})
            return conn.getresponse().status == 200
        except OSError:
            return False

    def stop(self):
        if self.nginx:
            self.nginx.stop()
        self.berthd.stop()


def measure(berthd_binary, workdir, rounds=ROUNDS):
    """Alternates berth and nginx `rounds` times per scheme; returns the medians."""
    setup = Setup(berthd_binary, workdir)
    try:
        results = {}
        for scheme in ("http", "https"):
            runs = {"berth": [], "nginx": []}
            run_wrk(getattr(setup, "berth_" + scheme))  # warm both up once
            run_wrk(getattr(setup, "nginx_" + scheme))
            for _ in range(rounds):
                runs["berth"].append(run_wrk(getattr(setup, "berth_" + scheme)))
                runs["nginx"].append(run_wrk(getattr(setup, "nginx_" + scheme)))
            for side, values in runs.items():
                results[f"{scheme}/{side}"] = {
                    "req_per_s": sorted(v["req_per_s"] for v in values)[len(values) // 2],
                    "p99_ms": sorted(v["p99_ms"] for v in values)[len(values) // 2]}
        setup.berthd.daemon.check_alive()
        return results
    finally:
        setup.stop()
