"""Tables whose rows are written once: the session refuses to flush a change or a deletion.

The case history (001 §3.12), the complaints' steps (R17) and the audit trail (R16) keep
who did what and when; no code path of ours may rewrite them. Marking a model
`@append_only` installs the one guard they share; a table that needs the database to
refuse as well (the audit trail) adds triggers in its migration.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import event

M = TypeVar("M", bound=type)


class AppendOnlyViolation(RuntimeError):
    """A row of an append-only table was about to be changed or deleted (a bug of ours)."""


def _default_error(target: Any) -> Exception:
    return AppendOnlyViolation(f"{type(target).__name__} {target.id} is append-only")


def append_only(
    model: M | None = None, *, error: Callable[[Any], Exception] = _default_error
) -> Any:
    """Class decorator: refuse every UPDATE and DELETE of the model's rows through the ORM.

    `error(row)` makes the exception raised (by default an `AppendOnlyViolation`).
    """

    def install(cls: M) -> M:
        def refuse(_mapper: Any, _connection: Any, target: Any) -> None:
            raise error(target)

        event.listen(cls, "before_update", refuse)
        event.listen(cls, "before_delete", refuse)
        return cls

    return install(model) if model is not None else install
