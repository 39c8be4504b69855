"""What touching memory costs on this machine: fill a fresh array of N GB, free it, fill it again.

    python -m bench.fresh_memory 4

On the bench VM the first fill of each process took 13-16 s, nearly all system time, and the later
ones 0.6-1.8 s: the host takes back memory the VM frees, and giving it again is what costs
(docs/performance.md, "Memory costs time on this machine").
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np


def fill(gigabytes: float) -> tuple[float, float, float, int]:
    """Wall s, user and system CPU-s and page faults of filling then freeing `gigabytes` of float64."""
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    array = np.ones(int(gigabytes * 2**30) // 8)
    del array
    after = resource.getrusage(resource.RUSAGE_SELF)
    return (
        time.perf_counter() - start,
        after.ru_utime - before.ru_utime,
        after.ru_stime - before.ru_stime,
        after.ru_minflt - before.ru_minflt,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gigabytes", type=float, nargs="?", default=4.0)
    parser.add_argument("--fills", type=int, default=4)
    args = parser.parse_args()
    for i in range(args.fills):
        wall, user, system, faults = fill(args.gigabytes)
        print(f"fill {i + 1}: {wall:.2f} s wall, {user:.2f} user, {system:.2f} system CPU-s, {faults} page faults")


if __name__ == "__main__":
    main()
