"""Several re-rankers applied in order."""

from __future__ import annotations

from fairrec_core.errors import DataError, ModelError
from fairrec_core.ranking import RankedLists
from fairrec_core.reranking._base import Reranker


class RerankChain:
    """Apply ``steps`` in order: every step but the last re-orders the whole candidate list (so a
    later step still chooses from all candidates), the last one cuts it to ``k``."""

    def __init__(self, steps: list[Reranker]):
        self.steps = steps

    def get_params(self, deep: bool = True) -> dict:
        return {"steps": self.steps}

    def set_params(self, **params) -> RerankChain:
        for name, value in params.items():
            if name != "steps":
                raise DataError(f"chain: unknown parameter {name!r}; expected steps")
            self.steps = value
        return self

    def __repr__(self) -> str:
        return f"RerankChain({self.steps!r})"

    def spec(self) -> list[str]:
        return [step.spec() for step in self.steps]

    def fit(self, train, candidates: RankedLists) -> RerankChain:
        if not self.steps:
            raise DataError("chain: no re-rankers given")
        current = candidates
        for i, step in enumerate(self.steps):
            step.fit(train, current)
            if i < len(self.steps) - 1:
                current = step.rerank(current, current.depth)
        self.fitted_ = True
        return self

    def rerank(self, candidates: RankedLists, k: int) -> RankedLists:
        if not getattr(self, "fitted_", False):
            raise ModelError("chain: call fit(train, candidates) before rerank")
        current = candidates
        for step in self.steps[:-1]:
            current = step.rerank(current, current.depth)
        return self.steps[-1].rerank(current, k)
