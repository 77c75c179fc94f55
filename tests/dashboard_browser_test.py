#!/usr/bin/python3
"""The dashboard in a real browser (issue 12): headless Chromium, driven over
the DevTools protocol on --remote-debugging-pipe (standard library only),
against a real coordinator and two workers on loopback.

  1. Submits a job, opens its page and waits until the page shows it
     succeeded with every task counted; the jobs list shows it too.
  2. Makes a job PARTIAL (noop tasks that fail while a file exists, one
     attempt, a failure budget), opens its page, sees the dead letters,
     clicks Retry without the client token (the page shows the refusal),
     removes the file, enters the token, clicks Retry again and waits until
     the page shows the job succeeded.
  3. Cancels a running job from its page.
  4. Opens `gridless report`'s file from disk and sees the job drawn.
  5. Saves screenshots of job pages (SCREENSHOT_DIR, default the temp dir).

Skipped (exit 77, a loud SKIP line) only when no Chromium is found.
Every wait has a hang guard; nothing asserts on speed.

Usage: dashboard_browser_test.py BINDIR [SCREENSHOT_DIR]"""

import base64
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dashboard_cluster import HANG_GUARD_S, Cluster, fail, wait_for  # noqa: E402

TOKEN = "browser-test-token-42"
SKIP = 77


def find_chromium():
    # GRIDLESS_CHROMIUM overrides the search ("" or a missing file: none).
    if "GRIDLESS_CHROMIUM" in os.environ:
        path = os.environ["GRIDLESS_CHROMIUM"]
        return path if path and os.access(path, os.X_OK) else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


class Browser:
    """Chromium with the DevTools protocol on a pipe (fd 3 in, fd 4 out):
    messages are JSON, each ended by a NUL byte."""

    def __init__(self, chromium, profile):
        to_r, self.to_w = os.pipe()
        self.from_r, from_w = os.pipe()
        args = [chromium, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-sync",
                "--user-data-dir=" + profile, "--remote-debugging-pipe",
                "--window-size=1280,1600", "about:blank"]
        self.log = open(os.path.join(profile, "chromium.log"), "w")
        self.proc = subprocess.Popen(
            ["/bin/sh", "-c", 'exec "$0" "$@" 3<&%d 4>&%d' % (to_r, from_w)]
            + args, pass_fds=(to_r, from_w), stdout=self.log,
            stderr=self.log)
        os.close(to_r)
        os.close(from_w)
        self.buf = b""
        self.next_id = 0
        self.session = None

    def _read(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                fail("Chromium did not answer in time")
            r, _, _ = select.select([self.from_r], [], [], left)
            if r:
                chunk = os.read(self.from_r, 1 << 20)
                if not chunk:
                    fail("Chromium closed the DevTools pipe (crashed?)")
                self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=True, timeout=60):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.to_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            m = self._read(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    fail("%s: %s" % (method, m["error"]))
                return m.get("result", {})

    def open(self):
        target = self.call("Target.createTarget", {"url": "about:blank"},
                           session=False)["targetId"]
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": target, "flatten": True},
                                 session=False)["sessionId"]
        self.call("Page.enable")
        self.call("Runtime.enable")
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": 1280, "height": 1500, "deviceScaleFactor": 1,
                   "mobile": False})

    def goto(self, url):
        self.call("Page.navigate", {"url": url})

    def eval(self, expression):
        r = self.call("Runtime.evaluate", {"expression": expression,
                                           "returnByValue": True,
                                           "awaitPromise": True})
        if "exceptionDetails" in r:
            return None
        return r.get("result", {}).get("value")

    def wait(self, what, expression):
        return wait_for(what, lambda: self.eval(expression), interval=0.1)

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot",
                         {"format": "png", "captureBeyondViewport": True})
        with open(path, "wb") as f:
            f.write(base64.b64decode(data["data"]))

    def close(self):
        try:
            self.call("Browser.close", session=False, timeout=10)
        except SystemExit:
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def state_is(state):
    return ("(() => { const e = document.getElementById('job-state');"
            " return e && e.dataset.state === %s; })()" % json.dumps(state))


def text_of(element_id):
    return ("(() => { const e = document.getElementById(%s);"
            " return e ? e.textContent : null; })()" % json.dumps(element_id))


def main():
    bindir = sys.argv[1]
    chromium = find_chromium()
    if chromium is None:
        print("*" * 72)
        print("SKIP: dashboard_browser_test: no Chromium found (install the "
              "Debian package `chromium`, see scripts/install-deps.sh)")
        print("*" * 72)
        sys.exit(SKIP)
    work = tempfile.mkdtemp(prefix="gridless-browser-")
    shots = sys.argv[2] if len(sys.argv) > 2 else work
    os.makedirs(shots, exist_ok=True)
    c = Cluster(bindir, token=TOKEN, work=work)
    profile = os.path.join(work, "profile")
    os.makedirs(profile)
    b = Browser(chromium, profile)
    try:
        run(c, b, shots)
    finally:
        b.close()
        c.close()
    print("PASS (screenshots in %s)" % shots)


def run(c, b, shots):
    b.open()
    # 1. A job to its end, watched on its page.
    job = c.submit({"kind": "noop", "name": "browser demo",
                    "params": {"tasks": 20000, "sleep_ms": 0}})
    b.goto(c.base + "/job/" + job)
    b.wait("the job page to show succeeded", state_is("succeeded"))
    if b.eval(text_of("n-succeeded")) != "20,000":
        fail("the page counts %r tasks succeeded" % b.eval(text_of("n-succeeded")))
    if not b.eval("document.querySelector('svg.durations rect') !== null"):
        fail("no task-duration histogram drawn")
    b.goto(c.base + "/jobs")
    b.wait("the jobs list to show the job",
           "document.querySelector('#jobs a[href=\"/job/%s\"]') !== null" % job)

    # 2. A partial job, retried from its page.
    fail_file = os.path.join(c.work, "fail-while-here")
    open(fail_file, "w").close()
    partial = c.submit({"kind": "noop", "name": "flaky batch",
                        "max_attempts": 1, "max_failed_tasks": 3,
                        "params": {"tasks": 300, "sleep_ms": 2,
                                   "fail": [7, 150, 299],
                                   "fail_file": fail_file}})
    b.goto(c.base + "/job/" + partial)
    b.wait("the page to show partial with a Retry button",
           state_is("partial") + " && document.getElementById('retry-btn') !== null")
    if "injected failure" not in (b.eval(text_of("dead-letters")) or ""):
        fail("the dead letters do not show the attempts' errors")
    b.screenshot(os.path.join(shots, "dashboard-partial.png"))
    # Without the token the coordinator refuses, and the page says so.
    b.eval("window.gridlessNoConfirm = true; document.getElementById('retry-btn').click()")
    b.wait("the page to show the refusal",
           "/token/i.test(document.getElementById('action-msg').textContent)")
    if c.state(partial) != "partial":
        fail("a retry without the token changed the job")
    os.remove(fail_file)
    b.eval("const t = document.getElementById('token'); t.value = %s;"
           " t.dispatchEvent(new Event('change'));"
           " document.getElementById('retry-btn').click()" % json.dumps(TOKEN))
    b.wait("the page to show the retried job succeeded", state_is("succeeded"))
    if b.eval(text_of("n-succeeded")) != "300":
        fail("after the retry the page counts %r" % b.eval(text_of("n-succeeded")))
    b.screenshot(os.path.join(shots, "dashboard-job.png"))

    # 3. Cancel from the page (the token is kept for the tab's session).
    hang = c.submit({"kind": "noop", "name": "stuck",
                     "params": {"tasks": 8, "hang": list(range(8))}})
    b.goto(c.base + "/job/" + hang)
    b.wait("the Cancel button", "document.getElementById('cancel-btn') !== null")
    b.eval("window.gridlessNoConfirm = true; document.getElementById('cancel-btn').click()")
    b.wait("the page to show the job cancelled", state_is("cancelled"))

    # 4. The report opens from a file with nothing to load.
    report = os.path.join(shots, "report-%s.html" % partial)
    c.cli("report", partial, "--out", report, "--http", c.http)
    b.goto("file://" + report)
    b.wait("the report to draw the job", state_is("succeeded") +
           " && document.querySelector('svg.durations rect') !== null")
    b.goto(c.base + "/workers")
    b.wait("the workers page to list both workers",
           "document.querySelectorAll('#workers tbody tr').length === 2")


if __name__ == "__main__":
    main()
