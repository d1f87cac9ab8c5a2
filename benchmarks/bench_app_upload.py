"""The Data page's column-mapping form with a large CSV upload (issue 13: it used to re-parse the
whole file on every rerun, 22 s and 1.2 GB for 100 MB). Target: a mapping rerun costs what the
page costs without an upload, independent of the file's size; the file is parsed once, on Load.

Through Streamlit's AppTest: the page is run once with the upload, then a column is mapped three
times; each rerun is timed. For comparison, one full parse of the same bytes
(``read_csv_table``, what each rerun did before) is timed too, with the process's peak RSS.

Run: .venv/bin/python benchmarks/bench_app_upload.py [MEGABYTES]   (default 100)
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from fairrec_app import keys  # noqa: E402
from fairrec_core.data import read_csv_table  # noqa: E402


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(megabytes: int = 100) -> None:
    rows = []
    size, i = 0, 0
    header = b"customer,product,stars\n"
    while size < megabytes << 20:
        line = f"c{i % 50_000},p{(i * 7) % 20_000},{1 + i % 5}\n".encode()
        rows.append(line)
        size += len(line)
        i += 1
    raw = header + b"".join(rows)
    del rows
    print(f"upload: {len(raw) / 2**20:.0f} MiB, {i:,} rows; peak RSS so far {_peak_mib():.0f} MiB")

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.run()
    at.switch_page("pages/1_Data.py").run()
    t = time.perf_counter()
    at.run()
    print(f"Data page rerun without the upload: {time.perf_counter() - t:.2f} s")
    up = next(u for u in at.get("file_uploader") if u.label == "interactions.csv")
    up.set_value(("big.csv", raw, "text/csv"))
    t = time.perf_counter()
    at.run()
    print(f"first run with the upload (header read): {time.perf_counter() - t:.2f} s")
    for target, column in (("user_id", "customer"), ("item_id", "product"), ("value", "stars")):
        t = time.perf_counter()
        at.selectbox(key=keys.widget("data", "map", "interactions", target)).select(column).run()
        print(f"mapping rerun ({target} <- {column}): {time.perf_counter() - t:.2f} s")
    assert not at.exception and not at.error, [e.value for e in at.error]
    print(f"peak RSS after the mapping reruns: {_peak_mib():.0f} MiB")
    t = time.perf_counter()
    read_csv_table(raw, "big.csv")
    print(f"one full parse (what each rerun cost before): {time.perf_counter() - t:.2f} s, "
          f"peak RSS {_peak_mib():.0f} MiB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
