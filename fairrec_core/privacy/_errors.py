"""The error of a refused private release (a budget overspent, an ε that is not positive)."""

from __future__ import annotations

from fairrec_core.errors import FairrecError


class PrivacyError(FairrecError, ValueError):
    """A private release was refused: its one-line message says why (budget, settings)."""
