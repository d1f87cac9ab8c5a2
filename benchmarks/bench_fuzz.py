"""Long fuzz run over hostile data inputs (issue 13): the generators of the fuzz test
(``tests/fuzz/_cases.py``) with a much larger budget.

Every case must either load with finite, in-range numbers or stop with a one-line
FairrecError naming the file. Prints cases run, loaded, refused and failures (with the seed to
replay one); exits 1 on any failure.
Run: .venv/bin/python benchmarks/bench_fuzz.py --cases 5000 [--seed 0] [--kind csv]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fuzz._cases import FUZZ_LIMITS, KINDS, check_case, make_case  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kind", choices=KINDS, action="append")
    parser.add_argument("--show", type=int, default=10, help="failures printed in full")
    args = parser.parse_args()
    os.environ.update(FUZZ_LIMITS)
    kinds = args.kind or list(KINDS)
    counts, failures = Counter(), []
    t0 = time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix="fairrec-fuzz-"))
    try:
        for n in range(args.cases):
            kind, seed = kinds[n % len(kinds)], args.seed * 1_000_003 + n
            tmp = root / str(n)
            try:
                outcome = check_case(make_case(kind, random.Random(seed), tmp))
            except Exception as exc:  # noqa: BLE001 - every other outcome is a failure
                outcome = "failure"
                failures.append((kind, seed, exc, traceback.format_exc()))
            counts[(kind, outcome)] += 1
            shutil.rmtree(tmp, ignore_errors=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    elapsed = time.perf_counter() - t0
    print(f"{'kind':<10} {'run':>6} {'loaded':>7} {'refused':>8} {'failures':>9}")
    for kind in kinds:
        run = sum(counts[(kind, o)] for o in ("loaded", "refused", "failure"))
        print(f"{kind:<10} {run:>6} {counts[(kind, 'loaded')]:>7} {counts[(kind, 'refused')]:>8} "
              f"{counts[(kind, 'failure')]:>9}")
    total = sum(counts.values())
    print(f"{'all':<10} {total:>6} {sum(v for (k, o), v in counts.items() if o == 'loaded'):>7} "
          f"{sum(v for (k, o), v in counts.items() if o == 'refused'):>8} {len(failures):>9}")
    print(f"{elapsed:.1f} s, {1000 * elapsed / max(total, 1):.1f} ms per case")
    for kind, seed, exc, tb in failures[: args.show]:
        print(f"\nFAILURE kind={kind} seed={seed}: {type(exc).__name__}: {str(exc)[:300]}")
        print(tb[-1500:])
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
