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

    from xinyong.config import get_settings

    try:
        get_settings()
    except ValidationError as exc:
        console = Console(stderr=True)
        for error in exc.errors():
            name = "XINYONG_" + "_".join(str(part) for part in error["loc"]).upper()
            console.print(f"[red]refused setting[/red] {name}: {escape(error['msg'])}")
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
    app()
