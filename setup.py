"""Build the compiled GRU kernel; all other metadata lives in pyproject.toml.

The kernel (``skrnn/_gru/_kernel.pyx``) is plain Cython + C calling BLAS
through ``scipy.linalg.cython_blas``: it links against nothing at build time
and is not compiled against PyTorch.
"""

import os

from Cython.Build import cythonize
from setuptools import Extension, setup

# -O3 lets the compiler vectorise the gate loops; MSVC spells it differently.
# -fno-trapping-math lets it if-convert the clamps in the exp polynomial (no code
# here reads floating-point exception flags).
_CFLAGS = ["/O2"] if os.name == "nt" else ["-O3", "-fno-trapping-math"]

extensions = [
    Extension(
        "skrnn._gru._kernel",
        sources=["skrnn/_gru/_kernel.pyx"],
        depends=["skrnn/_gru/_gates.h"],
        include_dirs=["skrnn/_gru"],
        extra_compile_args=_CFLAGS,
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        # Without a working C compiler skrnn still installs: FastGRU then runs
        # nn.GRU's own code (slower on CPU, same results). tests/test_fast_gru.py
        # asserts the kernel is built, so CI catches a broken build.
        optional=True,
    )
]

setup(ext_modules=cythonize(extensions, compiler_directives={"language_level": 3}))
