#!/usr/bin/python3
"""The dashboard's JSON API, pages and `gridless report` against a real
coordinator and workers (issue 12; docs/API.md):

  - /api/jobs lists live and ended jobs and filters by state, kind and name,
    and still lists them after a restart on the same journal;
  - /api/job/ID has the spec, counts, per-stage progress, duration
    histogram, throughput and the result; /failures the dead letters with
    each attempt's error; /api/workers the connected workers;
  - POST retry/cancel need the client token (401 without, with the
    coordinator's token it works) and Content-Type: application/json;
  - hostile input (bad ids, huge body, bad JSON, wrong method, bad limit,
    unknown route) gets a 4xx with a one-line JSON error, and the
    coordinator keeps serving;
  - pages are served with everything local (no http(s):// loads);
  - `gridless report ID --out FILE` writes one self-contained file holding
    the job's figures and no remote load.

Usage: dashboard_api_test.py BINDIR"""

import json
import os
import re
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dashboard_cluster import Cluster, fail, wait_for  # noqa: E402

TOKEN = "dash-test-token-0123456789"
REMOTE = re.compile(r"""(src|href|action)\s*=\s*["']?\s*(https?:)?//""", re.I)


def one_line_error(status, body, want_status, what):
    if status != want_status:
        fail("%s: status %d, want %d (%r)" % (what, status, want_status,
                                              body[:200]))
    text = body.decode()
    if text.count("\n") != 1 or not text.endswith("\n"):
        fail("%s: error is not one line: %r" % (what, text))
    if "error" not in json.loads(text):
        fail("%s: no \"error\" in %r" % (what, text))


def main():
    c = Cluster(sys.argv[1], token=TOKEN)
    try:
        run(c)
    finally:
        c.close()
    print("PASS")


def run(c):
    fail_file = os.path.join(c.work, "fail-while-here")
    open(fail_file, "w").close()
    ok = c.submit({"kind": "noop", "name": "alpha batch",
                   "params": {"tasks": 3000}})
    partial = c.submit({"kind": "noop", "name": "beta flaky",
                        "max_attempts": 1, "max_failed_tasks": 2,
                        "params": {"tasks": 30, "fail": [4, 11],
                                   "fail_file": fail_file}})
    wait_for("the jobs to end", lambda: c.state(ok) == "succeeded" and
             c.state(partial) == "partial")

    # --- jobs list and filters
    jobs = c.get_json("/api/jobs")
    ids = [j["id"] for j in jobs["jobs"]]
    if ids[:2] != [partial, ok]:
        fail("/api/jobs is not newest first with both jobs: %r" % ids)
    if [j["id"] for j in c.get_json("/api/jobs?state=partial")["jobs"]] != [partial]:
        fail("state filter")
    if [j["id"] for j in c.get_json("/api/jobs?name=ALPHA")["jobs"]] != [ok]:
        fail("name filter (case-insensitive substring)")
    if c.get_json("/api/jobs?kind=pi")["jobs"]:
        fail("kind filter")

    # --- one job
    job = c.get_json("/api/job/" + ok)
    if job["spec"]["params"]["tasks"] != 3000 or job["spec"]["name"] != "alpha batch":
        fail("spec: %r" % job["spec"])
    if job["tasks"]["succeeded"] != 3000 or job["stage_progress"] != [
            {"stage": 0, "planned": True, "total": 3000, "done": 3000}]:
        fail("counts/stages: %r %r" % (job["tasks"], job["stage_progress"]))
    if sum(job["durations"]["counts"]) != 3000:
        fail("duration histogram does not hold 3000 tasks: %r" % job["durations"])
    if sum(job["throughput"]["succeeded"]) != 3000:
        fail("throughput does not sum to 3000: %r" % job["throughput"])
    if job["result"] != {"tasks_merged": 3000, "index_sum": 3000 * 3001 // 2}:
        fail("result: %r" % job["result"])
    f = c.get_json("/api/job/%s/failures" % partial)
    if f["count"] != 2 or sorted(d["task_index"] for d in f["dead_letters"]) != [4, 11]:
        fail("failures: %r" % f)
    if "injected failure" not in f["dead_letters"][0]["attempts"][0]["message"]:
        fail("attempt error missing: %r" % f)
    if len(c.get_json("/api/job/%s/failures?limit=1" % partial)["dead_letters"]) != 1:
        fail("failures limit")
    w = c.get_json("/api/workers")
    if w["count"] != 2 or w["slots"] != 4 or sum(x["succeeded"] for x in w["workers"]) < 3028:
        fail("workers: %r" % w)

    # --- hostile input
    cases = [
        ("GET", "/api/job/nope", None, {}, 400),
        ("GET", "/api/job/job-1x", None, {}, 400),
        ("GET", "/api/job/job-99999999999999999999", None, {}, 400),
        ("GET", "/api/job/job-%0a%0d", None, {}, 400),
        ("GET", "/api/job/job-424242", None, {}, 404),
        ("GET", "/api/job/%s/failures?limit=-1" % partial, None, {}, 400),
        ("GET", "/api/job/%s/failures?limit=abc" % partial, None, {}, 400),
        ("GET", "/api/jobs?state=bogus", None, {}, 400),
        ("GET", "/api/nothing", None, {}, 404),
        ("GET", "/api/job/%s/retry" % partial, None, {}, 405),
        ("POST", "/api/jobs", b"{}", {}, 405),
        ("POST", "/api/job/%s/retry" % partial, b"{}",
         {"Content-Type": "application/json"}, 401),
        ("POST", "/api/job/%s/retry" % partial, b"{}",
         {"Content-Type": "application/json",
          "Authorization": "Bearer wrong"}, 401),
        ("POST", "/api/job/%s/retry" % partial, b"{}",
         {"Authorization": "Bearer " + TOKEN}, 415),
        ("POST", "/api/job/%s/retry" % partial, b"{not json",
         {"Content-Type": "application/json",
          "Authorization": "Bearer " + TOKEN}, 400),
        ("POST", "/api/job/%s/retry" % partial, b"x" * 5000,
         {"Content-Type": "application/json",
          "Authorization": "Bearer " + TOKEN}, 413),
        ("POST", "/api/job/%s/retry" % ok, b"",
         {"Content-Type": "application/json",
          "Authorization": "Bearer " + TOKEN}, 409),
    ]
    for method, path, body, headers, want in cases:
        status, _, answer = c.request(path, method, body, headers)
        one_line_error(status, answer, want, "%s %s" % (method, path))
    # A body over the server's own limit is refused before the handler.
    host, port = c.http.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(("POST /api/job/%s/retry HTTP/1.0\r\nContent-Type: "
                   "application/json\r\nContent-Length: %d\r\n\r\n"
                   % (partial, 2 << 20)).encode())
        answer = s.recv(4096).decode(errors="replace")
    if not re.match(r"HTTP/1\.[01] 413 ", answer):
        fail("a 2 MiB body was not refused with 413: %r" % answer[:100])
    if c.state(partial) != "partial":
        fail("a refused retry changed the job")

    # --- retry and cancel with the token
    os.remove(fail_file)
    auth = {"Content-Type": "application/json",
            "Authorization": "Bearer " + TOKEN}
    status, _, body = c.request("/api/job/%s/retry" % partial, "POST", b"",
                                auth)
    if status != 200 or json.loads(body)["tasks"] != 2:
        fail("retry: %d %r" % (status, body))
    wait_for("the retried job to succeed", lambda: c.state(partial) == "succeeded")
    hang = c.submit({"kind": "noop", "name": "to cancel",
                     "params": {"tasks": 4, "hang": [0, 1, 2, 3]}})
    status, _, body = c.request("/api/job/%s/cancel" % hang, "POST", b"{}", auth)
    if status != 200 or json.loads(body)["state"] != "cancelled":
        fail("cancel: %d %r" % (status, body))

    # --- pages: local only
    for path in ["/", "/jobs", "/workers", "/job/" + ok, "/static/app.js",
                 "/static/style.css"]:
        status, headers, body = c.request(path)
        if status != 200:
            fail("page %s: %d" % (path, status))
        if REMOTE.search(body.decode()):
            fail("page %s loads something remote" % path)
        if path.startswith("/job") or path in ("/", "/jobs", "/workers"):
            if "default-src 'none'" not in headers.get("Content-Security-Policy", ""):
                fail("page %s has no restrictive CSP" % path)
    status, _, _ = c.request("/job/../etc/passwd")
    if status != 404:
        fail("a path outside the pages: %d" % status)

    # --- report
    out = os.path.join(c.work, "report.html")
    c.cli("report", ok, "--out", out, "--http", c.http)
    html = open(out).read()
    if ok not in html or "alpha batch" not in html or '"tasks_merged":3000' not in html:
        fail("the report lacks the job's figures")
    if REMOTE.search(html):
        fail("the report loads something remote")
    if '<script src=' in html or 'rel="stylesheet"' in html:
        fail("the report is not self-contained")
    r = c.cli("report", "job-424242", "--out", out + ".x", "--http", c.http,
              check=False)
    if r.returncode == 0 or os.path.exists(out + ".x"):
        fail("report of an unknown job succeeded")

    # --- history survives a restart (journal)
    c.restart_coordinator()
    after = [j["id"] for j in c.get_json("/api/jobs")["jobs"]]
    for i in (ok, partial, hang):
        if i not in after:
            fail("%s lost after a restart: %r" % (i, after))
    if c.get_json("/api/job/" + ok)["spec"]["name"] != "alpha batch":
        fail("the spec is lost after a restart")


if __name__ == "__main__":
    main()
