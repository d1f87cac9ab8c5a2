"""The scorecard on a page: the team's policy (``fairness-policy.toml`` in the working directory,
editable here), one card per attribute from :func:`fairrec_core.scorecard.scorecard`, the change
since a saved baseline (``audits/<dataset>/metrics.json``) or an uploaded ``metrics.json``, and
the home page's verdict strip. Every verdict, sentence and next step is the core's."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import streamlit as st

from fairrec_app import keys, layout
from fairrec_core import glossary, names
from fairrec_core.errors import DataError
from fairrec_core.scorecard import (
    BASELINE_ROOT,
    LABELS,
    OVERALL,
    MetricPolicy,
    Policy,
    load_policy,
    parse_metrics,
    policy_toml,
    read_baseline,
    save_baseline,
    scorecard,
)
from fairrec_core.wording import EXCLUDED_REASONS, interval, num, p_text

#: The policy file read from the working directory when present.
POLICY_FILE = Path("fairness-policy.toml")
#: Environment variable naming the folder baselines are saved in (default ``audits/``).
AUDITS_ENV = "FAIRREC_AUDITS"
#: Session keys (plain, so they survive page switches).
POLICY = "scorecard.policy"  # the Policy as edited on the page
PREVIOUS = "scorecard.previous"  # (file name, metrics dict, file id) of an uploaded metrics.json
METRICS = "scorecard.metrics"  # (audit identity, metrics dict): to_dict() once per audit
#: Verdict -> Streamlit badge colour and icon.
BADGES = {"green": ("green", "check_circle"), "amber": ("orange", "visibility"),
          "red": ("red", "warning"), "grey": ("gray", "help")}
BOXES = {"green": st.success, "amber": st.warning, "red": st.error, "grey": st.info}
#: Next-step reason -> (page label, link text) of the page where the step is taken.
STEP_PAGES = {
    "red": ("Close a gap", "Close this gap"),
    "red_activity": ("Fairness audit", "See the gap at equal activity"),
    "amber_inconclusive": ("Data", "Open the data"),
    "amber_ratio": ("Data", "Open the data"),
    "amber_within": ("What-if", "Try a re-ranker on What-if"),
}


def badge(verdict: str) -> str:
    colour, icon = BADGES[verdict]
    return f":{colour}-badge[:material/{icon}: {LABELS[verdict]}]"


# ---- policy ------------------------------------------------------------------------------------
def file_policy() -> tuple[Policy, str | None]:
    """The policy file of the working directory (else the default) and an error, if it is bad."""
    if not POLICY_FILE.is_file():
        return Policy(), None
    try:
        return load_policy(POLICY_FILE), None
    except DataError as exc:
        return Policy(), f"{exc}; using the default policy"


def session_policy() -> Policy:
    """The policy as edited on the Scorecard page in this session, else the file's."""
    return st.session_state.get(POLICY) or file_policy()[0]


def fitted(policy: Policy, metrics: dict) -> tuple[Policy, list[str]]:
    """``policy`` restricted to the attributes and metrics this audit has, and a note per thing
    left out (a policy written for other data must not break the page)."""
    notes = []
    audited = list(metrics["gaps"])
    if policy.attributes is not None:
        kept = tuple(a for a in policy.attributes if a in audited)
        missing = [names.attribute(a) for a in policy.attributes if a not in audited]
        if missing:
            notes.append(f"Not in this data, so not judged: {', '.join(missing)}.")
        policy = replace(policy, attributes=kept or None)
    first = next(iter(metrics["gaps"].values()), {})
    k = metrics["k"]
    kept_m = tuple(m for m in policy.metrics if f"{m.name}@{k}" in first)
    if len(kept_m) < len(policy.metrics):
        gone = [glossary.label(f"{m.name}@{k}") for m in policy.metrics if m not in kept_m]
        notes.append(f"Not compared between groups in this audit: {', '.join(gone)}.")
    return replace(policy, metrics=kept_m or (MetricPolicy("ndcg"),)), notes


def audit_metrics(res) -> dict:
    """The audit's ``metrics.json`` dict, computed once per audit in this session."""
    ident = (id(res), res.k, res.n_users, res.n_evaluated)
    held = st.session_state.get(METRICS)
    if held is None or held[0] != ident:
        held = (ident, res.to_dict())
        st.session_state[METRICS] = held
    return held[1]


def card_of(res, data_name: str, policy: Policy | None = None):
    """``(scorecard, previous source or None, notes)`` of the session's audit under ``policy``
    (default: :func:`session_policy`), compared with the uploaded or saved baseline."""
    metrics = audit_metrics(res)
    policy, notes = fitted(policy or session_policy(), metrics)
    previous, source = None, None
    uploaded = st.session_state.get(PREVIOUS)
    if uploaded is not None:
        source, previous = f"the uploaded {uploaded[0]}", uploaded[1]
    else:
        try:
            previous = read_baseline(data_name, baseline_root())
        except DataError as exc:
            notes.append(f"The saved baseline could not be read: {exc}")
        if previous is not None:
            saved = (previous.get("settings") or {}).get("saved_at", "")
            source = "the baseline saved" + (f" {saved}" if saved else "")
    return scorecard(metrics, policy, previous), source, notes


def baseline_root() -> Path:
    """Where baselines are saved: ``$FAIRREC_AUDITS`` when set, else ``audits/`` in the working
    directory."""
    return Path(os.environ.get(AUDITS_ENV) or BASELINE_ROOT)


def _w(*parts: str) -> str:
    return keys.widget("scorecard", *parts)


def _reset() -> None:
    for key in [k for k in st.session_state if str(k).startswith(_w())] + [POLICY]:
        st.session_state.pop(key, None)


def policy_editor(metrics: dict) -> Policy:
    """The thresholds in an expander, seeded from the session's policy; returns the policy now
    in force (kept in the session for the other pages)."""
    base, error = file_policy()
    held = session_policy()
    k = metrics["k"]
    first = next(iter(metrics["gaps"].values()), {})
    available = [m.partition("@")[0] for m in first]
    ss = st.session_state
    with st.expander("Thresholds: what the team accepts", icon=":material/tune:"):
        if error:
            st.error(f"Policy file: {error}", icon=":material/error:")
        origin = f"the file {POLICY_FILE}" if POLICY_FILE.is_file() and not error else "defaults"
        st.caption(f"From {origin}{', edited on this page' if held != base else ''}. A gap "
                   "counts when it is "
                   "real (unlikely to be chance) and larger than the largest gap allowed, or when "
                   "a group gets less than the smallest share of the reference group's figure.")
        ss.setdefault(_w("sig"), min(max(held.significance, 0.001), 0.5))
        ss.setdefault(_w("metrics"), [m.name for m in held.metrics if m.name in available])
        significance = st.number_input(
            "Significance level", min_value=0.001, max_value=0.5, step=0.01, format="%.3f",
            key=_w("sig"), help="A gap counts as real when its p-value is below this (0.05: "
                                "one chance in twenty that a gap this large is luck).")
        chosen = st.multiselect("Measures judged", available, key=_w("metrics"),
                                format_func=lambda m: glossary.label(f"{m}@{k}"),
                                help="The per-user figures whose gaps between groups the "
                                     "scorecard judges.")
        by_name = {m.name: m for m in held.metrics}
        rows = []
        for name in chosen or ["ndcg"]:
            mp = by_name.get(name, MetricPolicy(name))
            ss.setdefault(_w("gap", name), float(mp.max_gap))
            ss.setdefault(_w("ratio", name), float(mp.min_ratio))
            a, b = st.columns(2)
            label = glossary.label(f"{name}@{k}")
            gap = a.number_input(f"{label}: largest gap allowed", min_value=0.0, step=0.005,
                                 format="%.3f", key=_w("gap", name),
                                 help="Best- minus worst-served group, in the measure's units.")
            ratio = b.number_input(f"{label}: smallest ratio to the reference group",
                                   min_value=0.0, max_value=1.0, step=0.05, format="%.2f",
                                   key=_w("ratio", name),
                                   help="0.8 is the four-fifths rule of hiring audits.")
            rows.append(MetricPolicy(name, float(gap), float(ratio)))
        policy = replace(held, significance=float(significance), metrics=tuple(rows),
                         source=base.source)
        if policy != base:  # Policy equality leaves out the source
            policy = replace(policy, source=f"{base.source}, edited in the app")
        a, b = st.columns(2)
        a.button("Back to the policy file", on_click=_reset, key=_w("reset"),
                 icon=":material/undo:", disabled=policy == base)
        if not layout.presenter():
            b.download_button("Download the policy (TOML)", policy_toml(policy),
                              "fairness-policy.toml", "application/toml", on_click="ignore",
                              icon=":material/download:", key=_w("dl_policy"),
                              help="Put it beside the command line's audit: "
                                   "`audit --policy fairness-policy.toml` gates on it.")
    ss[POLICY] = policy
    return policy


# ---- cards -------------------------------------------------------------------------------------
def left_out_text(excluded: dict) -> str:
    return "; ".join(f"{g} ({EXCLUDED_REASONS.get(why, why)})" for g, why in excluded.items())


def overall_box(card, source: str | None) -> None:
    word = OVERALL[card.verdict] + (" The policy's release gate fails." if card.failed else "")
    BOXES[card.verdict](word, icon=":material/traffic:")
    st.caption(f"Compared with {source}." if source else
               "No baseline yet: save this audit as the baseline to see what changes next time.")


def _close_gap(attribute: str, metric: str) -> None:
    """Open Close a gap on this attribute and measure."""
    st.session_state[keys.widget("closegap", "attr")] = attribute
    st.session_state[keys.widget("closegap", "metric")] = metric.partition("@")[0]


def cards(card) -> None:
    """One bordered card per attribute: verdict, sentence, change, next step, groups left out."""
    presenter = layout.presenter()
    per_row = 3 if len(card.cards) != 4 else 4
    for start in range(0, len(card.cards), per_row):
        row = card.cards[start:start + per_row]
        for col, c in zip(st.columns(per_row), row, strict=False):
            with col.container(border=True):
                _card(c, card, presenter)


def _card(c, card, presenter: bool) -> None:
    h = c.headline
    st.markdown(f"#### {names.attribute(c.attribute).capitalize()}")
    st.markdown(badge(c.verdict))
    st.markdown(f"**{h.sentence}**" if h.sentence else h.summary)
    if h.sentence:
        st.caption(f"Measured by: {glossary.label(h.metric)}"
                   + ("." if presenter else f". {h.summary}"))
    for ch in c.changes:
        st.markdown(f":material/history: Since the previous audit, the {glossary.label(ch.metric)} "
                    f"gap went {ch.text}.")
    st.markdown(f"**Next step:** {h.next_step}")
    page = STEP_PAGES.get(h.reason)
    if page is not None:
        target, text = page
        if target == "Close a gap":
            if st.button(text, key=_w("close", c.attribute), icon=":material/target:"):
                _close_gap(c.attribute, h.metric)
                st.switch_page(layout.PAGE_PATH[target])
        else:
            layout.link(target, text)
    if c.excluded_groups:
        st.caption(f"Left out of the verdict: {left_out_text(c.excluded_groups)}.")


def details(card) -> None:
    """Every check's figures and the scorecard's files (hidden in presenter mode)."""
    import json

    import pandas as pd

    rows = [{"users by": names.attribute(c.attribute), "measure": glossary.label(ch.metric),
             "verdict": LABELS[ch.colour], "worse served": ch.worse_group or "",
             "gap [interval]": f"{num(ch.gap)} {interval(ch.ci_lo, ch.ci_hi)}",
             "p (pair)": p_text(ch.p_value_pair),
             "detectable gap": num(ch.min_detectable_gap),
             "lowest ratio": "" if ch.worst_ratio != ch.worst_ratio
             else f"{num(ch.worst_ratio, 2)} ({ch.ratio_group} vs {ch.reference})"}
            for c in card.cards for ch in c.checks]
    with st.expander("Figures behind each verdict", icon=":material/table:"):
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        a, b, _ = st.columns([1, 1, 2])
        a.download_button("scorecard.json", json.dumps(card.to_dict(), indent=2,
                                                       ensure_ascii=False),
                          "scorecard.json", "application/json", on_click="ignore",
                          icon=":material/download:", key=_w("dl_json"))
        b.download_button("scorecard.md", card.to_markdown(), "scorecard.md", "text/markdown",
                          on_click="ignore", icon=":material/download:", key=_w("dl_md"))


# ---- baseline ----------------------------------------------------------------------------------
def baseline(metrics: dict, data_name: str, label: str) -> None:
    """Save this audit as the baseline of its data, or compare with an uploaded metrics.json."""
    st.subheader("Compare with a previous audit")
    a, b = st.columns(2)
    with a:
        st.caption(f"Saved in {baseline_root()}/ beside the app; the next visit compares with it.")
        if st.button("Save this audit as the baseline", key=_w("save"),
                     icon=":material/bookmark_add:"):
            saved = {**metrics, "settings": {**metrics.get("settings", {}), "model": label,
                                             "data": data_name, "saved_at": datetime.now(UTC)
                                             .strftime("%Y-%m-%d %H:%M UTC")}}
            with layout.input_box("Saving the baseline", "write the baseline"):
                path = save_baseline(saved, data_name, baseline_root())
                st.session_state.pop(PREVIOUS, None)
                st.success(f"Saved as {path}; the cards now compare with it.",
                           icon=":material/bookmark_added:")
                st.rerun()
    if layout.presenter():
        return
    with b:
        upload = st.file_uploader("Or compare with a metrics.json from an earlier audit",
                                  type=["json"], key=_w("upload"),
                                  help="The metrics.json of `python -m fairrec_core audit` or of "
                                       "the Fairness audit page's download.")
        held = st.session_state.get(PREVIOUS)
        if upload is None:
            if held is not None:  # removed: back to the saved baseline
                st.session_state.pop(PREVIOUS)
                st.rerun()
            return
        if held is not None and held[2] == upload.file_id:
            return
        with layout.input_box(upload.name, "read this file"):
            previous = parse_metrics(upload.getvalue(), upload.name)
            st.session_state[PREVIOUS] = (upload.name, previous, upload.file_id)
            st.rerun()  # the cards above compare with it


# ---- home page ---------------------------------------------------------------------------------
def strip(res, data_name: str) -> None:
    """The home page's verdict strip: one badge and sentence per attribute, a link to the page."""
    with layout.error_box("Scorecard"):
        card, _, _ = card_of(res, data_name)
        with st.container(border=True):
            cols = st.columns([1] + [2] * len(card.cards))
            cols[0].markdown(f"**Scorecard**  \n{badge(card.verdict)}")
            for col, c in zip(cols[1:], card.cards, strict=True):
                h = c.headline
                col.markdown(f"{badge(c.verdict)} **{names.attribute(c.attribute).capitalize()}**")
                col.caption(f"{h.sentence} ({glossary.label(h.metric)})" if h.sentence
                            else h.summary)
            layout.link("Scorecard", "Open the scorecard: thresholds, changes and next steps")
