"""Item-side exposure tables: per item, per value of an item attribute (against its share of the
catalogue and of the relevant items), and the Lorenz curve."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairrec_core.metrics import POPULARITY_BANDS, lorenz_curve
from fairrec_core.ranking import PAD_ITEM


def item_table(ctx, items: np.ndarray, exposure: np.ndarray, relevant: np.ndarray) -> pd.DataFrame:
    """One row per catalogue item: ``item, item_id, exposure, exposure_share, slots``
    (times recommended), ``train_count``, ``relevant`` (test interactions of the listed users)
    and ``popularity_band``."""
    total = exposure.sum()
    listed = items[items != PAD_ITEM]
    return pd.DataFrame({
        "item": np.arange(ctx.n_items),
        "item_id": ctx.train.item_vocab.ids,
        "exposure": exposure,
        "exposure_share": exposure / total if total > 0 else np.zeros_like(exposure),
        "slots": np.bincount(listed, minlength=ctx.n_items),
        "train_count": ctx.item_counts,
        "relevant": relevant,
        "popularity_band": np.asarray(POPULARITY_BANDS, dtype=object)[ctx.bands],
    })


def group_table(attributes, exposure: np.ndarray, relevant: np.ndarray) -> pd.DataFrame:
    """Per item attribute and value: ``n_items, catalogue_share, relevant_share,
    exposure_share`` and ``exposure_vs_catalogue`` / ``exposure_vs_relevant`` (share ratios;
    1 = exposure in proportion)."""
    frames = []
    n_items = len(exposure)
    e_total, r_total = exposure.sum(), relevant.sum()
    for attr in attributes:
        nv = attr.n_values
        count = np.bincount(attr.codes, minlength=nv)
        e = np.bincount(attr.codes, weights=exposure, minlength=nv)
        r = np.bincount(attr.codes, weights=relevant, minlength=nv)
        cat_share = count / n_items
        e_share = e / e_total if e_total > 0 else np.full(nv, np.nan)
        r_share = r / r_total if r_total > 0 else np.full(nv, np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            frames.append(pd.DataFrame({
                "item_attribute": attr.name, "value": np.array(attr.values, dtype=object),
                "n_items": count, "catalogue_share": cat_share, "relevant_share": r_share,
                "exposure_share": e_share,
                "exposure_vs_catalogue": np.where(cat_share > 0, e_share / cat_share, np.nan),
                "exposure_vs_relevant": np.where(r_share > 0, e_share / r_share, np.nan),
            }))
    return pd.concat(frames, ignore_index=True)


def lorenz_table(exposure: np.ndarray) -> pd.DataFrame:
    """The Lorenz curve of item exposure: ``item_share`` (items from least to most exposed) and
    ``exposure_share`` (their cumulative share of exposure)."""
    x, y = lorenz_curve(exposure)
    return pd.DataFrame({"item_share": x, "exposure_share": y})
