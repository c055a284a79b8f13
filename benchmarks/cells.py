"""Recurrent cell speed: skrnn's FastGRU against torch's nn.GRU and nn.LSTM on CPU.

For every point of the grid T x hidden x batch (8 input features, one layer)
it times a full training step (forward, backward of a mean-squared loss on
the outputs, Adam step) of the three cells, built with the same seed and fed
the same batch. The three are timed interleaved (one step of each per round,
the order rotating), and the median over rounds is reported, so ratios are
measured side by side under the same machine load. It also times
single-sequence inference (batch 1, no gradient), the real-time use case.

Run::

    .venv/bin/python benchmarks/cells.py            # full grid
    .venv/bin/python benchmarks/cells.py --quick    # fewer rounds, T<=50 only

For stable numbers pin it to one core (``taskset -c 0``); it sets one torch
thread and one BLAS thread by default (``--threads``). Prints a table and
writes ``benchmarks/results/cells.json``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
N_FEATURES = 8


def _cells():
    from torch import nn

    from skrnn._gru import FastGRU

    return {"FastGRU": FastGRU, "nn.GRU": nn.GRU, "nn.LSTM": nn.LSTM}


def _train_step_fns(steps: int, hidden: int, batch: int) -> dict:
    import torch

    fns = {}
    x = torch.randn(batch, steps, N_FEATURES)
    for name, cls in _cells().items():
        torch.manual_seed(0)
        module = cls(N_FEATURES, hidden, batch_first=True)
        opt = torch.optim.Adam(module.parameters(), lr=1e-3)

        def step(module=module, opt=opt):
            opt.zero_grad()
            out, _ = module(x)
            out.square().mean().backward()
            opt.step()

        fns[name] = step
    return fns


def _latency_fns(steps: int, hidden: int) -> dict:
    import torch

    fns = {}
    x = torch.randn(1, steps, N_FEATURES)
    for name, cls in _cells().items():
        torch.manual_seed(0)
        module = cls(N_FEATURES, hidden, batch_first=True).eval()

        def forward(module=module):
            with torch.no_grad():
                module(x)

        fns[name] = forward
    return fns


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds; T in {10, 50}")
    parser.add_argument("--threads", type=int, default=1, help="torch and BLAS threads")
    args = parser.parse_args(argv)
    # BLAS reads its thread count at load time: set it before numpy/scipy/torch load.
    for var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
        os.environ.setdefault(var, str(args.threads))

    import torch
    from _perf import interleaved, machine

    from skrnn._gru import KERNEL_AVAILABLE

    torch.set_num_threads(args.threads)
    if not KERNEL_AVAILABLE:
        raise SystemExit("skrnn._gru._kernel is not built: run `python3 dev.py setup`")
    steps_grid = (10, 50) if args.quick else (10, 50, 200)
    hidden_grid = (16, 64, 256)
    batch_grid = (1, 32, 128)
    rounds, min_time = (3, 0.0) if args.quick else (9, 1.5)

    info = machine()
    usable = len(info["affinity"]) if info["affinity"] else info["cores"]
    print(f"machine: {info['cpu']}, {info['cores']} cores ({usable} usable), "
          f"torch {info['torch']}, {info['torch_threads']} thread(s), python {info['python']}")
    print("train step = forward + backward + Adam step, 8 features, 1 layer; "
          "median ms over interleaved rounds")
    header = (f"{'T':>4}{'hidden':>7}{'batch':>6}{'FastGRU':>10}{'nn.GRU':>10}{'nn.LSTM':>10}"
              f"{'Fast/LSTM':>11}{'Fast/GRU':>10}")
    print(header)
    train = []
    for steps, hidden, batch in itertools.product(steps_grid, hidden_grid, batch_grid):
        med = interleaved(_train_step_fns(steps, hidden, batch), rounds, min_time=min_time)
        row = {"T": steps, "hidden": hidden, "batch": batch,
               **{f"{k}_ms": v * 1e3 for k, v in med.items()},
               "fast_over_lstm": med["FastGRU"] / med["nn.LSTM"],
               "fast_over_gru": med["FastGRU"] / med["nn.GRU"]}
        train.append(row)
        print(f"{steps:>4}{hidden:>7}{batch:>6}{row['FastGRU_ms']:>10.2f}{row['nn.GRU_ms']:>10.2f}"
              f"{row['nn.LSTM_ms']:>10.2f}{row['fast_over_lstm']:>11.2f}"
              f"{row['fast_over_gru']:>10.2f}", flush=True)

    print("\nsingle-sequence inference (batch 1, no grad); median microseconds")
    print(f"{'T':>4}{'hidden':>7}{'FastGRU':>10}{'nn.GRU':>10}{'nn.LSTM':>10}{'Fast/GRU':>10}")
    latency = []
    for steps, hidden in itertools.product(steps_grid, hidden_grid):
        med = interleaved(_latency_fns(steps, hidden), 3 * rounds, min_time=min_time / 2)
        row = {"T": steps, "hidden": hidden, **{f"{k}_us": v * 1e6 for k, v in med.items()},
               "fast_over_gru": med["FastGRU"] / med["nn.GRU"]}
        latency.append(row)
        print(f"{steps:>4}{hidden:>7}{row['FastGRU_us']:>10.0f}{row['nn.GRU_us']:>10.0f}"
              f"{row['nn.LSTM_us']:>10.0f}{row['fast_over_gru']:>10.2f}", flush=True)

    worst = max(train, key=lambda r: r["fast_over_gru"])
    print(f"\nslowest point relative to nn.GRU: T={worst['T']} hidden={worst['hidden']} "
          f"batch={worst['batch']}: {worst['fast_over_gru']:.2f}x")
    result = {"machine": info, "quick": args.quick, "train_step": train,
              "latency": latency}
    RESULTS.mkdir(exist_ok=True)
    name = "cells_quick.json" if args.quick else "cells.json"
    (RESULTS / name).write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {RESULTS / name}")
    return result


if __name__ == "__main__":
    main()
