"""A fake Wonde API on loopback (WONDE_API_URL points at it), written from Wonde's public API documentation.

``GET /v1.0/schools/{id}/students|employees`` with a bearer token; lists are ``{"data": [...], "meta":
{"pagination": {"next": <absolute url or null>, "more": bool, "per_page": n, "current_page": n}}}``;
``include=`` adds related objects wrapped as ``{"data": …}``. The first request for page 2 of students is
answered 429 with ``Retry-After: 1``. Fields a school has not granted come back null. Every request is recorded.
"""

from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from fake_service import LoopbackService

from e2e.slack_support import free_port

TOKEN = "wonde-test-token"
SCHOOL = "A1930499544"


def student(i: int, forename: str, surname: str, year: int, classes: list[str], sen: str | None,
            needs: list[str], upn: str | None = None, sen_start: str | None = None,
            plan: str | None = None) -> dict[str, Any]:
    return {
        "id": f"B{i:09d}", "mis_id": str(1000 + i), "forename": forename, "surname": surname,
        "legal_forename": forename, "legal_surname": surname,
        "date_of_birth": {"date": f"{2026 - year - 5}-03-0{1 + i % 9} 00:00:00.000000", "timezone_type": 3,
                          "timezone": "Europe/London"},
        "education_details": {"data": {"upn": upn, "admission_date": None}},
        "extended_details": {"data": None if sen is None else {
            "sen_status": sen, "sen_start_date": {"date": f"{sen_start} 00:00:00.000000"} if sen_start else None,
            "ehcp_start_date": {"date": f"{plan} 00:00:00.000000"} if plan else None}},
        "year": {"data": {"id": f"Y{year}", "code": str(year), "name": f"Year {year}"}},
        "classes": {"data": [{"id": f"C{c}", "name": c} for c in classes]},
        "sen_needs": {"data": [{"id": f"N{i}{r}", "code": code, "rank": r} for r, code in enumerate(needs, 1)]},
    }


@dataclass
class FakeWonde(LoopbackService):
    students: list[dict[str, Any]] = field(default_factory=list)
    employees: list[dict[str, Any]] = field(default_factory=list)
    per_page: int = 2
    throttle_page: int | None = 2  # the first request for this page of students gets a 429
    port: int = field(default_factory=free_port)
    requests: list[tuple[str, int]] = field(default_factory=list)  # (path, status answered)

    name = "fake Wonde"

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/v1.0/schools/{school}/{what}", self._list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1.0/"

    def env(self) -> dict[str, str]:
        return {"WONDE_TOKEN": TOKEN, "WONDE_SCHOOL_ID": SCHOOL, "WONDE_API_URL": self.url}

    async def _list(self, request: web.Request) -> web.Response:
        what, page = request.match_info["what"], int(request.query.get("page", "1"))
        status = 200
        if request.headers.get("Authorization") != f"Bearer {TOKEN}" or request.match_info["school"] != SCHOOL:
            status = 401
        elif what == "students" and page == self.throttle_page:
            self.throttle_page = None
            status = 429
        self.requests.append((f"{what}?page={page}&include={request.query.get('include', '')}", status))
        if status == 401:
            return web.json_response({"error": "invalid_token"}, status=401)
        if status == 429:
            return web.json_response({"error": "Too Many Attempts."}, status=429, headers={"Retry-After": "1"})
        items = {"students": self.students, "employees": self.employees}.get(what)
        if items is None:
            return web.json_response({"error": "not found"}, status=404)
        chunk = items[(page - 1) * self.per_page: page * self.per_page]
        more = page * self.per_page < len(items)
        query = {**request.query, "page": str(page + 1)}
        nxt = str(request.url.with_query(query)) if more else None
        return web.json_response({"data": chunk, "meta": {"pagination": {
            "next": nxt, "previous": None, "more": more, "per_page": self.per_page, "current_page": page}}})
