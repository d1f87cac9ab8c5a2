"""Helpers: hand-built ``metrics.json``-like inputs whose verdicts are known."""

from __future__ import annotations


def gap_entry(d, lo, hi, p, mdg, *, ratio=None, high="M", low="F", share=None, excluded=None):
    """One ``gaps.<attribute>.<metric>`` entry; the reference is ``high`` and ``low``'s ratio to
    it is ``ratio`` (default: from the means in :func:`metrics`)."""
    return {"difference": d, "difference_ci95": [lo, hi], "p_value": p, "p_value_pair": p,
            "min_detectable_gap": mdg, "max_group": high, "min_group": low,
            "excluded_groups": excluded or {},
            "reference": {"group": high, "ratios": {high: 1.0, low: ratio},
                          "flags": {high: False, low: False}},
            "adjusted": None if share is None else {"share_explained": share}}


def metrics(entries: dict, *, k=10, means=None, level=0.95, metric="ndcg") -> dict:
    """``entries``: attribute -> gap entry; ``means``: attribute -> {group: mean}."""
    means = means or {}
    gaps, groups = {}, {}
    for attribute, entry in entries.items():
        hi = means.get(attribute, {}).get(entry["max_group"], 0.30)
        lo = means.get(attribute, {}).get(entry["min_group"],
                                          hi - (entry["difference"] or 0.0))
        if entry["reference"]["ratios"].get(entry["min_group"], 0) is None:
            entry["reference"]["ratios"][entry["min_group"]] = lo / hi
        gaps[attribute] = {f"{metric}@{k}": entry}
        groups[attribute] = {entry["max_group"]: {f"{metric}@{k}": hi},
                             entry["min_group"]: {f"{metric}@{k}": lo}}
    return {"k": k, "settings": {"confidence_level": level}, "gaps": gaps, "groups": groups}
