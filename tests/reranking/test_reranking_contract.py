"""Properties every re-ranker in RERANKERS must have: output drawn from the candidates without
duplicates, strength 0 = the model's ranking exactly, the scikit-learn parameter contract, and
the target measure moving the right way as the strength grows (measured here with plain code)."""

from __future__ import annotations

import copy
import inspect

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairrec_core.errors import DataError, ModelError
from fairrec_core.ranking import PAD_ITEM, RankedLists
from fairrec_core.reranking import RERANKERS, ParamSpec, RerankChain

#: Settings that make each re-ranker act on the small shop (every registered name needs one).
CONFIG = {
    "calibrated": {},
    "mmr": {},
    "popularity": {},
    "fair": {"protected": "brand_tier=small"},
    "parity": {"user_attr": "gender", "item_attr": "category"},
    "ugf": {"user_attr": "region"},
}
NAMES = list(RERANKERS)


def test_every_reranker_is_configured_here():
    assert set(CONFIG) == set(RERANKERS)


@pytest.fixture(scope="module")
def padded(small_candidates):
    """Candidates where every 4th user has only 3 real items and every 7th none at all."""
    items = small_candidates.items.copy()
    scores = small_candidates.scores.copy()
    items[::4, 3:] = PAD_ITEM
    scores[::4, 3:] = -np.inf
    items[::7] = PAD_ITEM
    scores[::7] = -np.inf
    return RankedLists(small_candidates.users, items, scores)


@pytest.fixture(scope="module")
def fitted(small_shop, padded):
    return {name: RERANKERS[name](**CONFIG[name]).fit(small_shop.train, padded) for name in NAMES}


def _with_strength(reranker, value):
    r = copy.copy(reranker)
    return r.set_params(**{r.STRENGTH: value})


def _check_lists(out, cand, k):
    assert out.items.shape == (cand.n_users, k)
    assert np.array_equal(out.users, cand.users)
    lengths = np.minimum((cand.items != PAD_ITEM).sum(axis=1), k)
    assert np.array_equal(out.lengths(), lengths)
    for r in range(cand.n_users):
        got = out.items[r, : lengths[r]]
        assert (out.items[r, lengths[r] :] == PAD_ITEM).all()
        assert len(set(got.tolist())) == len(got)
        allowed = dict(zip(cand.items[r].tolist(), cand.scores[r].tolist(), strict=True))
        assert set(got.tolist()) <= set(allowed) - {PAD_ITEM}
        # each item keeps the model's score
        assert out.scores[r, : lengths[r]].tolist() == [allowed[i] for i in got.tolist()]


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=15, deadline=None)
@given(strength=st.floats(0, 1), k=st.integers(1, 14), data=st.data())
def test_output_is_drawn_from_candidates_without_duplicates(
    fitted, padded, name, strength, k, data
):
    rows = data.draw(
        st.lists(st.integers(0, padded.n_users - 1), min_size=1, max_size=25, unique=True)
    )
    cand = RankedLists(padded.users[rows], padded.items[rows], padded.scores[rows])
    out = _with_strength(fitted[name], strength).rerank(cand, k)
    _check_lists(out, cand, k)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("k", [1, 5, 10])
def test_strength_zero_returns_the_model_ranking_exactly(fitted, padded, name, k):
    out = _with_strength(fitted[name], 0.0).rerank(padded, k)
    top = padded.top(k)
    assert np.array_equal(out.items, top.items)
    assert np.array_equal(out.scores, top.scores)
    assert out.items is not padded.items


@pytest.mark.parametrize("name", NAMES)
def test_full_strength_output_on_all_users(fitted, padded, name):
    _check_lists(_with_strength(fitted[name], 1.0).rerank(padded, 10), padded, 10)


# ---- the target measures, computed plainly -------------------------------------------------
def _calibration_kl(train, lists):
    cats = train.items["category"].astype(str).to_numpy()
    names = sorted(set(cats))
    hist = train.interactions.groupby("user")["item"].apply(list)
    out = []
    for u, items in zip(lists.users, lists.items, strict=True):
        items = [i for i in items if i != PAD_ITEM]
        if not items or u not in hist.index:
            continue
        p = pd.Series(cats[hist[u]]).value_counts(normalize=True).reindex(names, fill_value=0)
        q = pd.Series(cats[items]).value_counts(normalize=True).reindex(names, fill_value=0)
        qs = 0.99 * q + 0.01 * p
        out.append(sum(p[c] * np.log(p[c] / qs[c]) for c in names if p[c] > 0))
    return float(np.mean(out))


def _ild(train, lists):
    cats = train.items["category"].astype(str).to_numpy()
    vals = []
    for items in lists.items:
        c = [cats[i] for i in items if i != PAD_ITEM]
        pairs = [(a, b) for x, a in enumerate(c) for b in c[x + 1 :]]
        if pairs:
            vals.append(np.mean([a != b for a, b in pairs]))
    return float(np.mean(vals))


def _tail_share(train, lists):
    counts = train.item_counts
    order = sorted(range(len(counts)), key=lambda j: (-counts[j], j))
    head, running = set(), 0
    for j in order:
        if running >= 0.2 * counts.sum():
            break
        head.add(j)
        running += counts[j]
    flat = [i for i in lists.items.ravel() if i != PAD_ITEM]
    return float(np.mean([i not in head for i in flat]))


def _protected_share(train, lists):
    small = train.items["brand_tier"].astype(str).to_numpy() == "small"
    flat = [i for i in lists.items.ravel() if i != PAD_ITEM]
    return float(np.mean(small[flat]))


def _parity_difference(train, lists):
    rows = [
        (train.users["gender"].astype(str)[u], train.items["category"].astype(str)[i])
        for u, items in zip(lists.users, lists.items, strict=True)
        for i in items
        if i != PAD_ITEM
    ]
    frame = pd.DataFrame(rows, columns=["group", "value"])
    shares = pd.crosstab(frame["group"], frame["value"], normalize="index")
    return float((shares.max() - shares.min()).max())


def _estimated_gap(train, lists, cand):
    valid = cand.items != PAD_ITEM
    lo, hi = cand.scores[valid].min(), cand.scores[valid].max()
    groups = train.users["region"].astype(str).to_numpy()
    quality = {}
    for r, u in enumerate(cand.users):
        if not valid[r].any():
            continue
        score = dict(zip(cand.items[r].tolist(), cand.scores[r].tolist(), strict=True))
        est = [(score[i] - lo) / (hi - lo) for i in lists.items[r] if i != PAD_ITEM]
        quality.setdefault(groups[u], []).append(sum(est) / lists.depth)
    means = [np.mean(v) for v in quality.values()]
    return max(means) - min(means)


TARGETS = {
    "calibrated": (_calibration_kl, "down"),
    "mmr": (_ild, "up"),
    "popularity": (_tail_share, "up"),
    "fair": (_protected_share, "up"),
    "parity": (_parity_difference, "down"),
    "ugf": (_estimated_gap, "down"),
}


@pytest.mark.parametrize("name", NAMES)
def test_target_moves_the_right_way_as_strength_grows(small_shop, small_candidates, name):
    train = small_shop.train
    measure, direction = TARGETS[name]
    assert RERANKERS[name].TARGET[1] == direction
    base = RERANKERS[name](**CONFIG[name]).fit(train, small_candidates)
    values = []
    for s in (0.0, 0.5, 1.0):
        out = _with_strength(base, s).rerank(small_candidates, 10)
        args = (train, out, small_candidates) if name == "ugf" else (train, out)
        values.append(measure(*args))
    sign = -1 if direction == "down" else 1
    moved = [sign * v for v in values]
    assert moved[0] < moved[1] <= moved[2] + 1e-9, values


# ---- parameter contract ---------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_params_describe_every_constructor_argument(name):
    cls = RERANKERS[name]
    sig = inspect.signature(cls.__init__)
    args = [p for p in sig.parameters if p != "self"]
    assert list(cls.PARAMS) == args
    for arg, spec in cls.PARAMS.items():
        assert isinstance(spec, ParamSpec)
        assert spec.name == arg
        assert sig.parameters[arg].default == spec.default
        assert spec.help
        if spec.is_slider:
            assert spec.low < spec.high and spec.step > 0
            if spec.default is not None:
                assert spec.low <= spec.default <= spec.high
        assert not (spec.is_slider and spec.fit), "sliders must not need a new fit"
    strength = cls.PARAMS[cls.STRENGTH]
    assert strength.is_slider and strength.low == 0
    assert cls().get_params() == {a: sig.parameters[a].default for a in args}


@pytest.mark.parametrize("name", NAMES)
def test_set_params_and_unfitted_use(small_shop, small_candidates, name):
    cls = RERANKERS[name]
    r = cls(**CONFIG[name])
    assert r.set_params(**{cls.STRENGTH: 0.3}) is r
    assert r.get_params()[cls.STRENGTH] == 0.3
    with pytest.raises(DataError, match="unknown parameter"):
        r.set_params(nope=1)
    with pytest.raises(ModelError, match="before rerank"):
        r.rerank(small_candidates, 5)
    r.fit(small_shop.train, small_candidates)
    fit_params = [p for p, s in cls.PARAMS.items() if s.fit]
    if fit_params:
        setattr(r, fit_params[0], "something_else")
        with pytest.raises(ModelError, match="changed since fit"):
            r.rerank(small_candidates, 5)


@pytest.mark.parametrize("name", NAMES)
def test_out_of_range_strength_is_refused(small_shop, small_candidates, name):
    cls = RERANKERS[name]
    r = cls(**CONFIG[name]).fit(small_shop.train, small_candidates)
    r.set_params(**{cls.STRENGTH: 1.5})
    with pytest.raises(DataError, match="outside"):
        r.rerank(small_candidates, 5)


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("calibrated", {"attribute": "colour"}, "unknown item attribute 'colour'"),
        ("fair", {"protected": "brand_tier=tiny"}, "brand_tier has no value 'tiny'"),
        ("parity", {"user_attr": "shoe_size"}, "unknown user attribute 'shoe_size'"),
        ("ugf", {"user_attr": "shoe_size"}, "unknown user attribute 'shoe_size'"),
    ],
)
def test_bad_attributes_fail_at_fit_with_one_line(
    small_shop, small_candidates, name, params, message
):
    with pytest.raises(DataError, match=message) as err:
        RERANKERS[name](**params).fit(small_shop.train, small_candidates)
    assert "\n" not in str(err.value)


def test_rerank_on_other_candidates_than_fit(small_shop, small_candidates):
    """Precomputation is for the fitted candidates; other lists (here reversed) are prepared on
    the fly and give the same answer as a re-ranker fitted on them."""
    rev = RankedLists(
        small_candidates.users, small_candidates.items[:, ::-1], small_candidates.scores[:, ::-1]
    )
    a = RERANKERS["calibrated"](lam=0.7).fit(small_shop.train, small_candidates).rerank(rev, 8)
    b = RERANKERS["calibrated"](lam=0.7).fit(small_shop.train, rev).rerank(rev, 8)
    assert np.array_equal(a.items, b.items)


def test_chain_applies_steps_in_order(small_shop, small_candidates):
    train = small_shop.train
    cal = RERANKERS["calibrated"](lam=0.6)
    fair = RERANKERS["fair"](p=0.6, alpha=0.1, protected="brand_tier=small")
    chain = RerankChain([cal, fair]).fit(train, small_candidates)
    out = chain.rerank(small_candidates, 10)
    # the same as re-ordering the whole list with the first and cutting with the second
    first = RERANKERS["calibrated"](lam=0.6).fit(train, small_candidates)
    mid = first.rerank(small_candidates, small_candidates.depth)
    second = RERANKERS["fair"](p=0.6, alpha=0.1, protected="brand_tier=small").fit(train, mid)
    expected = second.rerank(mid, 10)
    assert np.array_equal(out.items, expected.items)
    assert chain.spec() == [cal.spec(), fair.spec()]
    # every prefix meets FA*IR's table where the user has enough protected candidates
    table = fair.table(10)
    small = train.items["brand_tier"].astype(str).to_numpy() == "small"
    prot = np.cumsum(small[out.items], axis=1)
    enough = small[small_candidates.items].sum(axis=1) >= table[-1]
    assert (prot[enough] >= table).all()
