"""fairrec_app: the Streamlit-aware glue between the pages and the pure ``fairrec_core``.

- :mod:`~fairrec_app.keys` — page-prefixed session-state keys.
- :mod:`~fairrec_app.settings` — small hashable settings (split, model choice, re-ranking).
- :mod:`~fairrec_app.sources` — where the data comes from (demo shop, MovieLens, CSV uploads).
- :mod:`~fairrec_app.paths` — the data roots of the server-path box, saved-model names.
- :mod:`~fairrec_app.uploads` — upload size check, a CSV's header read from its first bytes.
- :mod:`~fairrec_app.services` — cached heavy work (datasets, models, candidates, audits).
- :mod:`~fairrec_app.workspace` — the session's current data/model/re-ranking; every page's start.
- :mod:`~fairrec_app.layout` — page frame, menu, error box.
- :mod:`~fairrec_app.widgets` — downloads, metric cards, re-ranker controls.
- :mod:`~fairrec_app.data_views` — summary tables of a dataset (no Streamlit).

The pure plotly figures and the metric glossary live in :mod:`fairrec_core.charts` and
:mod:`fairrec_core.glossary` (the HTML report uses them too).

Imports go one way: pages -> fairrec_app -> fairrec_core.
"""

__all__ = [
    "data_views",
    "keys",
    "layout",
    "paths",
    "services",
    "settings",
    "sources",
    "uploads",
    "widgets",
    "workspace",
]
