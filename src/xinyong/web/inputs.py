"""Refusing text that no field of the platform can hold: the NUL character (U+0000).

PostgreSQL refuses a string with a NUL outright ("text fields cannot contain NUL"), so a
NUL in any parameter or body that reaches a query was a 500 there, and was stored as is on
SQLite. No code, name or statement has a use for it: every route refuses it before its
handler runs, naming the parameter, form field or JSON member (its path, e.g.
``responsible_persons.0.name``). Uploaded files and the batch endpoint's streamed body are
not looked at: their readers refuse binary content with reasons of their own.

A page that shows its input refusals beside its form, with what was typed, marks its
handler ``beside_form``: a NUL in its form is then not refused before the handler but
kept for it (``refuse_held``), which refuses it as it refuses any other input.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from xinyong.errors import InvalidInput

NUL = "\x00"
_HELD = "nul_refusal"

Handler = TypeVar("Handler", bound=Callable[..., Any])


def beside_form(handler: Handler) -> Handler:
    """Marks a page handler that refuses a NUL in its form itself (``refuse_held``), so
    that the refusal is shown beside the form with the values entered."""
    handler.refuses_nul_beside_form = True  # type: ignore[attr-defined]
    return handler


def refuse_held(request: Request) -> None:
    """In a ``beside_form`` handler: raise the refusal of a NUL found in its form, if any."""
    held = getattr(request.state, _HELD, None)
    if held is not None:
        raise held


async def refuse_nul_characters(request: Request) -> None:
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    for name, value in request.path_params.items():
        _check(str(name), value)
    declared = _query_names(route.dependant)
    for name, value in request.query_params.multi_items():
        if name in declared:
            _check(name, value)
    if route.body_field is None:
        return  # no body, or one the handler streams itself (POST /api/v1/batches)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media in ("application/x-www-form-urlencoded", "multipart/form-data"):
        # FastAPI has parsed the form already (it is cached on the request).
        try:
            for name, value in (await request.form()).multi_items():
                if isinstance(value, str):
                    _check(name, value)
        except InvalidInput as exc:
            if not getattr(route.endpoint, "refuses_nul_beside_form", False):
                raise
            setattr(request.state, _HELD, exc)
    elif media.endswith("json"):
        body = await request.body()  # read already, and cached
        if b"\\u0000" not in body:
            return
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            return  # FastAPI refuses it on its own terms (bad_json)
        for path, value in _strings(data):
            _check(".".join(path) or "body", value)


def _query_names(dependant: Dependant) -> set[str]:
    """The query parameters a route reads (others are ignored, NUL or not)."""
    names = {param.alias for param in dependant.query_params}
    for dependency in dependant.dependencies:
        names |= _query_names(dependency)
    return names


def _check(field: str, value: str) -> None:
    if NUL in value:
        field = field.replace(NUL, "\\u0000")  # a member name may hold one too
        raise InvalidInput(
            f"{field} contains the NUL character (U+0000), which no field may hold",
            code="nul_character",
            field=field,
        )


def _strings(value: Any) -> Iterator[tuple[tuple[str, ...], str]]:
    """Every string of a parsed JSON value, member names too, with its path. Without
    recursion: the parser takes nesting deeper than Python's recursion limit."""
    stack: list[tuple[tuple[str, ...], Any]] = [((), value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            yield path, item
        elif isinstance(item, dict):
            for key, member in item.items():
                yield (*path, key), key
                stack.append(((*path, key), member))
        elif isinstance(item, list):
            stack.extend(((*path, str(index)), member) for index, member in enumerate(item))
