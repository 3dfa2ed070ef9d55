"""clock lateness, alert → clock link, delivery backoff and lease columns

Revision ID: 0002
Revises: 0001

- clocks.late_at: when the clock was marked late (before: only in the action log, `clock.late`).
- alerts.clock_id: the clock a clock alert is about (before: parsed from `kind`, e.g.
  "warn60:statement#0"; `kind` stays as it is, for display).
- deliveries.next_attempt_at (retry backoff) and deliveries.lease_until (before: the lease was
  written into last_error as "sending@ISO").

Existing rows are back-filled from what the old schema recorded: late_at from the `clock.late`
action of each clock, clock_id from the alert kind, lease_until from a "sending@ISO" last_error.
Plain SQLAlchemy types only (a migration freezes column types, not app types).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

OLD_LEASE = timedelta(minutes=10)      # responders.alerts.LEASE when 0001 was current
SENDING = "sending@"


def upgrade() -> None:
    with op.batch_alter_table('clocks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('late_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('clock_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_alerts_clock_id'), ['clock_id'], unique=False)
        batch_op.create_foreign_key('fk_alerts_clock_id_clocks', 'clocks', ['clock_id'], ['id'])

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_deliveries_status_next', ['status', 'next_attempt_at'], unique=False)

    if not op.get_context().as_sql:        # offline (--sql) mode: DDL only, no data to move
        _backfill(op.get_bind())


def downgrade() -> None:
    if not op.get_context().as_sql:
        _restore_leases(op.get_bind())

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_status_next')
        batch_op.drop_column('lease_until')
        batch_op.drop_column('next_attempt_at')

    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_constraint('fk_alerts_clock_id_clocks', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_alerts_clock_id'))
        batch_op.drop_column('clock_id')

    with op.batch_alter_table('clocks', schema=None) as batch_op:
        batch_op.drop_column('late_at')


# ---------------------------------------------------------------------- data
_meta = sa.MetaData()
_clocks = sa.Table('clocks', _meta, sa.Column('id', sa.Integer), sa.Column('case_id', sa.String(220)),
                   sa.Column('kind', sa.String(40)), sa.Column('seq', sa.Integer),
                   sa.Column('status', sa.String(20)), sa.Column('late_at', sa.DateTime(timezone=True)))
_alerts = sa.Table('alerts', _meta, sa.Column('id', sa.Integer), sa.Column('case_id', sa.String(220)),
                   sa.Column('kind', sa.String(40)), sa.Column('clock_id', sa.Integer))
_deliveries = sa.Table('deliveries', _meta, sa.Column('id', sa.Integer), sa.Column('status', sa.String(20)),
                       sa.Column('last_error', sa.Text), sa.Column('lease_until', sa.DateTime(timezone=True)))
_actions = sa.Table('actions', _meta, sa.Column('id', sa.Integer), sa.Column('at', sa.DateTime(timezone=True)),
                    sa.Column('action', sa.String(60)), sa.Column('details', sa.JSON))


def _store_time(bind, dt: datetime) -> datetime:
    """As yuqing.store.tables.UTCDateTime binds it: UTC, naive on SQLite."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    dt = dt.astimezone(timezone.utc)
    return dt.replace(tzinfo=None) if bind.dialect.name == "sqlite" else dt


def _read_time(dt: datetime) -> datetime:
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)


def _backfill(bind) -> None:
    # clocks.late_at: the first clock.late action of each clock that is marked late
    late_ids = set(bind.scalars(sa.select(_clocks.c.id).where(_clocks.c.status == 'late')))
    late_at: dict[int, datetime] = {}
    if late_ids:
        for at, details in bind.execute(sa.select(_actions.c.at, _actions.c.details)
                                        .where(_actions.c.action == 'clock.late').order_by(_actions.c.id)):
            cid = (details or {}).get('clock_id')
            if isinstance(cid, int) and cid in late_ids and cid not in late_at:
                late_at[cid] = at
    for cid, at in late_at.items():
        bind.execute(sa.update(_clocks).where(_clocks.c.id == cid).values(late_at=_store_time(bind, _read_time(at))))

    # alerts.clock_id: from kinds "<step>:<clock kind>#<seq>"
    clocks = {(case, kind, seq): cid for cid, case, kind, seq in
              bind.execute(sa.select(_clocks.c.id, _clocks.c.case_id, _clocks.c.kind, _clocks.c.seq))}
    for aid, case, kind in bind.execute(sa.select(_alerts.c.id, _alerts.c.case_id, _alerts.c.kind)
                                        .where(_alerts.c.kind.like('%:%#%'))).all():
        ref = kind.split(':', 1)[1]
        ckind, _, seq = ref.rpartition('#')
        if not seq.isdigit():
            continue
        cid = clocks.get((case, ckind, int(seq)))
        if cid is None and ckind == 'feedback':          # extended since: the same clock, renamed
            cid = clocks.get((case, 'feedback_extended', int(seq)))
        if cid is not None:
            bind.execute(sa.update(_alerts).where(_alerts.c.id == aid).values(clock_id=cid))

    # deliveries: a lease written as last_error "sending@ISO" becomes lease_until
    for did, err in bind.execute(sa.select(_deliveries.c.id, _deliveries.c.last_error)
                                 .where(_deliveries.c.status == 'sending')).all():
        until = None
        if err and err.startswith(SENDING):
            try:
                until = _store_time(bind, datetime.fromisoformat(err[len(SENDING):]) + OLD_LEASE)
            except ValueError:
                until = None
        bind.execute(sa.update(_deliveries).where(_deliveries.c.id == did)
                     .values(lease_until=until, last_error=None if until is not None else err))


def _restore_leases(bind) -> None:
    for did, until in bind.execute(sa.select(_deliveries.c.id, _deliveries.c.lease_until)
                                   .where(_deliveries.c.status == 'sending',
                                          _deliveries.c.lease_until.is_not(None))).all():
        since = _read_time(until) - OLD_LEASE
        bind.execute(sa.update(_deliveries).where(_deliveries.c.id == did)
                     .values(last_error=f"{SENDING}{since.isoformat()}"))
