"""What every command shares: the consoles, the clock, one unit of work per command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from xinyong.clock import SystemClock
from xinyong.config import get_settings
from xinyong.db.engine import make_engine
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.errors import DomainError

console = Console()
err_console = Console(stderr=True)
clock = SystemClock()


def print_refusal(exc: DomainError) -> None:
    article = f" ({exc.article})" if exc.article else ""
    field = f" [{exc.field}]" if exc.field else ""
    err_console.print(f"[red]refused[/red] {exc.code}{field}: {exc.message}{article}")


@contextmanager
def command_unit_of_work() -> Iterator[Session]:
    """One transaction per command; a domain error is printed with its code and article."""
    settings = get_settings()
    engine = make_engine(settings.resolved_database_url)
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            yield session
    except DomainError as exc:
        print_refusal(exc)
        raise typer.Exit(2) from exc
    finally:
        engine.dispose()
