"""The ``xinyong`` command line: thin commands over the domain services.

Each module in this package adds its commands in ``register(app)``; modules are found
automatically, so a new domain's commands need no edit here.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer

app = typer.Typer(help="Xinyong (信用) public credit information platform", no_args_is_help=True)


@app.callback()
def _settings_first() -> None:
    """A setting the platform refuses (``XINYONG_FREE_REPORTS_PER_YEAR=1``) stops every
    command at its start with what is wrong with it, exit 2, rather than in a traceback
    from the first place that reads it."""
    from pydantic import ValidationError
    from rich.console import Console
    from rich.markup import escape

    from xinyong.config import InvalidSecret, get_settings

    console = Console(stderr=True)
    try:
        settings = get_settings()
    except ValidationError as exc:
        for error in exc.errors():
            name = "XINYONG_" + "_".join(str(part) for part in error["loc"]).upper()
            message = error["msg"].removeprefix("Value error, ")
            console.print(f"[red]refused setting[/red] {name}: {escape(message)}")
        raise typer.Exit(2) from None
    # So too a key in secrets.json that is no usable key, or a secrets.json that is not
    # JSON: one line naming the file, not "Incorrect padding" from deep in a command.
    try:
        settings.check_secrets()
    except InvalidSecret as exc:
        console.print(f"[red]refused:[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(2) from None


def _register_all() -> None:
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module.name.startswith("_"):
            continue
        loaded = importlib.import_module(f"{__name__}.{module.name}")
        register = getattr(loaded, "register", None)
        if register is not None:
            register(app)


_register_all()


def main() -> None:
    """Run the command; a database too busy for it (a lock held past the wait, a deadlock)
    ends it with one line and exit 1 rather than a traceback: its unit of work was rolled
    back whole, so running it again is safe (decision 0002 addendum)."""
    from rich.console import Console
    from sqlalchemy.exc import OperationalError

    from xinyong.db.engine import contended

    try:
        app()
    except OperationalError as exc:
        if not contended(exc):
            raise
        state = getattr(exc.orig, "sqlstate", None) or "locked"
        Console(stderr=True).print(
            f"[red]the database was too busy for this command[/red] ({state}): nothing it "
            "was doing was saved; run it again",
            highlight=False,
        )
        raise SystemExit(1) from None
