#!/usr/bin/python3
"""Dashboard responsiveness with a 1,000,000-task job (issue 12; results in
docs/PERFORMANCE.md).  Starts a coordinator and workers on loopback, submits
a noop job of TASKS tasks (sleep_ms SLEEP so that it is still running while
we measure), and measures, while it runs and after it ended:

  - API time: wall time of GET /api/job/ID, /api/job/ID/failures and
    /api/jobs (median and max of N requests, sequential);
  - page load: headless Chromium, from Page.navigate to the job page showing
    the job's state (DevTools pipe, polled every 10 ms);
  - page refresh: the page's own fetch + render time of one poll
    (body[data-refresh-ms]), median of the refreshes observed.

Usage: dashboard_bench.py BINDIR [TASKS] [SLEEP_MS] [WORKERS] [SLOTS]"""

import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests"))
import dashboard_browser_test as bt  # noqa: E402
from dashboard_cluster import Cluster, wait_for  # noqa: E402


def api_times(c, path, n=30):
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        status, _, body = c.request(path)
        ts.append((time.perf_counter() - t0) * 1000)
        assert status == 200, (path, status, body[:200])
    return statistics.median(ts), max(ts), len(body)


def page(b, c, job):
    t0 = time.perf_counter()
    b.goto(c.base + "/job/" + job)
    wait_for("the page", lambda: b.eval(
        "document.getElementById('job-state') !== null"), interval=0.01)
    load = (time.perf_counter() - t0) * 1000
    refresh = []
    for _ in range(8):
        time.sleep(1.1)
        v = b.eval("document.body.getAttribute('data-refresh-ms')")
        if v:
            refresh.append(float(v))
    return load, statistics.median(refresh) if refresh else float("nan")


def report(label, c, b, job):
    print("## " + label)
    for path in ["/api/job/" + job, "/api/job/%s/failures" % job, "/api/jobs"]:
        med, mx, size = api_times(c, path)
        print("  GET %-32s median %7.2f ms  max %7.2f ms  (%d bytes)"
              % (path, med, mx, size))
    load, refresh = page(b, c, job)
    print("  job page load (navigate -> state shown): %.0f ms" % load)
    print("  job page refresh (fetch + render, median): %.1f ms" % refresh)
    print("  progress: %r" % c.get_json("/api/job/" + job)["tasks"])
    sys.stdout.flush()


def main():
    bindir = sys.argv[1]
    tasks = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    sleep_ms = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    workers = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    slots = int(sys.argv[5]) if len(sys.argv) > 5 else 4
    c = Cluster(bindir, workers=workers, slots=slots, journal=False)
    prof = os.path.join(c.work, "profile")
    os.makedirs(prof)
    b = bt.Browser(bt.find_chromium(), prof)
    try:
        b.open()
        t0 = time.perf_counter()
        job = c.submit({"kind": "noop", "name": "one million",
                        "params": {"tasks": tasks, "sleep_ms": sleep_ms}})
        print("submit of %d tasks: %.0f ms" % (tasks, (time.perf_counter() - t0) * 1000))
        wait_for("a few results", lambda: c.get_json("/api/job/" + job)["tasks"]["succeeded"] > 10000,
                 timeout=600, interval=0.2)
        report("while running", c, b, job)
        wait_for("the end", lambda: c.state(job) == "succeeded", timeout=3600, interval=1)
        report("after it ended", c, b, job)
    finally:
        b.close()
        c.close()


if __name__ == "__main__":
    main()
