"""The Gridless client (see docs/PYTHON.md): the JobService over gRPC.

Results are dicts with the schema of the CLI's `--json` output (docs/CLI.md),
built from the server's protobuf messages: every number of a kind's result
is the server's double, unchanged (protobuf carries it as a binary double;
no text round trip), so `result(id)` equals `json.loads` of
`gridless result ID --json` bit for bit.  As in the CLI, NaN and infinities,
which JSON cannot express, become None.

A Client may be used from several threads at once (gRPC channels are
thread-safe).
"""

import json
import math
import os
import shutil
import subprocess

import grpc

from gridless.v1 import job_pb2, job_pb2_grpc

_STATE_NAMES = {
    job_pb2.JOB_STATE_RUNNING: "running",
    job_pb2.JOB_STATE_SUCCEEDED: "succeeded",
    job_pb2.JOB_STATE_FAILED: "failed",
    job_pb2.JOB_STATE_CANCELLED: "cancelled",
    job_pb2.JOB_STATE_PARTIAL: "partial",
}

# absl::StatusCode numbers of a failed attempt, by name (as the CLI prints).
_STATUS_CODE_NAMES = [
    "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
    "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
]


class GridlessError(Exception):
    """A call failed: `code` is the grpc.StatusCode (e.g.
    grpc.StatusCode.NOT_FOUND), `message` the server's one-line message."""

    def __init__(self, code, message):
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message


def _state_name(state):
    return _STATE_NAMES.get(state, "unknown")


def _number(x):
    # As the CLI: a double, or None for what JSON cannot express.  Integral
    # doubles stay floats (json.loads gives int for "2"; they compare equal).
    return x if math.isfinite(x) else None


def _value(v):
    kind = v.WhichOneof("kind")
    if kind == "number_value":
        return _number(v.number_value)
    if kind == "string_value":
        return v.string_value
    if kind == "bool_value":
        return v.bool_value
    if kind == "struct_value":
        return _struct(v.struct_value)
    if kind == "list_value":
        return [_value(x) for x in v.list_value.values]
    return None


def _struct(s):
    return {k: _value(s.fields[k]) for k in sorted(s.fields)}


def _tasks(t, with_running):
    out = {"total": t.total, "succeeded": t.succeeded, "retried": t.retried,
           "failed": t.failed}
    if with_running:
        out["running"] = t.running
    if t.timed_out:
        out["timed_out"] = t.timed_out
    if t.speculative:
        out["speculative"] = t.speculative
    if t.rerun:
        out["rerun"] = t.rerun
    return out


def _progress(p):
    """A Progress as `gridless list --json` prints one job."""
    out = {"job_id": p.job_id, "kind": p.kind, "name": p.name,
           "state": _state_name(p.state)}
    if p.partial:
        out["partial"] = True
    out["tasks"] = _tasks(p.tasks, True)
    out["workers"] = p.workers
    out["worker_seconds"] = _number(p.worker_seconds)
    out["wall_seconds"] = _number(p.wall_seconds)
    if p.error:
        out["error"] = p.error
    return out


def _job_result(r):
    """A JobResult as `gridless result ID --json` prints it."""
    p = r.progress
    out = {"job_id": p.job_id, "kind": p.kind, "state": _state_name(p.state)}
    if p.partial:
        out["partial"] = True
    out["result"] = _struct(r.result)
    out["tasks"] = _tasks(p.tasks, False)
    out["worker_seconds"] = _number(p.worker_seconds)
    out["wall_seconds"] = _number(p.wall_seconds)
    if p.error:
        out["error"] = p.error
    return out


def _spec(spec):
    """A JobSpec from a dict or a JSON string (a job file's text)."""
    if isinstance(spec, str):
        text = spec
    elif isinstance(spec, dict):
        text = json.dumps(spec)
    else:
        raise TypeError("spec must be a dict or a JSON string, not "
                        f"{type(spec).__name__}")
    from google.protobuf import json_format
    message = job_pb2.JobSpec()
    try:
        json_format.Parse(text, message)
    except json_format.ParseError as e:
        raise GridlessError(
            grpc.StatusCode.INVALID_ARGUMENT,
            f"not a valid job spec: {e} (expected JSON like "
            '{"kind": "pi", "seed": 1, "params": {...}})') from None
    return message


class Client:
    """A connection to a coordinator's JobService.

    address: "HOST:PORT" of the coordinator (--listen).
    token:   the client token (the coordinator's --token-file or
             --client-token-file), sent as `authorization: Bearer TOKEN`;
             None reads $GRIDLESS_TOKEN when set.
    tls:     None for plaintext, or a dict of PEM file paths: {"ca": ...}
             to verify the coordinator, plus "cert" and "key" for mutual
             TLS.
    timeout: seconds each unary call may take (None: no limit).
    """

    def __init__(self, address, token=None, tls=None, timeout=60):
        if token is None:
            token = os.environ.get("GRIDLESS_TOKEN") or None
        self.address = address
        self._timeout = timeout
        self._metadata = (("authorization", f"Bearer {token}"),) if token \
            else ()
        if tls is not None:
            def read(key):
                path = tls.get(key)
                if path is None:
                    return None
                with open(path, "rb") as f:
                    return f.read()
            unknown = set(tls) - {"ca", "cert", "key"}
            if unknown:
                raise ValueError(f"tls: unknown keys {sorted(unknown)}; "
                                 "use ca, cert, key")
            credentials = grpc.ssl_channel_credentials(
                root_certificates=read("ca"), private_key=read("key"),
                certificate_chain=read("cert"))
            self._channel = grpc.secure_channel(address, credentials)
        else:
            self._channel = grpc.insecure_channel(address)
        self._stub = job_pb2_grpc.JobServiceStub(self._channel)

    def close(self):
        self._channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _call(self, method, request):
        try:
            return method(request, timeout=self._timeout,
                          metadata=self._metadata)
        except grpc.RpcError as e:
            raise self._error(e) from None

    def _error(self, e):
        code = e.code() if callable(getattr(e, "code", None)) else \
            grpc.StatusCode.UNKNOWN
        message = (e.details() or "").splitlines()
        message = message[0] if message else code.name.lower()
        if code == grpc.StatusCode.UNAVAILABLE:
            message = f"coordinator at {self.address}: {message}"
        return GridlessError(code, message)

    def submit(self, spec):
        """Submits a job (a dict or JSON string, as a job file); returns its
        id."""
        request = job_pb2.SubmitRequest(spec=_spec(spec))
        return self._call(self._stub.Submit, request).job_id

    def watch(self, job_id, interval=0.2):
        """Yields progress dicts (as `gridless list --json` prints a job)
        until the job reaches a final state; the last one is final."""
        request = job_pb2.WatchRequest(job_id=job_id, interval_s=interval)
        try:
            for p in self._stub.Watch(request, metadata=self._metadata):
                yield _progress(p)
        except grpc.RpcError as e:
            raise self._error(e) from None

    def wait(self, job_id):
        """Waits for the job to end; returns its result()."""
        for _ in self.watch(job_id):
            pass
        return self.result(job_id)

    def result(self, job_id):
        """The job's result as `gridless result ID --json` prints it: job_id,
        kind, state, [partial], result, tasks, worker_seconds, wall_seconds,
        [error].  Complete once state is "succeeded"."""
        r = self._call(self._stub.GetResult, job_pb2.JobRef(job_id=job_id))
        return _job_result(r)

    def failures(self, job_id):
        """The dead letters, as `gridless failures ID --json` prints them."""
        f = self._call(self._stub.ListFailures,
                       job_pb2.JobRef(job_id=job_id))
        letters = []
        for d in f.dead_letters:
            attempts = []
            for a in d.attempts:
                code = (_STATUS_CODE_NAMES[a.code]
                        if 0 <= a.code < len(_STATUS_CODE_NAMES)
                        else str(a.code))
                attempts.append({"attempt": a.attempt, "worker": a.worker,
                                 "seconds": _number(a.seconds), "code": code,
                                 "message": a.message,
                                 "retryable": a.retryable})
            letters.append({"stage": d.stage, "task": d.task_index,
                            "attempts": attempts})
        return {"job_id": f.job_id, "state": _state_name(f.state),
                "dead_letters": letters}

    def retry(self, job_id):
        """Requeues the dead letters of a failed or partial job; returns
        {"tasks": requeued, "state": ...}."""
        r = self._call(self._stub.Retry, job_pb2.JobRef(job_id=job_id))
        return {"tasks": r.tasks, "state": _state_name(r.state)}

    def cancel(self, job_id):
        """Cancels the job; returns its state after the call."""
        r = self._call(self._stub.Cancel, job_pb2.JobRef(job_id=job_id))
        return _state_name(r.state)

    def list(self):
        """Every job the coordinator knows, as `gridless list --json`."""
        r = self._call(self._stub.ListJobs, job_pb2.ListJobsRequest())
        return [_progress(p) for p in r.jobs]

    def kinds(self, gridless_cli=None):
        """The job kinds and their parameters, from `gridless kinds --json`
        (the coordinator has no RPC for them; the CLI of the same build knows
        the same kinds).  gridless_cli: its path; default $GRIDLESS_CLI, then
        `gridless` on PATH."""
        cli = gridless_cli or os.environ.get("GRIDLESS_CLI") or \
            shutil.which("gridless")
        if not cli:
            raise GridlessError(
                grpc.StatusCode.FAILED_PRECONDITION,
                "kinds() runs `gridless kinds --json`: set GRIDLESS_CLI or "
                "put gridless on PATH")
        out = subprocess.run([cli, "kinds", "--json"], check=False,
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise GridlessError(grpc.StatusCode.UNKNOWN,
                                (out.stderr.strip().splitlines() or
                                 ["gridless kinds failed"])[0])
        return json.loads(out.stdout)

    def result_frame(self, job_id, table="paths"):
        """A loan-mc job's paths.csv (table="paths") or loans.csv
        (table="loans", written with per_loan) as a pandas DataFrame, read
        from the job's `out` directory (which must be visible here: a shared
        file system).  Needs pandas (python3-pandas)."""
        if table not in ("paths", "loans"):
            raise ValueError('table must be "paths" or "loans"')
        r = self.result(job_id)
        if r["kind"] != "loan-mc":
            raise ValueError(f"job {job_id} is a {r['kind']} job; "
                             "result_frame reads loan-mc's files")
        out = r["result"].get("out")
        if not out:
            raise ValueError(f"job {job_id} wrote no files (its params have "
                             "no \"out\" directory)")
        try:
            import pandas
        except ImportError:
            raise ImportError("result_frame needs pandas (Debian "
                              "python3-pandas)") from None
        # float_precision="round_trip": the CSV's shortest-form doubles read
        # back as the same bits.
        return pandas.read_csv(os.path.join(out, f"{table}.csv"),
                               float_precision="round_trip")
