"""``train``: fit a model on a dataset's training split, report test accuracy, save it.

    python -m fairrec_core train --data SPEC --model NAME [--param key=value ...] --out DIR
        [--lists FILE.parquet [--lists-k N]] [--test-out FILE.parquet]

``--lists`` writes the top-N of every user, a batch of users at a time
(:func:`fairrec_core.models.write_lists`), and ``--test-out`` the held-out interactions: the two
inputs of ``audit --engine duckdb --recommendations FILE --test FILE``, the audit's path for
data too large to audit in memory.
"""

from __future__ import annotations

import os
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
    train.add_argument("--lists", metavar="FILE",
                       help="also write every user's top-N (user_id, rank, item_id, score) as "
                       "Parquet, for audit --engine duckdb --recommendations FILE")
    train.add_argument("--lists-k", type=int, default=CUTOFF, metavar="N",
                       help=f"N of --lists (default {CUTOFF})")
    train.add_argument("--test-out", metavar="FILE",
                       help="also write the held-out interactions (user_id, item_id, value, "
                       "timestamp) as Parquet, for audit --test FILE")
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
    _check_files(args)
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
    written = _write_files(args, model, train, test, threads)
    print(f"model         {args.model}")
    print(f"params        {', '.join(f'{k}={v}' for k, v in model.get_params().items()) or '-'}")
    print(f"data          {train.name} ({train.n_users:,} users, {train.n_items:,} items, "
          f"{train.n_interactions:,} interactions)")
    print(f"trained in    {seconds:.1f} s ({threads} threads)")
    for key in (f"NDCG@{CUTOFF}", f"HR@{CUTOFF}"):
        if key in metrics:
            print(f"{key:<13} {metrics[key]:.4f}")
    print(f"saved to      {folder}")
    for line in written:
        print(line)
    return 0


def _check_files(args) -> None:
    """Refuse ``--lists`` / ``--test-out`` before any work: a bad N, an existing file without
    ``--force``, a missing folder, or ``--test-out`` with ``--split none``."""
    from pathlib import Path

    from fairrec_core.errors import DataError

    if args.lists_k < 1:
        raise DataError(f"--lists-k must be at least 1, got {args.lists_k}")
    if args.test_out and args.split == "none":
        raise DataError("--test-out needs a split (--split none holds nothing out)")
    for flag, path in (("--lists", args.lists), ("--test-out", args.test_out)):
        if path is None:
            continue
        target = Path(path)
        if target.suffix.lower() != ".parquet":
            raise DataError(f"{flag} {path}: the file must end in .parquet (the only format "
                            "written)")
        if target.exists() and (target.is_dir() or not args.force):
            raise DataError(f"{flag} {path}: exists; give --force to replace the file")
        if not target.parent.is_dir():
            raise DataError(f"{flag} {path}: no folder {target.parent}")
        if not os.access(target.parent, os.W_OK | os.X_OK):
            raise DataError(f"{flag} {path}: cannot write in {target.parent}")


def _write_files(args, model, train, test, threads) -> list[str]:
    """Write ``--lists`` and ``--test-out`` (each atomically: a temporary name in the same
    folder, renamed when complete); the lines to print. A failed write is one line."""
    from fairrec_core.errors import DataError

    try:
        return _write(args, model, train, test, threads)
    except OSError as exc:  # e.g. a full disk: write_atomic left no file under the name
        raise DataError(f"cannot write {exc.filename or 'the output'}: "
                        f"{exc.strerror or exc}") from None


def _write(args, model, train, test, threads) -> list[str]:
    from fairrec_core.models import limit_threads, write_lists
    from fairrec_core.outputs import write_atomic

    lines = []
    if args.lists:
        counted = {}
        start = time.perf_counter()
        with limit_threads(threads):
            write_atomic(args.lists, lambda f: counted.setdefault(
                "rows", write_lists(model, train, f, n=args.lists_k)))
        lines.append(f"lists         {args.lists} ({model.n_users_:,} users x top "
                     f"{args.lists_k}, {counted['rows']:,} rows, "
                     f"{time.perf_counter() - start:.1f} s)")
    if args.test_out:
        import pandas as pd
        import pyarrow as pa
        import pyarrow.parquet as pq

        inter = test.interactions
        frame = {"user_id": test.user_vocab.lookup(inter["user"]),
                 "item_id": test.item_vocab.lookup(inter["item"]),
                 "value": inter["value"].to_numpy(), "timestamp": inter["timestamp"].to_numpy()}
        table = pa.Table.from_pandas(pd.DataFrame(frame), preserve_index=False)
        write_atomic(args.test_out, lambda f: pq.write_table(table, f))
        lines.append(f"test          {args.test_out} ({len(inter):,} held-out interactions)")
    return lines
