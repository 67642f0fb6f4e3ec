"""Every engine benchmark, each in its own process so its peak memory is its own.

.venv/bin/python bench/bench_engine.py            # 1M passes, 100k customers, subset sums
.venv/bin/python bench/bench_engine.py --quick    # 100k passes, 20k customers
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    quick = "--quick" in sys.argv
    runs = [
        ["bench_passes.py", "100000" if quick else "1000000"],
        ["bench_customers.py", "20000" if quick else "100000"],
        ["bench_subset_sum.py"],
    ]
    for script, *args in runs:
        subprocess.run([sys.executable, str(HERE / script), *args], check=True)
        print()


if __name__ == "__main__":
    main()
