"""``scorecard.md``: the scorecard as Markdown — one table row per attribute and metric, then each
attribute's verdict, sentence and next step. Every figure is the one in ``to_dict()``, written
with :mod:`fairrec_core.wording`."""

from __future__ import annotations

from fairrec_core import glossary
from fairrec_core.wording import EXCLUDED_REASONS, interval, num, p_text

COLUMNS = ("Attribute", "Metric", "Verdict", "Worst-served group", "Gap [interval]",
           "p (pair)", "Smallest detectable gap", "Lowest ratio vs reference",
           "Change since previous")


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render(card) -> str:
    from fairrec_core.scorecard._scorecard import ICONS

    policy = card.policy
    lines = [f"# Fairness scorecard (k = {card.k})", "",
             f"**Overall: {ICONS[card.verdict]}**" + (" — the policy gate FAILED" if card.failed
                                                      else ""),
             "", f"Policy: {policy.source}; a gap counts as real at p < {policy.significance:g}.",
             "", "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for c in card.cards:
        changes = {ch.metric: ch.text for ch in c.changes}
        for ch in c.checks:
            ratio = "n/a" if ch.worst_ratio != ch.worst_ratio else (
                f"{num(ch.worst_ratio, 2)} ({ch.ratio_group} vs {ch.reference})")
            row = (c.attribute, glossary.label(ch.metric), ICONS[ch.colour],
                   ch.worse_group or "n/a",
                   f"{num(ch.gap)} {interval(ch.ci_lo, ch.ci_hi)}", p_text(ch.p_value_pair),
                   num(ch.min_detectable_gap), ratio,
                   changes.get(ch.metric, "no previous audit" if not card.previous else "n/a"))
            lines.append("| " + " | ".join(_cell(x) for x in row) + " |")
    for c in card.cards:
        h = c.headline
        lines += ["", f"## {c.attribute}: {ICONS[c.verdict]}", ""]
        if h.sentence:
            lines.append(f"**{h.sentence}** ({glossary.label(h.metric)}, "
                         f"{h.level:.0%} interval).")
        lines += [f"- {glossary.label(ch.metric)}: {ch.summary}" for ch in c.checks]
        if c.excluded_groups:
            lines.append("- Left out of the gap: " + ", ".join(
                f"{g} ({EXCLUDED_REASONS.get(why, why)})" for g, why in c.excluded_groups.items()) + ".")
        lines.append(f"- **Next step:** {h.next_step}")
    if card.gates:
        lines += ["", "## Release gates (fail_on)", ""]
        lines += [f"- `{g['condition']}`: {'FAILED' if g['failed'] else 'ok'} "
                  f"(value {num(g['value'], 4)})" for g in card.gates]
    return "\n".join(lines) + "\n"
