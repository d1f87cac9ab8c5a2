"""The dashboard in a real browser: `streamlit run` on 127.0.0.1 and headless Chromium.

Every page is opened by its URL on a freshly started server (classic multipage: each page
bootstraps the session itself), with no exception box and its charts drawn; a what-if slider is
moved with the keyboard and a shown metric changes. Screenshots go to tests/_screenshots/
(git-ignored); with FAIRREC_UPDATE_SCREENSHOT=1 the audit page's also replaces the README's
docs/screenshot-audit.png, so an ordinary test run leaves the work tree clean.

Chromium is Debian's (/usr/bin/chromium; never `playwright install`). Without it the tests skip
locally, but fail when FAIRREC_REQUIRE_BROWSER=1 (CI sets it).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from fairrec_core import glossary, names

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "tests" / "_screenshots"
DOCS_SHOT = ROOT / "docs" / "screenshot-audit.png"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

#: URL path -> (screenshot name, text the page must show once it has rendered)
PAGES = {
    "": ("home", "How well is each group of users served?"),
    "Data": ("data", "Who is in the data"),
    "Models": ("models", "Train a model"),
    "Recommendations": ("recommendations", "marks a held-out item"),
    "Fairness_audit": ("audit", "How far apart the"),
    "What-if": ("whatif", "Trade-off"),
}
#: Pages that must draw at least one plotly chart.
CHART_PAGES = {"", "Data", "Models", "Fairness_audit", "What-if"}

pytestmark = pytest.mark.browser

#: The card label of taste mismatch (calibration KL) on What-if.
KL = glossary.label("calibration_kl@10")


#: Every text a user must read in full (metric labels, values and deltas, buttons and page
#: links, select boxes, tabs, table cells, widget labels, headings) whose element is narrower
#: than its text (scrollWidth beyond clientWidth), described one per entry.
CLIPPED_JS = """() => {
  const out = [];
  // the element and every element inside it that holds text: the one that clips may be a
  // wrapper (a download button's label is clipped by a div inside the button)
  const check = (sel, what) => document.querySelectorAll(sel).forEach(root => {
    if (root.offsetParent === null) return;  // not displayed (a closed tab, an expander)
    for (const e of [root, ...root.querySelectorAll('*')]) {
      if (!e.innerText || !e.innerText.trim() || e.offsetParent === null) continue;
      if (e.scrollWidth > e.clientWidth + 1) {
        out.push(`${what}: "${e.innerText.trim().slice(0, 80)}" needs ${e.scrollWidth}px, has ${e.clientWidth}px`);
        return;
      }
    }
  });
  check('[data-testid="stMetricLabel"]', 'metric label');
  check('[data-testid="stMetricValue"]', 'metric value');
  check('[data-testid="stMetricDelta"]', 'metric delta');
  check('button, [data-testid="stPageLink"]', 'button');
  check('[data-testid="stSelectbox"] [data-baseweb="select"]', 'select box');
  check('[data-testid="stTab"]', 'tab');
  check('[data-testid="stTable"] th, [data-testid="stTable"] td', 'table cell');
  check('[data-testid="stWidgetLabel"]', 'widget label');
  check('[data-testid="stHeading"]', 'heading');
  return out;
}"""


def _require_browser():
    if CHROMIUM.is_file():
        return
    if os.environ.get("FAIRREC_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{CHROMIUM} is missing and FAIRREC_REQUIRE_BROWSER=1: the browser test must run")
    pytest.skip(f"{CHROMIUM} not installed (set FAIRREC_REQUIRE_BROWSER=1 to make this a failure)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(request, log_path: Path, env: dict | None = None):
    """Start `streamlit run app.py` on 127.0.0.1 (``env`` added to the environment), wait for its
    health check and stop it by PID when ``request``'s scope ends. Returns (base URL, process)."""
    _require_browser()
    port = _free_port()
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
    )

    def stop():
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()

    request.addfinalizer(stop)
    request.node.server_log = log_path  # shown by _diagnose when a check fails
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited with status {proc.returncode}: {log_path.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail("streamlit did not answer /_stcore/health within 60 s")
        time.sleep(0.3)
    return base, proc


@pytest.fixture
def server(request, tmp_path):
    """A freshly started `streamlit run app.py`; stopped by PID when the test ends."""
    return start_server(request, tmp_path / "streamlit.log")[0]


def _open(browser, url: str, must_show: str):
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_text(must_show).first.wait_for(timeout=90_000)
    _settle(page)
    return page


def _settle(page, timeout: float = 90.0) -> None:
    """Wait until the script run is over (Streamlit's status widget gone) and the page is quiet."""
    deadline = time.monotonic() + timeout
    quiet = 0
    while time.monotonic() < deadline:
        running = page.locator('[data-testid="stStatusWidget"]').count()
        quiet = quiet + 1 if running == 0 else 0
        if quiet >= 4:
            return
        page.wait_for_timeout(250)
    raise AssertionError("the page kept running for too long")


def _full_shot(page, path: Path) -> None:
    """A screenshot of the whole page: Streamlit scrolls inside its main block, so the viewport is
    grown to the content's height first."""
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=\"stMain\"], "
        "section.main')].map(e => e.scrollHeight), 1000)")
    page.set_viewport_size({"width": 1440, "height": min(int(height) + 40, 12000)})
    page.wait_for_timeout(500)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": 1440, "height": 1000})


def _no_exception(page) -> None:
    boxes = page.locator('[data-testid="stException"]')
    assert boxes.count() == 0, boxes.first.inner_text()


def _diagnose(request, page, name: str) -> str:
    """Save what the browser showed and return the server log's tail, for a failure message."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    if page is not None:
        page.screenshot(path=str(SHOTS / f"{name}-failure.png"))
    log = getattr(request.node, "server_log", None)
    return log.read_text()[-3000:] if log and log.exists() else ""


@pytest.mark.parametrize("path", list(PAGES), ids=[PAGES[p][0] for p in PAGES])
def test_page_by_url_on_fresh_server(server, browser, path, request):
    name, must_show = PAGES[path]
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    try:
        page.goto(f"{server}/{path}", wait_until="domcontentloaded")
        page.get_by_text(must_show).first.wait_for(timeout=90_000)
        _settle(page)
        _no_exception(page)
        if path in CHART_PAGES:
            plots = page.locator(".js-plotly-plot")
            plots.first.wait_for(timeout=30_000)
            # a drawn plotly chart has its SVG layer with traces inside
            assert page.locator(".js-plotly-plot .main-svg").count() >= 1
        SHOTS.mkdir(parents=True, exist_ok=True)
        if name == "audit" and os.environ.get("FAIRREC_UPDATE_SCREENSHOT") == "1":
            DOCS_SHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(DOCS_SHOT), full_page=False)
        _full_shot(page, SHOTS / f"{name}.png")
    except Exception as exc:
        raise AssertionError(f"{name}: {exc}\n--- server log ---\n{_diagnose(request, page, name)}") from exc
    finally:
        page.close()


def load_movielens(page, base: str, path) -> None:
    """Load MovieLens 100K from ``path`` through the Data page's server-path box (the server
    must have ``FAIRREC_DATA_ROOTS`` covering it), in ``page``'s session."""
    page.goto(f"{base}/Data", wait_until="domcontentloaded")
    page.get_by_role("tab", name="MovieLens").click(timeout=90_000)
    page.get_by_role("textbox", name="Folder or zip on the server").fill(str(path))
    page.get_by_role("button", name="Load from path").click()
    page.get_by_text("Now using").first.wait_for(timeout=90_000)
    _settle(page)


def wait_enabled(locator, timeout: float = 30.0) -> None:
    """Wait until a widget is enabled (the run that enables it may start after a settle)."""
    deadline = time.monotonic() + timeout
    while not locator.is_enabled():
        assert time.monotonic() < deadline, "the widget stayed disabled"
        time.sleep(0.2)


def _metric(page, label: str) -> str:
    card = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return card.locator('[data-testid="stMetricValue"]').inner_text()


def test_whatif_slider_moves_a_metric(server, browser):
    page = _open(browser, f"{server}/What-if", "Trade-off")
    try:
        before = _metric(page, KL)
        # switch the calibrated re-ranker on: its slider becomes enabled
        toggle = page.locator('[data-testid="stCheckbox"]').filter(
            has_text=names.reranker("calibrated")).first
        toggle.locator("label").first.click()
        _settle(page)
        # the innermost block holding the toggle is the re-ranker's box, with its slider
        box = page.locator('[data-testid="stVerticalBlock"]').filter(has=toggle).last
        thumb = box.locator('input[type="range"]').first  # the slider thumb (react-aria)
        thumb.wait_for(state="attached", timeout=30_000)
        wait_enabled(thumb)
        thumb.focus()
        for _ in range(6):  # 0.5 -> 0.8 in steps of 0.05
            page.keyboard.press("ArrowRight")
        _settle(page)
        page.wait_for_function(
            """([label, old]) => [...document.querySelectorAll('[data-testid="stMetric"]')]
                 .some(m => m.innerText.includes(label) &&
                       m.querySelector('[data-testid="stMetricValue"]').innerText !== old)""",
            arg=[KL, before], timeout=30_000)
        after = _metric(page, KL)
        assert float(after) < float(before)  # calibrating moves the list toward the history
        assert float(thumb.input_value()) == 0.8
        _no_exception(page)
        SHOTS.mkdir(parents=True, exist_ok=True)
        _full_shot(page, SHOTS / "whatif_moved.png")
    finally:
        page.close()
