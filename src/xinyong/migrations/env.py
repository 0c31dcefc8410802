from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from xinyong.config import get_settings
from xinyong.db.engine import make_engine
from xinyong.db.migrate import check_foreign_keys, foreign_keys_off
from xinyong.db.models import Base

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url") or get_settings().resolved_database_url
    engine = make_engine(url)
    # As xinyong.db.migrate runs them: on SQLite with foreign keys off, checked before commit.
    with engine.connect() as connection, foreign_keys_off(connection), connection.begin():
        _run(connection)
        check_foreign_keys(connection)


run_migrations_online()
