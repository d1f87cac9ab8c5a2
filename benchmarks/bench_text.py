"""Text embeddings (issue 15): embed the 1,682 MovieLens 100K item texts (title + genres) with
all-MiniLM-L6-v2 on the CPU, then fetch them again from the embedding cache.

Prints the seconds to check and load the model, to encode (target: load + encode <= 60 s), and
the cache hit (a fresh encoder that is never loaded). The cache is a new temporary folder (or
``--cache DIR``), so the first call always encodes.

Run: .venv/bin/python benchmarks/bench_text.py [--threads 2] [--data PATH] [--cache DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from fairrec_core.data import load_movielens  # noqa: E402
from fairrec_core.models import limit_threads  # noqa: E402
from fairrec_core.text import TextEncoder, item_embeddings, item_texts  # noqa: E402

ML100K = Path(os.environ.get("FAIRREC_ML100K")
              or Path(__file__).resolve().parents[2] / "shared" / "data" / "ml-100k")
TARGET_SECONDS = 60.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--data", default=str(ML100K))
    parser.add_argument("--cache", default=None, help="cache folder (default: a new temporary one)")
    args = parser.parse_args()
    if not (Path(args.data) / "u.data").is_file():
        print(f"MovieLens 100K not found at {args.data}: set FAIRREC_ML100K or --data")
        return 2
    data = load_movielens(args.data)
    texts = item_texts(data)
    print(f"{len(texts)} item texts, e.g. {texts[0]!r}; mean {np.mean([len(t) for t in texts]):.0f} "
          "characters")
    with tempfile.TemporaryDirectory() as tmp, limit_threads(args.threads) as threads:
        cache = Path(args.cache or tmp)
        t0 = time.perf_counter()
        encoder = TextEncoder().load()
        load = time.perf_counter() - t0
        t0 = time.perf_counter()
        first = item_embeddings(data, encoder=encoder, cache_dir=cache)
        encode = time.perf_counter() - t0
        fresh = TextEncoder()
        t0 = time.perf_counter()
        again = item_embeddings(data, encoder=fresh, cache_dir=cache)
        hit = time.perf_counter() - t0
    total = load + encode
    print(f"threads              {threads}")
    print(f"check + load model   {load:6.2f} s")
    print(f"encode {len(texts)} texts  {encode:6.2f} s  ({len(texts) / encode:.0f} texts/s)")
    print(f"load + encode        {total:6.2f} s  (target <= {TARGET_SECONDS:.0f} s: "
          f"{'met' if total <= TARGET_SECONDS else 'NOT met'})")
    print(f"cache hit            {hit:6.3f} s  (identical: {np.array_equal(first, again)}, "
          f"model loaded: {fresh._model is not None})")
    print(f"embeddings           {first.shape} {first.dtype}, norms "
          f"{np.linalg.norm(first, axis=1).min():.4f}..{np.linalg.norm(first, axis=1).max():.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
