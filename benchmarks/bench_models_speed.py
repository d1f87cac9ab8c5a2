"""Training and top-10 times of the models with DEFAULT hyperparameters (issue 3).

Targets: on MovieLens 100K every model but sasrec trains in <= 30 s; on the ML-1M-size
synthetic shop ease <= 15 s, als <= 30 s, bpr <= 120 s, and top-10 for all users <= 1 s. Also
the demo shop (the dashboard trains a default model there, <= 10 s).

Run: .venv/bin/python benchmarks/bench_models_speed.py [--threads N] [--skip-ml1m]
     [--models ...]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fairrec_core.data import load_dataset, load_movielens, split_dataset  # noqa: E402
from fairrec_core.models import MODELS, limit_threads, top_n  # noqa: E402

ML100K = Path(os.environ.get("FAIRREC_ML100K") or Path(__file__).resolve().parents[2] / "shared" / "data" / "ml-100k")
ML1M_SIZE = "synthetic:users=6040,items=3706,interactions=1000209"
ML100K_TRAIN_TARGET = 30.0
ML1M_TRAIN_TARGETS = {"ease": 15.0, "als": 30.0, "bpr": 120.0}
TOP10_TARGET = 1.0
DEMO_TARGET = 10.0


def measure(name: str, train) -> tuple[float, float, object]:
    model = MODELS[name]()
    t0 = time.perf_counter()
    model.fit(train)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    top_n(model, None, 10)
    return fit_s, time.perf_counter() - t0, model


def verdict(value: float, target: float | None) -> str:
    if target is None:
        return ""
    return f"<= {target:g} s: {'OK' if value <= target else 'OVER'}"


def table(title: str, train, names, train_targets, top10_target) -> None:
    print(f"\n{title}: {train.n_users:,} users, {train.n_items:,} items, "
          f"{train.n_interactions:,} training interactions")
    print(f"{'model':<11} {'train s':>8} {'top-10 all s':>13}  train target / top-10 target")
    for name in names:
        fit_s, top_s, model = measure(name, train)
        epochs = getattr(model, "epochs_", getattr(model, "iterations_", None))
        unit = "iterations" if hasattr(model, "iterations_") else "epochs"
        note = f" (kept {epochs} {unit})" if epochs is not None else ""
        target = train_targets(name)
        top_note = verdict(top_s, top10_target) if top10_target else ""
        print(f"{name:<11} {fit_s:>8.2f} {top_s:>13.3f}  {verdict(fit_s, target)}"
              f"{'  ' + top_note if top_note else ''}{note}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--skip-ml1m", action="store_true")
    args = parser.parse_args()
    names = [n for n in args.models.split(",") if n]
    with limit_threads(args.threads) as threads:
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"{threads} threads; load average before start {load:.2f}")
        demo = split_dataset(load_dataset("demo"), seed=42).train
        table("demo shop", demo, [n for n in names if n != "sasrec"],
              lambda n: DEMO_TARGET, None)
        ml = split_dataset(load_movielens(ML100K), seed=0).train
        table("MovieLens 100K", ml, names,
              lambda n: None if n == "sasrec" else ML100K_TRAIN_TARGET, None)
        if not args.skip_ml1m:
            big = split_dataset(load_dataset(ML1M_SIZE), seed=0).train
            table("ML-1M-size synthetic", big,
                  [n for n in names if n in ML1M_TRAIN_TARGETS or n in ("popularity", "itemknn")],
                  ML1M_TRAIN_TARGETS.get, TOP10_TARGET)


if __name__ == "__main__":
    main()
