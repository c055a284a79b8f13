"""Every public name, and every public method skrnn defines, has a valid numpydoc docstring."""

import inspect

import pytest
from numpydoc.validate import validate

import skrnn
import skrnn.datasets
import skrnn.exceptions
import skrnn.preprocessing

# numpydoc checks not enforced, and why
IGNORED = {
    "ES01",  # extended summary: optional
    "SA01",  # "See Also": optional
    "EX01",  # "Examples" on every method: the class examples cover them
    "RT02",  # naming a single return value is clearer than a bare type
    "SS05",  # summary in third person ("Returns"): scikit-learn uses the imperative
}


def documented_names():
    for module in (skrnn, skrnn.preprocessing, skrnn.datasets, skrnn.exceptions):
        for name in module.__all__:
            obj = getattr(module, name)
            if name.startswith("__") or inspect.ismodule(obj):
                continue
            yield f"{module.__name__}.{name}"
            if inspect.isclass(obj):
                for attr in dir(obj):
                    member = getattr(obj, attr)
                    if (
                        not attr.startswith("_")
                        and callable(member)
                        and getattr(member, "__module__", "").startswith("skrnn")
                    ):
                        yield f"{module.__name__}.{name}.{attr}"


@pytest.mark.parametrize("name", sorted(set(documented_names())))
def test_numpydoc(name):
    errors = [f"{code}: {message}" for code, message in validate(name)["errors"]
              if code not in IGNORED]
    assert not errors, "\n".join(errors)
