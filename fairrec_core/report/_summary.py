"""The report's first page: the scorecard (one verdict per attribute, its sentence, what changed
and the next step) and the groups left out with the reason. Every word and figure is the
:class:`~fairrec_core.scorecard.Scorecard`'s; nothing is recomputed here."""

from __future__ import annotations

from fairrec_core import glossary, names
from fairrec_core.report._html import esc
from fairrec_core.scorecard import LABELS, OVERALL
from fairrec_core.wording import EXCLUDED_REASONS

#: Verdict -> (background, text) of its badge.
BADGE = {"green": ("#d3f9d8", "#2b8a3e"), "amber": ("#fff3bf", "#a86200"),
         "red": ("#ffe3e3", "#c92a2a"), "grey": ("#f1f3f5", "#495057")}


def badge(verdict: str) -> str:
    bg, fg = BADGE[verdict]
    return (f'<span class="badge" style="background:{bg};color:{fg}">'
            f"{verdict}: {esc(LABELS[verdict].lower())}</span>")


def left_out(excluded: dict) -> str:
    """"U (a label such as 'unspecified' ...), 60+ (too few users ...)"."""
    return ", ".join(f"{g} ({EXCLUDED_REASONS.get(why, why)})" for g, why in excluded.items())


def summary_section(card) -> str:
    """The scorecard as the report's executive summary (HTML)."""
    policy = card.policy
    thresholds = "; ".join(f"{glossary.label(m.name)}: gap at most {m.max_gap:g}, ratio at least "
                           f"{m.min_ratio:g}" for m in policy.metrics)
    out = [f'<p class="lead">{badge(card.verdict)} {esc(OVERALL[card.verdict])}'
           + (" <b>The policy's release gate fails.</b>" if card.failed else "") + "</p>"]
    rows = []
    for c in card.cards:
        h = c.headline
        change = "; ".join(f"{glossary.label(ch.metric)} gap {ch.text}" for ch in c.changes)
        rows.append(
            f"<tr><td><b>{esc(names.attribute(c.attribute))}</b></td><td>{badge(c.verdict)}</td>"
            f"<td>{esc(h.sentence or h.summary)}"
            + (f'<div class="note">{esc(glossary.label(h.metric))}; {esc(h.summary)}</div>'
               if h.sentence else "")
            + (f'<div class="note">Since the previous audit: {esc(change)}</div>' if change
               else "")
            + f"</td><td>{esc(h.next_step)}</td></tr>")
    out.append('<table class="summary"><thead><tr><th>Users by</th><th>Verdict</th>'
               "<th>Who is served worse</th><th>Next step</th></tr></thead><tbody>"
               + "".join(rows) + "</tbody></table>")
    small = [(c.attribute, left_out(c.excluded_groups)) for c in card.cards if c.excluded_groups]
    if small:
        out.append("<p><b>Groups left out of the verdicts</b> (shown in the details, never as "
                   "findings): " + "; ".join(f"{esc(names.attribute(a))}: {esc(text)}"
                                             for a, text in small) + ".</p>")
    out.append(f'<p class="note">Thresholds ({esc(policy.source)}): {esc(thresholds)}; a gap '
               f"counts as real at p &lt; {policy.significance:g}. Green: no clear gap and the "
               "audit could have seen one; amber: a real gap within the policy, or too few "
               "users to tell; red: a real gap over the policy.</p>")
    return "".join(out)
