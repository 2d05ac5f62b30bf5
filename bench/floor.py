# The machine's floor: what a bare C program (floor.c) takes for start-200 and log capture,
# measured exactly like the daemons, so the table shows the best ratio any supervisor could reach.
import os
import signal
import subprocess
import time

import common
import logthroughput
import start200


def _build(workdir):
    return common.compile_c("floor.c", workdir)


class _Floor:
    """floor.c in its own process group, started with `argv` and told to go by one stdin line."""

    def __init__(self, argv):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     start_new_session=True)
        self.pid = self.proc.pid

    def go(self):
        self.proc.stdin.write(b"go\n")
        self.proc.stdin.flush()

    def check_alive(self):
        if self.proc.poll() is not None:
            raise common.BenchError(f"floor exited with status {self.proc.returncode}")

    def stop(self):
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except OSError:
            pass
        self.proc.wait(5)


def spawn(workdir):
    """Seconds for floor.c to posix_spawn 200 sleeps, timed until all 200 are seen in /proc."""
    f = _Floor([_build(workdir), "spawn", str(start200.COUNT)])
    try:
        scanner = common.ProcScanner(f.pid, "sleep")
        t0 = time.perf_counter()
        f.go()
        return {"seconds": start200.wait_for_sleeps(f, scanner) - t0}
    finally:
        f.stop()


def capture(workdir):
    """floor.c copying loggen's 2M lines from a 1 MiB pipe into a file, timed like supervisord."""
    log = os.path.join(workdir, "floor.log")
    f = _Floor([_build(workdir), "capture", log, logthroughput.build_generator(workdir),
                str(logthroughput.LINES)])
    try:
        t0 = time.perf_counter()
        f.go()
        return logthroughput.wait_for_file(f, log, t0)
    finally:
        f.stop()
