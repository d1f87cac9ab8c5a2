"""Gender leakage of plain ALS on MovieLens 100K (skips without the data). The literature reports
an AUC of about 0.66-0.70 for matrix factorisation embeddings (Wu et al. 2021); the figure is
printed, not tuned, and only its validity is asserted."""

from __future__ import annotations

import numpy as np

from fairrec_core.leakage import leakage, probe, user_embeddings
from fairrec_core.models import ALS, limit_threads, top_n


def test_ml100k_als_gender_auc_from_embeddings(ml100k_split):
    train = ml100k_split.train
    with limit_threads(1):
        model = ALS().fit(train)
    labels = train.user_groups("gender").to_numpy()
    result = probe(user_embeddings(model), labels, seed=0)
    print(f"\nML-100K ALS embeddings, gender AUC {result.auc:.3f} "
          f"[{result.low:.3f}, {result.high:.3f}], folds "
          f"{', '.join(f'{a:.3f}' for a in result.fold_aucs)}, n={result.n}, "
          f"classes {dict(zip(result.classes, result.class_counts, strict=True))}")
    assert result.classes == ("F", "M")
    assert result.n == train.n_users == 943 and result.n_left_out == 0
    counts = dict(zip(*np.unique(labels, return_counts=True), strict=True))
    assert result.class_counts == (counts["F"], counts["M"])
    assert result.baseline_accuracy == counts["M"] / 943
    assert 0.0 < result.auc < 1.0 and result.low < result.auc < result.high
    assert all(0.0 <= a <= 1.0 for a in result.fold_aucs)
    table = leakage(model, train, top_n(model, np.arange(train.n_users), 10), "gender", seed=0)
    assert table.loc[table["source"] == "embedding", "auc"].item() == result.auc
    print(table.to_string(index=False))
