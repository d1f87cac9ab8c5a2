"""Removing an attribute's linear directions from user embeddings: iterative nullspace projection
(Ravfogel et al. 2020, "Null It Out"), the linear form of Bose & Hamilton's (2019) compositional
fairness constraints.

Each round first asks the leakage probe (cross-validated AUC, :func:`probe`) whether the attribute
can still be predicted from the (already projected) embeddings; when the probe's interval
reaches chance (0.5) it stops. Otherwise it fits a class-balanced logistic regression on all the
users and adds its weight vectors, orthonormalised, to the removed directions, and the embeddings
are projected onto the orthogonal complement of all directions found. Stopping at chance matters:
removing directions that only fit noise makes a cross-validated probe *anti*-predictive (AUC
well below 0.5), which is an artefact, not less leakage. The rest of the space — what
recommendation uses — is kept.
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

from fairrec_core.errors import DataError
from fairrec_core.leakage._probe import informative, probe

#: Directions whose norm after orthogonalisation falls below this (relative) are dropped.
_TOL = 1e-8


def project_out(vectors, directions) -> np.ndarray:
    """``vectors`` projected onto the orthogonal complement of the rows of ``directions``
    (orthonormal, ``[r, d]``); same dtype as ``vectors``. No directions -> an unchanged copy."""
    v = np.asarray(vectors)
    d = np.asarray(directions, dtype=np.float64).reshape(-1, v.shape[1] if v.ndim == 2 else 0)
    if v.ndim != 2:
        raise DataError(f"projection: vectors must be a 2-d array, got shape {v.shape}")
    if len(d) == 0:
        return v.copy()
    out = v.astype(np.float64) - (v.astype(np.float64) @ d.T) @ d
    return out.astype(v.dtype, copy=False)


def _orthonormal_rows(new: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """Rows of ``new`` made orthogonal to ``basis`` and to each other, unit length; rows that
    vanish (already spanned) are dropped."""
    kept = [row for row in basis]
    for w in new:
        for b in kept:
            w = w - (w @ b) * b
        norm = np.linalg.norm(w)
        if norm > _TOL * max(1.0, np.abs(w).max(initial=0.0)) and norm > 0:
            kept.append(w / norm)
    return np.asarray(kept[len(basis):]).reshape(-1, basis.shape[1])


def attribute_directions(vectors, labels, *, rounds: int = 4, seed: int = 0) -> np.ndarray:
    """Orthonormal directions ``[r, d]`` along which ``labels`` (one per row of ``vectors``)
    can be predicted linearly, found by at most ``rounds`` rounds of iterative nullspace
    projection (fewer when the probe's interval already reaches chance; ``[0, d]`` when the
    vectors do not leak at all).

    Users with a missing or uninformative label ("Unknown"...) are left out of the fitting (their
    vectors are still projected by :func:`project_out`). Two groups give one direction a round,
    ``c`` groups up to ``c`` (the multinomial weights). Fewer than two informative groups is a
    :class:`DataError`.
    """
    x = np.asarray(vectors, dtype=np.float64)
    labels = np.asarray(labels, dtype=object)
    if x.ndim != 2 or len(x) != len(labels):
        raise DataError(f"projection: {len(x)} vectors for {len(labels)} labels; expected one "
                        "vector (a row) per label")
    if isinstance(rounds, bool) or not isinstance(rounds, int | np.integer) or rounds < 1:
        raise DataError(f"projection: rounds must be a positive integer, got {rounds!r}")
    if not np.isfinite(x).all():
        raise DataError("projection: the vectors contain NaN or infinite values")
    keep = informative(labels)
    x, y = x[keep], labels[keep].astype(str)
    classes, codes = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise DataError(f"projection: needs at least two groups with an informative label, got "
                        f"{len(classes)} ({', '.join(classes) or 'none'})")
    x = x - x.mean(axis=0)
    basis = np.zeros((0, x.shape[1]))
    cv = int(min(5, np.bincount(codes).min()))
    for _ in range(int(rounds)):
        xp = project_out(x, basis)
        if cv >= 2 and probe(xp, y, cv=cv, seed=int(seed)).low <= 0.5:
            break  # no longer predictable better than chance
        scale = xp.std(axis=0)
        scale[scale < 1e-12] = 1.0
        clf = LogisticRegression(max_iter=2000, class_weight="balanced", random_state=int(seed))
        clf.fit(xp / scale, codes)
        # the classifier's weights in the original coordinates: w_j / scale_j
        found = _orthonormal_rows(clf.coef_ / scale, basis)
        if len(found) == 0:
            break
        basis = np.vstack([basis, found])
    return basis
