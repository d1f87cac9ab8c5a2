"""Gender leakage of plain ALS and BPR on MovieLens 100K (issue 11, "Attribute leakage").

Protocol: ``split_dataset(d, method="random", test_size=0.2, seed=42)``; each model with its
default hyperparameters is fitted on the training part; the probe (standardised logistic
regression, stratified 5-fold cross-validated ROC AUC, seed 0) predicts gender from the user
embeddings and from the bag of items of each user's top-10 list. The interval is
mean ± t·sd/√k over the folds. The literature reports about 0.66-0.70 for matrix factorisation
embeddings (Wu et al. 2021, FairGo); 0.5 means nothing leaks.

Run: .venv/bin/python benchmarks/bench_leakage.py [--models als,bpr] [--k 10] [--data PATH]
     (the data from --data, else $FAIRREC_ML100K, else ../shared/data/ml-100k)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fairrec_core.data import load_movielens, split_dataset  # noqa: E402
from fairrec_core.leakage import leakage  # noqa: E402
from fairrec_core.models import MODELS, top_n  # noqa: E402

ML100K = Path(os.environ.get("FAIRREC_ML100K")
              or Path(__file__).resolve().parents[2] / "shared" / "data" / "ml-100k")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="als,bpr")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--attribute", default="gender")
    parser.add_argument("--data", default=str(ML100K))
    args = parser.parse_args()
    if not (Path(args.data) / "u.data").is_file():
        print(f"MovieLens 100K not found at {args.data}: set FAIRREC_ML100K or pass --data")
        return 2
    split = split_dataset(load_movielens(args.data), method="random", test_size=0.2, seed=42)
    train = split.train
    print(f"{args.attribute} leakage on MovieLens 100K ({train.n_users} users), top-{args.k} "
          "lists, 5-fold CV, 95% interval = mean ± t·sd/√k over folds")
    print(f"{'model':<6} {'source':<10} {'AUC':>6}  {'95% interval':<16} {'acc':>6} "
          f"{'majority':>8} {'fit s':>6} {'probe s':>7}")
    for name in args.models.split(","):
        t0 = time.perf_counter()
        model = MODELS[name]().fit(train)
        fit_s = time.perf_counter() - t0
        lists = top_n(model, np.arange(train.n_users), args.k)
        t1 = time.perf_counter()
        table = leakage(model, train, lists, args.attribute, seed=0)
        probe_s = time.perf_counter() - t1
        for row in table.itertuples():
            print(f"{name:<6} {row.source:<10} {row.auc:6.3f}  [{row.low:.3f}, {row.high:.3f}]  "
                  f"{row.accuracy:6.3f} {row.baseline_accuracy:8.3f} {fit_s:6.1f} {probe_s:7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
