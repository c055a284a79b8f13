"""Performance suite: skrnn against bare PyTorch, for fit and for real-time predict.

For GRU and LSTM on a grid of sequence length T, hidden size and batch size
(8 input features) it measures, each comparison side by side in one process,
interleaved, as medians:

* **fit**: seconds per epoch of ``skrnn`` ``fit`` (skorch's ``dur``) against
  a bare PyTorch loop doing the same work on a copy of the same module and
  data (same batches, Adam, gradient clipping, loss); the ratio, the
  GRU/LSTM epoch-time ratio, and the achieved GFLOP/s of the recurrent
  layer against a measured float32 matmul peak;
* **predict** (one sequence): the public ``predict`` with ``inference="torch"``
  and ``inference="onnx"`` against the bare module forward
  (``net_.module_(X)`` under ``torch.inference_mode()``).

Run (pin to one core; other processes still add noise, the ratios are what count)::

    taskset -c 0 python3 dev.py bench            # full grid, about 5 minutes
    taskset -c 0 python3 dev.py bench --quick    # small subset, about a minute

Prints a table and writes ``benchmarks/results/perf.json``.
"""

from __future__ import annotations

import argparse
import copy
import itertools
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from _perf import (  # noqa: E402
    interleaved,
    machine,
    matmul_peak_gflops,
    raw_epochs,
    recurrent_flops,
)

from skrnn import GRURegressor, LSTMRegressor  # noqa: E402

N_FEATURES = 8
ESTIMATORS = {"gru": GRURegressor, "lstm": LSTMRegressor}
FULL = dict(T=(10, 50, 200), hidden=(16, 64, 256), batch=(1, 32, 128), repeats=5)
QUICK = dict(T=(10, 50), hidden=(16, 64), batch=(1, 32), repeats=2)
#: The recurrent network alone (no convolutional front end, no patching), so
#: that GRU/LSTM ratios compare the cells and nothing else.
PLAIN = dict(front_end="fold", patch_size=1)
EPOCHS = 3  # the first is warm-up (allocation, Adam state) and is left out
#: An epoch holds this many FLOPs (forward + backward), within 2..8 batches.
EPOCH_FLOPS = 2e9


def _n_batches(cell, T, hidden, batch):
    per_batch = recurrent_flops(cell, batch, T, N_FEATURES, hidden, training=True)
    return int(np.clip(round(EPOCH_FLOPS / per_batch), 2, 8))


def bench_fit(T, hidden, batch, repeats, peak):
    """skrnn fit vs the raw loop, GRU and LSTM interleaved; one row per cell."""
    n = batch * _n_batches("lstm", T, hidden, batch)
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n, T, N_FEATURES)).astype(np.float32)
    y = rng.normal(size=n).astype(np.float32)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y.reshape(-1, 1))
    skrnn, raw = {c: [] for c in ESTIMATORS}, {c: [] for c in ESTIMATORS}
    for _ in range(repeats):
        for cell, Est in ESTIMATORS.items():
            est = Est(hidden_size=hidden, batch_size=batch, max_epochs=EPOCHS, **PLAIN,
                      random_state=0).fit(X, y)
            skrnn[cell].extend(est.net_.history[1:, "dur"])
            module = copy.deepcopy(est.net_.module_)
            criterion = copy.deepcopy(est.net_.criterion_)
            raw[cell].extend(raw_epochs(module, Xt, yt, criterion=criterion, batch_size=batch,
                                        lr=est.lr, clip=est.gradient_clip,
                                        epochs=EPOCHS)[1:])
    rows = []
    for cell in ESTIMATORS:
        epoch_s, raw_s = float(np.median(skrnn[cell])), float(np.median(raw[cell]))
        flops = recurrent_flops(cell, n, T, N_FEATURES, hidden, training=True)
        rows.append({
            "cell": cell, "T": T, "hidden": hidden, "batch": batch, "n_sequences": n,
            "fit_epoch_ms": 1e3 * epoch_s, "raw_epoch_ms": 1e3 * raw_s,
            "fit_ratio": epoch_s / raw_s,
            "fit_gflops": flops / epoch_s / 1e9,
            "fit_peak_fraction": flops / epoch_s / 1e9 / peak,
        })
    gru, lstm = rows
    gru["gru_lstm_fit_ratio"] = lstm["gru_lstm_fit_ratio"] = (
        gru["fit_epoch_ms"] / lstm["fit_epoch_ms"]
    )
    return rows


def bench_predict(cell, T, hidden, repeats):
    """One-sequence latency: bare module forward, predict (torch), predict (onnx)."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(64, T, N_FEATURES)).astype(np.float32)
    Est = ESTIMATORS[cell]
    torch_est = Est(hidden_size=hidden, max_epochs=1, **PLAIN, random_state=0)
    torch_est.fit(X, rng.normal(size=64))
    onnx_est = copy.deepcopy(torch_est).set_params(inference="onnx")
    module = torch_est.net_.module_.eval()
    x_one = X[:1]
    x_tensor = torch.from_numpy(x_one)

    # PyTorch's own nn.GRU with the same weights: the reference of the ONNX target
    reference = copy.deepcopy(module)
    if cell == "gru":
        reference.rnn = _plain_gru(module.rnn)

    def bare():
        with torch.inference_mode():
            module(x_tensor)

    def bare_reference():
        with torch.inference_mode():
            reference(x_tensor)

    candidates = {
        "bare": bare,
        "reference": bare_reference,
        "torch": lambda: torch_est.predict(x_one),
        "onnx": lambda: onnx_est.predict(x_one),
    }
    t = interleaved(candidates, repeats=repeats, warmup=3)
    np.testing.assert_allclose(onnx_est.predict(X), torch_est.predict(X), atol=1e-5)
    return {
        "cell": cell, "T": T, "hidden": hidden,
        "bare_ms": 1e3 * t["bare"], "predict_torch_ms": 1e3 * t["torch"],
        "predict_onnx_ms": 1e3 * t["onnx"],
        "torch_ratio": t["torch"] / t["bare"],
        "onnx_ratio": t["onnx"] / t["bare"],
        "onnx_speedup": t["bare"] / t["onnx"],
        "torch_module_ms": 1e3 * t["reference"],
        "onnx_speedup_vs_torch_module": t["reference"] / t["onnx"],
    }


def _plain_gru(fast_gru):
    """An ``nn.GRU`` holding the same weights as skrnn's ``FastGRU``."""
    gru = torch.nn.GRU(fast_gru.input_size, fast_gru.hidden_size, fast_gru.num_layers,
                       batch_first=fast_gru.batch_first, bidirectional=fast_gru.bidirectional)
    gru.load_state_dict(fast_gru.state_dict())
    return gru.eval()


def _latency_repeats(T, hidden, quick):
    cost = T * hidden * hidden
    return max(31, min(151, int(4e7 / cost))) // (2 if quick else 1)


def _fmt(value, spec):
    return format(value, spec) if isinstance(value, float) else str(value)


def print_rows(title, rows, columns):
    """Print ``rows`` (dicts) as a right-aligned table of ``(header, key, spec)`` columns."""
    print(f"\n{title}")
    widths = [max(len(h), 8) + 2 for h, _, _ in columns]
    print("".join(f"{h:>{w}}" for (h, _, _), w in zip(columns, widths)))
    for row in rows:
        print("".join(f"{_fmt(row[k], s):>{w}}" for (_, k, s), w in zip(columns, widths)))


def markdown_tables(results: dict) -> str:
    """The target rows of a ``perf.json`` (hidden 64; fit at batch >= 32) as Markdown."""
    predict = [r for r in results["predict"] if r["hidden"] == 64]
    fit = [r for r in results["fit"] if r["hidden"] == 64 and r["batch"] >= 32]
    lines = [
        "| cell | T | bare forward ms | `predict` torch ms | torch/bare | `predict` onnx ms "
        "| onnx vs bare | `nn.GRU`/`nn.LSTM` forward ms | onnx vs `nn.*` |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['cell']} | {r['T']} | {r['bare_ms']:.3f} | {r['predict_torch_ms']:.3f} "
        f"| {r['torch_ratio']:.2f} | {r['predict_onnx_ms']:.3f} | {r['onnx_speedup']:.1f}x "
        f"| {r['torch_module_ms']:.3f} | {r['onnx_speedup_vs_torch_module']:.1f}x |"
        for r in predict
    ]
    lines += [
        "",
        "| cell | T | hidden | batch | skrnn ms/epoch | raw ms/epoch | skrnn/raw | GRU/LSTM "
        "| GFLOP/s (of peak) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['cell']} | {r['T']} | {r['hidden']} | {r['batch']} | {r['fit_epoch_ms']:.1f} "
        f"| {r['raw_epoch_ms']:.1f} | {r['fit_ratio']:.3f} | {r['gru_lstm_fit_ratio']:.2f} "
        f"| {r['fit_gflops']:.1f} ({r['fit_peak_fraction']:.0%}) |"
        for r in fit
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small grid, fewer repeats")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "perf.json"))
    parser.add_argument("--markdown", metavar="JSON",
                        help="only print the target tables of a results file as Markdown")
    args = parser.parse_args(argv)
    if args.markdown:
        print(markdown_tables(json.loads(Path(args.markdown).read_text())))
        return 0
    torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore")
    grid = QUICK if args.quick else FULL
    info = machine()
    started = time.perf_counter()
    peak = matmul_peak_gflops()
    info["matmul_peak_gflops"] = peak
    print(f"machine: {info['cpu']}, {info['cores']} cores (affinity {info['affinity']}), "
          f"torch {info['torch']} with {info['torch_threads']} thread(s), "
          f"onnxruntime {info['onnxruntime']}, python {info['python']}")
    print(f"float32 matmul peak (1024^3): {peak:.1f} GFLOP/s")

    fit_rows = []
    for T, hidden, batch in itertools.product(grid["T"], grid["hidden"], grid["batch"]):
        fit_rows += bench_fit(T, hidden, batch, grid["repeats"], peak)
        print(f"  fit T={T} hidden={hidden} batch={batch}: "
              + ", ".join(f"{r['cell']} x{r['fit_ratio']:.3f}" for r in fit_rows[-2:]),
              flush=True)
    predict_rows = []
    for T, hidden in itertools.product(grid["T"], grid["hidden"]):
        for cell in ESTIMATORS:
            predict_rows.append(
                bench_predict(cell, T, hidden, _latency_repeats(T, hidden, args.quick))
            )
        print(f"  predict T={T} hidden={hidden}: " + ", ".join(
            f"{r['cell']} torch x{r['torch_ratio']:.2f} onnx x{r['onnx_ratio']:.2f}"
            for r in predict_rows[-2:]), flush=True)

    print_rows("fit: seconds per epoch, skrnn vs raw PyTorch loop (same module, batches, Adam)",
               fit_rows, [("cell", "cell", ""), ("T", "T", ""), ("hidden", "hidden", ""),
                          ("batch", "batch", ""), ("skrnn ms", "fit_epoch_ms", ".2f"),
                          ("raw ms", "raw_epoch_ms", ".2f"), ("ratio", "fit_ratio", ".3f"),
                          ("GRU/LSTM", "gru_lstm_fit_ratio", ".2f"),
                          ("GFLOP/s", "fit_gflops", ".2f"),
                          ("of peak", "fit_peak_fraction", ".1%")])
    print_rows("predict one sequence: latency vs bare module forward", predict_rows,
               [("cell", "cell", ""), ("T", "T", ""), ("hidden", "hidden", ""),
                ("bare ms", "bare_ms", ".3f"), ("torch ms", "predict_torch_ms", ".3f"),
                ("onnx ms", "predict_onnx_ms", ".3f"), ("torch/bare", "torch_ratio", ".2f"),
                ("onnx/bare", "onnx_ratio", ".2f"), ("onnx speedup", "onnx_speedup", ".1f"),
                ("nn.* ms", "torch_module_ms", ".3f"),
                ("onnx vs nn.*", "onnx_speedup_vs_torch_module", ".1f")])

    big = [r for r in fit_rows if r["batch"] >= 32]
    at64 = [r for r in predict_rows if r["hidden"] == 64]
    summary = {
        "fit_ratio_max_batch_ge_32": max(r["fit_ratio"] for r in big) if big else None,
        "fit_ratio_median_batch_ge_32": float(np.median([r["fit_ratio"] for r in big]))
        if big else None,
        "predict_torch_ratio_max_hidden_64": max(r["torch_ratio"] for r in at64),
        "onnx_gru_speedup_min_hidden_64": min(
            r["onnx_speedup"] for r in at64 if r["cell"] == "gru"),
        "onnx_gru_speedup_vs_nn_gru_min_hidden_64": min(
            r["onnx_speedup_vs_torch_module"] for r in at64 if r["cell"] == "gru"),
        "seconds": time.perf_counter() - started,
    }
    print("\nsummary:", json.dumps(summary, indent=1))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": info, "quick": args.quick, "summary": summary,
                               "fit": fit_rows, "predict": predict_rows}, indent=1))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
