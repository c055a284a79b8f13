"""Measurement helpers shared by the benchmark scripts: timers, the raw loop, FLOPs, machine.

Every comparison is made inside one process, with the candidates run in
turn (interleaved) and the median taken, so that load from other processes
hits all of them alike: the ratios are meaningful even when the absolute
times are noisy.
"""

from __future__ import annotations

import os
import platform
import time

import numpy as np
import torch

import skrnn

GATES = {"gru": 3, "lstm": 4}


def machine() -> dict:
    """CPU model, cores, torch version and threads, onnxruntime and skrnn versions."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        import onnxruntime

        ort_version = onnxruntime.__version__
    except ImportError:
        ort_version = None
    affinity = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "affinity": affinity,
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "onnxruntime": ort_version,
        "skrnn": skrnn.__version__,
        "python": platform.python_version(),
    }


def interleaved(candidates: dict, repeats: int, warmup: int = 1, min_time: float = 0.0) -> dict:
    """Median wall time (s) of each zero-argument callable, run round-robin.

    Each round runs every candidate once, the order rotating from round to
    round, so that load from other processes and cache effects hit all alike.
    At least ``repeats`` rounds are run, and more until ``min_time`` seconds
    have passed.
    """
    for _ in range(warmup):
        for fn in candidates.values():
            fn()
    names = list(candidates)
    times = {name: [] for name in names}
    start = time.perf_counter()
    rounds = 0
    while rounds < repeats or time.perf_counter() - start < min_time:
        shift = rounds % len(names)
        for name in names[shift:] + names[:shift]:
            t0 = time.perf_counter()
            candidates[name]()
            times[name].append(time.perf_counter() - t0)
        rounds += 1
    return {name: float(np.median(t)) for name, t in times.items()}


def matmul_peak_gflops(n: int = 1024, seconds: float = 1.0) -> float:
    """Measured float32 matrix-multiply throughput (GFLOP/s) with torch's threads."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    best = float("inf")
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best / 1e9


def recurrent_flops(cell: str, n_sequences: int, T: int, n_features: int, hidden: int,
                    training: bool) -> float:
    """Multiply-add FLOPs of the recurrent layer (one layer, one direction).

    Per step and sequence each gate does two matrix-vector products,
    ``W x`` (hidden x features) and ``U h`` (hidden x hidden): ``2 * hidden *
    (features + hidden)`` FLOPs. Element-wise gate maths is left out; a
    training step counts 3x the forward (backward = 2 matmuls per forward one).
    """
    forward = GATES[cell] * 2 * hidden * (n_features + hidden) * T * n_sequences
    return forward * (3 if training else 1)


def raw_epochs(module, X: torch.Tensor, y: torch.Tensor, *, criterion, batch_size: int,
               lr: float, clip: float | None, epochs: int, seed: int = 0) -> list[float]:
    """Train ``module`` with a bare PyTorch loop; return each epoch's seconds.

    What skrnn's ``fit`` does per batch, and nothing else: shuffle, index a
    batch, forward, loss, backward, gradient-norm clipping (skrnn's default
    ``gradient_clip=1.0``), Adam step.
    """
    module.train()
    optimizer = torch.optim.Adam(module.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    n = len(X)
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.from_numpy(rng.permutation(n))
        for s in range(0, n, batch_size):
            idx = order[s : s + batch_size]
            optimizer.zero_grad()
            loss = criterion(module(X[idx]), y[idx])
            loss.backward()
            if clip is not None:
                torch.nn.utils.clip_grad_norm_(module.parameters(), clip)
            optimizer.step()
        seconds.append(time.perf_counter() - start)
    return seconds

