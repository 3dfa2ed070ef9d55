"""The Store seam's SQL implementation (SQLite embedded, PostgreSQL at scale).

SQLAlchemy is imported here and nowhere else in the project.
"""
from yuqing.store.sql import SqlStore, StoreMissing, masked_url

__all__ = ["SqlStore", "StoreMissing", "masked_url", "make_store"]


def make_store(url: str, *, clock=None, create: bool = True) -> SqlStore:
    return SqlStore(url, clock=clock, create=create)
