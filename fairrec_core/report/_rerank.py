"""The re-ranking's effect for the report: overall and **per group** before -> after, from the
audit engine's fast summary (:meth:`AuditContext.summarize`) of the model's own top-k and of the
re-ranked lists — the same means the app's What-if page shows."""

from __future__ import annotations

import pandas as pd

from fairrec_core import glossary, names
from fairrec_core.audit import INTERSECTION
from fairrec_core.report._html import esc, fmt, table

#: Metrics shown per group, where audited (``name`` of ``name@k``).
GROUP_METRICS = ("ndcg", "recall", "aplt", "calibration_kl")


def rerank_effect(ctx, before, after) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(overall, groups)``: ``metric, before, after`` over all users, and ``attribute, group,
    metric, n_users, before, after`` per group of every single attribute, for the model's lists
    ``before`` and the re-ranked ``after`` (:class:`RankedLists` at the audit's k)."""
    a, b = ctx.summarize(before), ctx.summarize(after)
    overall = pd.DataFrame({"metric": list(b.overall.index),
                            "before": a.overall.reindex(b.overall.index).to_numpy(),
                            "after": b.overall.to_numpy()})
    keys = ["attribute", "group", "metric"]
    ga = a.groups[~a.groups["attribute"].str.contains(INTERSECTION, regex=False)]
    gb = b.groups[~b.groups["attribute"].str.contains(INTERSECTION, regex=False)]
    groups = ga[[*keys, "n_users", "mean"]].rename(columns={"mean": "before"}).merge(
        gb[[*keys, "mean"]].rename(columns={"mean": "after"}), on=keys, how="inner")
    return overall, groups.reset_index(drop=True)


def _cell(before, after) -> str:
    change = after - before
    sign = "+" if change >= 0 else "−"
    return f"{fmt(before)} → {fmt(after)} ({sign}{fmt(abs(change))})"


def groups_section(groups: pd.DataFrame, k: int) -> str:
    """One table per attribute: a row per group, a column per metric, "before → after (change)"."""
    out = []
    metrics = [f"{m}@{k}" for m in GROUP_METRICS if f"{m}@{k}" in set(groups["metric"])]
    for attr in dict.fromkeys(groups["attribute"]):
        rows = groups[groups["attribute"] == attr]
        order = list(dict.fromkeys(rows["group"]))
        frame = pd.DataFrame({names.attribute(attr): [str(g) for g in order]})
        sizes = rows.drop_duplicates("group").set_index("group")["n_users"]
        frame["users"] = [int(sizes[g]) for g in order]
        for m in metrics:
            one = rows[rows["metric"] == m].set_index("group")
            frame[glossary.label(m)] = [_cell(one.loc[g, "before"], one.loc[g, "after"])
                                        if g in one.index else "—" for g in order]
        out.append(table(frame))
    return ("<p>Each group's mean before → after re-ranking (change), from the same per-user "
            "figures as the audit.</p>" + "".join(out))


def overall_section(effect: pd.DataFrame) -> str:
    frame = effect.copy()
    frame["change"] = frame["after"] - frame["before"]
    frame.insert(1, "name", frame["metric"].map(glossary.label))
    frame["metric"] = frame["metric"].astype(str)
    return ("<details><summary>Overall figures before → after</summary>"
            + table(frame[["metric", "name", "before", "after", "change"]]) + "</details>")


def in_words(spec: str) -> str:
    """A command-line spec ``calibrated:lambda=0.9`` in words ("Match each user's taste mix
    (strength 0.9)"); anything else (the app's titles) as it is."""
    name, sep, rest = spec.partition(":")
    if name.strip() not in names.RERANKERS or (sep and "=" not in rest):
        return spec
    params = dict(kv.split("=", 1) for kv in rest.split(",") if "=" in kv)
    return names.reranker_setting(name.strip(), {k.strip(): v.strip() for k, v in params.items()})


def rerank_section(settings: dict, effect, groups) -> str:
    chain = settings.get("rerank") or []
    if not chain:
        return "<p>No re-ranking: the lists are assessed as given.</p>"
    shown = " → ".join(f'<b title="{esc(spec)}">{esc(in_words(str(spec)))}</b>' for spec in chain)
    out = [f"<p>Active re-ranking: {shown}.</p>"]
    if groups is not None and len(groups):
        k = int(str(groups["metric"].iloc[0]).partition("@")[2] or 10)
        out.append(groups_section(groups, k))
    if effect is not None and len(effect):
        out.append(overall_section(effect))
    return "".join(out)
