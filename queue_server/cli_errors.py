"""What the `mfc-queue` command says when it fails: one clear Russian line, not a traceback.

`ReadableErrors` is the command group's class: an error that escapes a command is turned
into one line on stderr (`ошибка: …`) and exit status 2. `MFCQ_DEBUG=1` shows the
traceback instead, for a developer.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click
import sqlalchemy.exc
from pydantic import ValidationError
from sqlalchemy.engine import make_url

from queue_server.errors import DomainError, describe_validation

DEBUG_VARIABLE = "MFCQ_DEBUG"


def fail(message: str) -> None:
    """Print one line `ошибка: …` on stderr and exit with status 2."""
    click.echo(f"ошибка: {message}", err=True)
    sys.exit(2)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def explain(exc: BaseException, database_url: str | None = None) -> str:
    """One Russian line for an error a command did not handle itself."""
    where = (
        "базу " + make_url(database_url).render_as_string(hide_password=True)
        if database_url
        else "базу данных"
    )
    if isinstance(exc, DomainError):
        return exc.message
    if isinstance(exc, ValidationError):
        _, text = describe_validation(list(exc.errors()), "ru")
        return f"неверная настройка (переменные MFCQ_… или файл .env): {text}"
    if isinstance(exc, sqlalchemy.exc.OperationalError | sqlalchemy.exc.ProgrammingError):
        detail = _first_line(exc.orig or exc).lower()
        if "unable to open database file" in detail:
            return (
                f"не удаётся открыть {where}: нет папки или прав на неё. Запустите команду из "
                "папки проекта или задайте MFCQ_DATABASE_URL."
            )
        if "no such table" in detail or ("relation" in detail and "does not exist" in detail):
            return f"{where} не подготовлена: выполните «mfc-queue init-db»."
        if "connection" in detail or "could not connect" in detail or "refused" in detail:
            return f"нет связи с {where.replace('базу', 'базой')}: {_first_line(exc.orig or exc)}"
        return f"ошибка базы данных ({where}): {_first_line(exc.orig or exc)}"
    if isinstance(exc, sqlalchemy.exc.ArgumentError | sqlalchemy.exc.NoSuchModuleError):
        return f"неверный адрес базы данных (MFCQ_DATABASE_URL): {_first_line(exc)}"
    if isinstance(exc, FileNotFoundError):
        return f"файла или папки {exc.filename or ''} нет.".replace("  ", " ")
    if isinstance(exc, PermissionError):
        return f"нет прав на {exc.filename or 'файл'}."
    if isinstance(exc, OSError):
        return f"системная ошибка: {exc.strerror or _first_line(exc)}"
    return (
        f"непредвиденная ошибка {type(exc).__name__}: {_first_line(exc)} "
        f"(подробности: {DEBUG_VARIABLE}=1)"
    )


class ReadableErrors(click.Group):
    """A command group whose failures end in one Russian line, not a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; an error it did not handle becomes `ошибка: …`, status 2."""
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            raise
        except Exception as exc:
            if os.environ.get(DEBUG_VARIABLE):
                raise
            url = None
            obj = ctx.obj if isinstance(ctx.obj, dict) else {}
            settings = obj.get("settings")
            if settings is not None:
                url = getattr(settings, "database_url", None)
            fail(explain(exc, url))
            raise  # not reached: fail exits
