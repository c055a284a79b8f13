#!/usr/bin/env python3
"""Set up a local virtual environment and run skrnn's demo, tests or docs.

Usage::

    python3 dev.py demo        # set up, then run the main demo
    python3 dev.py test        # set up, then run the whole test suite
    python3 dev.py docs        # set up, then build the docs (warnings are errors)
    python3 dev.py bench       # set up, then run the benchmark suite
    python3 dev.py setup       # only set up

Arguments after ``test`` go to pytest: ``python3 dev.py test -m "not slow"``
skips the tests marked ``slow`` (docs build, examples, worker processes and
storages, estimator checks, long fits) -- a quick check while editing; the
plain ``python3 dev.py test`` runs everything.

Needs nothing but Python >= 3.10 with pip. The environment lives in ``.venv``
(override with ``SKRNN_VENV``). Where the environment has no torch, the CPU
build is installed first (``SKRNN_TORCH`` sets the requirement, default
``torch==2.13.0``; ``SKRNN_TORCH_INDEX`` an index such as
``https://download.pytorch.org/whl/cpu``), so that resolving skrnn's
dependencies never pulls a multi-GB CUDA build. A torch that is already
installed is left alone.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("SKRNN_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
# The test suite builds the docs (tests/test_docs.py), so it needs the docs extra too.
EXTRAS = {"demo": "plot", "test": "docs,tests", "docs": "docs,tests", "bench": "benchmarks,plot"}


def run(*cmd, **kw) -> int:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.call([str(c) for c in cmd], cwd=ROOT, **kw)


def check(*cmd):
    if run(*cmd) != 0:
        sys.exit(f"dev.py: command failed: {' '.join(map(str, cmd))}")


def setup(extras: str) -> None:
    if not PY.exists():
        check(sys.executable, "-m", "venv", VENV)
        check(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    has_torch = subprocess.call(
        [str(PY), "-c", "import torch"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ) == 0
    if not has_torch:
        spec = os.environ.get("SKRNN_TORCH", "torch==2.13.0")
        index = os.environ.get("SKRNN_TORCH_INDEX")
        check(PY, "-m", "pip", "install", "--quiet", spec, *(["--index-url", index] if index else []))
    # Re-install only when the project metadata, the compiled kernel's sources or
    # the requested extras change (the editable install builds the extension once).
    sources = [ROOT / "pyproject.toml", ROOT / "setup.py",
               *sorted((ROOT / "skrnn" / "_gru").glob("*.pyx")),
               *sorted((ROOT / "skrnn" / "_gru").glob("*.h"))]
    digest = hashlib.sha256(
        b"".join(p.read_bytes() for p in sources if p.exists()) + extras.encode()
    ).hexdigest()
    stamp = VENV / f".skrnn-installed-{extras.replace(',', '-')}"
    if not stamp.exists() or stamp.read_text() != digest:
        check(PY, "-m", "pip", "install", "--quiet", "-e", f".[{extras}]")
        stamp.write_text(digest)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("demo", "test", "docs", "bench", "setup"):
        print(__doc__)
        return 2
    task, rest = argv[0], argv[1:]
    setup(EXTRAS.get(task, "tests"))
    env = dict(os.environ, PYTHONUNBUFFERED="1", MPLBACKEND="Agg")
    if task == "demo":
        return run(PY, "examples/plot_airline_forecast.py", *rest, env=env)
    if task == "test":
        workers = "2" if (os.cpu_count() or 1) > 1 else "0"
        return run(PY, "-m", "pytest", "-n", workers, "tests", *rest, env=env)
    if task == "docs":
        return run(PY, "-m", "sphinx", "-W", "--keep-going", "-b", "html", "docs",
                   "docs/_build/html", *rest, env=env)
    if task == "bench":
        return run(PY, "benchmarks/run.py", *rest, env=env)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
