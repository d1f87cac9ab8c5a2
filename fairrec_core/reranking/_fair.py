"""FA*IR fair top-k ranking (Zehlike et al. 2017)."""

from __future__ import annotations

import numpy as np
from scipy.stats import binom

from fairrec_core.errors import DataError
from fairrec_core.ranking import PAD_ITEM, RankedLists
from fairrec_core.reranking._base import Reranker, gather, relevance
from fairrec_core.reranking._features import binary_classes, item_classes
from fairrec_core.reranking._params import ParamSpec
from fairrec_core.reranking._queues import ClassQueues


def _cdf_rows(k: int, p: float) -> list[np.ndarray]:
    return [binom.cdf(np.arange(t + 1), t, p) for t in range(1, k + 1)]


def _table_from_cdf(cdfs: list[np.ndarray], alpha: float) -> np.ndarray:
    # m(t) = F^-1(alpha; t, p): the smallest m with F(m; t, p) >= alpha
    return np.array([int(np.count_nonzero(c < alpha)) for c in cdfs], dtype=np.int64)


def minimum_protected(k: int, p: float, alpha: float) -> np.ndarray:
    """``m[t - 1]``: the fewest protected items a fair ranking has in its top ``t``, t = 1..k,
    for the ranked group fairness test at significance ``alpha`` without correction
    (Zehlike et al. 2017, Table 2: ``m_{alpha,p}(k) = F^-1(alpha; k, p)``, binomial)."""
    return _table_from_cdf(_cdf_rows(k, p), alpha)


def fail_probability(table: np.ndarray, p: float) -> float:
    """Probability that a ranking whose positions are protected independently with probability
    ``p`` fails the test at some prefix, i.e. has fewer than ``table[t - 1]`` protected items in
    its top ``t`` for some ``t`` (exact, by dynamic programming over the protected count)."""
    k = len(table)
    alive = np.zeros(k + 1)
    alive[0] = 1.0
    for t in range(k):
        nxt = alive * (1.0 - p)
        nxt[1:] += alive[:-1] * p
        nxt[: table[t]] = 0.0
        alive = nxt
    return float(max(0.0, 1.0 - alive.sum()))


def adjusted_table(k: int, p: float, alpha: float) -> tuple[np.ndarray, float, float]:
    """The table corrected for testing ``k`` prefixes (Zehlike et al. 2017, Sec. 4.2, Alg. 2):
    among the tables of significances ``alpha_c <= alpha``, the one whose overall fail
    probability is closest to ``alpha`` (found by binary search; the fail probability grows with
    ``alpha_c``; ties go to the smaller probability, as in the authors' fairsearchcore).

    Returns ``(table, alpha_c, fail_probability)``; ``alpha_c`` is the smallest significance that
    gives that table.
    """
    cdfs = _cdf_rows(k, p)
    cuts = np.unique(np.concatenate([c[(c > 0) & (c <= alpha)] for c in cdfs] + [[alpha]]))
    # every alpha_c in (cuts[i - 1], cuts[i]] gives the table of cuts[i]

    def fail(i):
        table = _table_from_cdf(cdfs, cuts[i])
        return fail_probability(table, p), table

    lo, hi = 0, len(cuts) - 1  # the largest i with fail(i) <= alpha, by bisection
    if fail(lo)[0] > alpha:
        hi = -1
    else:
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if fail(mid)[0] <= alpha:
                lo = mid
            else:
                hi = mid - 1
    options = [i for i in (hi, hi + 1) if 0 <= i < len(cuts)]
    scored = [(abs(fail(i)[0] - alpha), fail(i)[0], i) for i in options]
    _, prob, i = min(scored)
    lower = cuts[i - 1] if i > 0 else 0.0
    return fail(i)[1], float(np.nextafter(lower, 1.0)), prob


class FAIRReranker(Reranker):
    """FA*IR: every prefix of the list holds enough protected items to pass a binomial test.

    Objective (Zehlike, Bonchi, Castillo, Hajian, Megahed, Baeza-Yates, "FA*IR: A Fair Top-k
    Ranking Algorithm", CIKM 2017): keep the model's order as far as possible subject to
    *ranked group fairness*: for every ``t <= k`` the top ``t`` contain at least
    ``m(t) = F^-1(alpha_c; t, p)`` protected items (``F`` the binomial CDF), i.e. a ranking with
    protected share ``p`` at every position could have produced the prefix at significance
    ``alpha_c``. ``alpha_c`` is ``alpha`` corrected for the ``k`` tests (see
    :func:`adjusted_table`). Algorithm 1: fill positions from two queues (protected and not, each
    in model order), taking the next protected item whenever the table demands one, otherwise the
    better-ranked of the two heads. Where a user's candidates run out of protected items, the
    constraint cannot be met and the rest is filled in model order.

    ``protected`` names the items: ``ITEM_ATTRIBUTE=VALUE`` (``brand_tier=small``,
    ``category=Books``, or ``popularity_band=tail`` from training popularity).
    """

    NAME = "fair"
    PARAMS = {
        "p": ParamSpec(
            "p",
            "p",
            "float",
            0.5,
            "minimum share of protected items the ranking must be consistent with "
            "(0 = model ranking)",
            low=0.0,
            high=1.0,
            step=0.05,
        ),
        "alpha": ParamSpec(
            "alpha",
            "alpha",
            "float",
            0.1,
            "significance of the ranked group fairness test (corrected for k tests)",
            low=0.01,
            high=0.5,
            step=0.01,
        ),
        "protected": ParamSpec(
            "protected",
            "protected",
            "item_group",
            "popularity_band=tail",
            "the protected items, ITEM_ATTRIBUTE=VALUE",
            fit=True,
        ),
    }
    STRENGTH = "p"
    TARGET = ("protected_share", "up")

    def __init__(self, p: float = 0.5, alpha: float = 0.1, protected: str = "popularity_band=tail"):
        self.p = p
        self.alpha = alpha
        self.protected = protected

    def _fit(self, train) -> None:
        attribute, _, value = self.protected.partition("=")
        classes = item_classes(train, attribute.strip(), owner=self.NAME)
        self.is_protected_ = binary_classes(classes, value.strip(), owner=self.NAME).codes

    def _prepare(self, candidates: RankedLists):
        return ClassQueues.build(candidates, self.is_protected_, 2, relevance(candidates))

    def table(self, k: int) -> np.ndarray:
        """The corrected minimum-protected table for the current ``p``, ``alpha`` and ``k``."""
        return adjusted_table(k, float(self.p), float(self.alpha))[0]

    def _rerank(self, queues, candidates: RankedLists, k: int) -> RankedLists:
        need = self.table(k)
        cur = queues.cursor()
        n = candidates.n_users
        out = np.empty((n, k), dtype=np.int64)
        n_prot = np.zeros(n, dtype=np.int64)
        for t in range(k):
            must = (n_prot < need[t]) & cur.alive[:, 1]
            cls = np.where(must, 1, (cur.cols[:, 1] < cur.cols[:, 0]).astype(np.int64))
            out[:, t] = cur.take(cls)
            n_prot += (cls == 1) & (out[:, t] < cur.depth)
        return gather(candidates, out)

    def target_value(self, lists: RankedLists, candidates: RankedLists) -> float:
        """Mean protected share over the users with a list."""
        return float(np.nanmean(self.protected_share(lists)))

    def protected_share(self, lists: RankedLists) -> np.ndarray:
        """Per user, the share of the list's items that are protected (NaN for an empty list)."""
        if not hasattr(self, "is_protected_"):
            raise DataError(f"{self.NAME}: call fit before protected_share")
        valid = lists.items != PAD_ITEM
        prot = self.is_protected_[np.where(valid, lists.items, 0)] & valid
        with np.errstate(invalid="ignore"):
            return prot.sum(axis=1) / valid.sum(axis=1)
