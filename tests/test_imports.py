"""``import skrnn`` is lazy: torch, skorch and optuna load only when needed.

Each check runs in a fresh interpreter, since this test process has long
since imported everything.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
HEAVY = ("torch", "skorch", "optuna")


def run(code):
    """Run ``code`` in a fresh interpreter importing this checkout's skrnn; return stdout."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def heavy_loaded_after(statement):
    out = run(f"import sys\n{statement}\nprint(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    return out.strip().splitlines()[-1]


@pytest.mark.parametrize(
    "statement",
    [
        "import skrnn",
        "import skrnn.selection._criteria",
        "import skrnn, skrnn.exceptions, skrnn.datasets",
        "import skrnn; skrnn.datasets.load_airline()",
        "import skrnn.selection; skrnn.selection.recommend",
    ],
)
def test_light_imports_do_not_load_torch_skorch_optuna(statement):
    assert heavy_loaded_after(statement) == "[]"


@pytest.mark.slow
def test_submodules_are_reachable_after_bare_import():
    out = run(
        """
        import skrnn
        bunch = skrnn.datasets.load_airline()
        print(len(bunch.data), skrnn.preprocessing.from_channels_first.__name__)
        """
    )
    assert out.split() == ["144", "from_channels_first"]


@pytest.mark.slow
def test_estimators_import_on_access():
    out = run(
        """
        import sys
        from skrnn import GRURegressor
        import skrnn
        print(GRURegressor.__module__, skrnn.GRUClassifier.__name__, 'torch' in sys.modules)
        print(skrnn.ArchitectureSelector is skrnn.selection.ArchitectureSelector)
        """
    )
    assert out.split() == ["skrnn.regressor", "GRUClassifier", "True", "True"]


def test_dir_lists_public_names():
    import skrnn

    names = dir(skrnn)
    assert names == sorted(skrnn.__all__)
    for name in ("GRUClassifier", "LSTMRegressor", "ArchitectureSelector", "datasets",
                 "preprocessing", "selection", "exceptions", "__version__"):
        assert name in names
    assert not [n for n in names if n.startswith("_") and n != "__version__"]
    for name in skrnn.__all__:  # everything listed resolves
        assert getattr(skrnn, name) is not None


def test_selection_all_resolves():
    import skrnn.selection

    assert dir(skrnn.selection) == sorted(skrnn.selection.__all__)
    for name in skrnn.selection.__all__:
        getattr(skrnn.selection, name)


@pytest.mark.parametrize("module", ["skrnn", "skrnn.selection"])
def test_unknown_attribute_raises_attribute_error_naming_the_module(module):
    import importlib

    mod = importlib.import_module(module)
    with pytest.raises(AttributeError, match=rf"module '{module}' has no attribute 'Nope'"):
        mod.Nope  # noqa: B018
    with pytest.raises(ImportError, match="Nope"):
        exec(f"from {module} import Nope")
