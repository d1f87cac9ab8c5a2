"""Type-I error of the permutation test on the demo generator without planted biases (issue 4:
at most 3 of 20 gender NDCG@10 gaps with p < 0.05). The planted-bias side is measured by
benchmarks/bench_audit_validity.py (the generator's default gender bias is too weak for it)."""

from __future__ import annotations

import numpy as np
import pytest

from fairrec_core.audit import AuditContext
from fairrec_core.data import SyntheticSpec, generate_shop, split_dataset
from fairrec_core.models import MODELS, top_n


@pytest.mark.slow
def test_no_planted_bias_gives_few_small_pvalues():
    pvalues = []
    for seed in range(20):
        data = generate_shop(SyntheticSpec(seed=seed, bias=0.0))
        split = split_dataset(data, method="random", test_size=0.2, seed=seed)
        model = MODELS["popularity"]().fit(split.train)
        lists = top_n(model, np.flatnonzero(split.test.user_counts > 0), 10)
        ctx = AuditContext(split.train, split.test, k=10, groups=["gender"], intersections=False)
        result = ctx.audit(lists, n_bootstrap=0, n_permutations=1000, seed=seed)
        pvalues.append(result.gap("gender", "ndcg@10")["p_value"])
    pvalues = np.array(pvalues)
    assert (pvalues < 0.05).sum() <= 3
    # and the p-values spread over (0, 1] as a null distribution does
    assert 0.2 < np.median(pvalues) < 0.8
