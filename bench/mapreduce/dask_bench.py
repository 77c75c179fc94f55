#!/usr/bin/python3
"""Dask baselines for bench/mapreduce/run.sh, on a local cluster of the same
size as Gridless gets (N worker processes, one thread each).

  dask_bench.py wordcount TEXT OUTDIR --workers N
  dask_bench.py groupby UVFILE OUTDIR --prefix X --workers N

Prints one line: "seconds=S records=R" (compute time, excluding cluster
start-up).
"""
import argparse
import re
import sys
import time

import dask.bag as db
from distributed import Client, LocalCluster

WORD = re.compile(r"[A-Za-z]+")  # latin-1 keeps bytes >= 0x80 non-letters
UV_COLUMNS = ["sourceIP", "destURL", "visitDate", "adRevenue", "userAgent",
              "countryCode", "languageCode", "searchWord", "duration"]


def wordcount(path, out, blocksize):
    """Counts once: the frequencies are computed by the one to_textfiles
    graph; the record count is read back from the written files (cheap next
    to the count, and not a second pass over the input)."""
    bag = db.read_text(path, blocksize=blocksize, encoding="latin-1")
    counts = bag.map(WORD.findall).flatten().frequencies()
    lines = counts.map(lambda kv: "%s\t%d" % kv)
    files = lines.to_textfiles(out + "/part-*.txt", last_endline=True)
    records = 0
    for name in files:
        with open(name, "rb") as f:
            records += sum(1 for _ in f)
    return records


def groupby(path, out, prefix, blocksize):
    import dask.dataframe as dd  # needs pandas (Debian python3-pandas)
    df = dd.read_csv(path, header=None, names=UV_COLUMNS,
                     usecols=["sourceIP", "adRevenue"],
                     dtype={"sourceIP": str, "adRevenue": float},
                     blocksize=blocksize)
    df["prefix"] = df.sourceIP.str.slice(0, prefix)
    sums = df.groupby("prefix").adRevenue.sum().compute()
    sums.to_csv(out + "/result.tsv", sep="\t", header=False)
    return len(sums)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("query", choices=["wordcount", "groupby"])
    p.add_argument("input")
    p.add_argument("output")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--prefix", type=int, default=8)
    p.add_argument("--blocksize", default="32MiB")
    a = p.parse_args()
    cluster = LocalCluster(n_workers=a.workers, threads_per_worker=1,
                           processes=True, dashboard_address=None)
    client = Client(cluster)
    start = time.monotonic()
    if a.query == "wordcount":
        n = wordcount(a.input, a.output, a.blocksize)
    else:
        n = groupby(a.input, a.output, a.prefix, a.blocksize)
    print("seconds=%.3f records=%d" % (time.monotonic() - start, n), flush=True)
    # A slow shutdown (seen on a loaded machine) must not fail the timing.
    try:
        client.close(timeout=30)
        cluster.close(timeout=30)
    except Exception as e:  # noqa: BLE001
        print("dask shutdown: %r" % e, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
