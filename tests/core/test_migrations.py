"""The Alembic migrations produce exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from core.db import Base, db

NOT_OURS = {"apscheduler_jobs", "alembic_version"}


def test_models_and_migrations_agree(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_object": lambda obj, name, kind, *_: (
                    not (kind == "table" and name in NOT_OURS)
                ),
            },
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == []
