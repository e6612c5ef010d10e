"""The dashboard's routes (Starlette), server-rendered with Jinja2; ``bot.web`` mounts them.

- ``GET /dashboard/signin/<token>``: a page with a Continue button (a GET never spends the link, so chat
  link previews cannot use it up); ``POST`` to the same address spends it and sets the session cookie.
- ``GET /dashboard``: the school's dashboard, for a signed-in leader, SENCO or admin; nothing without it.
- ``POST /dashboard/signout``; ``GET /dashboard/dashboard.css`` (the one stylesheet: no inline style, no CDN).

Every page carries a strict Content-Security-Policy (no scripts at all), ``no-store`` and ``no-referrer``.
Sign-in tokens are masked in the access log. A POST from another site (a forged form) is refused before it
spends a link or ends a session: browsers say where a request comes from (``Sec-Fetch-Site``, ``Origin``).
"""

import logging
import re
from datetime import UTC, datetime
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.dashboard import signin
from bot.dashboard.load import Dashboard, build
from bot.dashboard.view import page_context
from db.engine import transaction

if TYPE_CHECKING:
    from jinja2 import Environment

    from bot.state import AppState

log = logging.getLogger(__name__)

COOKIE = "sendbot_dashboard"
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'")
HEADERS = {"Content-Security-Policy": CSP, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
           "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "X-Robots-Tag": "noindex"}

@cache
def _env() -> "Environment":
    """The templates, loaded on the first page rather than when the server starts (docs/performance.md)."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(loader=PackageLoader("bot.dashboard", "templates"), autoescape=select_autoescape(["html"]),
                       trim_blocks=True, lstrip_blocks=True)


def render(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(_env().get_template(template).render(**context), status_code=status, headers=HEADERS)


def _message(title: str, text: str, status: int) -> HTMLResponse:
    return render("message.html", status, title=title, text=text)


def routes(state: "AppState") -> list[BaseRoute]:
    secure = state.settings.public_url.lower().startswith("https://")
    css = files("bot.dashboard").joinpath("static/dashboard.css").read_bytes()
    hide_tokens_in_access_log()

    async def signin_page(request: Request) -> Response:
        token = request.path_params["token"]

        def live() -> bool:
            with transaction(state.engine) as session:
                return signin.link_is_live(session, token)

        if not await run_in_threadpool(live):
            return _gone()
        return render("signin.html", action=f"/dashboard/signin/{token}")

    async def signin_post(request: Request) -> Response:
        token = request.path_params["token"]
        if cross_site(request, state.settings.public_url):
            state.count("dashboard_signin_refused")
            return _cross_site()

        def spend() -> signin.Started | None:
            with transaction(state.engine) as session:
                return signin.spend_link(session, token)

        started = await run_in_threadpool(spend)
        if started is None:
            state.count("dashboard_signin_refused")
            return _gone()
        state.count("dashboard_signins")
        log.info("dashboard sign-in: staff %s of school %s", started.staff_id, started.school_id)
        response = RedirectResponse("/dashboard", status_code=303, headers=HEADERS)
        max_age = int((started.expires_at - datetime.now(UTC)).total_seconds())
        response.set_cookie(COOKIE, started.token, max_age=max_age, path="/dashboard", httponly=True,
                            secure=secure, samesite="lax")
        return response

    async def dashboard(request: Request) -> Response:
        cookie = request.cookies.get(COOKIE)

        def page() -> Dashboard | None:
            with transaction(state.engine) as session:
                actor = signin.actor_for_session(session, cookie)
                if actor is None:
                    return None
                return build(session, actor, state.today())

        view = await run_in_threadpool(page)
        if view is None:
            return _message("Please sign in", "Your dashboard session has ended, or you have not signed in. Type "
                            "/sen dashboard in chat for a new sign-in link.", 401)
        return render("dashboard.html", **page_context(view))

    async def signout(request: Request) -> Response:
        cookie = request.cookies.get(COOKIE)
        if cross_site(request, state.settings.public_url):
            return _cross_site()

        def end() -> None:
            with transaction(state.engine) as session:
                signin.end_session(session, cookie)

        await run_in_threadpool(end)
        response = _message("Signed out", "You have signed out of the SEN dashboard. Type /sen dashboard in chat "
                            "to sign in again.", 200)
        response.delete_cookie(COOKIE, path="/dashboard", httponly=True, secure=secure, samesite="lax")
        return response

    async def stylesheet(request: Request) -> Response:
        return Response(css, media_type="text/css", headers={"Cache-Control": "public, max-age=3600",
                                                              "X-Content-Type-Options": "nosniff"})

    return [
        Route("/dashboard", dashboard, methods=["GET"]),
        Route("/dashboard/dashboard.css", stylesheet, methods=["GET"]),
        Route("/dashboard/signout", signout, methods=["POST"]),
        Route("/dashboard/signin/{token}", signin_page, methods=["GET"]),
        Route("/dashboard/signin/{token}", signin_post, methods=["POST"]),
    ]


def cross_site(request: Request, public_url: str) -> bool:
    """Whether a browser says this POST comes from another site (login CSRF: a forged form that signs someone
    in as someone else, or signs them out). Fetch Metadata first; else the Origin must be this server's (as
    reached, or its public URL behind a proxy). A request with neither header is not a browser's form and is
    let through: the one-time token in the path is what protects it."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None:
        return False
    ours = {request.headers.get("host", "").lower(), urlsplit(public_url).netloc.lower()}
    return origin == "null" or urlsplit(origin).netloc.lower() not in ours


def _cross_site() -> HTMLResponse:
    return _message("This form came from another site", "For your safety the dashboard only accepts its own "
                    "forms. Open the sign-in link from chat again (type /sen dashboard for a new one).", 403)


def _gone() -> HTMLResponse:
    # One answer for unknown, used, expired and forged links: nothing tells which.
    return _message("This sign-in link can't be used", "Sign-in links work once, for 10 minutes. Type "
                    "/sen dashboard in chat for a new one.", 403)


# --- keeping sign-in tokens out of logs ----------------------------------------------------------------------

SIGNIN_PATH = re.compile(r"/dashboard/signin/[^/\s?\"']+")


class HideSigninTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "/dashboard/signin/" in record.msg:
            record.msg = SIGNIN_PATH.sub("/dashboard/signin/<token>", record.msg)
        if isinstance(record.args, tuple) and any(isinstance(a, str) and "/dashboard/signin/" in a
                                                  for a in record.args):
            record.args = tuple(SIGNIN_PATH.sub("/dashboard/signin/<token>", a) if isinstance(a, str) else a
                                for a in record.args)
        return True


def hide_tokens_in_access_log() -> None:
    for name in ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, HideSigninTokens) for f in logger.filters):
            logger.addFilter(HideSigninTokens())
