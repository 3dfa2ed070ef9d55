"""A test-only analysis stage with a bug: it raises on every item carrying the 【毒】 marker.

Loaded through the STAGES setting ({"tests.poison_stage:PoisonStage": 650}), so the chaos test
exercises a stage that fails at run time, not only items that are invalid on arrival.
"""
from __future__ import annotations

MARK = "【毒】"


class PoisonStage:
    name = "poison"

    @classmethod
    def from_config(cls, config, settings) -> "PoisonStage":
        return cls()

    def process(self, ctx) -> None:
        if MARK in ctx.norm.text:
            raise RuntimeError("a bug in a stage, on this item only")
