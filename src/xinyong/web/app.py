"""The FastAPI application: API under /api/v1, pages, OpenAPI at /docs."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.middleware.sessions import SessionMiddleware

import xinyong
from xinyong.accounts.service import TokenSigner
from xinyong.clock import Clock, SystemClock
from xinyong.config import Settings, get_settings
from xinyong.db.engine import make_engine
from xinyong.db.session import make_session_factory
from xinyong.ratelimit import SlidingWindowLimiter
from xinyong.web import api, errors, inputs, openapi, pages
from xinyong.web.context import AppContext
from xinyong.web.uploads import (
    BATCH_ROUTES,
    MAX_BATCH_REQUEST_BYTES,
    MAX_REQUEST_BYTES,
    BodyLimit,
)

STATIC_DIR = Path(__file__).parent / "static"


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    engine: Engine | None = None,
    session_factory: sessionmaker[Session] | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    context = app_context(settings, clock=clock, engine=engine, session_factory=session_factory)
    session_key = settings.secret("session_key")
    app = FastAPI(
        title="Xinyong public credit platform",
        version=xinyong.__version__,
        description=(
            "API of the Fuzhou public credit information platform. Every refusal answers "
            '`{"error": {"code", "message", "article", "field"}}`, citing the article of the '
            "Fuzhou Municipal Social Credit Management Measures it rests on."
        ),
        dependencies=[Depends(inputs.refuse_nul_characters)],
        # Served by web.api.docs with their assets from the platform itself, not a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.context = context
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_key.hex(),
        session_cookie="xinyong_session",
        same_site="lax",
        https_only=settings.secure_cookies,
        max_age=settings.token_lifetime_seconds,
    )
    app.add_middleware(
        BodyLimit,
        default=MAX_REQUEST_BYTES,
        larger=dict.fromkeys(BATCH_ROUTES, MAX_BATCH_REQUEST_BYTES),
    )
    errors.install(app)
    openapi.install(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in discover_routers():
        app.include_router(router)
    return app


def app_context(
    settings: Settings,
    *,
    clock: Clock | None = None,
    engine: Engine | None = None,
    session_factory: sessionmaker[Session] | None = None,
) -> AppContext:
    """Everything the app's routes read at request time (``app.state.context``)."""
    clock = clock or SystemClock()
    engine = engine or make_engine(settings.resolved_database_url)
    return AppContext(
        settings=settings,
        clock=clock,
        engine=engine,
        session_factory=session_factory or make_session_factory(engine),
        signer=TokenSigner(settings.secret("session_key"), settings.token_lifetime_seconds),
        login_limiter=SlidingWindowLimiter(
            clock,
            limit=settings.login_attempts_per_window,
            window_seconds=settings.login_window_seconds,
            what="login attempts",
        ),
    )


def discover_routers() -> list[APIRouter]:
    """Every ``router`` in a module of ``web.api`` and ``web.pages``: a domain adds its
    routes by adding a module. The permission-matrix test makes sure each is covered."""
    routers: list[APIRouter] = []
    for package in (api, pages):
        for module in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            loaded = importlib.import_module(f"{package.__name__}.{module.name}")
            router = getattr(loaded, "router", None)
            if isinstance(router, APIRouter):
                routers.append(router)
    return routers
