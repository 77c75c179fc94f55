#!/usr/bin/python3
"""Runs N no-op tasks through Dask's LocalCluster (2 worker processes, 1 thread
each, like Gridless' 2 worker processes) and prints one JSON line:
{"tasks": N, "wall_seconds": s, "tasks_per_second": r}.
Debian's python3-distributed; run with /usr/bin/python3."""
import json
import sys
import time

from dask.distributed import Client, LocalCluster


def noop(i):
    return i


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        client.submit(noop, -1).result()  # warm up the workers
        start = time.perf_counter()
        futures = client.map(noop, range(n), pure=False)
        total = sum(client.gather(futures))
        wall = time.perf_counter() - start
    assert total == n * (n - 1) // 2, "Dask lost or duplicated a task"
    print(json.dumps({"tasks": n, "wall_seconds": wall,
                      "tasks_per_second": n / wall}))


if __name__ == "__main__":
    main()
