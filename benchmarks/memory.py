"""Peak memory of skrnn on large inputs (issue: reliability, scale of input).

Each scenario runs in a fresh subprocess so that its peak resident set size
(``ru_maxrss``) is its own. Printed next to each peak: the size of the input
the user passed, and the size a naive implementation would allocate (a padded
copy of all sequences at once).

Run::

    .venv/bin/python benchmarks/memory.py            # full sizes (10^6 sequences)
    .venv/bin/python benchmarks/memory.py --quick    # 10^5 sequences

Writes ``benchmarks/results/memory.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

MB = 1024**2


def _scenario_predict(n: int) -> dict:
    import numpy as np

    from skrnn import GRURegressor

    rng = np.random.RandomState(0)
    model = GRURegressor(max_epochs=1, hidden_size=16, random_state=0)
    model.fit(rng.normal(size=(256, 10)), rng.normal(size=256))
    X = rng.normal(size=(n, 10)).astype(np.float32)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    start = time.perf_counter()
    pred = model.predict(X)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {
        "scenario": f"predict {n:,} sequences (T=10, d=1)",
        "input_mb": X.nbytes / MB,
        "naive_padded_mb": X.nbytes / MB,
        "peak_growth_mb": (peak - base) / MB,
        "seconds": seconds,
        "ok": bool(len(pred) == n),
    }


def _scenario_ragged_fit(n: int) -> dict:
    import numpy as np

    from skrnn import LSTMRegressor

    rng = np.random.RandomState(0)
    # mostly short sequences, a few very long ones: padding everything to the
    # longest would multiply the memory by ~100
    lengths = np.where(rng.rand(n) < 0.002, 5000, rng.randint(5, 60, size=n))
    X = [rng.normal(size=(T, 4)).astype(np.float32) for T in lengths]
    y = rng.normal(size=n)
    input_bytes = sum(x.nbytes for x in X)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    start = time.perf_counter()
    LSTMRegressor(max_epochs=1, hidden_size=16, batch_size=64, random_state=0).fit(X, y)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {
        "scenario": f"fit on {n:,} ragged sequences (T=5..5000, d=4)",
        "input_mb": input_bytes / MB,
        "naive_padded_mb": n * lengths.max() * 4 * 4 / MB,
        "peak_growth_mb": (peak - base) / MB,
        "seconds": seconds,
        "ok": True,
    }


SCENARIOS = {"predict": _scenario_predict, "ragged_fit": _scenario_ragged_fit}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10x smaller inputs")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        name, n = args.child
        print(json.dumps(SCENARIOS[name](int(n))))
        return

    sizes = {"predict": 10**5 if args.quick else 10**6, "ragged_fit": 2_000 if args.quick else 20_000}
    print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}")
    rows = []
    for name, n in sizes.items():
        out = subprocess.run(
            [sys.executable, __file__, "--child", name, str(n)],
            capture_output=True, text=True, check=True,
        ).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
    header = f"{'scenario':<48}{'input MB':>10}{'padded-all MB':>15}{'peak growth MB':>16}{'time s':>8}"
    print(header)
    for r in rows:
        print(f"{r['scenario']:<48}{r['input_mb']:>10.1f}{r['naive_padded_mb']:>15.1f}"
              f"{r['peak_growth_mb']:>16.1f}{r['seconds']:>8.1f}")
    out_dir = Path(__file__).parent / "results"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "memory.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
