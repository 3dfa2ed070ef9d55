"""case-event outbox, dead letters, users, delivery attempts, crawl state; alert kinds from the vocabulary

Revision ID: 0003
Revises: 0002

- case_events: case changes written with the decision that made them (transactional outbox).
- dead_letters: messages that failed after their retries, with error and payload.
- users: sign-in accounts (hashed passwords) with role and unit.
- delivery_attempts: every delivery attempt with its outcome; deliveries.fallback_of.
- source_states, seen_pages: crawl health and incremental state.
- cases.number (案件编号) and cases.acknowledged_at.
- alerts: case_id may be empty (system alerts); step, short (SMS form), folded_into (digests).
  Kinds written as "<step>:<clock>#<seq>" become the vocabulary kind with the step apart.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
STEP_KIND = {"warn": "warning", "overdue": "overdue", "leader": "escalation", "consent": "consent",
             "remind": "reminder"}


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as b:
        b.add_column(sa.Column('number', sa.String(20), nullable=True))
        b.add_column(sa.Column('acknowledged_at', TS, nullable=True))
        b.create_unique_constraint('uq_cases_number', ['number'])
        b.create_index('ix_cases_status_updated', ['status', 'updated_at'], unique=False)

    with op.batch_alter_table('alerts', schema=None) as b:
        b.alter_column('case_id', existing_type=sa.String(220), nullable=True)
        b.add_column(sa.Column('step', sa.String(20), nullable=True))
        b.add_column(sa.Column('short', sa.Text(), nullable=False, server_default=''))
        b.add_column(sa.Column('folded_into', sa.Integer(), nullable=True))

    with op.batch_alter_table('deliveries', schema=None) as b:
        b.add_column(sa.Column('fallback_of', sa.Integer(), nullable=True))

    op.create_table('delivery_attempts',
                    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
                    sa.Column('delivery_id', sa.Integer(), sa.ForeignKey('deliveries.id'), nullable=False),
                    sa.Column('at', TS, nullable=False),
                    sa.Column('ok', sa.Boolean(), nullable=False),
                    sa.Column('retryable', sa.Boolean(), nullable=False),
                    sa.Column('error', sa.Text(), nullable=True),
                    sa.Column('status', sa.String(200), nullable=False),
                    sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_delivery_attempts_delivery_id', 'delivery_attempts', ['delivery_id'])

    op.create_table('case_events',
                    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
                    sa.Column('case_id', sa.String(220), sa.ForeignKey('cases.event_id'), nullable=False),
                    sa.Column('kind', sa.String(40), nullable=False),
                    sa.Column('created_at', TS, nullable=False),
                    sa.Column('payload', sa.JSON(), nullable=False),
                    sa.Column('handled_at', TS, nullable=True),
                    sa.Column('handled_by', sa.String(100), nullable=True),
                    sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_case_events_case_id', 'case_events', ['case_id'])
    op.create_index('ix_case_events_pending', 'case_events', ['handled_at', 'id'])

    op.create_table('dead_letters',
                    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
                    sa.Column('topic', sa.String(200), nullable=False),
                    sa.Column('key', sa.String(400), nullable=True),
                    sa.Column('partition', sa.Integer(), nullable=True),
                    sa.Column('offset', sa.BigInteger(), nullable=True),
                    sa.Column('payload', sa.JSON(), nullable=False),
                    sa.Column('error', sa.Text(), nullable=False),
                    sa.Column('trace', sa.Text(), nullable=False),
                    sa.Column('attempts', sa.Integer(), nullable=False),
                    sa.Column('first_failed_at', TS, nullable=False),
                    sa.Column('last_failed_at', TS, nullable=False),
                    sa.Column('status', sa.String(20), nullable=False),
                    sa.Column('resolved_at', TS, nullable=True),
                    sa.Column('resolved_by', sa.String(100), nullable=True),
                    sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_dead_letters_status', 'dead_letters', ['status'])

    op.create_table('users',
                    sa.Column('username', sa.String(100), nullable=False),
                    sa.Column('display_name', sa.String(100), nullable=False),
                    sa.Column('password_hash', sa.String(300), nullable=False),
                    sa.Column('role', sa.String(20), nullable=False),
                    sa.Column('unit', sa.String(100), nullable=True),
                    sa.Column('created_at', TS, nullable=False),
                    sa.Column('disabled', sa.Boolean(), nullable=False),
                    sa.Column('password_changed_at', TS, nullable=True),
                    sa.PrimaryKeyConstraint('username'))

    op.create_table('source_states',
                    sa.Column('source', sa.String(100), nullable=False),
                    sa.Column('last_run_at', TS, nullable=True),
                    sa.Column('last_success_at', TS, nullable=True),
                    sa.Column('last_error', sa.Text(), nullable=True),
                    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
                    sa.Column('pages', sa.Integer(), nullable=False),
                    sa.Column('items', sa.Integer(), nullable=False),
                    sa.Column('errors', sa.Integer(), nullable=False),
                    sa.Column('details', sa.JSON(), nullable=False),
                    sa.PrimaryKeyConstraint('source'))

    op.create_table('seen_pages',
                    sa.Column('source', sa.String(100), nullable=False),
                    sa.Column('url_key', sa.String(500), nullable=False),
                    sa.Column('first_seen', TS, nullable=False),
                    sa.Column('last_seen', TS, nullable=False),
                    sa.Column('etag', sa.String(300), nullable=True),
                    sa.Column('last_modified', sa.String(100), nullable=True),
                    sa.Column('content_hash', sa.String(64), nullable=True),
                    sa.Column('item_id', sa.String(200), nullable=True),
                    sa.PrimaryKeyConstraint('source', 'url_key'))

    if not op.get_context().as_sql:
        _backfill(op.get_bind())


def downgrade() -> None:
    if not op.get_context().as_sql:
        _restore_kinds(op.get_bind())
    for t in ('seen_pages', 'source_states', 'users', 'dead_letters', 'case_events', 'delivery_attempts'):
        op.drop_table(t)
    with op.batch_alter_table('deliveries', schema=None) as b:
        b.drop_column('fallback_of')
    with op.batch_alter_table('alerts', schema=None) as b:
        b.drop_column('folded_into')
        b.drop_column('short')
        b.drop_column('step')
    with op.batch_alter_table('cases', schema=None) as b:
        b.drop_index('ix_cases_status_updated')
        b.drop_constraint('uq_cases_number', type_='unique')
        b.drop_column('acknowledged_at')
        b.drop_column('number')


_meta = sa.MetaData()
_alerts = sa.Table('alerts', _meta, sa.Column('id', sa.Integer), sa.Column('kind', sa.String(40)),
                   sa.Column('step', sa.String(20)), sa.Column('clock_id', sa.Integer))
_clocks = sa.Table('clocks', _meta, sa.Column('id', sa.Integer), sa.Column('kind', sa.String(40)),
                   sa.Column('seq', sa.Integer))


def _backfill(bind) -> None:
    for aid, kind in bind.execute(sa.select(_alerts.c.id, _alerts.c.kind).where(_alerts.c.kind.like('%:%'))).all():
        step = kind.split(':', 1)[0]
        base = step.rstrip('0123456789')
        if base in STEP_KIND:
            bind.execute(sa.update(_alerts).where(_alerts.c.id == aid).values(kind=STEP_KIND[base], step=step))


def _restore_kinds(bind) -> None:
    clocks = {cid: (kind, seq) for cid, kind, seq in bind.execute(sa.select(_clocks.c.id, _clocks.c.kind, _clocks.c.seq))}
    for aid, step, cid in bind.execute(sa.select(_alerts.c.id, _alerts.c.step, _alerts.c.clock_id)
                                       .where(_alerts.c.step.is_not(None))).all():
        if cid in clocks:
            kind, seq = clocks[cid]
            bind.execute(sa.update(_alerts).where(_alerts.c.id == aid).values(kind=f"{step}:{kind}#{seq}"[:40]))
