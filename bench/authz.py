# What authorization costs: wrk against GET /v1/apps on one berthd with 20 apps, as the admin
# and as users holding per-app grants, in alternating rounds on the same daemon. Besides
# throughput, berthd's own CPU time per request: what the authorization adds, less blurred by
# other work on the machine.
import os
import re
import shutil
import statistics
import subprocess

import common

APPS = 20
ROUNDS = 5
WRK_ARGS = ["-t1", "-c10", "-d4s"]


def token_for(client, user, apps):
    grants = [{"scope": f"app:a{i}", "actions": ["view"]} for i in apps]
    client.json("POST", "/v1/users", {"name": user, "grants": grants}, expect=(201,))
    return client.json("POST", f"/v1/users/{user}/tokens", {"name": "bench"}, expect=(201,))["token"]


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(url, token, pid):
    before = cpu_seconds(pid)
    out = subprocess.run([shutil.which("wrk")] + WRK_ARGS + ["-H", f"Authorization: Bearer {token}", url],
                         capture_output=True, text=True, timeout=60).stdout
    cpu = cpu_seconds(pid) - before
    rate = re.search(r"Requests/sec:\s*([0-9.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    if not rate or not total or "Non-2xx" in out:
        raise common.BenchError(f"wrk failed against {url}:\n{out}")
    return float(rate.group(1)), cpu / int(total.group(1)) * 1e6


def run(binary, workdir):
    """Medians per caller: admin (20 apps shown), half (10 of 20 granted, 10 shown) and all (each
    of the 20 granted one by one: the admin's body, with the most matching): req/s and berthd's
    CPU µs per request."""
    if not shutil.which("wrk"):
        raise common.BenchError("wrk is not installed")
    d = common.Berthd(binary, workdir)
    try:
        for i in range(APPS):
            d.client.put_app(f"a{i}", {"kind": "process", "command": ["/bin/sleep", "1000"],
                                       "autostart": False, "user": "root"})
        callers = {"admin": d.token,
                   "half": token_for(d.client, "half", range(0, APPS, 2)),
                   "all": token_for(d.client, "all", range(APPS))}
        d.client.close()
        url = f"http://127.0.0.1:{d.port}/v1/apps"
        runs = {name: [] for name in callers}
        for _ in range(ROUNDS):
            for name, token in callers.items():
                runs[name].append(wrk(url, token, d.pid))
        d.daemon.check_alive()
        result = {}
        for name, values in runs.items():
            result[name] = statistics.median(v[0] for v in values)
            result[name + "_cpu_us"] = statistics.median(v[1] for v in values)
        return result
    finally:
        d.stop()
