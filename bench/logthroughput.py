# log capture throughput: one program writes LINES numbered 70-byte lines to stdout as fast as it
# can; timed from the start request until the daemon has taken in the last line (berth: its log
# ring via the API and its stderr, where app lines are forwarded; supervisord: its log file).
import os
import time

import common

LINES = 2_000_000
LINE_BYTES = 70
FINAL = f"{LINES - 1:07d} " + "x" * 61
TIMEOUT = 60


def build_generator(workdir):
    return common.compile_c("loggen.c", workdir)


def _tail_has_final(fd):
    size = os.fstat(fd).st_size
    if size < LINE_BYTES:
        return False
    data = os.pread(fd, 4096, max(0, size - 4096))
    return FINAL.encode() in data


def _result(seconds, **extra):
    return dict({"seconds": seconds, "mb_per_s": LINES * LINE_BYTES / seconds / 1e6,
                 "lines_per_s": LINES / seconds}, **extra)


def berth(binary, workdir):
    gen = build_generator(workdir)
    d = common.Berthd(binary, workdir)
    try:
        d.client.put_app("loggen", {"kind": "process", "command": [gen, str(LINES)],
                                    "autostart": False, "restart": "never", "start_seconds": 0,
                                    "user": "root"})
        fd = os.open(d.log_path, os.O_RDONLY)
        try:
            result = _run_berth(d, fd)
        finally:
            os.close(fd)
        return _check_berth(d, result)
    finally:
        d.stop()


def _api_has_final(client):
    entries = client.json("GET", "/v1/apps/loggen/logs?entries=1")
    return bool(entries) and entries[-1].get("line", "").rstrip("\n") == FINAL


def _count_in_file(path, needle):
    count, carry = 0, b""
    with open(path, "rb") as f:
        while chunk := f.read(1 << 24):
            data = carry + chunk
            count += data.count(needle)
            # Keep a tail shorter than the needle: a match split across chunks is counted once.
            carry = data[-(len(needle) - 1):]
    return count


def _check_berth(d, result):
    """Untimed: every line reached the ring (by seq) and berthd's stderr, once each."""
    last = d.client.json("GET", "/v1/apps/loggen/logs?entries=1")[-1]
    result["ring_last_seq"] = last.get("seq")
    forwarded = _count_in_file(d.log_path, b"loggen[stdout]: ")
    result["stderr_lines"] = forwarded
    problems = []
    if forwarded != LINES:
        problems.append(f"berthd's stderr has {forwarded} of {LINES} lines")
    if last.get("seq") is not None and last["seq"] < LINES:
        problems.append(f"the ring's last seq is {last['seq']} after {LINES} lines")
    if problems:
        result["note"] = "; ".join(problems)
    return result


def _run_berth(d, fd):
    t0 = time.perf_counter()
    d.client.control("loggen", "start")
    deadline = time.monotonic() + TIMEOUT
    file_done = api_done = None
    next_api = 0.0
    while file_done is None or api_done is None:
        now = time.perf_counter()
        if file_done is None and _tail_has_final(fd):
            file_done = now
            next_api = 0.0  # confirm through the API right away
        if api_done is None and now >= next_api:
            if _api_has_final(d.client):
                api_done = time.perf_counter()
            next_api = time.perf_counter() + 0.02
        if time.monotonic() > deadline:
            d.daemon.check_alive()
            if api_done is not None:
                # The ring has every line but stderr never showed the last one.
                return _result(api_done - t0, note="last line never forwarded to stderr")
            raise common.BenchError(f"berthd did not take in {LINES} lines within {TIMEOUT}s "
                                    f"(stderr has final line: {file_done is not None})")
        time.sleep(0.001)
    return _result(max(file_done, api_done) - t0, ring_seconds=api_done - t0,
                   stderr_seconds=file_done - t0)


def supervisord(workdir):
    gen = build_generator(workdir)
    log = os.path.join(workdir, "loggen.log")
    conf = common.supervisord_program("loggen", command=f"{gen} {LINES}", autostart="false",
                                      autorestart="false", startsecs=0, stdout_logfile=log,
                                      stdout_logfile_maxbytes=0, stdout_logfile_backups=0)
    s = common.Supervisord(workdir, conf)
    try:
        t0 = time.perf_counter()
        s.rpc.supervisor.startProcess("loggen")
        return wait_for_file(s.daemon, log, t0)
    finally:
        s.stop()


def wait_for_file(daemon, log, t0):
    """Polls `log` until it holds all LINES bytes ending with the final line; returns the result
    timed from t0. `daemon.check_alive()` explains a writer that died."""
    expected = LINES * LINE_BYTES
    deadline = time.monotonic() + TIMEOUT
    fd = common.wait_until(lambda: _open_or_none(log), 10, f"{os.path.basename(log)} to appear")
    try:
        while True:
            if os.fstat(fd).st_size >= expected and _tail_has_final(fd):
                return _result(time.perf_counter() - t0)
            if time.monotonic() > deadline:
                daemon.check_alive()
                raise common.BenchError(f"{os.path.basename(log)} got {os.fstat(fd).st_size} "
                                        f"of {expected} bytes within {TIMEOUT}s")
            time.sleep(0.001)
    finally:
        os.close(fd)


def _open_or_none(path):
    try:
        return os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
