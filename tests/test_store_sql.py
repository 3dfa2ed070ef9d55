"""The SQL store: migrations match the models, times come back aware, the log only grows."""
from datetime import datetime, timezone

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from tests.conftest import item
from yuqing.model import Item
from yuqing.store.tables import ActionRow, Base, CaseRow, ClockRow
from yuqing.timeutil import SHANGHAI


def test_migrations_create_exactly_the_models_schema(store):
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    assert {"items", "cases", "clocks", "alerts", "deliveries", "actions", "firings", "heartbeats"} <= \
        set(inspect(store.engine).get_table_names())


def test_emergency_case_is_stored_with_clocks_and_actions(store, engine):
    dec = engine.process(Item.model_validate(item("a", "湖滨步行街一商铺起火，有人被困", when="2026-11-20T10:12:00+08:00")))
    changes = store.save_decision(dec, url_key="u", fingerprint="f", policy={"frozen": True})
    assert changes["new_case"] and changes["emergency_started"]
    case = store.case(dec.case.event_id)
    assert case.first_responsible == "湖滨街道" and case.emergency and case.policy == {"frozen": True}
    clocks = {c.kind: c for c in store.clocks(case.event_id)}
    assert clocks["statement"].due_at == datetime(2026, 11, 20, 7, 12, tzinfo=timezone.utc)
    assert clocks["statement"].due_at.tzinfo is not None
    kinds = [a.action for a in store.actions(case.event_id)]
    assert kinds[:1] == ["item.routed"] and "case.opened" in kinds and kinds.count("clock.started") == 2


def test_a_redelivered_item_changes_nothing(store, engine):
    dec = engine.process(Item.model_validate(item("a", "丁兰勤丰路垃圾没人清运")))
    store.save_decision(dec, url_key=None, fingerprint=None)
    n = store.count(ActionRow)
    assert store.save_decision(dec, url_key=None, fingerprint=None).get("already_stored")
    assert store.count(ActionRow) == n


def test_level_rise_is_logged(store, engine):
    store.save_decision(engine.process(Item.model_validate(item("a", "钱江新城一小区物业费暴涨，业主不满"))),
                        url_key=None, fingerprint=None)
    hot = {"reposts": 5000, "comments": 5000, "likes": 1000, "views": 0}
    d2 = engine.process(Item.model_validate(item("b", "钱江新城小区物业费暴涨上了热搜，业主们都在骂", metrics=hot,
                                                 when="2026-11-20T12:00:00+08:00")))
    store.save_decision(d2, url_key=None, fingerprint=None)
    raised = [a for a in store.actions(d2.case.event_id) if a.action == "case.level_raised"]
    assert raised and raised[0].details == {"from": "一般", "to": "重大"}


def test_firing_is_claimed_once(store):
    assert store.claim_firing("case:statement:0:warn60", "s1")
    assert not store.claim_firing("case:statement:0:warn60", "s2")


def test_naive_datetimes_are_refused(store):
    import pytest
    from sqlalchemy.exc import StatementError
    with pytest.raises(StatementError, match="naive datetime"):
        store.record("x", actor="t", at=datetime(2026, 1, 1))
