"""A coordinator (--http on loopback) and workers in a temporary directory,
for the dashboard tests (dashboard_api_test.py, dashboard_browser_test.py).
Standard library only."""

import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HANG_GUARD_S = 120  # every wait gives up after this long


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def wait_for(what, fn, timeout=HANG_GUARD_S, interval=0.05):
    """Polls fn() until it returns a truthy value (returned); fails after
    `timeout` (a hang guard, not a speed assertion)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = fn()
        except Exception as e:  # noqa: BLE001 - keep polling, report last
            last = e
        if last and not isinstance(last, Exception):
            return last
        time.sleep(interval)
    fail("timed out waiting for %s (last: %r)" % (what, last))


class Cluster:
    def __init__(self, bindir, token=None, workers=2, slots=2, journal=True,
                 work=None):
        self.bindir = bindir
        self.work = work or tempfile.mkdtemp(prefix="gridless-dash-")
        self.token = token
        self.procs = []
        self.workers = []
        self.token_file = None
        if token:
            self.token_file = os.path.join(self.work, "token")
            with open(self.token_file, "w") as f:
                f.write(token + "\n")
        self.journal = os.path.join(self.work, "journal.db") if journal else ""
        self.start_coordinator()
        for i in range(workers):
            self.start_worker(slots, i)

    def start_coordinator(self):
        args = [os.path.join(self.bindir, "gridless-coordinator"),
                "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0"]
        if self.journal:
            args += ["--journal", self.journal]
        if self.token_file:
            args += ["--token-file", self.token_file]
        n = len(self.procs)
        self.coord_out = os.path.join(self.work, "coord%d.out" % n)
        self.coord_err = os.path.join(self.work, "coord%d.err" % n)
        self.coordinator = subprocess.Popen(
            args, stdout=open(self.coord_out, "w"),
            stderr=open(self.coord_err, "w"))
        self.procs.append(self.coordinator)

        def addresses():
            if self.coordinator.poll() is not None:
                fail("coordinator exited: " + open(self.coord_err).read())
            out = open(self.coord_out).read()
            err = open(self.coord_err).read()
            g = re.search(r"listening on (\S+)", out)
            h = re.search(r"HTTP \(.*\) on (\S+)", err)
            return (g.group(1), h.group(1)) if g and h else None
        self.grpc, self.http = wait_for("the coordinator's addresses",
                                        addresses)
        self.base = "http://" + self.http

    def start_worker(self, slots, i):
        args = [os.path.join(self.bindir, "gridless-worker"),
                "--coordinator", self.grpc, "--slots", str(slots)]
        if self.token_file:
            args += ["--token-file", self.token_file]
        log = open(os.path.join(self.work, "worker%d.log" % i), "w")
        p = subprocess.Popen(args, stdout=log, stderr=log)
        self.procs.append(p)
        self.workers.append(p)

    def stop_coordinator(self):
        self.coordinator.terminate()
        try:
            self.coordinator.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.coordinator.kill()
            self.coordinator.wait()

    def restart_coordinator(self):
        for w in self.workers:
            w.terminate()
        for w in self.workers:
            try:
                w.wait(timeout=30)
            except subprocess.TimeoutExpired:
                w.kill()
        self.workers = []
        self.stop_coordinator()
        self.start_coordinator()

    def cli(self, *args, check=True):
        cmd = [os.path.join(self.bindir, "gridless")] + list(args)
        env = dict(os.environ)
        env["GRIDLESS_COORDINATOR"] = self.grpc
        if self.token:
            env["GRIDLESS_TOKEN"] = self.token
        r = subprocess.run(cmd, capture_output=True, text=True, env=env,
                           timeout=HANG_GUARD_S)
        if check and r.returncode != 0:
            fail("%s exited %d: %s" % (" ".join(args), r.returncode, r.stderr))
        return r

    def submit(self, spec):
        path = os.path.join(self.work, "job%d.json" % time.monotonic_ns())
        with open(path, "w") as f:
            json.dump(spec, f)
        return self.cli("submit", path).stdout.strip()

    def request(self, path, method="GET", body=None, headers=None):
        """(status, headers, body bytes) of one HTTP request."""
        req = urllib.request.Request(self.base + path, method=method,
                                     data=body, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def get_json(self, path):
        status, _, body = self.request(path)
        if status != 200:
            fail("GET %s: %d %s" % (path, status, body[:300]))
        return json.loads(body)

    def state(self, job_id):
        return self.get_json("/api/job/" + job_id)["state"]

    def close(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
