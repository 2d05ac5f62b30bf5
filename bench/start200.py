# start-200: time from asking to start 200 `sleep 1000` programs until all 200 run (seen in
# /proc), then the daemon's RSS with those 200 running (see rss.py).
import time

import common
import rss

COUNT = 200
SLEEP = ["/bin/sleep", "1000"]
APP_SPEC = {"kind": "process", "command": SLEEP, "autostart": False, "start_seconds": 0,
            "user": "root"}


def wait_for_sleeps(daemon, scanner, timeout=60):
    """Polls /proc (every 2 ms) until COUNT sleep children of the daemon exist; returns perf_counter."""
    deadline = time.monotonic() + timeout
    while True:
        if len(scanner.scan()) >= COUNT:
            return time.perf_counter()
        if time.monotonic() > deadline:
            raise common.BenchError(f"only {len(scanner.scan())} of {COUNT} sleep processes "
                                    f"after {timeout}s")
        daemon.check_alive()
        # Scanning /proc costs this script a good part of a core; with 2 cores, scanning
        # without pause would starve the daemon and its 200 starting children alike.
        time.sleep(0.002)


def berth(binary, workdir):
    """Returns {"seconds": ..., "rss_kb": ...} for berthd."""
    d = common.Berthd(binary, workdir)
    try:
        names = [f"s{i}" for i in range(COUNT)]
        for name in names:
            d.client.put_app(name, APP_SPEC)
        scanner = common.ProcScanner(d.pid, "sleep")
        if scanner.scan():
            raise common.BenchError("berthd started apps created with autostart=false")
        # One request for all of them, as supervisord gets one startAllProcesses call.
        t0 = time.perf_counter()
        d.client.json("POST", "/v1/control", {"command": "start", "apps": names}, expect=(202,))
        t1 = wait_for_sleeps(d.daemon, scanner)
        seconds = t1 - t0
        connects = d.client.connects
        states = berth_states(d.client)
        if states.get("running", 0) != COUNT:
            raise common.BenchError(f"200 sleeps exist but berth reports states {states}")
        return {"seconds": seconds, "rss_kb": rss.daemon_rss_kb(d.pid), "states": states,
                "tcp_connections": connects}
    finally:
        d.stop()


def _state_counts(client):
    counts = {}
    for app in client.json("GET", "/v1/apps"):
        state = app.get("status", {}).get("state")
        counts[state] = counts.get(state, 0) + 1
    return counts


def berth_states(client):
    """How many apps berth reports in each state, once all are running or after 5 s."""
    try:
        return common.wait_until(
            lambda: (c := _state_counts(client)).get("running", 0) == COUNT and c, 5,
            "berth to report 200 running", interval=0.05)
    except common.BenchError:
        return _state_counts(client)


def supervisord(workdir):
    """Returns {"seconds": ..., "rss_kb": ...} for supervisord."""
    programs = "".join(
        common.supervisord_program(f"s{i}", command=" ".join(SLEEP), autostart="false",
                                   startsecs=0, autorestart="false")
        for i in range(COUNT))
    s = common.Supervisord(workdir, programs)
    try:
        scanner = common.ProcScanner(s.pid, "sleep")
        if scanner.scan():
            raise common.BenchError("supervisord started programs with autostart=false")
        t0 = time.perf_counter()
        results = s.rpc.supervisor.startAllProcesses()
        t1 = wait_for_sleeps(s.daemon, scanner)
        failed = [r for r in results if r.get("description") != "OK"]
        if failed:
            raise common.BenchError(f"supervisord failed to start: {failed[:3]}")
        return {"seconds": t1 - t0, "rss_kb": rss.daemon_rss_kb(s.pid)}
    finally:
        s.stop()
