"""Message buses behind yuqing.seams.Bus, chosen by the BUS setting.

inprocess  one process (the default; `yuqing run`)
sqlite     durable, several processes on one machine (`yuqing ingest` + `yuqing worker`s)
kafka      several machines (kafka-python)
"""
from __future__ import annotations

from yuqing.bus.errors import BusUnavailable
from yuqing.bus.inprocess import InProcessBus

__all__ = ["BusUnavailable", "InProcessBus", "make_bus"]


def make_bus(settings) -> "Bus":  # noqa: F821
    kind = settings["BUS"]
    partitions = settings["BUS_PARTITIONS"]
    session = float(settings["BUS_SESSION_TIMEOUT_SECONDS"])
    if kind == "inprocess":
        return InProcessBus(partitions=partitions)
    # imported here: the default bus needs neither kafka-python nor the sqlite module
    if kind == "sqlite":
        from yuqing.bus.sqlite import SqliteBus
        return SqliteBus(settings["BUS_SQLITE_PATH"], partitions=partitions, session_timeout=session)
    if kind == "kafka":
        from yuqing.bus.kafka import KafkaBus
        # heartbeats at a sixth of the session: a rebalance is noticed within about a second
        return KafkaBus(settings["BUS_KAFKA_SERVERS"], partitions=partitions,
                        session_timeout_ms=int(session * 1000),
                        heartbeat_interval_ms=max(100, int(session * 1000 / 6)))
    raise ValueError(f"BUS: unknown bus {kind!r} (inprocess | sqlite | kafka)")
