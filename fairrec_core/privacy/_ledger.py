"""A privacy budget ledger per dataset: what was released, at what ε (and δ), what remains.

A JSON file (or, without a path, memory only — the app's session): ``{"dataset", "budget":
{"epsilon", "delta"}, "releases": [{"time", "what", "released", "epsilon", "delta", "mechanism"}],
"spent", "remaining"}``. Spending adds up (basic sequential composition of every release on
the dataset). :meth:`BudgetLedger.charge` refuses a release that would go beyond the budget,
before anything is released, and is written atomically.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

from fairrec_core.outputs import write_atomic
from fairrec_core.privacy._errors import PrivacyError

#: Rounding slack when comparing spending with the budget.
TOLERANCE = 1e-9


class BudgetLedger:
    """The ledger of ``dataset`` (a name that identifies the data, e.g. its name and size) at
    ``path``, with a total budget ``epsilon`` (and ``delta``).

    An existing file is read: its dataset must match and its budget stands (giving another
    budget is refused). A new ledger needs ``epsilon``."""

    def __init__(self, path=None, *, dataset: str, epsilon: float | None = None,
                 delta: float = 0.0):
        self.path = Path(path) if path is not None else None
        self.dataset = str(dataset)
        if self.path is not None and self.path.exists():
            state = self._read()
            if state.get("dataset") != self.dataset:
                raise PrivacyError(f"privacy ledger {self.path}: it is the ledger of "
                                   f"{state.get('dataset')!r}, not of {self.dataset!r}")
            budget = state["budget"]
            if epsilon is not None and (abs(float(epsilon) - budget["epsilon"]) > TOLERANCE
                                        or abs(float(delta) - budget["delta"]) > TOLERANCE):
                raise PrivacyError(f"privacy ledger {self.path}: its budget is epsilon "
                                   f"{budget['epsilon']:g}, delta {budget['delta']:g}; a "
                                   f"ledger's budget cannot be changed")
            self.epsilon, self.delta = float(budget["epsilon"]), float(budget["delta"])
            self.releases = list(state["releases"])
        else:
            if epsilon is None:
                raise PrivacyError("privacy ledger: a new ledger needs a budget (--dp-budget)")
            if not float(epsilon) > 0 or not 0 <= float(delta) < 1:
                raise PrivacyError(f"privacy ledger: the budget must be epsilon > 0 and delta "
                                   f"in [0, 1), got {epsilon}, {delta}")
            self.epsilon, self.delta = float(epsilon), float(delta)
            self.releases = []

    def _read(self) -> dict:
        try:
            state = json.loads(self.path.read_text(encoding="utf-8"))
            state["budget"]["epsilon"], state["releases"]  # noqa: B018 - shape check
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise PrivacyError(f"privacy ledger {self.path}: not a ledger file ({e})") from None
        return state

    @property
    def spent(self) -> tuple[float, float]:
        """``(epsilon, delta)`` spent so far."""
        return (math.fsum(r["epsilon"] for r in self.releases),
                math.fsum(r["delta"] for r in self.releases))

    @property
    def remaining(self) -> tuple[float, float]:
        e, d = self.spent
        return max(self.epsilon - e, 0.0), max(self.delta - d, 0.0)

    def check(self, epsilon: float, delta: float = 0.0) -> None:
        """Refuse (:class:`PrivacyError`) a release of ``epsilon``, ``delta`` beyond the
        budget."""
        left_e, left_d = self.remaining
        if epsilon > left_e + TOLERANCE or delta > left_d + TOLERANCE:
            where = f" {self.path}" if self.path is not None else ""
            raise PrivacyError(
                f"privacy budget of {self.dataset}{where}: a release of epsilon {epsilon:g}"
                + (f", delta {delta:g}" if delta else "")
                + f" is beyond what remains (epsilon {left_e:g}"
                + (f", delta {left_d:g}" if self.delta else "")
                + f" of {self.epsilon:g}); nothing was released")

    def charge(self, epsilon: float, delta: float = 0.0, *, what: str, released: str = "",
               mechanism: str = "laplace") -> None:
        """Record a release of ``epsilon``, ``delta`` (refused beyond the budget) and save:
        ``what`` (who released what, in words), ``released`` (the statistics)."""
        self.check(float(epsilon), float(delta))
        self.releases.append({"time": datetime.now(UTC).isoformat(timespec="seconds"),
                              "what": what, "released": released, "epsilon": float(epsilon),
                              "delta": float(delta), "mechanism": mechanism})
        self.save()

    def to_dict(self) -> dict:
        e, d = self.spent
        left_e, left_d = self.remaining
        return {"dataset": self.dataset,
                "budget": {"epsilon": self.epsilon, "delta": self.delta},
                "releases": list(self.releases),
                "spent": {"epsilon": e, "delta": d},
                "remaining": {"epsilon": left_e, "delta": left_d}}

    def save(self) -> None:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, json.dumps(self.to_dict(), indent=2) + "\n")
