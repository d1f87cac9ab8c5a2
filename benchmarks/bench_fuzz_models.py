"""Long fuzz run over tampered saved models (issue 13): the generators of the fuzz test
(``tests/fuzz/_model_cases.py``) with a much larger budget.

Every case must either load a model that recommends exactly as the original or stop with one
FairrecError line naming the file. Prints cases run, loaded and refused per kind of change,
the time per case and any failure (with the seed to replay it); exits 1 on any failure.
Run: .venv/bin/python benchmarks/bench_fuzz_models.py --cases 2000 [--seed 0]
"""

from __future__ import annotations

import argparse
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

from fairrec_core.data import load_dataset, split_dataset  # noqa: E402
from fairrec_core.models import limit_threads, save_model  # noqa: E402
from tests.fuzz._model_cases import check, recommendations, small_models, tamper  # noqa: E402

SPEC = "synthetic:users=150,items=60,interactions=2000,seed=1"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--show", type=int, default=10, help="failures printed in full")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="fairrec-fuzz-models-"))
    try:
        with limit_threads(1):
            train = split_dataset(load_dataset(SPEC), test_size=0.2, seed=42).train
            reference = {}
            for name, model in small_models().items():
                save_model(model.fit(train), root / "saved" / name, train=train)
                reference[name] = recommendations(model)
            names = sorted(reference)
            counts, failures = Counter(), []
            t0 = time.perf_counter()
            for i in range(args.cases):
                seed = args.seed * 1_000_003 + i
                rng = random.Random(seed)
                name = rng.choice(names)
                folder = root / "case" / name
                shutil.rmtree(root / "case", ignore_errors=True)
                shutil.copytree(root / "saved" / name, folder)
                what = tamper(folder, rng)
                kind = " ".join(what.split()[:2])
                try:
                    outcome, _ = check(folder, reference[name])
                    counts[(kind, outcome)] += 1
                except Exception:  # noqa: BLE001 - a failure of the loader is what we count
                    counts[(kind, "FAILED")] += 1
                    failures.append((seed, name, what, traceback.format_exc(limit=3)))
            seconds = time.perf_counter() - t0
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"tampered-model fuzz: {args.cases} cases in {seconds:.1f} s "
          f"({1000 * seconds / max(1, args.cases):.1f} ms a case)")
    kinds = sorted({k for k, _ in counts})
    print(f"{'change':<22} {'loaded':>7} {'refused':>8} {'FAILED':>7}")
    for k in kinds:
        print(f"{k:<22} {counts[(k, 'loaded')]:>7} {counts[(k, 'refused')]:>8} "
              f"{counts[(k, 'FAILED')]:>7}")
    for seed, name, what, tb in failures[: args.show]:
        print(f"\nFAILED seed={seed} model={name}: {what}\n{tb}")
    print(f"failures: {len(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
