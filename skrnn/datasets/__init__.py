"""Bundled data sets and data generators."""

from ._airline import load_airline
from ._synthetic import make_adding_problem, make_delayed_recall

__all__ = ["load_airline", "make_adding_problem", "make_delayed_recall"]
