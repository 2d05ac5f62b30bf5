# What the Supervisor-compatible /stacks adapter costs: wrk against GET /stacks beside GET
# /v1/apps, and GET /stacks/{uuid} beside GET /v1/apps/{name}, on one berthd with 20 compose
# apps from a local git repo (defined, never started: real compose apps, no Docker needed), in
# alternating rounds on the same daemon.
import os
import re
import shutil
import statistics
import subprocess

import common

APPS = 20
ROUNDS = 5
WRK_ARGS = ["-t1", "-c10", "-d4s"]


def wrk(url, token):
    out = subprocess.run([shutil.which("wrk")] + WRK_ARGS + ["-H", f"Authorization: Bearer {token}", url],
                         capture_output=True, text=True, timeout=60).stdout
    rate = re.search(r"Requests/sec:\s*([0-9.]+)", out)
    if not rate or "Non-2xx" in out:
        raise common.BenchError(f"wrk failed against {url}:\n{out}")
    return float(rate.group(1))


def run(binary, workdir):
    """Medians of req/s for the four GETs."""
    if not shutil.which("wrk"):
        raise common.BenchError("wrk is not installed")
    repo = os.path.join(workdir, "origin.git")
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", repo], check=True)
    d = common.Berthd(binary, workdir)
    try:
        for i in range(APPS):
            d.client.put_app(f"s{i}", {"kind": "compose", "autostart": False,
                                       "source": {"git": {"url": "file://" + repo, "ref": "main"}}})
        stacks = d.client.json("GET", "/stacks", None, expect=(200,))
        uuid = next(s["uuid"] for s in stacks if s["name"] == "s0")
        d.client.close()
        base = f"http://127.0.0.1:{d.port}"
        urls = {"list_stacks": f"{base}/stacks", "list_apps": f"{base}/v1/apps",
                "show_stack": f"{base}/stacks/{uuid}", "show_app": f"{base}/v1/apps/s0"}
        runs = {name: [] for name in urls}
        for _ in range(ROUNDS):
            for name, url in urls.items():
                runs[name].append(wrk(url, d.token))
        d.daemon.check_alive()
        return {name: statistics.median(values) for name, values in runs.items()}
    finally:
        d.stop()
