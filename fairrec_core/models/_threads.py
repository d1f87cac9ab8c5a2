"""How many CPU threads training and scoring may use (BLAS and PyTorch together)."""

from __future__ import annotations

import contextlib
import os


def available_cpus() -> int:
    """CPUs this process may run on (the affinity mask where the platform has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


@contextlib.contextmanager
def limit_threads(n: int | None = None):
    """Run the block with at most ``n`` threads (default: the available CPUs) in the BLAS
    libraries and in PyTorch; the previous limits are restored after."""
    from threadpoolctl import threadpool_limits

    n = max(1, int(n or available_cpus()))
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        with threadpool_limits(limits=n):
            yield n
    finally:
        torch.set_num_threads(before)
