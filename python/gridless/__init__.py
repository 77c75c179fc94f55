"""Gridless from Python: submit jobs to a coordinator, watch them, read results.

    import gridless
    c = gridless.Client("127.0.0.1:7070")
    job = c.submit({"kind": "pi", "seed": 1, "params": {"samples": 10**8}})
    for p in c.watch(job): print(p["state"], p["tasks"]["succeeded"])
    print(c.result(job)["result"])

The gRPC stubs (gridless.v1.job_pb2, job_pb2_grpc) are generated at build
time into the build tree (build/python/gridless/v1); put both this directory's
parent and build/python on PYTHONPATH.  See docs/PYTHON.md.
"""

import pkgutil

# The generated gridless.v1 lives in another directory (the build tree).
__path__ = pkgutil.extend_path(__path__, __name__)

from gridless.client import Client, GridlessError  # noqa: E402

__all__ = ["Client", "GridlessError"]
