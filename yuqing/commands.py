"""Subcommands that run services (worker, scheduler, dashboard, demo) and train models."""
from __future__ import annotations


def register(sub) -> None:
    pass
