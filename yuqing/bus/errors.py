"""Errors shared by the buses."""
from __future__ import annotations


class BusUnavailable(ConnectionError):
    """The bus cannot be reached (broker down, wrong address, unusable database file)."""
