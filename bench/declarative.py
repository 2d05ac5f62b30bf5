# Declarative config: an edit of an app's file until its new process runs (berth watches apps.d;
# supervisord needs `supervisorctl update`), a cold start with 200 file apps until READY=1 and
# until all 200 run, and the daemon's idle wake-ups while the 200 run.
import array
import json
import os
import select
import socket
import time
import xmlrpc.client

import common
import start200

EDITS = 100
COUNT = 200
IDLE_SECONDS = 10
SLEEP = ["/bin/sleep", "1000"]
APP_SPEC = {"kind": "process", "command": SLEEP, "user": "root", "start_seconds": 0,
            "autostart": True}
INCLUDE = "[include]\nfiles = {dir}/conf.d/*.conf\n"
# Linux's SO_TIMESTAMPNS (asm-generic/socket.h; Python 3.11 has no name for it): the receive
# time of each datagram as a struct timespec in CLOCK_REALTIME.
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)


def write_atomically(path, text):
    """Writes a hidden temp file in the same dir; the caller renames it onto path."""
    tmp = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".tmp")
    with open(tmp, "w") as f:
        f.write(text)
    return tmp


def berth_file(env=None):
    return json.dumps(dict(APP_SPEC, env=env) if env else APP_SPEC) + "\n"


def supervisord_file(name, env=None):
    options = {"command": " ".join(SLEEP), "autostart": "true", "autorestart": "false",
               "startsecs": 0}
    if env:
        options["environment"] = ",".join(f'{k}="{v}"' for k, v in env.items())
    return common.supervisord_program(name, **options)


def supervisorctl_update(rpc):
    """What `supervisorctl update` sends (supervisorctl.py, do_update): reloadConfig, then
    removed groups are stopped and removed, changed ones stopped, removed and added again, new
    ones added. Returns reloadConfig's (added, changed, removed)."""
    added, changed, removed = rpc.supervisor.reloadConfig()[0]
    for group in removed:
        rpc.supervisor.stopProcessGroup(group)
        rpc.supervisor.removeProcessGroup(group)
    for group in changed:
        rpc.supervisor.stopProcessGroup(group)
        rpc.supervisor.removeProcessGroup(group)
        rpc.supervisor.addProcessGroup(group)
    for group in added:
        rpc.supervisor.addProcessGroup(group)
    return added, changed, removed


# ---------------------------------------------------------------------------------------------
# apps.d edit -> running

def _environ(pid):
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            return f.read().split(b"\0")
    except OSError:
        return []


def _reaped(pid, parent):
    st = common.read_stat(pid)
    return st is None or st[0] != parent


def _edits(daemon, scanner, is_running, edit, edits):
    """edit(i) renames the new definition (EDIT=i) into place and returns the perf_counter_ns
    taken just before the rename; returns the latencies in seconds."""
    latencies = []
    for i in range(1, edits + 1):
        old = common.the_running_child(scanner, is_running)
        t0 = edit(i)
        t1 = common.wait_for_new_child(scanner, old, daemon, 10, f"edit {i}")
        latencies.append((t1 - t0) / 1e9)
        # Untimed: the new process has the new env. Its comm changes early in exec, its
        # environment becomes readable a little later.
        pid = next(iter(scanner.scan() - {old}))
        try:
            common.wait_until(lambda: f"EDIT={i}".encode() in _environ(pid), 2,
                              f"EDIT={i} in the environment of pid {pid}", interval=0.001)
        except common.BenchError:
            raise common.BenchError(f"the sleep started after edit {i} (pid {pid}) has the "
                                    f"environment {_environ(pid)}") from None
        scanner.forget(old)
        common.wait_until(lambda: _reaped(old, daemon.pid), 10, f"{old} to be reaped")
    return latencies


def _summary(latencies):
    return {"p50": common.percentile(latencies, 50), "p99": common.percentile(latencies, 99),
            "max": max(latencies), "edits": len(latencies)}


def edit_berth(binary, workdir, edits=EDITS):
    path = os.path.join(workdir, "config", "apps.d", "edit.json")
    os.makedirs(os.path.dirname(path))
    with open(path, "w") as f:
        f.write(berth_file({"EDIT": "0"}))
    d = common.Berthd(binary, workdir)
    try:
        def is_running(pid):
            st = d.client.json("GET", "/v1/apps/edit")["status"]
            return st.get("state") == "running" and st.get("pid") == pid

        def edit(i):
            tmp = write_atomically(path, berth_file({"EDIT": str(i)}))
            t0 = time.perf_counter_ns()
            os.rename(tmp, path)
            return t0
        scanner = common.ProcScanner(d.pid, "sleep")
        result = _summary(_edits(d.daemon, scanner, is_running, edit, edits))
        app = d.client.json("GET", "/v1/apps/edit")
        if app.get("source") != "file" or app.get("env", {}).get("EDIT") != str(edits):
            result["note"] = (f"after {edits} edits berth reports source {app.get('source')} "
                              f"and env {app.get('env')}")
        return result
    finally:
        d.stop()


def edit_supervisord(workdir, edits=EDITS):
    conf_d = os.path.join(workdir, "conf.d")
    os.makedirs(conf_d)
    path = os.path.join(conf_d, "edit.conf")
    with open(path, "w") as f:
        f.write(supervisord_file("edit", {"EDIT": "0"}))
    s = common.Supervisord(workdir, INCLUDE.format(dir=workdir))
    try:
        def is_running(pid):
            info = s.rpc.supervisor.getProcessInfo("edit")
            return info["statename"] == "RUNNING" and info["pid"] == pid

        updates = []

        def edit(i):
            tmp = write_atomically(path, supervisord_file("edit", {"EDIT": str(i)}))
            t0 = time.perf_counter_ns()
            os.rename(tmp, path)
            updates.append(supervisorctl_update(s.rpc))
            return t0
        scanner = common.ProcScanner(s.pid, "sleep")
        result = _summary(_edits(s.daemon, scanner, is_running, edit, edits))
        odd = [u for u in updates if u != ([], ["edit"], [])]
        if odd:
            raise common.BenchError(f"reloadConfig did not report only 'edit' changed: {odd[0]}")
        return result
    finally:
        s.stop()


# ---------------------------------------------------------------------------------------------
# cold start with 200 apps in apps.d, then idle wake-ups

class NotifySocket:
    """The datagram socket berthd's NOTIFY_SOCKET points to; each datagram carries the kernel's
    receive time (SO_TIMESTAMPNS, CLOCK_REALTIME)."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.messages = []  # (receive time in ns since the epoch, text)

    def receive(self, timeout):
        """Reads every pending datagram, waiting up to timeout for the first."""
        ready, _, _ = select.select([self.sock], [], [], timeout)
        while ready:
            data, ancdata, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(16))
            stamp = time.time_ns()
            for level, kind, value in ancdata:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                    sec, nsec = array.array("q", value[:16])
                    stamp = sec * 1_000_000_000 + nsec
            self.messages.append((stamp, data.decode("utf-8", "replace")))
            ready, _, _ = select.select([self.sock], [], [], 0)

    def ready_at(self):
        """Receive time (ns since the epoch) of the first message holding READY=1, or None."""
        for stamp, text in self.messages:
            if "READY=1" in text.split("\n"):
                return stamp
        return None

    def close(self):
        self.sock.close()


def cold_berth(binary, workdir, idle=True):
    """Returns {"ready": s, "all_running": s, ["idle": {...}]} for berthd started with 200 apps
    in apps.d and NOTIFY_SOCKET set."""
    apps_d = os.path.join(workdir, "config", "apps.d")
    os.makedirs(apps_d)
    for i in range(COUNT):
        with open(os.path.join(apps_d, f"s{i}.json"), "w") as f:
            f.write(berth_file())
    notify = NotifySocket(os.path.join(workdir, "notify.sock"))
    d = None
    try:
        t0_epoch, t0 = time.time_ns(), time.perf_counter()
        d = common.Berthd(binary, workdir, extra_env={"NOTIFY_SOCKET": notify.path}, wait=False)
        deadline = time.monotonic() + 30
        # Nothing else runs in this script until READY=1 arrives: the scan below would take
        # CPU from berthd on a 2-core machine.
        while notify.ready_at() is None:
            d.daemon.check_alive()
            if time.monotonic() > deadline:
                raise common.BenchError("no READY=1 on NOTIFY_SOCKET after 30s "
                                        f"(got {[m for _, m in notify.messages]})")
            notify.receive(0.1)
        ready = (notify.ready_at() - t0_epoch) / 1e9
        # Where the time went, read a moment after READY=1: berthd's CPU time, its time
        # waiting for a CPU, and (the rest) time blocked, e.g. in vfork until a child execs.
        cpu_ns, runqueue_ns, _ = _schedstat(d.pid)
        scanner = common.ProcScanner(d.pid, "sleep")
        all_running = start200.wait_for_sleeps(d.daemon, scanner) - t0
        d.wait_serving()
        states = start200.berth_states(d.client)
        if states.get("running", 0) != COUNT:
            raise common.BenchError(f"200 sleeps exist but berth reports states {states}")
        result = {"ready": ready, "all_running": all_running, "states": states,
                  "cpu_at_ready": cpu_ns / 1e9, "runqueue_at_ready": runqueue_ns / 1e9}
        if idle:
            d.client.close()  # an open connection could have timers of its own
            result["idle"] = idle_wakeups(d.pid, d.daemon)
        notify.receive(0)
        result["notify"] = [m for _, m in notify.messages]
        return result
    finally:
        if d:
            d.stop()
        notify.close()


def cold_supervisord(workdir, idle=True):
    """Returns {"all_running": s, ["idle": {...}]} for supervisord started with 200 programs in
    conf.d."""
    conf_d = os.path.join(workdir, "conf.d")
    os.makedirs(conf_d)
    for i in range(COUNT):
        with open(os.path.join(conf_d, f"s{i}.conf"), "w") as f:
            f.write(supervisord_file(f"s{i}"))
    t0 = time.perf_counter()
    s = common.Supervisord(workdir, INCLUDE.format(dir=workdir), wait=False)
    try:
        scanner = common.ProcScanner(s.pid, "sleep")
        all_running = start200.wait_for_sleeps(s.daemon, scanner) - t0
        s.wait_serving()
        states = common.wait_until(lambda: _supervisord_running(s.rpc), 10,
                                   "supervisord to report 200 RUNNING", interval=0.05)
        result = {"all_running": all_running, "states": states}
        if idle:
            s.rpc("close")()  # the XML-RPC transport's keep-alive connection
            result["idle"] = idle_wakeups(s.pid, s.daemon)
        return result
    finally:
        s.stop()


def _supervisord_running(rpc):
    counts = {}
    try:
        for info in rpc.supervisor.getAllProcessInfo():
            counts[info["statename"]] = counts.get(info["statename"], 0) + 1
    except xmlrpc.client.Error:
        return None
    return counts.get("RUNNING", 0) == COUNT and counts


# ---------------------------------------------------------------------------------------------
# idle wake-ups

def _schedstat(pid):
    """Summed over the process's threads: ns on a CPU, ns waiting for one, times it ran."""
    total = [0, 0, 0]
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total = [t + int(v) for t, v in zip(total, f.read().split())]
        except OSError:  # a thread that ended meanwhile
            pass
    return total


def _task_counts(pid):
    """Summed over the process's threads: times it ran on a CPU (schedstat's 3rd field),
    voluntary and involuntary context switches."""
    runs = _schedstat(pid)[2]
    voluntary = involuntary = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                for line in f:
                    if line.startswith("voluntary_ctxt_switches:"):
                        voluntary += int(line.split()[1])
                    elif line.startswith("nonvoluntary_ctxt_switches:"):
                        involuntary += int(line.split()[1])
        except OSError:  # a thread that ended meanwhile
            pass
    return runs, voluntary, involuntary


def _settled(pid, daemon, quiet=0.5, timeout=30):
    """Waits (polling every 50 ms) until the daemon's CPU time (schedstat, ns) has not changed
    for `quiet` s."""
    deadline = time.monotonic() + timeout
    cpu, since = _schedstat(pid)[0], time.monotonic()
    while time.monotonic() - since < quiet:
        if time.monotonic() > deadline:
            raise common.BenchError(f"the daemon's CPU time still changes after {timeout}s")
        daemon.check_alive()
        time.sleep(0.05)
        now = _schedstat(pid)[0]
        if now != cpu:
            cpu, since = now, time.monotonic()


def idle_wakeups(pid, daemon, seconds=IDLE_SECONDS):
    """Times per second the daemon ran on a CPU over `seconds` of doing nothing."""
    _settled(pid, daemon)
    runs0, vol0, invol0 = _task_counts(pid)
    cpu0, t0 = _schedstat(pid)[0], time.monotonic()
    time.sleep(seconds)  # the sampling window, not a synchronisation
    runs1, vol1, invol1 = _task_counts(pid)
    cpu1, elapsed = _schedstat(pid)[0], time.monotonic() - t0
    daemon.check_alive()
    return {"wakeups_per_s": (runs1 - runs0) / elapsed,
            "voluntary_ctxt_per_s": (vol1 - vol0) / elapsed,
            "involuntary_ctxt_per_s": (invol1 - invol0) / elapsed,
            "cpu_seconds": (cpu1 - cpu0) / 1e9, "seconds": elapsed}
