"""Smoke tests of the benchmark scripts' functions (selection.py, default_duel.py).

The arithmetic tests use hand-made rows; the end-to-end one fits the
defaults, a 2-trial selector and a 2-configuration grid on a tiny synthetic
set (slow: minutes on a loaded core; 6 min here at load 7).
"""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
pytest.importorskip("aeon")  # accuracy.py, imported by selection.py, needs the benchmarks extra
sys.path.insert(0, str(BENCH))
import accuracy  # noqa: E402
import default_duel  # noqa: E402
import selection  # noqa: E402


def _info(name="Tiny", task="classification", chance=0.5):
    metric = "accuracy" if task == "classification" else "RMSE"
    return accuracy.SetInfo(name, task, "synthetic", metric, 16, 10, 1, 8, 8, chance=chance)


def _row(entry, scores, preds, fit_s):
    kind = entry.split()[0]
    return selection.Row("Tiny", entry, kind, seeds=list(range(len(scores))), scores=scores,
                         fit_s=fit_s, preds=preds)


def test_grid_is_the_documented_one():
    assert len(selection.GRID) == 48  # 24 per cell
    for cell in selection.CELLS:
        assert sum(c["cell"] == cell for c in selection.GRID) == 24
    assert {c["cell"] for c in selection.GRID[:2]} == {"gru", "lstm"}  # a prefix has both
    labels = [selection.grid_label(c) for c in selection.GRID]
    assert len(set(labels)) == 48


def test_regret_arithmetic_classification():
    yt = [0, 1, 0, 1, 0, 1, 0, 1, 0, 1]
    right = list(yt)
    eight = [1 - v if i < 2 else v for i, v in enumerate(yt)]  # 0.8
    six = [1 - v if i < 4 else v for i, v in enumerate(yt)]  # 0.6
    rows = [
        _row("default gru", [0.6], [six], [1.0]),
        _row("default lstm", [0.8], [eight], [2.0]),
        _row("grid gru/h16/lr0.001/conv", [1.0], [right], [3.0]),
        _row("grid lstm/h16/lr0.001/conv", [0.6], [six], [5.0]),
        _row("selector 8", [0.8], [eight], [4.0]),
    ]
    (cell,) = selection.set_cells(_info(), rows, yt)
    assert cell.better_default == "default lstm" and cell.default == 0.8
    assert cell.oracle_config == "gru/h16/lr0.001/conv" and cell.oracle == 1.0
    assert cell.regret == pytest.approx(20.0)  # accuracy points
    assert cell.compute == pytest.approx(4.0 / 8.0)
    assert cell.noise == 0.0 and cell.meets  # same predictions as the better default
    assert cell.grid_size == 2 and cell.budget == "8"


def test_regret_arithmetic_regression_and_noise():
    rng = np.random.default_rng(0)
    yt = rng.normal(size=40)
    good = yt + 0.1 * rng.normal(size=40)
    bad = yt + 1.0 * rng.normal(size=40)
    score = lambda p: accuracy._score("regression", p, yt)  # noqa: E731
    rows = [
        _row("default gru", [score(good)], [good.tolist()], [1.0]),
        _row("default lstm", [score(bad)], [bad.tolist()], [1.0]),
        _row("grid gru/h16/lr0.001/conv", [score(good)], [good.tolist()], [1.0]),
        _row("grid lstm/h16/lr0.001/conv", [score(bad)], [bad.tolist()], [1.0]),
        _row("selector 16", [score(bad)], [bad.tolist()], [1.0]),
    ]
    (cell,) = selection.set_cells(_info(task="regression", chance=1.0), rows, yt)
    assert cell.better_default == "default gru" and cell.oracle == pytest.approx(score(good))
    assert cell.regret == pytest.approx(100 * (score(bad) - score(good)) / score(good))
    assert cell.regret > 0
    assert 0 < cell.noise < score(bad) - score(good)  # a clear loss, not noise
    assert not cell.meets


def test_default_duel_summary_compares_the_chosen_default_with_gru():
    against = {
        "sets": {"A": {"metric": "accuracy"}, "R": {"metric": "RMSE"}},
        "rows": {
            "A | default gru": {"seeds": [0, 1], "scores": [0.90, 0.80]},
            "A | default lstm": {"seeds": [0, 1], "scores": [0.85, 0.84]},
            "R | default gru": {"seeds": [0], "scores": [10.0]},
            "R | default lstm": {"seeds": [0], "scores": [12.0]},
        },
    }
    results = {  # seed 0 of A: the rule switched to LSTM and lost 5 points
        "A/0": {"cell": "lstm", "tie": False},
        "A/1": {"cell": "gru", "tie": True},
        "R/0": {"cell": "lstm", "tie": False},
        "R/1": {"cell": "gru", "tie": True},  # no test score for seed 1: left out
    }
    text = default_duel.summary(results, against)
    assert "picks the LSTM default in 2 of 3 (set, seed) runs" in text
    assert "accuracy: mean -2.50, worst -5.00 accuracy points, over 2 runs" in text
    assert "RMSE: mean +20.00, worst +20.00 % RMSE" in text


@pytest.mark.slow
def test_end_to_end_tiny_set(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(26, 1, 8))  # aeon layout
    y = (X[:, 0, -1] > 0).astype(int)
    data = accuracy.Data(X[:16], y[:16], X[16:], y[16:])
    split = (accuracy._to_sequences(data.X), data.y, accuracy._to_sequences(data.Xt), data.yt)
    spec = accuracy.Spec("Tiny", "classification", "synthetic", "Tiny")
    monkeypatch.setitem(selection.BUDGETS, "2", {"n_trials": 2})
    grid = selection.GRID[:2]
    out = tmp_path / "selection.json"
    selection.merge_into(out, sets=[accuracy.set_info(spec, data)], targets={"Tiny": data.yt},
                         grid=[selection.grid_label(c) for c in grid], tag="test")
    rows = [selection.run_entry(spec, e, [0], data=split)
            for e in selection.entries(["2"], grid)]
    for r in rows:
        selection.merge_into(out, rows=[r])
    assert all(not r.errors for r in rows), [r.errors for r in rows]

    results = json.loads(out.read_text())
    assert sorted(results["rows"]) == sorted(
        ["Tiny | default gru", "Tiny | default lstm", "Tiny | selector 2",
         "Tiny | grid gru/h16/lr0.001/conv", "Tiny | grid lstm/h16/lr0.001/conv"])
    for r in results["rows"].values():
        assert r["seeds"] == [0] and len(r["scores"]) == 1 and len(r["preds"][0]) == 10
    sel = results["rows"]["Tiny | selector 2"]
    assert sel["notes"][0].split("/")[0] in ("gru", "lstm")

    (cell,) = selection.cells_of(results)
    by = {r.entry: r for r in rows}
    grid_rows = [by["grid " + selection.grid_label(c)] for c in grid]
    oracle = max(r.scores[0] for r in grid_rows)
    default = max(by["default gru"].scores[0], by["default lstm"].scores[0])
    assert cell.oracle == oracle and cell.default == default
    assert cell.regret == pytest.approx(100 * (oracle - sel["scores"][0]))
    assert cell.compute == pytest.approx(sel["fit_s"][0] / sum(r.fit_s[0] for r in grid_rows))
    assert cell.meets == (sel["scores"][0] >= default - cell.noise)
    s = results["summary"]["2"]
    assert s["sets"] == 1 and s["median regret"] == pytest.approx(cell.regret)
    assert s["meets default - noise"] == [int(cell.meets), 1]
    table = selection.rst_table(results)
    assert table.startswith(".. list-table::") and "Tiny (accuracy)" in table


def test_the_zero_cost_recurrence_bound_bypasses_the_kernel_and_restores_it():
    import threads
    import torch

    import skrnn._gru._fast_gru as fast_gru

    kernel = fast_gru._kernel
    gru = fast_gru.FastGRU(input_size=3, hidden_size=4, batch_first=True)
    x = torch.randn(2, 5, 3, requires_grad=True)
    with threads.zero_cost_recurrence():
        out, h = gru(x)
        out.sum().backward()
    # no recurrence ran: zero outputs, and no gradient reaches the input
    assert torch.count_nonzero(out) == 0 and torch.count_nonzero(x.grad) == 0
    assert torch.count_nonzero(gru(x)[0]) > 0  # the real kernel again
    rows = threads.bench_bound((4,), repeats=1, epochs_list=(1, 2))
    assert [(r["T"], r["epochs"]) for r in rows] == [(4, 1), (4, 2)]
    assert fast_gru._kernel is kernel
    assert all(r["gru_no_recurrence_s"] > 0 and r["bound_gru_lstm"] > 0 for r in rows)
