"""``train``: fit a model on a dataset's training split, report test accuracy, save it.

    python -m fairrec_core train --data SPEC --model NAME [--param key=value ...] --out DIR
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

from fairrec_core.cli._data import add_data_arguments, load_from_args
from fairrec_core.cli._help import MODEL_NAMES, SPLIT_METHODS

if TYPE_CHECKING:
    from fairrec_core.models import Progress

CUTOFF = 10
BAR_WIDTH = 30


def add_parser(sub) -> None:
    train = sub.add_parser(
        "train", help="train a recommender and save it",
        description="Train a model on the training part of a split, report NDCG@10 and HR@10 "
        "on the test part, and save the model (params.json + arrays).",
    )
    add_data_arguments(train)
    train.add_argument("--model", required=True, choices=list(MODEL_NAMES), help="model name")
    train.add_argument(
        "--param", action="append", default=[], metavar="KEY=VALUE",
        help="hyperparameter, repeatable (e.g. --param factors=32 --param lr=0.01)",
    )
    train.add_argument("--out", metavar="DIR", help="folder to save into (default models/NAME); "
                       "written whole or not at all")
    train.add_argument("--force", action="store_true",
                       help="replace the model already saved in --out (only model files)")
    train.add_argument(
        "--split", default="random", choices=[*SPLIT_METHODS, "none"],
        help="how to hold out test interactions; 'none' trains on everything (default random)",
    )
    train.add_argument("--test-size", type=float, default=0.2, help="test fraction (default 0.2)")
    train.add_argument("--seed", type=int, default=42, help="split seed (default 42)")
    train.add_argument("--threads", type=int, default=None, help="CPU threads (default: all)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.set_defaults(func=run_train)


class ProgressBar:
    """One line on stderr redrawn per step on a terminal, one line per step otherwise."""

    def __init__(self, stream=None):
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty()

    def __call__(self, p: Progress) -> None:
        filled = int(BAR_WIDTH * p.step / max(1, p.total))
        text = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {p.step}/{p.total}"
        if p.loss is not None:
            text += f"  loss {p.loss:.4f}"
        if p.val_ndcg is not None:
            text += f"  val NDCG@10 {p.val_ndcg:.4f}"
        if p.message:
            text += f"  {p.message}"
        if self.tty:
            self.stream.write("\r" + text.ljust(100)[:100])
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def run_train(args) -> int:
    import numpy as np

    from fairrec_core.data import split_dataset
    from fairrec_core.metrics import hit_matrix, n_relevant, ndcg
    from fairrec_core.models import MODELS, limit_threads, parse_params, save_model, top_n
    from fairrec_core.models._modelfile import MODEL_FILES
    from fairrec_core.outputs import check_target, data_inputs

    cls = MODELS[args.model]
    params = parse_params(cls, args.param)
    out = args.out or f"models/{args.model}"
    target = dict(force=args.force, inputs=data_inputs(args.data), flag="--out")
    check_target(out, owned=MODEL_FILES, **target)  # before any work: a refused --out costs nothing
    data = load_from_args(args)
    if args.split == "none":
        train, test = data, None
    else:
        split = split_dataset(data, method=args.split, test_size=args.test_size, seed=args.seed)
        train, test = split.train, split.test
    model = cls(**params)
    bar = None if args.quiet else ProgressBar()
    with limit_threads(args.threads) as threads:
        start = time.perf_counter()
        try:
            model.fit(train, progress=bar)
        finally:
            if bar is not None:
                bar.close()
        seconds = time.perf_counter() - start
        metrics = {"train_seconds": round(seconds, 3), "threads": threads}
        if test is not None and test.n_interactions:
            users = np.flatnonzero(test.user_counts)
            lists = top_n(model, users, CUTOFF)
            hits = hit_matrix(lists, test)
            metrics[f"NDCG@{CUTOFF}"] = float(np.nanmean(ndcg(hits, n_relevant(lists, test))))
            metrics[f"HR@{CUTOFF}"] = float(hits.any(axis=1).mean())
            metrics["split"] = f"{args.split} test_size={args.test_size} seed={args.seed}"
    folder = save_model(model, out, train=train, metrics=metrics, **target)
    print(f"model         {args.model}")
    print(f"params        {', '.join(f'{k}={v}' for k, v in model.get_params().items()) or '-'}")
    print(f"data          {train.name} ({train.n_users:,} users, {train.n_items:,} items, "
          f"{train.n_interactions:,} interactions)")
    print(f"trained in    {seconds:.1f} s ({threads} threads)")
    for key in (f"NDCG@{CUTOFF}", f"HR@{CUTOFF}"):
        if key in metrics:
            print(f"{key:<13} {metrics[key]:.4f}")
    print(f"saved to      {folder}")
    return 0
