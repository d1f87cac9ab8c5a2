"""The Fairness audit page's private release (differential privacy): a switch and an ε, then
the private group means with their intervals (sampling and noise) beside the exact ones, the
private gap, and the session's budget ledger for the dataset.

Each distinct release (lists, attribute, metric, ε) is made once per session and charged to the
ledger once; showing it again costs nothing (the same numbers). The noise seed is drawn once per
session and kept secret in its state, so a release repeats within the session. The formulas are
in :mod:`fairrec_core.privacy`; nothing is computed here but the table layout."""

from __future__ import annotations

import secrets

import pandas as pd
import streamlit as st

from fairrec_app import keys, services
from fairrec_core import glossary, names
from fairrec_core.privacy import METRIC_BOUNDS, BudgetLedger, PrivacyError, private_release
from fairrec_core.wording import p_text

#: The session's budget per dataset, all private releases on the page together.
SESSION_BUDGET = 10.0
#: The ε a release starts at.
DEFAULT_EPSILON = 1.0
HELP = ("Differential privacy: the group means are computed from a noisy count and noisy sums "
        "(each user's value clipped to [0, 1]), so that no single user's data can be told from "
        "what is shown. Smaller ε: more noise, more privacy. The private intervals cover both "
        "the sampling of users and the noise (parametric bootstrap).")


def session_seed() -> int:
    """The session's secret noise seed (drawn once, kept in session state)."""
    if keys.AUDIT_DP_SEED not in st.session_state:
        st.session_state[keys.AUDIT_DP_SEED] = secrets.randbits(32)
    return int(st.session_state[keys.AUDIT_DP_SEED])


def ledger_for(dataset_key: str, name: str) -> BudgetLedger:
    """The session's budget ledger of one dataset (memory only)."""
    ledgers = st.session_state.setdefault(keys.AUDIT_DP_LEDGERS, {})
    if dataset_key not in ledgers:
        ledgers[dataset_key] = BudgetLedger(dataset=name, epsilon=SESSION_BUDGET)
    return ledgers[dataset_key]


def release_for(ctx, lists, lists_key: str, attribute: str, metric: str, epsilon: float,
                ledger: BudgetLedger):
    """``(release, None)``, made (and charged) once per lists, attribute, metric and ε, or
    ``(None, message)`` when the ledger refuses it."""
    store = st.session_state.setdefault(keys.AUDIT_DP_RELEASES, {})
    key = (lists_key, attribute, metric, float(epsilon))
    if key not in store:
        try:
            store[key] = private_release(
                ctx, lists, epsilon=epsilon, metrics=[metric], attributes=[attribute],
                seed=session_seed(), ledger=ledger,
                what=f"{glossary.label(metric)} by {names.attribute(attribute)}")
        except PrivacyError as e:
            return None, str(e)
    return store[key], None


def side_by_side(res, release, attribute: str, metric: str) -> pd.DataFrame:
    """Per group: the exact mean and 95% bootstrap interval, the private mean and its interval,
    the noisy count (suppressed groups: blank private figures)."""
    exact = res.group_table(attribute, metric)
    private = release.group_table(attribute, metric).set_index("group")
    private = private.loc[exact["group"]]
    return pd.DataFrame({
        "Group": exact["group"].to_numpy(),
        "Mean": exact["mean"].to_numpy(),
        "95% low": exact["ci_lo"].to_numpy(),
        "95% high": exact["ci_hi"].to_numpy(),
        "Private mean": private["mean"].to_numpy(),
        "Private 95% low": private["ci_lo"].to_numpy(),
        "Private 95% high": private["ci_hi"].to_numpy(),
        "Noisy count": private["n_noisy"].round().to_numpy(),
    })


def ledger_table(ledger: BudgetLedger) -> pd.DataFrame:
    return pd.DataFrame({"Released": [r["what"] for r in ledger.releases],
                         "ε": [r["epsilon"] for r in ledger.releases]})


def section(cur, lists, res, lists_key: str, attribute: str, metric: str) -> None:
    """The switch; when on: ε, the side-by-side table, the private gap and the ledger."""
    on = st.toggle("Private release (differential privacy)", key=keys.widget("audit", "dp"),
                   help=HELP)
    if not on:
        return
    st.subheader(f"Private release: {glossary.label(metric)} by {names.attribute(attribute)}.")
    name = metric.partition("@")[0]
    if name not in METRIC_BOUNDS:
        bounded = ", ".join(glossary.label(f"{m}@{cur.k}") for m in METRIC_BOUNDS)
        st.info(f"{glossary.label(metric)} has no bounded range, so it cannot be released "
                f"privately; pick an accuracy metric ({bounded}).")
        return
    epsilon = st.number_input("ε of this release", min_value=0.05, max_value=SESSION_BUDGET,
                              value=DEFAULT_EPSILON, step=0.25, key=keys.widget("audit", "dp_eps"),
                              help="The privacy budget this release spends. Each new release "
                                   "(another ε, attribute or metric) is charged to the ledger.")
    data = cur.ds.data
    ledger = ledger_for(data.fingerprint, data.name)
    release, error = release_for(services.context_for(cur.ds, cur.k), lists, lists_key,
                                 attribute, metric, epsilon, ledger)
    if error:
        st.error(error, icon=":material/lock:")
    else:
        st.dataframe(side_by_side(res, release, attribute, metric), hide_index=True,
                     key="audit.dp.table", column_config={
                         c: st.column_config.NumberColumn(format="%.3f")
                         for c in ("Mean", "95% low", "95% high", "Private mean",
                                   "Private 95% low", "Private 95% high")})
        gap = release.gap(attribute, metric)
        c1, c2 = st.columns(2)
        if gap["n_groups"] >= 2:
            c1.metric("Private difference", f"{gap['difference']:.3f}",
                      delta=f"95%: [{gap['ci_lo']:.3f}, {gap['ci_hi']:.3f}]",
                      delta_color="off", delta_arrow="off",
                      help=f"Best- minus worst-served group of the private means "
                           f"({gap['max_group']} − {gap['min_group']}).")
            c2.metric("Private p-value", p_text(gap["p_value"]).removeprefix("p ")
                      .removeprefix("= "), delta_color="off",
                      help="Parametric bootstrap of the spread of the private means if every "
                           "group had the same mean.")
        st.caption(f"ε {release.epsilon:g}, Laplace noise (pure differential privacy); "
                   f"intervals cover the sampling of users and the "
                   f"noise. Groups whose noisy count is below "
                   f"{release.thresholds[attribute]:.0f} are not shown.")
    spent, left = ledger.spent[0], ledger.remaining[0]
    c1, c2 = st.columns(2)
    c1.metric("Privacy budget spent", f"ε {spent:g}")
    c2.metric("Remaining", f"ε {left:g} of {ledger.epsilon:g}")
    if ledger.releases:
        st.dataframe(ledger_table(ledger), hide_index=True, key="audit.dp.ledger")
