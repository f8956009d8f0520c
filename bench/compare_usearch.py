"""Radio's flat scan beside an approximate nearest-neighbour index (usearch HNSW) on the same
vectors: build time, memory and a k=2000 query. Not a dependency: install it to run this.

    .venv/bin/python -m pip install usearch
    .venv/bin/python bench/compare_usearch.py      # after bench_radio.py built the sidecar
"""

import resource
import time

import numpy as np
from usearch.index import Index

v = np.load("bench/data/state-10m/radio/vectors.npy").astype(np.float32)
v[:, 0] *= 3 / 0.5  # the same weights as radio's distance: a tempo octave counts 2 units
v /= 255.0
n = len(v)
t = time.perf_counter()
index = Index(ndim=6, metric="l2sq", dtype="f32")
index.add(np.arange(n), v, threads=2)
build = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
rng = np.random.default_rng(1)
qs = v[rng.integers(0, n, 40)]
lat = []
for q in qs:
    t = time.perf_counter()
    index.search(q, 2000)
    lat.append(time.perf_counter() - t)
lat.sort()
print(f"usearch HNSW f32, {n:,} vectors: build {build:.0f} s on 2 threads ({n/build:,.0f}/s), peak RSS {rss:.0f} MB, "
      f"k=2000 query p50 {lat[20]*1000:.1f} ms p95 {lat[38]*1000:.1f} ms, index {index.memory_usage/1e6:.0f} MB")
