# RSS: a daemon's resident memory (VmRSS in /proc/PID/status), read while it supervises the 200
# programs of start-200, right after berth/supervisord reported all of them running.
import common


def daemon_rss_kb(pid):
    return common.vm_rss_kb(pid)
