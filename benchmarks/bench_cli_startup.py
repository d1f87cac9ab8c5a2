"""Start-up time of the command line: ``python -m fairrec_core --help`` and
``python -m fairrec_core audit --help``, each in a fresh interpreter (median of 5 runs).

Target (issue 14): at most 1.5 s. Building the parser imports none of pandas, torch, scipy or
scikit-learn (``tests/audit/test_cli_startup.py``); a command imports them when it runs.

    python benchmarks/bench_cli_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 1.5
COMMANDS = (["--help"], ["audit", "--help"])


def wall_time(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "fairrec_core", *args], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    worst = 0.0
    print(f"{'command':<40} {'median':>8} {'min':>8} {'max':>8}  target {TARGET_S:.1f} s")
    for args in COMMANDS:
        times = [wall_time(args) for _ in range(runs)]
        median = statistics.median(times)
        worst = max(worst, median)
        label = "python -m fairrec_core " + " ".join(args)
        print(f"{label:<40} {median:>7.3f}s {min(times):>7.3f}s {max(times):>7.3f}s  "
              f"{'ok' if median <= TARGET_S else 'OVER'}")
    print(f"slowest median {worst:.3f} s vs target {TARGET_S:.1f} s: "
          f"{'met' if worst <= TARGET_S else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
