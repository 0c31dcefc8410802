"""The API's documentation page, `/docs` (Swagger UI), served with its script and styles
from the platform itself (decision 0048): FastAPI's default loads them from a public CDN,
which a city's internal network — and these machines — do not reach, and the page is then
blank. `/redoc` leads there: ReDoc's bundle loads its badge from its maker's site
whatever it is told."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import RedirectResponse, Response

from xinyong.web.security_headers import allow_inline

router = APIRouter(include_in_schema=False)

TITLE = "Xinyong public credit platform"
SWAGGER_UI = "/static/vendor/swagger-ui-5.35.0"
OAUTH2_REDIRECT = "/docs/oauth2-redirect"


@router.get("/docs")
def swagger_ui() -> Response:
    # Its one inline script starts Swagger UI: allowed by its hash, as is the oauth2
    # redirect's (decision 0048, session 19 addendum).
    page = get_swagger_ui_html(
        openapi_url="/openapi.json",
        title=f"{TITLE} - Swagger UI",
        oauth2_redirect_url=OAUTH2_REDIRECT,
        swagger_js_url=f"{SWAGGER_UI}/swagger-ui-bundle.js",
        swagger_css_url=f"{SWAGGER_UI}/swagger-ui.css",
        swagger_favicon_url=f"{SWAGGER_UI}/favicon-32x32.png",
    )
    return allow_inline(page, data_images=True)


@router.get(OAUTH2_REDIRECT)
def swagger_ui_oauth2_redirect() -> Response:
    return allow_inline(get_swagger_ui_oauth2_redirect_html())


@router.get("/redoc")
def redoc() -> RedirectResponse:
    return RedirectResponse("/docs", status_code=308)
