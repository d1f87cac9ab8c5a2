"""Human names for what the code calls by identifiers — models, re-rankers and their parameters,
user and item attributes — so that every page, the report and the scorecard read in plain words
(pure; no pandas, no Streamlit).

The technical names (``ease``, ``calibrated(lam=0.45)``, ``popularity_band``) stay in tooltips,
CSV and JSON files, and on the command line; what a reader sees is built here.
"""

from __future__ import annotations

#: Model registry name -> what the page calls it.
MODELS = {
    "popularity": "Most popular",
    "itemknn": "Similar items (item kNN)",
    "userknn": "Similar users (user kNN)",
    "ease": "EASE (linear autoencoder)",
    "als": "Matrix factorisation (ALS)",
    "bpr": "Matrix factorisation (BPR)",
    "twotower": "Two-tower neural network",
    "sasrec": "Sequence model (SASRec)",
    "textals": "Matrix factorisation with item texts (cold start)",
    "imported": "Imported lists",
}

#: Re-ranker registry name -> what it does, in a few words.
RERANKERS = {
    "calibrated": "Match each user's taste mix",
    "mmr": "More variety in each list",
    "popularity": "More long-tail items",
    "fair": "Guaranteed share for protected items",
    "parity": "Same item mix for every group",
    "ugf": "Narrow the accuracy gap between groups",
}

#: Re-ranker parameter (Python keyword or command-line key) -> its name on a page.
PARAMETERS = {
    "lam": "strength",
    "lambda": "strength",
    "p": "minimum protected share",
    "alpha": "significance level",
    "protected": "protected items",
    "attribute": "item attribute",
    "user_attr": "user groups",
    "item_attr": "item attribute",
    "value": "item value",
    "epsilon": "gap budget",
}

#: Model hyperparameter (``get_params()`` key) -> its name in the Models form (the technical name
#: stays in the field's tooltip). ``alpha`` here is ALS's confidence scale, not FA*IR's level.
MODEL_PARAMETERS = {
    "neighbors": "neighbours",
    "shrink": "similarity shrinkage",
    "l2": "L2 penalty",
    "factors": "latent factors",
    "reg": "regularisation",
    "alpha": "confidence scale",
    "iterations": "iterations",
    "cg_steps": "conjugate-gradient steps",
    "validation": "validation share",
    "patience": "early-stopping patience",
    "random_state": "random seed",
    "epochs": "epochs",
    "lr": "learning rate",
    "negatives": "negatives per positive",
    "batch_size": "batch size",
    "dim": "embedding size",
    "feature_dim": "feature embedding size",
    "hidden": "hidden layer sizes",
    "weight_decay": "weight decay",
    "id_dropout": "id dropout",
    "user_features": "user features",
    "item_features": "item features",
    "item_text": "item texts",
    "features": "item content",
    "ridge": "content map penalty",
    "blocks": "attention blocks",
    "heads": "attention heads",
    "max_len": "history length",
    "dropout": "dropout",
    "fairness": "fairness goal",
    "fairness_weight": "fairness penalty weight",
    "fairness_attr": "groups the penalty compares",
    "leakage_attr": "attribute to hide",
    "leakage_rounds": "hiding rounds",
    "dp_epsilon": "privacy budget ε (0: no differential privacy)",
    "dp_delta": "privacy δ",
    "dp_clip": "per-user gradient bound",
    "dp_sample": "users per private step",
    "dp_positives": "interactions per user and private step",
}

#: A fair model's ``fairness`` value -> what the training aims at.
FAIRNESS = {
    "none": "none (plain training)",
    "user_gap": "narrow the gap between user groups",
    "item_exposure": "fairer exposure of item groups",
    "value": "equal errors for every group",
    "absolute": "equal size of errors for every group",
    "under": "equal underestimation for every group",
    "over": "equal overestimation for every group",
    "nonparity": "equal average score for every group",
}

#: Mitigation lever -> what it does (the Mitigation page, its chart and table).
LEVERS = {
    "pre": "Rebalance the training data",
    "in": "Fairness penalty in training",
    "post": "Re-rank the output",
}

#: Rebalancing target -> what it makes equal.
REWEIGHT_TARGETS = {
    "equal_group": "equal total weight per group",
    "equal_user": "equal weight per user",
    "inverse_group": "inverse group frequency",
}

#: Attribute column -> its name on a page (anything else: underscores become spaces).
ATTRIBUTES = {
    "age_group": "age group",
    "popularity_band": "popularity band",
    "brand_tier": "brand tier",
    "price_band": "price band",
    "categories": "genres",
}


def model(name: str) -> str:
    """``"ease"`` -> "EASE (linear autoencoder)"; an unknown name is returned as it is."""
    return MODELS.get(name, name)


def reranker(name: str) -> str:
    """``"calibrated"`` -> "Match each user's taste mix"."""
    return RERANKERS.get(name, name)


def parameter(name: str) -> str:
    """``"lam"`` -> "strength"; an unknown parameter: underscores become spaces."""
    return PARAMETERS.get(name, name.replace("_", " "))


def model_parameter(name: str) -> str:
    """``"lr"`` -> "learning rate" (a model's hyperparameter in the Models form)."""
    return MODEL_PARAMETERS.get(name, name.replace("_", " "))


def fairness(name: str) -> str:
    """``"user_gap"`` -> "narrow the gap between user groups"."""
    return FAIRNESS.get(name, name.replace("_", " "))


def lever(name: str) -> str:
    """``"pre"`` -> "Rebalance the training data"."""
    return LEVERS.get(name, name)


def reweight_target(name: str) -> str:
    """``"equal_group"`` -> "equal total weight per group"."""
    return REWEIGHT_TARGETS.get(name, name.replace("_", " "))


def attribute(name: str) -> str:
    """``"age_group"`` -> "age group"; an intersection ``"gender & age_group"`` -> "gender &
    age group"."""
    return " & ".join(ATTRIBUTES.get(part, part.replace("_", " ")) for part in str(name).split(" & "))


def groups(name: str) -> str:
    """The groups of an attribute in words: "gender" -> "gender groups", "age_group" -> "age
    groups", "gender & age_group" -> "groups by gender & age group"."""
    text = attribute(name)
    if " & " in text:
        return f"groups by {text}"
    return text + "s" if text.endswith("group") else text + " groups"


def value(v) -> str:
    """A parameter value as a page shows it: floats without trailing zeros, an
    ``ATTRIBUTE=VALUE`` item group as "ATTRIBUTE VALUE" in plain words, None as "not set"."""
    if v is None:
        return "not set"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:g}"
    text = str(v)
    if "=" in text:
        attr, _, val = text.partition("=")
        return f"{attribute(attr)} {val}"
    return attribute(text) if text in ATTRIBUTES else text


def reranker_setting(name: str, params: dict, strength: str | None = None) -> str:
    """A re-ranker at its setting in words: "Match each user's taste mix, strength 0.45" (the
    strength first; the other parameters only when set to something other than None)."""
    parts = []
    if strength is not None and strength in params:
        parts.append(f"{parameter(strength)} {value(params[strength])}")
    for key, v in params.items():
        if key == strength or v is None:
            continue
        parts.append(f"{parameter(key)} {value(v)}")
    return reranker(name) + (f" ({', '.join(parts)})" if parts else "")


def model_setting(name: str, v) -> str:
    """A model hyperparameter with its value in words ("fairness goal smaller gap …",
    "groups the penalty compares brand tier", "confidence scale 5")."""
    if name == "fairness":
        shown = fairness(str(v))
    elif name in ("fairness_attr", "leakage_attr"):
        shown = attribute(v) if v else "none"
    else:
        shown = value(v)
    return f"{model_parameter(name)} {shown}"
