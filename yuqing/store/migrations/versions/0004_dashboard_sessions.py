"""sign-in sessions of the dashboard

Revision ID: 0004
Revises: 0003

- sessions: one row per signed-in browser session; the browser holds a random token, the store
  its SHA-256 only, with an absolute expiry and the last time it was seen (idle expiry).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('sessions',
                    sa.Column('token_hash', sa.String(64), nullable=False),
                    sa.Column('username', sa.String(100), nullable=False),
                    sa.Column('created_at', TS, nullable=False),
                    sa.Column('expires_at', TS, nullable=False),
                    sa.Column('last_seen_at', TS, nullable=False),
                    sa.Column('revoked_at', TS, nullable=True),
                    sa.ForeignKeyConstraint(['username'], ['users.username']),
                    sa.PrimaryKeyConstraint('token_hash'))
    op.create_index('ix_sessions_username', 'sessions', ['username'])


def downgrade() -> None:
    op.drop_index('ix_sessions_username', table_name='sessions')
    op.drop_table('sessions')
