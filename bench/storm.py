# Restart storms and log floods: a `/bin/true` app restarted for SOAK_SECONDS (starts/s, daemon
# CPU, log bytes, RSS and fd growth), and the daemon's peak RSS while APPS apps each write
# LINES lines of 16 KiB.
import os
import time

import common

SOAK_SECONDS = 60
APPS = 10
LINES = 500
LINE_BYTES = 16 * 1024  # with its newline
CRASH_SPEC = {"kind": "process", "command": ["/bin/true"], "autostart": False,
              "restart": "always", "start_seconds": 0, "backoff": {"initial_ms": 1, "max_ms": 1},
              "user": "root"}
# Writes LINES lines of LINE_BYTES (the last one starts with "last "), then waits.
WRITER = ("x=$(head -c %d /dev/zero | tr '\\0' x); i=1; while [ $i -lt %d ]; do echo \"$x\"; "
          "i=$((i+1)); done; echo \"last ${x#?????}\"; exec sleep 1000\n") % (LINE_BYTES - 1, LINES)


def _sample(pid, log_paths):
    """CPU seconds, fds, RSS (KiB) of `pid` and the bytes of its logs, now."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return {"cpu": (int(fields[11]) + int(fields[12])) / ticks,
            "fds": len(os.listdir(f"/proc/{pid}/fd")), "rss_kb": common.vm_rss_kb(pid),
            "log_bytes": sum(_size(p) for p in log_paths), "time": time.monotonic()}


def _size(path):
    if os.path.isdir(path):
        return sum(_size(os.path.join(path, name)) for name in os.listdir(path))
    try:
        return os.path.getsize(path)
    except FileNotFoundError:
        return 0


def _soak(pid, log_paths, count_starts, start):
    """Starts the crash loop and returns what moved over SOAK_SECONDS."""
    before, starts_before = _sample(pid, log_paths), count_starts()
    start()
    # A soak: the loop runs for a fixed time, there is nothing to wait for.
    time.sleep(SOAK_SECONDS)
    after, starts_after = _sample(pid, log_paths), count_starts()
    seconds = after["time"] - before["time"]
    return {"starts_per_s": (starts_after - starts_before) / seconds,
            "starts": starts_after - starts_before,
            "cpu_percent": 100 * (after["cpu"] - before["cpu"]) / seconds,
            "log_bytes": after["log_bytes"] - before["log_bytes"],
            "rss_growth_kb": after["rss_kb"] - before["rss_kb"],
            "fd_growth": after["fds"] - before["fds"], "seconds": seconds}


def crashloop_berth(binary, workdir):
    d = common.Berthd(binary, workdir)
    try:
        d.client.put_app("crash", CRASH_SPEC)

        def starts():
            return d.client.json("GET", "/v1/apps/crash/stats")["starts"]
        result = _soak(d.pid, [d.log_path], starts, lambda: d.client.control("crash", "start"))
        result["status"] = d.client.json("GET", "/v1/apps/crash")["status"]
        return result
    finally:
        d.stop()


def crashloop_supervisord(workdir):
    conf = common.supervisord_program("crash", command="/bin/true", autostart="false",
                                      autorestart="true", startsecs=0, startretries=1000000)
    s = common.Supervisord(workdir, conf)
    try:
        log = os.path.join(workdir, "supervisord.log")

        def starts():
            with open(log, "rb") as f:
                return f.read().count(b"spawned: 'crash'")
        logs = [log, os.path.join(workdir, "supervisord.out"), os.path.join(workdir, "childlogs")]
        return _soak(s.pid, logs, starts, lambda: s.rpc.supervisor.startProcess("crash", False))
    finally:
        s.stop()


def _peak_rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise common.BenchError(f"no VmHWM for pid {pid}")


def _rss_result(pid, t0):
    return {"seconds": time.perf_counter() - t0, "peak_rss_kb": _peak_rss_kb(pid),
            "rss_kb": common.vm_rss_kb(pid)}


def _writer(workdir):
    path = os.path.join(workdir, "writer.sh")
    with open(path, "w") as f:
        f.write(WRITER)
    return path


def ringrss_berth(binary, workdir):
    writer = _writer(workdir)
    d = common.Berthd(binary, workdir)
    try:
        names = [f"w{i}" for i in range(APPS)]
        for name in names:
            d.client.put_app(name, {"kind": "process", "command": ["/bin/sh", writer],
                                    "autostart": False, "start_seconds": 0, "user": "root"})
        t0 = time.perf_counter()
        d.client.json("POST", "/v1/control", {"command": "start", "apps": names}, expect=(202,))

        def all_written():
            d.daemon.check_alive()
            for name in names:
                last = d.client.json("GET", f"/v1/apps/{name}/logs?entries=1")
                if not last or not last[-1]["line"].startswith("last "):
                    return False
            return True
        common.wait_until(all_written, 120, f"{APPS} apps to write {LINES} lines", interval=0.05)
        return _rss_result(d.pid, t0)
    finally:
        d.stop()


def ringrss_supervisord(workdir):
    conf = "".join(common.supervisord_program(
        f"w{i}", command=f"/bin/sh {_writer(workdir)}", autostart="false", startsecs=0,
        stdout_logfile=os.path.join(workdir, f"w{i}.log"), stdout_logfile_maxbytes=0)
        for i in range(APPS))
    s = common.Supervisord(workdir, conf)
    try:
        t0 = time.perf_counter()
        s.rpc.supervisor.startAllProcesses(False)
        expected = LINES * LINE_BYTES

        def all_written():
            s.daemon.check_alive()
            return all(_size(os.path.join(workdir, f"w{i}.log")) >= expected
                       for i in range(APPS))
        common.wait_until(all_written, 120, f"{APPS} programs to write {LINES} lines",
                          interval=0.05)
        return _rss_result(s.pid, t0)
    finally:
        s.stop()
