"""End-to-end tests of python/gridless against a real coordinator and workers
(started by tests/python_client_test.sh, which sets GRIDLESS_TEST_COORDINATOR,
GRIDLESS_TEST_TOKEN, GRIDLESS_TEST_BIN and GRIDLESS_TEST_WORK)."""

import json
import math
import os
import subprocess
import unittest

import grpc

import gridless

ADDRESS = os.environ["GRIDLESS_TEST_COORDINATOR"]
TOKEN = os.environ["GRIDLESS_TEST_TOKEN"]
BIN = os.environ["GRIDLESS_TEST_BIN"]
WORK = os.environ["GRIDLESS_TEST_WORK"]


def cli(*args, check=True):
    """`gridless ARGS --coordinator ADDRESS` with the token; its stdout."""
    env = dict(os.environ, GRIDLESS_TOKEN=TOKEN)
    out = subprocess.run([os.path.join(BIN, "gridless"), *args,
                          "--coordinator", ADDRESS], env=env,
                         capture_output=True, text=True, check=False)
    if check and out.returncode != 0:
        raise AssertionError(f"gridless {' '.join(args)}: exit "
                             f"{out.returncode}: {out.stderr}")
    return out.stdout


def same_bits(a, b, path="$"):
    """Asserts a == b with every number compared as the same double (an
    integral JSON number such as 2 equals the double 2.0)."""
    if isinstance(a, bool) or isinstance(b, bool):
        assert a is b, f"{path}: {a!r} != {b!r}"
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)):
        fa, fb = float(a), float(b)
        assert fa.hex() == fb.hex() or (math.isnan(fa) and math.isnan(fb)), \
            f"{path}: {a!r} != {b!r}"
    elif isinstance(a, dict) and isinstance(b, dict):
        assert sorted(a) == sorted(b), f"{path}: keys {sorted(a)} != {sorted(b)}"
        for k in a:
            same_bits(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), f"{path}: {len(a)} != {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b)):
            same_bits(x, y, f"{path}[{i}]")
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


class ClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.client = gridless.Client(ADDRESS, token=TOKEN)

    def run_and_compare(self, spec):
        job = self.client.submit(spec)
        states = [p["state"] for p in self.client.watch(job)]
        self.assertEqual(states[-1], "succeeded")
        self.assertTrue(all(s == "running" for s in states[:-1]), states)
        got = self.client.result(job)
        want = json.loads(cli("result", job, "--json"))
        same_bits(got, want)
        return job, got

    def test_loan_mc_equals_cli_json_bit_for_bit(self):
        tape = os.path.join(WORK, "tape.txt")
        out = os.path.join(WORK, "loan-out")
        spec = {"kind": "loan-mc", "seed": 5,
                "params": {"tape": tape, "paths": 24, "loan_block": 256,
                           "path_block": 8, "per_loan": True, "out": out}}
        job, got = self.run_and_compare(json.dumps(spec))  # a JSON string
        self.assertEqual(got["result"]["loans"], 1000)
        self.assertIsInstance(got["result"]["pv_mean"], float)
        frame = self.client.result_frame(job)
        self.assertEqual(len(frame), 24)
        loans = self.client.result_frame(job, table="loans")
        self.assertEqual(len(loans), 1000)

    def test_wordcount_equals_cli_json_bit_for_bit(self):
        spec = {"kind": "wordcount",
                "params": {"input": os.path.join(WORK, "text.txt"),
                           "output": os.path.join(WORK, "wc"),
                           "reducers": 3, "split_bytes": 100000}}
        self.run_and_compare(spec)

    def test_failures_and_retry_equal_cli(self):
        job = self.client.submit({"kind": "noop", "max_attempts": 1,
                                  "max_failed_tasks": 1,
                                  "params": {"tasks": 4, "fail": [2]}})
        self.assertEqual(self.client.wait(job)["state"], "partial")
        got = self.client.failures(job)
        self.assertEqual(len(got["dead_letters"]), 1)
        same_bits(got, json.loads(cli("failures", job, "--json")))
        retried = self.client.retry(job)
        self.assertEqual(retried["tasks"], 1)

    def test_cancel_and_list(self):
        job = self.client.submit({"kind": "noop",
                                  "params": {"tasks": 2, "hang": [0, 1]}})
        self.assertEqual(self.client.cancel(job), "cancelled")
        jobs = {j["job_id"]: j for j in self.client.list()}
        self.assertEqual(jobs[job]["state"], "cancelled")
        same_bits(jobs[job], next(j for j in json.loads(cli("list", "--json"))
                                  if j["job_id"] == job))

    def test_kinds(self):
        names = [k["name"] for k in self.client.kinds(
            os.path.join(BIN, "gridless"))]
        self.assertIn("loan-mc", names)

    def test_unknown_job_raises_not_found(self):
        with self.assertRaises(gridless.GridlessError) as e:
            self.client.result("no-such-job")
        self.assertEqual(e.exception.code, grpc.StatusCode.NOT_FOUND)
        self.assertIn("no-such-job", e.exception.message)
        self.assertNotIn("\n", e.exception.message)

    def test_bad_token_raises_unauthenticated(self):
        with gridless.Client(ADDRESS, token="wrong-token") as bad:
            with self.assertRaises(gridless.GridlessError) as e:
                bad.list()
        self.assertEqual(e.exception.code, grpc.StatusCode.UNAUTHENTICATED)

    def test_bad_spec_raises_invalid_argument(self):
        with self.assertRaises(gridless.GridlessError) as e:
            self.client.submit({"kind": "pi", "params": {"samples": -1}})
        self.assertEqual(e.exception.code, grpc.StatusCode.INVALID_ARGUMENT)
        with self.assertRaises(gridless.GridlessError) as e:
            self.client.submit('{"kind": "pi", "no_such_field": 1}')
        self.assertEqual(e.exception.code, grpc.StatusCode.INVALID_ARGUMENT)


if __name__ == "__main__":
    unittest.main(verbosity=2)
