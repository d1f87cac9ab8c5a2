"""Server-side time of a what-if slider update at MovieLens-1M size (target: <= 300 ms).

The What-if page runs through Streamlit's AppTest on the ML-1M-size synthetic shop (6,040 users,
3,706 items, 1,000,209 interactions) with EASE. After the first (cached) run, one re-ranker is
switched on and its strength slider is moved to 10 values; each move is timed as the whole script
rerun that AppTest performs — an upper bound of what the server does for a move in the browser,
where only the fragment reruns. A breakdown times the fragment's parts directly: re-rank,
summarize, and the before → after table.

Run: .venv/bin/python benchmarks/bench_app_whatif.py [RERANKER ...]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from fairrec_app import keys  # noqa: E402
from fairrec_app.sources import DataSource  # noqa: E402
from fairrec_core.data import SyntheticSpec  # noqa: E402

ML1M = SyntheticSpec(users=6040, items=3706, interactions=1_000_209)
VALUES = (0.1, 0.3, 0.5, 0.7, 0.9, 0.2, 0.4, 0.6, 0.8, 1.0)
TARGET_MS = 300


def main(names: list[str]) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.session_state[keys.DATA_SOURCE] = DataSource.demo(ML1M)
    t0 = time.perf_counter()
    at.run()
    at.switch_page("pages/5_What-if.py").run()
    assert not at.exception, at.exception
    print(f"first visit (generate data, train EASE, top-100, audit context): "
          f"{time.perf_counter() - t0:.1f} s")
    from fairrec_core.reranking import RERANKERS

    rows = []
    for name in names or list(RERANKERS):
        cls = RERANKERS[name]
        toggle = at.toggle(key=keys.widget("whatif", name, "on"))
        t0 = time.perf_counter()
        toggle.set_value(True).run()
        assert not at.exception, at.exception
        first = time.perf_counter() - t0
        slider = at.slider(key=keys.widget("whatif", name, cls.STRENGTH))
        times = []
        shown = set()
        for v in VALUES:
            t0 = time.perf_counter()
            slider.set_value(v).run()
            times.append(time.perf_counter() - t0)
            assert not at.exception, at.exception
            shown.add(next(m.value for m in at.metric if m.label.startswith("NDCG")))
        at.toggle(key=keys.widget("whatif", name, "on")).set_value(False).run()
        rows.append((name, first, statistics.median(times), max(times), len(shown)))
    print(f"\n{'re-ranker':<11} {'switch on s':>11} {'move median ms':>15} {'move max ms':>12} "
          f"{'distinct NDCG shown':>20}")
    for name, first, med, worst, distinct in rows:
        flag = "" if med * 1000 <= TARGET_MS else "  (over target)"
        print(f"{name:<11} {first:>11.2f} {med * 1000:>15.0f} {worst * 1000:>12.0f} "
              f"{distinct:>20}{flag}")
    print(f"\ntarget: median move <= {TARGET_MS} ms (whole-script rerun in AppTest)")
    breakdown(names)


def breakdown(names: list[str]) -> None:
    """The fragment's work without Streamlit: re-rank, summarize, before/after table."""
    import copy

    from fairrec_app import compare
    from fairrec_core.audit import AuditContext
    from fairrec_core.data import generate_shop, split_dataset
    from fairrec_core.models import EASE, top_n
    from fairrec_core.reranking import RERANKERS

    split = split_dataset(generate_shop(ML1M), method="random", test_size=0.2, seed=42)
    users = (split.test.user_counts > 0).nonzero()[0]
    cands = top_n(EASE().fit(split.train), users, 100)
    ctx = AuditContext(split.train, split.test, k=10)
    before = ctx.summarize(cands.top(10))
    print(f"\n{'re-ranker':<11} {'rerank ms':>10} {'summarize ms':>13} {'table ms':>9} {'total ms':>9}")
    for name in names or list(RERANKERS):
        cls = RERANKERS[name]
        fitted = cls().fit(split.train, cands)
        parts = []
        for v in VALUES:
            r = copy.copy(fitted).set_params(**{cls.STRENGTH: v})
            t0 = time.perf_counter()
            lists = r.rerank(cands, 10)
            t1 = time.perf_counter()
            after = ctx.summarize(lists)
            t2 = time.perf_counter()
            compare.wide(compare.before_after(before, after, "gender"))
            t3 = time.perf_counter()
            parts.append((t1 - t0, t2 - t1, t3 - t2))
        med = [statistics.median(p[i] for p in parts) * 1000 for i in range(3)]
        print(f"{name:<11} {med[0]:>10.0f} {med[1]:>13.0f} {med[2]:>9.0f} {sum(med):>9.0f}")


if __name__ == "__main__":
    main(sys.argv[1:])
