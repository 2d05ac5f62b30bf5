# Slow clients: wrk against GET /v1/apps on berthd (20 stopped apps), alone and then while
# 1,000 idle connections and 200 slowloris clients (a header byte every 5 s) are held open to
# the same berthd. Both kinds reconnect as soon as berthd drops them, so the counts hold for the
# whole loaded run. Everything stays on 127.0.0.1.
import errno
import resource
import selectors
import socket
import threading
import time

import api
import common

# Long enough for berthd to drop (at its 10 s header timeout) and the crowd to replace them all.
WRK_ARGS = ["-t1", "-c10", "-d15s"]
IDLE = 1000
SLOWLORIS = 200
TRICKLE_SECONDS = 5.0
HEAD_START = b"GET /v1/apps HTTP/1.1\r\nHost: 127.0.0.1\r\n"


class Crowd:
    """Holds `idle` silent and `slow` trickling connections to 127.0.0.1:port from one thread,
    reconnecting whatever berthd drops; counts the drops and the fewest open at any check."""

    def __init__(self, port, idle, slow):
        self.port, self.wanted = port, {"idle": idle, "slow": slow}
        self.open = {"idle": 0, "slow": 0}
        self.fewest = None
        self.drops = 0
        self.selector = selectors.DefaultSelector()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self, timeout=30):
        self.thread.start()
        common.wait_until(lambda: self.open == self.wanted, timeout,
                          f"{self.wanted} connections to be open")
        self.fewest = dict(self.open)

    def stop(self):
        self.stopping.set()
        self.thread.join(10)
        for key in list(self.selector.get_map().values()):
            key.fileobj.close()
        self.selector.close()

    def _connect(self, kind):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        err = s.connect_ex(("127.0.0.1", self.port))
        if err not in (0, errno.EINPROGRESS):
            s.close()
            return
        # Slowloris clients start a request at once; the next byte is due in TRICKLE_SECONDS.
        state = {"kind": kind, "sent": False, "due": time.monotonic() + TRICKLE_SECONDS}
        self.selector.register(s, selectors.EVENT_READ, state)
        self.open[kind] += 1

    def _drop(self, sock, state):
        self.selector.unregister(sock)
        sock.close()
        self.open[state["kind"]] -= 1
        self.drops += 1

    def _trickle(self, now):
        for key in list(self.selector.get_map().values()):
            state = key.data
            if state["kind"] != "slow" or now < state["due"]:
                continue
            try:
                key.fileobj.send(b"X" if state["sent"] else HEAD_START)
                state["sent"], state["due"] = True, now + TRICKLE_SECONDS
            except OSError:
                self._drop(key.fileobj, state)

    def _run(self):
        next_trickle = 0.0
        while not self.stopping.is_set():
            for kind, wanted in self.wanted.items():
                for _ in range(wanted - self.open[kind]):
                    self._connect(kind)
            if self.fewest is not None:
                self.fewest = {k: min(self.fewest[k], self.open[k]) for k in self.open}
            for key, _ in self.selector.select(timeout=0.05):
                try:
                    data = key.fileobj.recv(4096)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if not data:
                    self._drop(key.fileobj, key.data)
            now = time.monotonic()
            if now >= next_trickle:
                self._trickle(now)
                next_trickle = now + 0.25


def raise_open_files():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = IDLE + SLOWLORIS + 256
    if soft < need <= hard or (soft < need and hard == resource.RLIM_INFINITY):
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))
    elif soft < need:
        raise common.BenchError(f"the open-files limit {hard} is below the {need} needed")


def berth(binary, workdir):
    """wrk alone, then wrk beside the crowd, on one berthd."""
    raise_open_files()
    d = common.Berthd(binary, workdir)
    crowd = None
    try:
        for i in range(api.APPS):
            d.client.put_app(f"a{i}", {"kind": "process", "command": ["/bin/sleep", "1000"],
                                       "autostart": False, "user": "root"})
        d.client.close()
        url, auth = f"http://127.0.0.1:{d.port}/v1/apps", [f"Authorization: Bearer {d.token}"]
        alone = api.run_wrk(url, auth, WRK_ARGS)
        crowd = Crowd(d.port, IDLE, SLOWLORIS)
        crowd.start()
        drops_before = crowd.drops
        crowded = api.run_wrk(url, auth, WRK_ARGS)
        d.daemon.check_alive()
        return {"alone_req_per_s": alone["req_per_s"], "req_per_s": crowded["req_per_s"],
                "socket_errors": crowded["socket_errors"], "fewest_open": crowd.fewest,
                "drops_during_run": crowd.drops - drops_before}
    finally:
        if crowd:
            crowd.stop()
        d.stop()
