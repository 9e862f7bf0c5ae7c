"""Fengqiao: a platform for grassroots social governance."""

__version__ = "0.1.0"
