# respawn latency: SIGKILL the one supervised `sleep 1000` and busy-watch /proc until the daemon
# has a new sleep child; repeated ROUNDS times. Before each kill the daemon must report the
# current pid as running, so the kill never lands in a start phase (which would mean backoff).
import os
import signal
import time

import common

ROUNDS = 50
SLEEP = ["/bin/sleep", "1000"]


def _measure(daemon, scanner, is_running, rounds, per_round_timeout):
    """Returns the list of latencies in seconds."""
    latencies = []
    for _ in range(rounds):
        old = common.the_running_child(scanner, is_running)
        t0 = time.perf_counter_ns()
        os.kill(old, signal.SIGKILL)
        t1 = common.wait_for_new_child(scanner, old, daemon, per_round_timeout,
                                       f"killing {old}")
        scanner.forget(old)
        latencies.append((t1 - t0) / 1e9)
        # The old pid stays in /proc as a zombie until reaped; wait so the next scan is clean.
        common.wait_until(lambda: _reaped(old, daemon.pid), 10, f"{old} to be reaped")
    return latencies


def _reaped(pid, parent):
    st = common.read_stat(pid)
    return st is None or st[0] != parent


def berth(binary, workdir, rounds=ROUNDS):
    d = common.Berthd(binary, workdir)
    try:
        d.client.put_app("respawn", {"kind": "process", "command": SLEEP, "autostart": True,
                                     "restart": "always", "start_seconds": 0, "user": "root",
                                     "max_retries": 1000000,
                                     # 50 kills in a row: like supervisord's, no start limit.
                                     "start_limit": {"interval_seconds": 0}})

        def is_running(pid):
            st = d.client.json("GET", "/v1/apps/respawn")["status"]
            return st.get("state") == "running" and st.get("pid") == pid
        scanner = common.ProcScanner(d.pid, "sleep")
        lat = _measure(d.daemon, scanner, is_running, rounds, per_round_timeout=10)
        result = _summary(lat)
        status = d.client.json("GET", "/v1/apps/respawn")["status"]
        result["reported_restarts"] = status.get("restarts")
        if status.get("restarts") != rounds:
            result["note"] = f"berth reports {status.get('restarts')} restarts after {rounds} kills"
        return result
    finally:
        d.stop()


def supervisord(workdir, rounds=ROUNDS):
    conf = common.supervisord_program("respawn", command=" ".join(SLEEP), autostart="true",
                                      autorestart="true", startsecs=0, startretries=1000)
    s = common.Supervisord(workdir, conf)
    try:
        def is_running(pid):
            info = s.rpc.supervisor.getProcessInfo("respawn")
            return info["statename"] == "RUNNING" and info["pid"] == pid
        scanner = common.ProcScanner(s.pid, "sleep")
        lat = _measure(s.daemon, scanner, is_running, rounds, per_round_timeout=10)
        return _summary(lat)
    finally:
        s.stop()


def _summary(latencies):
    return {"p50": common.percentile(latencies, 50), "p99": common.percentile(latencies, 99),
            "max": max(latencies), "rounds": len(latencies)}
