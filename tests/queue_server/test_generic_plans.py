"""The hot statements bind only what changes from one request to the next (issue 18).

psycopg prepares a statement run five times on a connection; PostgreSQL then keeps
planning each execution for its values unless the prepared statement's generic plan
costs about as much. A status or a LIMIT bound as a parameter made the generic plan look
dearer (the planner cannot know that few tickets are called, nor how many heads are
read): call-next's window lock was planned on every call (0.19–0.31 ms of PostgreSQL's
CPU) and the estimate's queue read on every issue (0.72–0.83 ms), `benchmarks/
request_cpu.py --backend postgres --analyze` with `pg_stat_statements`. Written into the
statements' text, the window lock is planned once a connection; the queue read is where
the statistics allow it (the office's share of the tickets), which this test does not
settle: whether PostgreSQL picks the generic plan depends on the data, so what is checked
here is what the statements bind, on both databases' dialects.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from queue_server.tickets import heads, moves
from queue_server.tickets.dispatcher import DEADLINE, FIFO, GUARDED


def _bound(statement: Any, dialect: Any) -> set[str]:
    """The parameters a statement sends bound (not those written into its text)."""
    compiled = statement.compile(dialect=dialect)
    written = {p.key for p in compiled.literal_execute_params}
    return set(compiled.params) - written


@pytest.mark.parametrize("dialect", [postgresql.dialect(), sqlite.dialect()])
def test_the_window_lock_binds_no_status(dialect: Any) -> None:
    bound = _bound(moves._LOCK_WINDOW, dialect)
    assert {"office_id", "number"} <= bound
    assert not any(key.startswith("status") for key in bound), bound
    text = str(moves._LOCK_WINDOW.compile(dialect=dialect))
    assert "'called'" in text and "'serving'" in text


@pytest.mark.parametrize("policy", [DEADLINE, GUARDED, FIFO])
@pytest.mark.parametrize("dialect", [postgresql.dialect(), sqlite.dialect()])
def test_the_queue_read_binds_no_status_and_no_limit(policy: str, dialect: Any) -> None:
    name = "postgresql" if dialect.name == "postgresql" else "sqlite"
    statement = heads._statement_for(name, policy)
    bound = _bound(statement, dialect)
    assert "reach" not in bound
    assert not any(key.startswith("status") for key in bound), bound


def test_the_limit_is_rounded_up_to_a_power_of_two() -> None:
    """A few texts a connection prepares, never fewer heads than asked for."""
    assert [heads._rounded_up(n) for n in (0, 1, 2, 3, 4, 5, 9, 16, 17)] == [
        0,
        1,
        2,
        4,
        4,
        8,
        16,
        16,
        32,
    ]
