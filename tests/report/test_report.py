"""``audit --report``: a self-contained report.html whose numbers are those of metrics.json, the
per-user and per-group CSVs beside it, the re-ranking's before -> after effect, and (in headless
Chromium with the network blocked) every chart drawn."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from plotly.offline import get_plotlyjs

from fairrec_core.cli import main

CHROMIUM = Path("/usr/bin/chromium")
# the launch arguments of tests/browser/test_browser_app.py
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
FAST = ["--bootstrap", "200", "--permutations", "200", "--quiet"]
SPEC = "synthetic:users=300,items=120,interactions=6000,seed=1"


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    assert main(["audit", "--data", "demo", "--model", "popularity", "--report",
                 "--out", str(out), *FAST]) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    metrics = json.loads((out / "metrics.json").read_text())
    return out, html, metrics


def _outside_bundle(html: str) -> str:
    bundle = get_plotlyjs()
    assert html.count(bundle) == 1, "plotly.js must be embedded exactly once"
    return html.replace(bundle, "")


def test_report_is_self_contained_with_one_plotly_bundle(demo_run):
    _, html, _ = demo_run
    assert len(re.findall(r"\* plotly\.js v\d", html)) == 1
    rest = _outside_bundle(html)
    # no script loaded from anywhere: every <script> is inline
    assert not re.search(r"<script[^>]*\bsrc\s*=", rest, flags=re.I)
    assert "cdn.plot.ly" not in rest
    assert not re.search(r"""(?:href|src)\s*=\s*["']?https?:""", rest, flags=re.I)
    # one newPlot per figure div
    n_divs = len(re.findall(r'<div id="figure-\d+"', rest))
    assert n_divs > 5 and rest.count("Plotly.newPlot(") == n_divs


def test_report_numbers_equal_metrics_json(demo_run):
    _, html, metrics = demo_run
    for metric, value in metrics["overall"].items():
        lo, hi = metrics["overall_ci95"].get(metric, (None, None))  # catalogue metrics: none
        cells = "".join(f'<td class="num">{"—" if v is None else f"{v:.4f}"}</td>'
                        for v in (value, lo, hi))
        row = rf"<td>{re.escape(metric)}</td><td>[^<]*</td>{re.escape(cells)}"
        assert re.search(row, html), metric
    for attr in ("gender", "age_group", "region"):
        for group, entry in metrics["groups"][attr].items():
            for metric in metrics["overall"]:
                if metric not in entry or entry[metric] is None:
                    continue
                lo, hi = entry[f"{metric}_ci95"]
                assert f"{entry[metric]:.4f} [{lo:.4f}, {hi:.4f}]" in html, (attr, group, metric)
        for metric, gap in metrics["gaps"][attr].items():
            if gap["p_value"] is None:
                continue
            flag = "below 4/5" if gap["flag"] else "ok"
            values = [gap["difference"], *gap["difference_ci95"], gap["ratio"], gap["p_value"],
                      gap["p_value_pair"], gap["min_detectable_gap"]]
            cells = "".join(f'<td class="num">{v:.4f}</td>' for v in values)
            assert f"{cells}<td>{flag}</td>" in html, (attr, metric)
            # the interval shown is the simultaneous one, not the percentile bootstrap
            assert gap["difference_ci95"] == gap["difference_ci95_simultaneous"]
    gini = metrics["exposure"]["gini_exposure@10"]
    assert f"Exposure Gini@10: <b>{gini:.4f}</b>" in html


def _cells(*values) -> str:
    return "".join(f'<td class="num">{"—" if v is None else f"{v:.4f}"}</td>' for v in values)


def test_report_issue10_statistics_equal_metrics_json(demo_run):
    """Groups left out, every pair's simultaneous interval and adjusted p-values, the ratios
    against the reference group and the gaps at equal activity: as in metrics.json."""
    from html import escape

    from fairrec_core import names
    from fairrec_core.glossary import label

    _, html, metrics = demo_run
    gaps = metrics["gaps"]
    assert gaps["gender"]["ndcg@10"]["excluded_groups"] == {"U": "uninformative"}
    assert "<b>gender</b>: U (uninformative)" in html
    n_pairs = 0
    for attr in ("gender", "age_group", "region"):
        for name in ("ndcg", "recall", "aplt", "calibration_kl"):
            metric = f"{name}@10"
            for pair in gaps[attr][metric]["pairwise"]:
                a, b = pair["groups"]
                row = (f"<td>{names.attribute(attr)}</td><td>{label(metric)}</td><td>{a} − {b}</td>"
                       + _cells(pair["difference"], *pair["ci95"], pair["p_value"],
                                pair["p_adjusted_maxt"], pair["p_adjusted_holm"],
                                pair["p_adjusted_bh"]))
                assert row in html, (attr, metric, a, b)
                n_pairs += 1
        ref = gaps[attr]["ndcg@10"]["reference"]
        means = {g: v["ndcg@10"] for g, v in metrics["groups"][attr].items()}
        for group, ratio in ref["ratios"].items():
            # independent: the group mean over the reference group's mean
            assert ratio == pytest.approx(means[group] / means[ref["group"]], rel=1e-12)
            assert (f"<td>{group}</td>" + _cells(means[group], means[ref["group"]], ratio)) in html
    assert n_pairs == 4 * (1 + 15 + 15)
    assert html.count("four-fifths band") >= 3  # one reference chart per single attribute
    for attr, by_metric in gaps.items():
        for metric, gap in by_metric.items():
            adj = gap.get("adjusted")
            if adj is None:
                continue
            row = (f"<td>{escape(names.attribute(attr))}</td><td>{label(metric)}</td>"
                   f"<td>{escape(adj['group_high'])}</td><td>{escape(adj['group_low'])}</td>"
                   + _cells(adj["raw_difference"], adj["difference"], *adj["ci95"],
                            adj["p_value"], adj["explained"], adj["share_explained"]))
            assert row in html, (attr, metric)
            assert adj["raw_difference"] - adj["explained"] == pytest.approx(adj["difference"],
                                                                           abs=1e-12)
    for words in ("max |t|", "Westfall–Young", "Holm", "Benjamini–Hochberg", "HC3",
                  "Oaxaca–Blinder", "minimum detectable gap", "√(p (1 − p) / S)",
                  "not a cause", "Reference group"):
        assert words in html, words


def test_users_and_groups_csv_agree_with_metrics_json(demo_run):
    out, _, metrics = demo_run
    users = pd.read_csv(out / "users.csv", dtype={"user_id": str})
    groups = pd.read_csv(out / "groups.csv")
    assert users["user_id"].is_unique and len(users) == metrics["n_users"]
    for attr in ("gender", "age_group", "region"):
        for name in ("ndcg", "recall", "aplt", "arp"):
            metric = f"{name}@{metrics['k']}"
            # an independent group mean of the per-user values
            means = users.groupby(users[attr].astype(str))[name].mean()
            for group, entry in metrics["groups"][attr].items():
                assert np.isclose(means[group], entry[metric], rtol=1e-9, atol=1e-12)
                row = groups[(groups["attribute"] == attr) & (groups["group"].astype(str) == group)
                             & (groups["metric"] == metric)]
                assert len(row) == 1
                assert np.isclose(row["mean"].iloc[0], entry[metric], rtol=1e-12)
                assert np.allclose(row[["ci_lo", "ci_hi"]].to_numpy()[0],
                                   entry[f"{metric}_ci95"], rtol=1e-12)
    # overall = mean over users with a value
    assert np.isclose(users["ndcg"].mean(), metrics["overall"]["ndcg@10"], rtol=1e-9)


def test_csvs_are_written_without_report(tmp_path):
    assert main(["audit", "--data", SPEC, "--model", "popularity", "--out", str(tmp_path),
                 "--bootstrap", "20", "--permutations", "20", "--quiet"]) == 0
    assert (tmp_path / "users.csv").is_file() and (tmp_path / "groups.csv").is_file()
    assert not (tmp_path / "report.html").exists()


def test_report_shows_rerank_before_and_after(tmp_path):
    base, tuned = tmp_path / "base", tmp_path / "tuned"
    common = ["--data", SPEC, "--model", "popularity", "--seed", "4", "--bootstrap", "20",
              "--permutations", "20", "--quiet"]
    assert main(["audit", *common, "--out", str(base)]) == 0
    assert main(["audit", *common, "--rerank", "calibrated:lambda=0.9", "--candidates", "40",
                 "--report", "--out", str(tuned)]) == 0
    before = json.loads((base / "metrics.json").read_text())["overall"]
    after = json.loads((tuned / "metrics.json").read_text())["overall"]
    html = (tuned / "report.html").read_text(encoding="utf-8")
    assert "calibrated:lambda=0.9" in html
    for metric in ("ndcg@10", "calibration_kl@10", "coverage@10"):
        row = (rf"<td>{re.escape(metric)}</td><td>[^<]*</td><td class=\"num\">"
               rf"{before[metric]:.4f}</td><td class=\"num\">{after[metric]:.4f}</td>")
        assert re.search(row, html), metric
    assert after["calibration_kl@10"] < before["calibration_kl@10"]


@pytest.mark.browser
def test_report_charts_render_offline_in_chromium(demo_run):
    if not CHROMIUM.is_file():
        if os.environ.get("FAIRREC_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing and FAIRREC_REQUIRE_BROWSER=1")
        pytest.skip(f"{CHROMIUM} not installed (set FAIRREC_REQUIRE_BROWSER=1 to make this a "
                    "failure)")
    from playwright.sync_api import sync_playwright

    out, html, _ = demo_run
    n_figures = len(re.findall(r'<div id="figure-\d+"', _outside_bundle(html)))
    blocked: list[str] = []

    def route(r):
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1200, "height": 900})
            context.route("**/*", route)
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto((out / "report.html").resolve().as_uri(), wait_until="load",
                      timeout=30_000)
            page.wait_for_function(
                "n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n",
                arg=n_figures, timeout=20_000)
            plots = page.locator(".js-plotly-plot")
            assert plots.count() == n_figures
            drawn = page.evaluate(
                "() => [...document.querySelectorAll('.js-plotly-plot')]"
                ".map(p => p.querySelectorAll('.main-svg').length > 0)")
            assert all(drawn) and len(drawn) == n_figures
            assert errors == []
            assert blocked == []
        finally:
            browser.close()
