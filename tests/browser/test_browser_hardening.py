"""Issue 13 in a real browser: a zip bomb uploaded through Chromium is refused with an error box
while the server's memory stays flat and the session goes on; and eight concurrent sessions
pressing a what-if slider's arrow keys fast each end showing the metrics of the value their
slider shows, for their own list length k only.

Uses the server and browser helpers of test_browser_app (127.0.0.1, stopped by PID; Debian's
Chromium, skipped without it unless FAIRREC_REQUIRE_BROWSER=1). Both tests share one server
(started with the bomb test's member-size limit, which the demo shop never comes near) and the
module's Chromium; every session is a new browser context. The server's RSS growth during the
upload is printed (run with -s to see it).
"""

from __future__ import annotations

import random
import re
import threading
import time
import zipfile

import numpy as np
import pytest

from fairrec_core import glossary, names
from tests.browser.test_browser_app import (
    SHOTS,
    _diagnose,
    _full_shot,
    _no_exception,
    _require_browser,
    _settle,
    start_server,
    wait_enabled,
)

pytestmark = pytest.mark.browser

MiB = 1 << 20
#: The member-size limit the bomb server runs with, and what the bomb's member expands to.
MEMBER_LIMIT = 50_000_000
BOMB_BYTES = 200 * MiB


def _status(pid: int, field: str) -> int:
    """A ``/proc/<pid>/status`` size field (``VmRSS``, ``VmHWM``) in bytes."""
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"{field} not in /proc/{pid}/status")


class _PeakRss:
    """Samples a process's VmRSS every 20 ms in a thread; ``peak`` is the largest seen."""

    def __init__(self, pid: int):
        self.pid, self.peak, self._stop = pid, _status(pid, "VmRSS"), threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, _status(self.pid, "VmRSS"))
            time.sleep(0.02)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _bomb(path) -> None:
    """A MovieLens-looking zip whose u.data expands to BOMB_BYTES of plausible rows."""
    line = b"196\t242\t3\t881250949\n"
    chunk = line * (MiB // len(line))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("ml-100k/u.user", "1|24|M|technician|85711\n")
        z.writestr("ml-100k/u.item", "1|Toy Story (1995)|01-Jan-1995||http://x|0|0|0|1|1|1|0|0|0|0"
                                     "|0|0|0|0|0|0|0|0|0\n")
        with z.open("ml-100k/u.data", "w", force_zip64=True) as member:
            written = 0
            while written < BOMB_BYTES:
                member.write(chunk)
                written += len(chunk)


@pytest.fixture(scope="module")
def shared_server(request, tmp_path_factory):
    """One `streamlit run app.py` for the module (stopped by PID at its end), with the bomb
    test's member-size limit: (base URL, process, log path)."""
    _require_browser()
    log = tmp_path_factory.mktemp("hardening") / "streamlit.log"
    base, proc = start_server(request, log, env={"FAIRREC_MAX_MEMBER_BYTES": str(MEMBER_LIMIT)})
    return base, proc, log


@pytest.fixture
def server(request, shared_server):
    """The shared server, its log shown by _diagnose when this test fails."""
    request.node.server_log = shared_server[2]
    return shared_server[:2]


def test_zip_bomb_upload_is_refused_and_memory_stays_flat(request, tmp_path, server, browser):
    bomb = tmp_path / "ml-100k.zip"
    _bomb(bomb)
    expanded = sum(i.file_size for i in zipfile.ZipFile(bomb).infolist())
    assert bomb.stat().st_size < 2 * MiB and expanded > 4 * MEMBER_LIMIT
    base, proc = server
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    try:
        page.goto(f"{base}/Data", wait_until="domcontentloaded")
        page.get_by_text("Who is in the data").first.wait_for(timeout=90_000)
        _settle(page)
        page.get_by_role("tab", name="MovieLens").click()
        uploader = page.locator('[data-testid="stFileUploader"]').filter(
            has_text="upload the zip")
        before = _status(proc.pid, "VmRSS")
        with _PeakRss(proc.pid) as rss:
            uploader.locator('input[type="file"]').set_input_files(str(bomb))
            page.get_by_role("button", name="Load uploaded zip").click(timeout=60_000)
            error = page.locator('[data-testid="stAlertContentError"] '
                                 '[data-testid="stMarkdownContainer"]').first
            error.wait_for(timeout=60_000)
            _settle(page)
        after = _status(proc.pid, "VmRSS")
        text = error.inner_text()
        print(f"\nzip bomb upload ({bomb.stat().st_size / MiB:.1f} MiB zip, "
              f"{expanded / MiB:.0f} MiB expanded): server VmRSS {before / MiB:.0f} -> "
              f"{after / MiB:.0f} MiB, peak growth {(rss.peak - before) / MiB:.0f} MiB")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "zip_bomb_refused.png"))
        _no_exception(page)
        assert "\n" not in text.strip() and len(text) < 300, text
        assert text.startswith("MovieLens: uploaded zip!ml-100k/u.data"), text
        assert "u.data" in text and ("FAIRREC_MAX_MEMBER_BYTES" in text
                                     or "FAIRREC_MAX_ZIP_RATIO" in text), text
        assert rss.peak - before < 300 * MiB
        # the session goes on: the next page renders, still on the demo shop
        page.get_by_role("link", name="What-if").click()
        page.get_by_text("Trade-off").first.wait_for(timeout=90_000)
        _settle(page)
        _no_exception(page)
        assert page.get_by_text("Demo shop").count() >= 1
    except Exception as exc:
        raise AssertionError(f"{exc}\n--- server log ---\n{_diagnose(request, page, 'zip_bomb')}") from exc
    finally:
        context.close()


# ---- concurrency -----------------------------------------------------------------------------
SESSIONS = 8
#: The card label of ranking accuracy (NDCG) on What-if.
ACCURACY = glossary.label("ndcg@10")
#: A different list length per session: every metric label on a page names its own k.
KS = (4, 5, 6, 7, 8, 9, 11, 12)


@pytest.fixture(scope="module")
def demo_pipeline():
    """The app's default pipeline computed here, independently: EASE on the demo shop's random
    80/20 split (seed 42), each test user's top-100 candidates."""
    from fairrec_core.data import load_dataset, split_dataset
    from fairrec_core.models import EASE, top_n

    split = split_dataset(load_dataset("demo"), method="random", test_size=0.2, seed=42)
    users = np.flatnonzero(split.test.user_counts > 0)
    return split, top_n(EASE().fit(split.train), users, 100)


def _expected_ndcg(pipeline, k: int, lam: float) -> float:
    from fairrec_core.audit import AuditContext
    from fairrec_core.reranking import CalibratedReranker

    split, candidates = pipeline
    ctx = AuditContext(split.train, split.test, k=k)
    lists = CalibratedReranker(lam=lam).fit(split.train, candidates).rerank(candidates, k)
    return float(ctx.summarize(lists).overall[f"ndcg@{k}"])


def _wait_all(pages, text: str) -> None:
    for page in pages:
        page.get_by_text(text).first.wait_for(timeout=90_000)
    _settle_all(pages)


def _settle_all(pages, timeout: float = 90.0) -> None:
    """:func:`_settle` for several sessions at once: until no page has run a script for 1 s."""
    deadline = time.monotonic() + timeout
    quiet = [0] * len(pages)
    while time.monotonic() < deadline:
        for i, page in enumerate(pages):
            running = page.locator('[data-testid="stStatusWidget"]').count()
            quiet[i] = quiet[i] + 1 if running == 0 else 0
        if min(quiet) >= 4:
            return
        time.sleep(0.25 / len(pages))
    raise AssertionError("the pages kept running for too long")


def _calibrated_box(page):
    toggle = page.locator('[data-testid="stCheckbox"]').filter(
        has_text=names.reranker("calibrated")).first
    return toggle, page.locator('[data-testid="stVerticalBlock"]').filter(has=toggle).last


def test_concurrent_sessions_show_the_metrics_of_their_own_slider(request, server, browser,
                                                                  demo_pipeline):
    base, _ = server
    rng = random.Random(13)
    start = time.monotonic()
    phases = {}

    def phase(name):
        phases[name] = round(time.monotonic() - start)

    contexts = [browser.new_context(viewport={"width": 1100, "height": 800}, reduced_motion="reduce")
                for _ in range(SESSIONS)]
    pages = [c.new_page() for c in contexts]
    try:
        for page in pages:  # eight sessions, opened at once
            page.goto(f"{base}/Data", wait_until="domcontentloaded")
        for page, k in zip(pages, KS, strict=True):  # each session its own k, set as soon
            page.get_by_role("tab", name="Split and cutoff").click(timeout=90_000)  # as shown
            page.get_by_role("spinbutton", name="List length k").fill(str(k))
            page.get_by_role("button", name="Apply").click()
        for page, k in zip(pages, KS, strict=True):
            page.get_by_text(f"seed 42, top {k} —").first.wait_for(timeout=60_000)
        phase("k applied")
        for page in pages:  # navigate inside the session (a new URL would be a new session)
            page.get_by_role("link", name="What-if").click()
        _wait_all(pages, "Trade-off")
        phase("what-if pages")
        thumbs = []
        for page in pages:
            toggle, _ = _calibrated_box(page)
            toggle.locator("label").first.click()
        _settle_all(pages)
        for page in pages:
            _, box = _calibrated_box(page)
            thumb = box.locator('input[type="range"]').first
            thumb.wait_for(state="attached", timeout=30_000)
            wait_enabled(thumb)
            thumb.focus()
            thumbs.append(thumb)
        phase("calibrated on")
        presses = {i: 0 for i in range(SESSIONS)}
        for _ in range(3):  # rounds of fast key presses in every session, interleaved
            for i, page in enumerate(pages):
                for _ in range(rng.randint(1, 3)):
                    key = rng.choice(["ArrowRight", "ArrowRight", "ArrowLeft"])
                    page.keyboard.press(key)
                    presses[i] += 1
                page.wait_for_timeout(rng.randint(0, 60))
        pages[-1].wait_for_timeout(500)  # the sliders' last changes reach the server
        _settle_all(pages)
        phase("presses settled")
        seen, lags = [], []
        for i, (page, thumb, k) in enumerate(zip(pages, thumbs, KS, strict=True)):
            # the last key press may still be on its way (8 renderers on a busy machine):
            # wait, bounded, for the page to settle on the value its slider shows
            waited = time.monotonic()
            while True:
                shown = float(thumb.input_value())  # what the slider shows
                caption = page.get_by_text("Computed for:").first.inner_text()
                m = re.search(r"strength ([0-9.]+)\) · top (\d+) of each list", caption)
                assert m, caption
                computed, computed_k = float(m.group(1)), int(m.group(2))
                if computed == pytest.approx(shown) or time.monotonic() - waited > 30:
                    break
                page.wait_for_timeout(250)
            lags.append(round(time.monotonic() - waited, 1))
            ndcg = page.locator('[data-testid="stMetric"]').filter(
                has_text=ACCURACY).first.locator('[data-testid="stMetricValue"]').inner_text()
            seen.append((k, shown, computed, ndcg))
            assert computed == pytest.approx(shown), (i, caption, shown)
            assert computed_k == k
            # only this session's k on its page: the caption names the list length the
            # cards were computed for (the plain card labels carry no @k)
            assert float(ndcg) == pytest.approx(_expected_ndcg(demo_pipeline, k, shown), abs=6e-4)
            _no_exception(page)
        print(f"\n{SESSIONS} sessions, {sum(presses.values())} key presses, "
              f"{time.monotonic() - start:.0f} s {phases}, waits for the last value {lags}; (k, slider, computed, NDCG): {seen}")
        SHOTS.mkdir(parents=True, exist_ok=True)
        _full_shot(pages[0], SHOTS / "whatif_concurrent_0.png")
        assert len({s[1] for s in seen}) > 1  # the sessions did end at different values
    except Exception as exc:
        raise AssertionError(f"{exc}\n--- server log ---\n{_diagnose(request, pages[0], 'concurrent')}") from exc
    finally:
        for c in contexts:
            c.close()
