"""verbose=1: epoch i / N, elapsed time and ETA; a bar on a terminal, plain lines elsewhere."""

import io
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import FAST, make_sum_regression
from skrnn import GRUClassifier, GRURegressor
from skrnn._callbacks import format_seconds

ROOT = Path(__file__).parents[1]

pytestmark = pytest.mark.filterwarnings("ignore:.*did not learn")  # fits of a few epochs


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_plain_lines_through_a_pipe_have_i_of_n_eta_and_no_escape_codes():
    script = textwrap.dedent("""
        import sys
        sys.path.insert(0, "tests")
        from conftest import make_sum_regression
        from skrnn import GRURegressor
        X, y = make_sum_regression(n=40, T=6)
        GRURegressor(verbose=1, hidden_size=4, batch_size=8, max_epochs=5, random_state=0).fit(X, y)
    """)
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                         text=True, timeout=300, check=True).stdout
    assert "\x1b" not in out and "\r" not in out
    lines = out.splitlines()
    epoch_lines = [line for line in lines if re.search(r"epoch \d+/5 ", line)]
    assert [int(re.search(r"epoch (\d+)/5", line)[1]) for line in epoch_lines] == [1, 2, 3, 4, 5]
    assert all("ETA" in line and "elapsed" in line for line in epoch_lines)
    assert lines[-1].startswith("[GRURegressor] done: 5/5 epochs")


def test_auto_max_epochs_shows_the_planned_epochs(capsys):
    X, y = make_sum_regression(n=40, T=6)
    est = GRURegressor(verbose=1, hidden_size=4, batch_size=8, min_steps=12,
                       random_state=0)  # max_epochs="auto"
    est.fit(X, y)
    out = capsys.readouterr().out
    planned = est.training_plan_.max_epochs
    assert f"epoch 1/{planned} " in out


def test_early_stop_is_said_on_the_last_line(capsys):
    X, y = make_sum_regression(n=40, T=6)
    est = GRURegressor(verbose=1, hidden_size=4, batch_size=8, max_epochs=200, min_steps=0,
                       patience=2, tol=0.5, random_state=0).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert est.n_iter_ < 200
    assert f"stopped early at epoch {est.n_iter_}/200" in lines[-1]
    assert "no improvement" in lines[-1] and f"epoch {est.best_epoch_} kept" in lines[-1]


def test_a_terminal_gets_a_progress_bar(monkeypatch):
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    X, y = make_sum_regression(n=40, T=6)
    GRURegressor(verbose=1, hidden_size=4, batch_size=8, max_epochs=4, random_state=0).fit(X, y)
    out = terminal.getvalue()
    assert "\r" in out  # tqdm redraws its line
    assert "4/4" in out and ("epoch/s" in out or "s/epoch" in out)
    assert out.rstrip().splitlines()[-1].startswith("[GRURegressor] done: 4/4")


def test_partial_fit_progress_and_silence_by_default(capsys):
    X, y = make_sum_regression(n=40, T=6)
    est = GRUClassifier(**FAST)
    est.fit(X, y > 0)
    assert capsys.readouterr().out == ""
    est = GRURegressor(verbose=1, hidden_size=4, batch_size=8, random_state=0)
    est.partial_fit(X, y).partial_fit(X, y)
    out = capsys.readouterr().out
    assert out.count("epoch 1/1 ") == 2 and "(2 epochs in all)" in out


def test_progress_survives_pickling():
    import pickle
    X, y = make_sum_regression(n=40, T=6)
    est = GRURegressor(verbose=1, hidden_size=4, batch_size=8, max_epochs=1, random_state=0)
    est.fit(X, y)
    assert pickle.loads(pickle.dumps(est)).predict(X).shape == (40,)


@pytest.mark.parametrize("seconds, text", [(3.21, "3.2s"), (42, "42s"), (185, "3m05s"),
                                           (3720, "1h02m")])
def test_format_seconds(seconds, text):
    assert format_seconds(seconds) == text
