"""The ``xinyong`` command line: thin commands over the domain services.

Each module in this package adds its commands in ``register(app)``; modules are found
automatically, so a new domain's commands need no edit here.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer

app = typer.Typer(help="Xinyong (信用) public credit information platform", no_args_is_help=True)


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
