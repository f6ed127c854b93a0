"""Alembic migrations build exactly the tables the code declares, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from queue_server.metadata import Base
from queue_server.migrate import upgrade


def assert_schema_matches(url: str) -> None:
    engine = create_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == []


def test_sqlite_schema_matches_the_models(sqlite_url: str) -> None:
    assert_schema_matches(sqlite_url)


def test_postgres_schema_matches_the_models(postgres_url: str) -> None:
    assert_schema_matches(postgres_url)


def test_downgrade_and_upgrade_again(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/m.sqlite3"
    upgrade(url)
    from alembic import command

    from queue_server.migrate import alembic_config

    command.downgrade(alembic_config(url), "base")
    engine = create_engine(url)
    assert inspect(engine).get_table_names() == ["alembic_version"]
    engine.dispose()
    upgrade(url)
    assert_schema_matches(url)
