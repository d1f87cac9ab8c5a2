"""fairrec core library: datasets, recommenders, audits and fairness re-rankers.

This package never imports streamlit; the dashboard wraps it.
"""

from fairrec_core.errors import DataError, FairrecError, ModelError

__version__ = "0.1.0"

__all__ = ["DataError", "FairrecError", "ModelError", "__version__"]
