"""Recommender models behind one scikit-learn style API, and their saved form.

``MODELS`` is the one menu of models (name -> class) that the app and the command line use.
"""

from fairrec_core.models._als import ALS
from fairrec_core.models._base import Progress, ProgressCallback, Recommender
from fairrec_core.models._bpr import BPR
from fairrec_core.models._ease import EASE
from fairrec_core.models._itemknn import ItemKNN
from fairrec_core.models._listfile import iter_top_n, write_lists
from fairrec_core.models._params import parse_params
from fairrec_core.models._persist import (
    list_saved_models,
    load_model,
    model_folder,
    read_params,
    save_model,
)
from fairrec_core.models._popularity import Popularity
from fairrec_core.models._sasrec import SASRec
from fairrec_core.models._textals import TextALS
from fairrec_core.models._threads import available_cpus, limit_threads
from fairrec_core.models._topn import top_n
from fairrec_core.models._twotower import TwoTower
from fairrec_core.models._userknn import UserKNN

#: name -> model class, in the order menus list them.
MODELS: dict[str, type[Recommender]] = {
    "popularity": Popularity,
    "itemknn": ItemKNN,
    "userknn": UserKNN,
    "ease": EASE,
    "als": ALS,
    "bpr": BPR,
    "twotower": TwoTower,
    "sasrec": SASRec,
    "textals": TextALS,
}

__all__ = [
    "ALS",
    "BPR",
    "EASE",
    "ItemKNN",
    "MODELS",
    "Popularity",
    "Progress",
    "ProgressCallback",
    "Recommender",
    "SASRec",
    "TextALS",
    "TwoTower",
    "UserKNN",
    "available_cpus",
    "iter_top_n",
    "limit_threads",
    "list_saved_models",
    "load_model",
    "model_folder",
    "parse_params",
    "read_params",
    "save_model",
    "top_n",
    "write_lists",
]
