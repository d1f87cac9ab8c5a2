"""Session-state keys, prefixed by the page that owns them.

Everything a session remembers lives in ``st.session_state`` under these names (never in module
globals), so two browser tabs are two independent sessions. Values stored under the ``*_STATE``
keys are plain settings (dataclasses, strings); heavy objects live in the caches of
:mod:`fairrec_app.services`, keyed by those settings.
"""

# Data page: where the data comes from and how it is split and cut off.
DATA_SOURCE = "data.source"  # fairrec_app.sources.DataSource
DATA_EVAL = "data.eval"  # fairrec_app.settings.EvalSettings
DATA_NOTICE = "data.notice"  # one-line message shown after the data changed

# Models page: the active model and the models trained in this session (for comparison).
MODELS_ACTIVE = "models.active"  # fairrec_app.settings.ModelChoice
MODELS_HISTORY = "models.history"  # list[ModelChoice]
MODELS_IMPORTED = "models.imported"  # fairrec_app.sources.ImportedUpload or None

# What-if page: the current re-ranking (applied on the Recommendations and audit pages too).
WHATIF_CHAIN = "whatif.chain"  # fairrec_app.settings.Reranking

# Recommendations page.
RECS_USER = "recs.user"


def widget(page: str, *parts: str) -> str:
    """A widget key: ``widget("whatif", "calibrated", "lambda")`` -> ``"whatif.w.calibrated.lambda"``."""
    return ".".join((page, "w", *parts))

# Fairness audit page: private releases (differential privacy) of this session.
AUDIT_DP_SEED = "audit.dp.seed"  # int: the session's secret noise seed (drawn once)
AUDIT_DP_LEDGERS = "audit.dp.ledgers"  # dict: dataset fingerprint -> privacy.BudgetLedger
AUDIT_DP_RELEASES = "audit.dp.releases"  # dict: (lists, attribute, metric, epsilon) -> release
