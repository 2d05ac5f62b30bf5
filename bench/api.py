# API throughput: wrk (1 thread, 10 keep-alive connections) against GET /v1/apps on berthd with
# 20 stopped apps, beside nginx (one worker, like berthd's one thread) serving the same bytes as a
# static file.
import os
import re
import shutil
import subprocess

import common

APPS = 20
WRK_ARGS = ["-t1", "-c10", "-d5s"]

NGINX_CONF = """\
daemon off;
master_process on;
worker_processes 1;
user root;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {dir}/tmp/body;
  proxy_temp_path {dir}/tmp/proxy;
  fastcgi_temp_path {dir}/tmp/fastcgi;
  uwsgi_temp_path {dir}/tmp/uwsgi;
  scgi_temp_path {dir}/tmp/scgi;
  keepalive_requests 1000000;
  server {{
    listen 127.0.0.1:{port};
    root {dir}/www;
    default_type application/json;
  }}
}}
"""


def run_wrk(url, headers=(), args=WRK_ARGS):
    wrk = shutil.which("wrk")
    if not wrk:
        raise common.BenchError("wrk is not installed")
    argv = [wrk] + list(args)
    for h in headers:
        argv += ["-H", h]
    out = subprocess.run(argv + [url], capture_output=True, text=True, timeout=60).stdout
    m = re.search(r"Requests/sec:\s*([0-9.]+)", out)
    if not m:
        raise common.BenchError(f"could not parse wrk output:\n{out}")
    bad = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)
    if bad:
        raise common.BenchError(f"{bad.group(1)} non-2xx answers from {url}:\n{out}")
    errors = re.search(r"Socket errors:.*", out)
    return {"req_per_s": float(m.group(1)), "socket_errors": errors.group(0) if errors else None}


def berth(binary, workdir):
    """Returns wrk's result and the exact body of GET /v1/apps (for the nginx half)."""
    d = common.Berthd(binary, workdir)
    try:
        for i in range(APPS):
            d.client.put_app(f"a{i}", {"kind": "process", "command": ["/bin/sleep", "1000"],
                                       "autostart": False, "user": "root"})
        status, body = d.client.request("GET", "/v1/apps")
        if status != 200:
            raise common.BenchError(f"GET /v1/apps answered {status}")
        d.client.close()
        result = run_wrk(f"http://127.0.0.1:{d.port}/v1/apps",
                         [f"Authorization: Bearer {d.token}"])
        d.daemon.check_alive()
        return dict(result, body_bytes=len(body)), body
    finally:
        d.stop()


def nginx(workdir, body, headers=()):
    for sub in ("www/v1", "tmp"):
        os.makedirs(os.path.join(workdir, sub), exist_ok=True)
    with open(os.path.join(workdir, "www", "v1", "apps"), "wb") as f:
        f.write(body)
    port = common.free_port()
    conf = os.path.join(workdir, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF.format(dir=workdir, port=port))
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    n = common.Daemon([binary, "-p", workdir, "-e", os.path.join(workdir, "nginx-error.log"),
                       "-c", conf], os.path.join(workdir, "nginx.out"),
                      env=common.clean_env(), cwd=workdir)
    try:
        def ready():
            n.check_alive()
            return common.port_accepts(port)
        common.wait_until(ready, 10, "nginx to accept connections")
        result = run_wrk(f"http://127.0.0.1:{port}/v1/apps", headers)
        return dict(result, body_bytes=len(body))
    finally:
        n.stop()
