"""Message buses: `inprocess` (default) and `kafka` (at scale), behind yuqing.seams.Bus."""
from __future__ import annotations

from yuqing.bus.inprocess import InProcessBus


def make_bus(settings) -> "Bus":  # noqa: F821
    kind = settings["BUS"]
    if kind == "inprocess":
        return InProcessBus()
    if kind == "kafka":
        from yuqing.bus.kafka import KafkaBus
        return KafkaBus(settings["BUS_KAFKA_SERVERS"])
    raise ValueError(f"BUS: unknown bus {kind!r} (inprocess | kafka)")
