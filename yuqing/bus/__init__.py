"""Message buses behind yuqing.seams.Bus: `inprocess` (the default); Kafka comes with the scale work."""
from __future__ import annotations

from yuqing.bus.inprocess import InProcessBus
from yuqing.seams import NotConfigured


def make_bus(settings) -> "Bus":  # noqa: F821
    kind = settings["BUS"]
    if kind == "inprocess":
        return InProcessBus()
    if kind == "kafka":
        raise NotConfigured("BUS=kafka: the Kafka bus is not built yet (it comes with the scale work); "
                            "use BUS=inprocess")
    raise ValueError(f"BUS: unknown bus {kind!r} (inprocess | kafka)")
