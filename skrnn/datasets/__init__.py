"""Bundled data sets and data generators."""

from ._airline import load_airline
from ._synthetic import make_adding_problem

__all__ = ["load_airline", "make_adding_problem"]
