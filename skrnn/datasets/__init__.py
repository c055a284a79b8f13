"""Bundled data sets and data generators."""

from ._airline import load_airline

__all__ = ["load_airline"]
