"""The SQL store: migrations match the models, times come back aware, the log only grows."""
from datetime import datetime, timezone

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from tests.conftest import item
from tests.helpers import actions_of, case_of, clocks_of
from pipeline.record import record_decision
from yuqing.model import Item
from yuqing.store.tables import metadata
from yuqing.timeutil import SHANGHAI


def save(store, dec, url_key=None, fingerprint=None, policy=None):
    with store.transaction() as tx:
        return record_decision(tx, dec, now=store.clock.now(), url_key=url_key, fingerprint=fingerprint,
                               policy=policy)


def n_actions(store):
    return len(actions_of(store))


def test_migrations_create_exactly_the_models_schema(store):
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
    assert {"items", "cases", "clocks", "alerts", "deliveries", "actions", "firings", "heartbeats", "case_events",
            "dead_letters", "users", "delivery_attempts", "source_states", "seen_pages"} <= \
        set(inspect(store.engine).get_table_names())


def test_emergency_case_is_stored_with_clocks_and_actions(store, engine):
    dec = engine.process(Item.model_validate(item("a", "湖滨步行街一商铺起火，有人被困", when="2026-11-20T10:12:00+08:00")))
    changes = save(store, dec, url_key="u", fingerprint="f", policy={"frozen": True})
    assert changes["new_case"] and changes["emergency_started"]
    case = case_of(store, dec.case.event_id)
    assert case.first_responsible == "湖滨街道" and case.emergency and case.policy == {"frozen": True}
    assert case.number and case.number.endswith("-001")
    clocks = {c.kind: c for c in clocks_of(store, case.event_id)}
    assert clocks["statement"].due_at == datetime(2026, 11, 20, 7, 12, tzinfo=timezone.utc)
    assert clocks["statement"].due_at.tzinfo is not None
    kinds = [a.action for a in actions_of(store, case.event_id)]
    assert kinds[:1] == ["item.routed"] and "case.opened" in kinds and kinds.count("clock.started") == 2
    with store.reader() as r:
        events = r.case_events.all()
    assert [e.kind for e in events] == ["emergency"] and events[0].payload["first_responsible"] == "湖滨街道"


def test_a_redelivered_item_changes_nothing(store, engine):
    dec = engine.process(Item.model_validate(item("a", "丁兰勤丰路垃圾没人清运")))
    save(store, dec)
    n = n_actions(store)
    assert save(store, dec).get("already_stored")
    assert n_actions(store) == n


def test_level_rise_is_logged(store, engine):
    save(store, engine.process(Item.model_validate(item("a", "钱江新城一小区物业费暴涨，业主不满"))))
    hot = {"reposts": 5000, "comments": 5000, "likes": 1000, "views": 0}
    d2 = engine.process(Item.model_validate(item("b", "钱江新城小区物业费暴涨上了热搜，业主们都在骂", metrics=hot,
                                                 when="2026-11-20T12:00:00+08:00")))
    save(store, d2)
    raised = [a for a in actions_of(store, d2.case.event_id) if a.action == "case.level_raised"]
    assert raised and raised[0].details == {"from": "一般", "to": "重大"}


def test_firing_is_claimed_once(store):
    assert store.claim_firing("case:statement:0:warn60", "s1")
    assert not store.claim_firing("case:statement:0:warn60", "s2")


def test_a_failed_unit_of_work_keeps_none_of_its_firings_or_alerts(store):
    """A firing is claimed in the unit that writes its alerts: if the unit fails (or the process is
    killed before it commits) neither is kept, so the next pass fires it again. (pysqlite left to
    itself kept the claim: its SAVEPOINT began a transaction whose RELEASE committed.)"""
    import pytest
    from yuqing.records import Alert
    now = store.clock.now()
    with pytest.raises(RuntimeError):
        with store.transaction() as tx:
            assert tx.firings.claim("system:dead_letter:1", "notifier", now)
            assert tx.alerts.add_unique(Alert(dedup_key="system:dead_letter:1|区委宣传部|系统管理员", case_id=None,
                                              kind="dead_letter", level="系统", unit="区委宣传部", role="系统管理员",
                                              subject="s", body="b", short="s", created_at=now)) is not None
            raise RuntimeError("killed before the commit")
    with store.reader() as r:
        assert r.firings.claimed(["system:dead_letter:1"]) == set()
        assert r.alerts.all() == []
    assert store.claim_firing("system:dead_letter:1", "notifier")      # the next pass fires it


def test_a_unit_of_work_reads_what_it_writes_on_one_snapshot(store, tmp_path):
    """A unit of work holds the write lock from its start: a second process's write waits for it
    rather than slipping between its read and its write."""
    import threading
    from yuqing.store.sql import SqlStore
    other = SqlStore(store.url, clock=store.clock, create=False)
    order = []
    try:
        with store.transaction() as tx:
            assert not tx.firings.claimed(["k"])
            t = threading.Thread(target=lambda: order.append(("other", other.claim_firing("k", "b"))))
            t.start()
            t.join(0.5)
            assert t.is_alive()          # waiting for our lock, not writing under our read
            order.append(("us", tx.firings.claim("k", "a", store.clock.now())))
        t.join(10)
    finally:
        other.close()
    assert order == [("us", True), ("other", False)]


def test_naive_datetimes_are_refused(store):
    import pytest
    from yuqing.seams import StoreError
    with pytest.raises(StoreError, match="naive datetime"):
        store.record("case.opened", actor="t", at=datetime(2026, 1, 1))


def test_an_action_outside_the_vocabulary_is_refused(store):
    import pytest
    with pytest.raises(ValueError, match="not in the vocabulary"):
        store.record("case.exploded", actor="t")


def _alembic(url):
    from alembic.config import Config as AlembicConfig
    from yuqing.store.sql import MIGRATIONS
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def test_0002_upgrade_keeps_data_backfills_and_downgrades(tmp_path):
    """A database at 0001 holding a case, clocks, alerts and deliveries is upgraded to head: the
    data is kept, the new columns are null or back-filled from what 0001 recorded, and
    downgrade to 0001 (and up again) works."""
    _check_0002_roundtrip(f"sqlite:///{tmp_path / 'old.db'}")


def test_0002_roundtrip_on_postgresql(postgres_url):
    """The same on a real PostgreSQL server started for the tests."""
    _check_0002_roundtrip(postgres_url)


def _check_0002_roundtrip(url: str) -> None:
    from datetime import timedelta

    from alembic import command
    from sqlalchemy import MetaData, create_engine, insert, select

    from yuqing.store.sql import SqlStore

    cfg = _alembic(url)
    command.upgrade(cfg, "0001")
    eng = create_engine(url)
    meta = MetaData()
    meta.reflect(eng)
    assert "late_at" not in meta.tables["clocks"].c and "clock_id" not in meta.tables["alerts"].c
    t = meta.tables
    due = datetime(2026, 11, 20, 7, 0, tzinfo=timezone.utc)
    if eng.dialect.name == "sqlite":
        due = due.replace(tzinfo=None)                       # naive UTC, as 0001's store wrote on SQLite
    late = due + timedelta(minutes=7)
    lease_since = datetime(2026, 11, 20, 15, 30, tzinfo=SHANGHAI)
    with eng.begin() as c:
        c.execute(insert(t["cases"]).values(
            event_id="ev1", severity="重大", emergency=True, first_responsible="南星街道", co_responsible=[],
            refer_to=[], route_path=[], places=[], heat=0, reasons=[], title="旧案件", item_count=1,
            status="open", first_published_at=due - timedelta(hours=5), last_published_at=due - timedelta(hours=5),
            updated_at=due, policy=None))
        for cid, kind, status in ((1, "statement", "late"), (2, "press_conference", "running")):
            c.execute(insert(t["clocks"]).values(
                id=cid, case_id="ev1", kind=kind, seq=0, starts_at=due - timedelta(hours=5), due_at=due,
                status=status, provisional=False, met_at=None, reason=""))
        c.execute(insert(t["actions"]).values(
            id=1, at=late, actor="scheduler", action="clock.late", case_id="ev1", unit="南星街道",
            details={"kind": "statement", "seq": 0, "clock_id": 1}))
        for aid, kind, level in ((1, "emergency", "重大"), (2, "overdue:statement#0", "3")):
            c.execute(insert(t["alerts"]).values(
                id=aid, dedup_key=f"ev1|{kind}|{level}|南星街道|主要负责人", case_id="ev1", kind=kind, level=level,
                unit="南星街道", role="主要负责人", subject=f"【{kind}】", body="正文", created_at=late))
        c.execute(insert(t["deliveries"]).values(id=1, alert_id=1, channel="email", address="a@example.gov.cn",
                                                 status="pending", attempts=2, last_error="SMTP 451"))
        c.execute(insert(t["deliveries"]).values(id=2, alert_id=2, channel="email", address="a@example.gov.cn",
                                                 status="sending", attempts=1,
                                                 last_error=f"sending@{lease_since.isoformat()}"))
    eng.dispose()

    command.upgrade(cfg, "head")
    store = SqlStore(url, create=False)
    try:
        with store.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
        case = case_of(store, "ev1")
        assert case.title == "旧案件" and case.severity == "重大"
        clocks = {c.kind: c for c in clocks_of(store, "ev1")}
        assert clocks["statement"].status == "late"
        assert clocks["statement"].late_at == late.replace(tzinfo=timezone.utc)      # from the action log
        assert clocks["statement"].late_at.tzinfo is not None
        assert clocks["press_conference"].late_at is None
        assert clocks["statement"].due_at == due.replace(tzinfo=timezone.utc)
        with store.reader() as r:
            alerts = {a.kind: a for a in r.alerts.all()}
            dels = {d.id: d for d in r.deliveries.all()}
        assert alerts["emergency"].clock_id is None and alerts["overdue"].clock_id == 1
        assert alerts["overdue"].step == "overdue"          # 0003: the vocabulary kind, the step apart
        assert alerts["emergency"].body == "正文"
        assert (dels[1].status, dels[1].attempts, dels[1].last_error) == ("pending", 2, "SMTP 451")
        assert dels[1].next_attempt_at is None and dels[1].lease_until is None
        assert (dels[2].status, dels[2].attempts, dels[2].last_error) == ("sending", 1, None)
        assert dels[2].lease_until == lease_since + timedelta(minutes=10) and dels[2].next_attempt_at is None
    finally:
        store.close()

    command.downgrade(cfg, "0001")
    eng = create_engine(url)
    try:
        cols = {n: {c["name"] for c in inspect(eng).get_columns(n)} for n in ("clocks", "alerts", "deliveries")}
        assert "late_at" not in cols["clocks"] and "clock_id" not in cols["alerts"]
        assert not {"next_attempt_at", "lease_until"} & cols["deliveries"]
        with eng.connect() as c:
            assert c.scalar(select(meta.tables["alerts"].c.kind).where(meta.tables["alerts"].c.id == 2)) \
                == "overdue:statement#0"
            errs = dict(c.execute(select(meta.tables["deliveries"].c.id, meta.tables["deliveries"].c.last_error)).all())
            assert c.scalar(select(meta.tables["clocks"].c.status).where(meta.tables["clocks"].c.id == 1)) == "late"
        assert errs[1] == "SMTP 451"
        assert datetime.fromisoformat(errs[2].removeprefix("sending@")) == lease_since   # 0001's lease again
    finally:
        eng.dispose()
    command.upgrade(cfg, "head")                             # and up again


def test_the_same_store_code_runs_on_postgresql(postgres_url, engine, clock):
    """Migrations, a routed emergency with its clocks, aware times and once-only firings."""
    from yuqing.store.sql import SqlStore
    store = SqlStore(postgres_url, clock=clock)
    try:
        with store.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
        dec = engine.process(Item.model_validate(item("pg", "湖滨步行街一商铺起火，有人被困",
                                                      when="2026-11-20T10:12:00+08:00")))
        assert save(store, dec, url_key="u", fingerprint="f")["new_case"]
        case = case_of(store, dec.case.event_id)
        assert case.first_responsible == "湖滨街道" and case.reasons == dec.case.reasons
        due = {c.kind: c.due_at for c in clocks_of(store, case.event_id)}
        assert due["statement"] == datetime(2026, 11, 20, 15, 12, tzinfo=SHANGHAI)
        assert store.claim_firing("k", "a") and not store.claim_firing("k", "b")
        with store.reader() as r:
            assert r.items.find_duplicate("u", None) == ("duplicate_url", "pg")
    finally:
        store.close()
