"""Small, hashable settings objects that pages keep in session state.

They are the cache keys of :mod:`fairrec_app.services`: a cached dataset, model or metric table is
found again from the settings that produced it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

DEFAULT_MODEL = "ease"
DEFAULT_K = 10
DEFAULT_CANDIDATES = 100


@dataclass(frozen=True)
class EvalSettings:
    """How the data is split into train and test, and the list length ``k`` that is assessed."""

    method: str = "random"
    test_size: float = 0.2
    seed: int = 42
    k: int = DEFAULT_K

    @property
    def label(self) -> str:
        """In words, for pages and the report: "random 20% split, seed 42, top 10"."""
        size = "" if self.method == "leave_last" else f" {self.test_size:.0%}"
        return f"{self.method.replace('_', ' ')}{size} split, seed {self.seed}, top {self.k}"


@dataclass(frozen=True)
class ModelChoice:
    """A model by registry name and hyperparameters, trained here or loaded from ``path``."""

    name: str = DEFAULT_MODEL
    params_json: str = "{}"  # sorted JSON of the hyperparameters that differ from nothing
    path: str | None = None  # a saved model's folder, when loaded rather than trained
    imported: str | None = None  # the file name, for lists imported from another system

    @classmethod
    def of(cls, name: str, params: dict | None = None, *, path: str | None = None) -> ModelChoice:
        return cls(name=name, params_json=json.dumps(params or {}, sort_keys=True, default=str),
                   path=path)

    @property
    def params(self) -> dict:
        return json.loads(self.params_json)

    @property
    def label(self) -> str:
        if self.imported:
            return f"imported lists ({self.imported})"
        params = ", ".join(f"{k}={v}" for k, v in self.params.items())
        where = f" — loaded from {self.path}" if self.path else ""
        return f"{self.name}({params}){where}"

    @property
    def title(self) -> str:
        """The model in plain words for a page ("Matrix factorisation (ALS)"); :attr:`label`
        (registry name and parameters) is for tooltips, files and the command line."""
        from fairrec_core import names

        if self.imported:
            return f"Imported lists ({self.imported})"
        where = f", loaded from {self.path}" if self.path else ""
        return f"{names.model(self.name)}{where}"


@dataclass(frozen=True)
class RerankStep:
    """One re-ranker of the chain: registry name, switched on or off, slider/param values."""

    name: str
    enabled: bool = False
    params_json: str = "{}"

    @property
    def params(self) -> dict:
        return json.loads(self.params_json)

    def with_params(self, params: dict) -> RerankStep:
        return replace(self, params_json=json.dumps(params, sort_keys=True, default=str))

    @property
    def label(self) -> str:
        params = ", ".join(f"{k}={_fmt(v)}" for k, v in self.params.items())
        return f"{self.name}({params})"

    @property
    def title(self) -> str:
        """The step in plain words: "Match each user's taste mix (strength 0.45)"."""
        from fairrec_core import names
        from fairrec_core.reranking import RERANKERS

        cls = RERANKERS.get(self.name)
        return names.reranker_setting(self.name, self.params, cls.STRENGTH if cls else None)


@dataclass(frozen=True)
class Reranking:
    """The current re-ranking: the steps in the order they apply (only enabled ones act)."""

    steps: tuple[RerankStep, ...] = field(default=())

    @property
    def active(self) -> tuple[RerankStep, ...]:
        return tuple(s for s in self.steps if s.enabled)

    @property
    def label(self) -> str:
        return " → ".join(s.label for s in self.active) or "off"

    @property
    def title(self) -> str:
        """The re-ranking in plain words ("off" when no step is on)."""
        return " → ".join(s.title for s in self.active) or "off"

    def replace_step(self, step: RerankStep) -> Reranking:
        steps = [step if s.name == step.name else s for s in self.steps]
        if step.name not in {s.name for s in self.steps}:
            steps.append(step)
        return Reranking(tuple(steps))


def _fmt(v) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)
