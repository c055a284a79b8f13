"""Every example runs, in quick mode, and writes what it promises."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # each example runs in its own interpreter

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("*.py"))
EXEC_WITHOUT_FILE = (
    "import sys; exec(compile(sys.stdin.read(), 'example', 'exec'), {'__name__': '__main__'})"
)


def quick_env(output):
    env = dict(os.environ, SKRNN_QUICK="1", SKRNN_OUTPUT=str(output), MPLBACKEND="Agg")
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # as in conftest.py: one torch thread per worker process; an example
        # spinning up threads for every core while another worker runs is
        # oversubscribed (measured: 16x slower on 2 busy cores)
        env.setdefault("OMP_NUM_THREADS", "1")
    return env


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs_in_quick_mode(script, tmp_path):
    env = quick_env(tmp_path)
    # Executed as sphinx-gallery executes it for the docs, without __file__:
    # the script must find what it needs through SKRNN_OUTPUT.
    result = subprocess.run(
        [sys.executable, "-c", EXEC_WITHOUT_FILE], input=script.read_text(),
        cwd=script.parent, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.glob("*.png")), "the example wrote no plot"


def test_demo_prints_rmse_of_both_models_and_the_baseline(tmp_path):
    script = Path(__file__).parents[1] / "examples" / "plot_airline_forecast.py"
    env = quick_env(tmp_path)
    out = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=300
    ).stdout
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.strip()}
    for name in ("GRURegressor", "LSTMRegressor"):
        one_step = float(rows[name][1])
        # even the quick run beats "same month last year" one step ahead
        assert one_step < float(rows["seasonal"][2])
