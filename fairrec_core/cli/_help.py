"""Names and help texts that ``--help`` shows, without the heavy packages behind them.

Building the parser must not import pandas, torch or scipy (``python -m fairrec_core --help``
answers at once), so the few strings it needs from those packages are light copies here.
``tests/audit/test_cli_startup.py`` checks each equals its source, so they cannot drift:
``SPEC_HELP`` (:mod:`fairrec_core.data`), ``SPLIT_METHODS`` (:mod:`fairrec_core.data`),
``GATE_HELP`` (:mod:`fairrec_core.audit`) and ``MODEL_NAMES`` (the keys of
:data:`fairrec_core.models.MODELS`, in menu order).
"""

SPEC_HELP = (
    "demo | synthetic:users=N,items=M,interactions=K,seed=S,bias=B | "
    "scale:users=N,items=M,interactions=K,seed=S | movielens:PATH | csv:DIR"
)
SPLIT_METHODS = ("random", "temporal", "leave_last")
GATE_HELP = ("ATTR:METRIC:STAT>X, e.g. gender:ndcg@10:difference>0.05 or "
             "age_group:recall:ratio<0.8; METRIC may be an item attribute (category, brand_tier, "
             "popularity_band, ...) for the parity of recommended slots")
MODEL_NAMES = ("popularity", "itemknn", "userknn", "ease", "als", "bpr", "twotower", "sasrec",
               "textals")
