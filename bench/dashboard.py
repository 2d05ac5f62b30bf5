# dashboard: the web dashboard's weight (the bytes of every file the page loads from berthd) and
# its first contentful paint in headless Chromium (dashboard_paint.mjs), median of LOADS loads.
import json
import os
import re
import subprocess
import urllib.request

import common

LOADS = 7
APPS = 20
HERE = os.path.dirname(os.path.abspath(__file__))
PAINT_SCRIPT = os.path.join(HERE, "dashboard_paint.mjs")
PLAYWRIGHT = os.path.join(HERE, "..", "tests", "browser", "node_modules", "playwright-core")
USER, PASSWORD = "bench", "bench-password-1"


def median(values):
    values = sorted(values)
    return values[len(values) // 2] if values else None


def fetch(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        return response.read()


def page_weight(port):
    """{path: bytes} of index.html and every /dashboard/ file it references."""
    index = fetch(port, "/dashboard")
    sizes = {"/dashboard": len(index)}
    for path in re.findall(rb'(?:src|href)="(/dashboard/[^"]+)"', index):
        path = path.decode()
        sizes[path] = len(fetch(port, path))
    return sizes


def add_user(client):
    """A user who may view every app, for the signed-in loads; False without the users API."""
    try:
        status, _ = client.request("POST", "/v1/users", {
            "name": USER, "password": PASSWORD,
            "grants": [{"scope": "global", "actions": ["view"]}]})
    except OSError:
        return False
    return status == 201


def measure(binary, workdir):
    if not os.path.isdir(PLAYWRIGHT):
        raise common.BenchError("playwright-core is missing: run `make browser-deps`")
    d = common.Berthd(binary, workdir)
    try:
        for i in range(APPS):
            d.client.put_app(f"app{i:02d}", {"kind": "process", "command": ["/bin/sleep", "1000"],
                                             "autostart": False, "user": "root"})
        sizes = page_weight(d.port)
        argv = ["node", PAINT_SCRIPT, f"http://127.0.0.1:{d.port}", str(LOADS)]
        if add_user(d.client):
            argv += [USER, PASSWORD]
        run = subprocess.run(argv, capture_output=True, text=True, timeout=300)
        if run.returncode != 0:
            raise common.BenchError(f"dashboard_paint.mjs failed: {run.stderr.strip()[-500:]}")
        paints = json.loads(run.stdout.strip().splitlines()[-1])
        return {"bytes": sum(sizes.values()), "files": sizes,
                "browser_bytes": sum(f["bytes"] for f in paints["files"]),
                "fcp_ms": median(paints["fcp_ms"]), "fcp_all_ms": paints["fcp_ms"],
                "list_ms": median(paints["list_ms"]), "list_all_ms": paints["list_ms"]}
    finally:
        d.stop()
