"""The verdict on one attribute and metric against the policy, from the gap statistics of
``metrics.json`` (``gaps.<attribute>.<metric>``).

- red: the gap is real (the pair's p-value below the significance level and its simultaneous
  interval excludes 0) and over a threshold (gap > ``max_gap`` or a
  compared group's ratio to the reference outside [``min_ratio``, 1 / ``min_ratio``]);
- amber: real but within the thresholds; not real but the test could not have detected a gap
  of ``max_gap`` (``min_detectable_gap`` > ``max_gap``: inconclusive, too few users); not real
  but a ratio outside the band; or the p-value and the interval disagree (Monte-Carlo error
  at the edge of significance, or a policy level other than the interval's);
- green: not real, the ratios within the band and a gap of ``max_gap`` would have been found;
- grey: not assessed (fewer than two groups compared).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fairrec_core import glossary
from fairrec_core.wording import excludes_zero, interval, num, p_text, percent

COLOURS = ("green", "amber", "red", "grey")
#: Order of severity, for the verdict of an attribute over several metrics.
SEVERITY = {"grey": 0, "green": 1, "amber": 2, "red": 3}
#: Share of the gap explained by activity above which the next step points at cold-start users.
ACTIVITY_SHARE = 0.5

STEPS = {
    "red_activity": "Most of the gap goes with how many items users have rated: look at "
                    "cold-start users first.",
    "red": "Close it: let fairrec search the re-rankers for a setting that meets the policy at "
           "the least cost in accuracy (Close a gap page), or try them on the What-if page.",
    "amber_inconclusive": "Collect more data or widen the groups.",
    "amber_within": "Keep watching it: the gap is real but within the policy; re-check after "
                    "the next model change.",
    "amber_ratio": "Collect more data: a ratio is outside the policy, but the gap is not clearly "
                   "real.",
    "amber_edge": "Re-run the audit with more permutations to settle it.",
    "green": "No action needed; re-check with the next audit.",
    "grey": "Nothing to compare: fewer than two groups are large enough.",
}

#: Each verdict in a few words (badges in the app and the report).
LABELS = {"green": "No clear gap", "amber": "Watch", "red": "Act", "grey": "Not assessed"}
#: The verdict over all attributes in one sentence.
OVERALL = {"green": "No group is served worse than the policy allows.",
           "amber": "Some gaps need watching or more data; none is clearly over the policy.",
           "red": "At least one group is served clearly worse than the policy allows.",
           "grey": "Nothing could be assessed: too few groups large enough to compare."}


def _f(x) -> float:
    return math.nan if x is None else float(x)


@dataclass(frozen=True)
class Check:
    """One attribute and metric against the policy (every figure from ``metrics.json``)."""

    attribute: str
    metric: str  # "ndcg@10"
    colour: str
    reason: str  # "amber_inconclusive", ... (a key of STEPS)
    summary: str  # the verdict in words, consistent with the figures
    sentence: str  # "Women get 11% less accurate recommendations than men [6%, 15%]"
    next_step: str
    gap: float
    ci_lo: float
    ci_hi: float
    level: float
    p_value_pair: float
    min_detectable_gap: float
    worst_ratio: float  # min over compared groups of min(r, 1 / r), r = mean / reference mean
    reference: str | None
    ratio_group: str | None  # the group of worst_ratio
    better_group: str | None
    worse_group: str | None
    relative: float  # gap / the better group's mean
    relative_ci: tuple[float, float]
    max_gap: float
    min_ratio: float
    significance: float
    share_explained: float

    def to_dict(self) -> dict:
        def j(x):
            return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else x

        return {"attribute": self.attribute, "metric": self.metric, "verdict": self.colour,
                "reason": self.reason, "summary": self.summary, "sentence": self.sentence,
                "next_step": self.next_step, "gap": j(self.gap),
                "gap_ci": [j(self.ci_lo), j(self.ci_hi)], "confidence_level": self.level,
                "p_value_pair": j(self.p_value_pair),
                "min_detectable_gap": j(self.min_detectable_gap),
                "worst_ratio": j(self.worst_ratio), "worst_ratio_group": self.ratio_group,
                "reference_group": self.reference,
                "better_group": self.better_group, "worse_group": self.worse_group,
                "relative_gap": j(self.relative),
                "relative_gap_ci": [j(self.relative_ci[0]), j(self.relative_ci[1])],
                "share_explained_by_activity": j(self.share_explained),
                "thresholds": {"max_gap": self.max_gap, "min_ratio": self.min_ratio,
                               "significance": self.significance}}


def worst_ratio(gap: dict) -> tuple[float, str | None, str | None]:
    """``(ratio, group, reference)``: the compared group whose ratio to the reference is
    furthest from 1, the ratio folded below 1 (min(r, 1 / r))."""
    ref = gap.get("reference") or {}
    ratios = ref.get("ratios") or {}
    compared = ref.get("flags") or {}
    folded = [(min(r, 1.0 / r), g) for g, r in ratios.items()
              if g in compared and r is not None and r > 0]
    ratio, group = min(folded) if folded else (math.nan, None)
    return ratio, group, ref.get("group")


#: Gender codes in words (the demo shop and MovieLens write F / M).
GENDER_WORDS = {"f": "women", "female": "women", "woman": "women", "women": "women",
                "m": "men", "male": "men", "man": "men", "men": "men"}


def who(attribute: str, group: str) -> str:
    """The users of a group in words: gender F -> "women", age group 18-24 -> "users aged
    18-24", region Islands -> "users in Islands", occupation student -> "users with occupation
    student"."""
    from fairrec_core import names

    group = str(group)
    if attribute == "gender":
        return GENDER_WORDS.get(group.strip().lower(), group)
    if attribute in ("age_group", "age"):
        return f"users aged {group}"
    if attribute == "region" or " & " in attribute:
        return f"users in {group}"
    return f"users with {names.attribute(attribute)} {group}"


def sentence(metric: str, better: str, worse: str, better_mean: float, gap: float, lo: float,
             hi: float) -> tuple[str, float, tuple[float, float]]:
    """"women get 11% less accurate recommendations than men [6%, 15%]": the gap and its interval
    divided by the better-served group's mean (the upper end at most 100% where higher is
    better: the metrics are non-negative)."""
    if not (better_mean and math.isfinite(better_mean) and math.isfinite(gap)):
        return (f"{worse} are served worse than {better} on {glossary.label(metric)}: gap "
                f"{num(gap)} {interval(lo, hi)}", math.nan, (math.nan, math.nan))
    rel, rlo, rhi = gap / abs(better_mean), lo / abs(better_mean), hi / abs(better_mean)
    if better_mean > 0 and glossary.info(metric).higher_is_better:
        rhi = min(rhi, 1.0)  # a group cannot get more than 100% less of a non-negative metric
    from fairrec_core.audit._context import ACCURACY_METRICS

    name = metric.partition("@")[0]
    info = glossary.info(metric)
    if name in ACCURACY_METRICS:
        what = f"{percent(rel)} less accurate recommendations than {better}"
    else:
        direction = "lower" if info.higher_is_better is not False else "higher"
        what = f"{percent(rel)} {direction} {info.label} than {better}"
    return f"{worse} get {what} [{percent(rlo)}, {percent(rhi)}]", rel, (rlo, rhi)


def check(attribute: str, metric: str, gap: dict, groups: dict, policy, mpolicy,
          level: float) -> Check:
    """The verdict of ``gap`` (a ``metrics.json`` gap entry) under ``policy``."""
    d, lo, hi = _f(gap.get("difference")), *(_f(x) for x in gap.get("difference_ci95", [None] * 2))
    p, mdg = _f(gap.get("p_value_pair")), _f(gap.get("min_detectable_gap"))
    ratio, ratio_group, reference = worst_ratio(gap)
    adjusted = gap.get("adjusted") or {}
    share = _f(adjusted.get("share_explained"))
    alpha = policy.significance
    higher = glossary.info(metric).higher_is_better is not False
    hi_g, lo_g = gap.get("max_group"), gap.get("min_group")
    better, worse = (hi_g, lo_g) if higher else (lo_g, hi_g)
    base = dict(attribute=attribute, metric=metric, gap=d, ci_lo=lo, ci_hi=hi, level=level,
                p_value_pair=p, min_detectable_gap=mdg, worst_ratio=ratio, reference=reference,
                ratio_group=ratio_group, better_group=better, worse_group=worse,
                max_gap=mpolicy.max_gap, min_ratio=mpolicy.min_ratio, significance=alpha,
                share_explained=share)
    if not better or not worse or not math.isfinite(d) or math.isnan(p):
        return Check(colour="grey", reason="grey", summary="Not assessed: fewer than two groups "
                     "with enough users to compare.", sentence="", next_step=STEPS["grey"],
                     relative=math.nan, relative_ci=(math.nan, math.nan), **base)
    better_mean = _f((groups.get(better) or {}).get(metric))
    text, rel, rel_ci = sentence(metric, who(attribute, better), who(attribute, worse),
                                 better_mean, d, lo, hi)
    text = text[:1].upper() + text[1:]
    sig_p = p < alpha
    if not sig_p:
        text += " — not a clear difference"
    # a card never shows an interval that excludes 0 beside "no clear gap", nor the reverse:
    # when the interval (at the audit's level) and p (at the policy's) disagree, it is amber
    same_level = abs((1.0 - level) - alpha) < 1e-9
    sig_ci = excludes_zero(lo, hi) if math.isfinite(lo) and math.isfinite(hi) else sig_p
    over_gap = d > mpolicy.max_gap
    over_ratio = math.isfinite(ratio) and ratio < mpolicy.min_ratio
    figures = f"gap {num(d)} {interval(lo, hi)} ({level:.0%} interval), {p_text(p)}"
    limits = f"policy: gap at most {num(mpolicy.max_gap)}, ratio at least {mpolicy.min_ratio:g}"
    if sig_p != sig_ci:
        colour, reason = "amber", "amber_edge"
        summary = (f"At the edge of significance: {figures}; the interval and the p-value "
                   "disagree only through the random shuffles." if same_level else
                   f"Borderline: {figures}; the {level:.0%} interval "
                   f"{'excludes' if sig_ci else 'includes'} 0, but the policy's significance "
                   f"level is {alpha:g}.")
    elif sig_p and (over_gap or over_ratio):
        colour, reason = "red", ("red_activity" if math.isfinite(share)
                                 and share >= ACTIVITY_SHARE else "red")
        over = [f"gap {num(d)} > {num(mpolicy.max_gap)}"] if over_gap else []
        over += [f"ratio {ratio:.2f} < {mpolicy.min_ratio:g}"] if over_ratio else []
        summary = f"Real gap over the policy ({', '.join(over)}): {figures}."
    elif sig_p:
        colour, reason = "amber", "amber_within"
        summary = f"Real gap, within the policy ({limits}): {figures}."
    elif not (math.isfinite(mdg) and mdg <= mpolicy.max_gap):
        colour, reason = "amber", "amber_inconclusive"
        summary = (f"Inconclusive, too few users: {figures}; the smallest gap this audit could "
                   f"detect is {num(mdg)}, above the policy's {num(mpolicy.max_gap)}.")
    elif over_ratio:
        colour, reason = "amber", "amber_ratio"
        summary = (f"No clear gap ({figures}), but {ratio_group}'s ratio to {reference} is "
                   f"{ratio:.2f}, below the policy's {mpolicy.min_ratio:g}.")
    else:
        colour, reason = "green", "green"
        summary = (f"No clear gap: {figures}; a gap of {num(mpolicy.max_gap)} would have been "
                   f"found (smallest detectable {num(mdg)}).")
    return Check(colour=colour, reason=reason, summary=summary, sentence=text,
                 next_step=STEPS[reason], relative=rel, relative_ci=rel_ci, **base)
