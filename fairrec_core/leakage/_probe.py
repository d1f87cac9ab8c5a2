"""The attribute probe: how well a user attribute can be predicted from a feature matrix.

A standardised logistic regression (a scikit-learn pipeline) is scored by stratified K-fold
cross-validated ROC AUC: binary labels give the AUC of the second class (sorted) against the
first; more than two classes give the one-vs-rest macro AUC. The 95% interval is
``mean ± t(0.975, k-1) · sd / √k`` over the k fold AUCs (sd with ``ddof=1``): it needs no extra
resampling and repeats exactly with the seed; it treats the folds as independent, which they are
not quite (their training sets overlap), so it is a little narrow rather than wide.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from fairrec_core.audit._groups import is_uninformative
from fairrec_core.errors import DataError

#: Confidence level of :attr:`LeakageResult.low` / :attr:`LeakageResult.high`.
LEVEL = 0.95
#: How the interval is computed (written into every result).
INTERVAL_METHOD = "mean ± t·sd/√k over the folds"


@dataclass(frozen=True)
class LeakageResult:
    """Cross-validated AUC of predicting a user attribute from features (0.5 = no leakage)."""

    auc: float  #: mean of the fold AUCs
    low: float  #: 95% interval of the mean AUC (see :data:`INTERVAL_METHOD`)
    high: float
    fold_aucs: tuple[float, ...]
    accuracy: float  #: out-of-fold accuracy of the probe
    baseline_accuracy: float  #: accuracy of always guessing the majority class
    classes: tuple[str, ...]
    class_counts: tuple[int, ...]
    n: int  #: users probed
    n_left_out: int  #: users left out for an uninformative or missing label
    cv: int
    seed: int
    interval: str = INTERVAL_METHOD

    def to_dict(self) -> dict:
        out = asdict(self)
        for key in ("fold_aucs", "classes", "class_counts"):
            out[key] = list(out[key])
        return out


def informative(labels) -> np.ndarray:
    """bool per label: not missing and not uninformative by the audit's rule ("Unknown", "U"...)."""
    values = pd.Series(np.asarray(labels, dtype=object))
    missing = values.isna().to_numpy()
    return ~missing & ~np.array([is_uninformative(v) for v in values.astype(str)], dtype=bool)


def _pipeline(sparse: bool):
    # with_mean=False keeps a sparse matrix sparse (centring would densify it)
    return make_pipeline(StandardScaler(with_mean=not sparse),
                         LogisticRegression(max_iter=2000))


def probe(features, labels, *, cv: int = 5, seed: int = 0) -> LeakageResult:
    """Cross-validated AUC of a logistic regression predicting ``labels`` from ``features``.

    ``features``: ``[n, d]`` dense array or sparse matrix, one row per user; ``labels``: ``n``
    group labels. Users whose label is missing or uninformative (the audit's rule) are left out
    and counted in ``n_left_out``. Every remaining class needs at least ``cv`` users.
    """
    sparse = sp.issparse(features)
    x = sp.csr_matrix(features, dtype=np.float64) if sparse else np.asarray(features, float)
    labels = np.asarray(labels, dtype=object)
    if x.ndim != 2 or x.shape[0] != len(labels):
        raise DataError(f"leakage probe: {x.shape[0] if x.ndim else 0} feature rows for "
                        f"{len(labels)} labels; expected one row per label")
    if int(cv) < 2:
        raise DataError(f"leakage probe: cv must be at least 2, got {cv}")
    cv, seed = int(cv), int(seed)
    keep = informative(labels)
    x, y = x[keep], labels[keep].astype(str)
    classes, y_codes, counts = np.unique(y, return_inverse=True, return_counts=True)
    if len(classes) < 2:
        raise DataError(f"leakage probe: needs at least two groups with an informative label, "
                        f"got {len(classes)} ({', '.join(classes) or 'none'})")
    if counts.min() < cv:
        small = str(classes[int(np.argmin(counts))])
        raise DataError(f"leakage probe: group {small!r} has {int(counts.min())} users; each "
                        f"group needs at least cv={cv}")
    if not sparse and not np.isfinite(x).all():
        raise DataError("leakage probe: the features contain NaN or infinite values")
    folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=seed)
    aucs, correct = [], 0
    for train, test in folds.split(np.zeros(len(y_codes)), y_codes):
        model = _pipeline(sparse).fit(x[train], y_codes[train])
        proba = model.predict_proba(x[test])
        if len(classes) == 2:
            aucs.append(float(roc_auc_score(y_codes[test], proba[:, 1])))
        else:
            aucs.append(float(roc_auc_score(y_codes[test], proba, multi_class="ovr",
                                            average="macro", labels=np.arange(len(classes)))))
        correct += int((proba.argmax(axis=1) == y_codes[test]).sum())
    fold = np.asarray(aucs)
    mean = float(fold.mean())
    half = float(stats.t.ppf(0.5 + LEVEL / 2, cv - 1) * fold.std(ddof=1) / np.sqrt(cv))
    n = int(len(y))
    return LeakageResult(
        auc=mean, low=mean - half, high=mean + half, fold_aucs=tuple(aucs),
        accuracy=correct / n, baseline_accuracy=float(counts.max() / n),
        classes=tuple(str(c) for c in classes), class_counts=tuple(int(c) for c in counts),
        n=n, n_left_out=int((~keep).sum()), cv=cv, seed=seed,
    )
