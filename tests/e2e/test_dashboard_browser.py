"""The dashboard in a real headless browser (Debian's chromium over the DevTools protocol): sign in from the
/sen dashboard link, read the hand-worked figures of a seeded school, print the governors' A4 page, fit a
375 px phone screen, and pass axe-core's WCAG 2.2 AA rules with no serious or critical violation.

Skipped only when no Chromium can be found (``.ci/run`` installs Debian's ``chromium``; ``SENDBOT_CHROMIUM``
names another). axe-core comes from npm (``.ci/run`` installs it into ``~/.cache/sendbot/axe``).
"""

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from dashboard_support import TODAY, Server, link_path, seed, serve

from bot.commands import execute
from bot.services.school import create_school
from bot.tables import migrate
from db.engine import get_engine, transaction
from e2e.cdp import Browser, Page, find_axe, find_chromium

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium found: install Debian's chromium "
                                "(apt-get install -y chromium, as .ci/run does) or set SENDBOT_CHROMIUM")
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


class _Chat:
    """Commands as the console adapter sends them (the seed needs only ``ok``)."""

    def __init__(self, engine, school_id: int) -> None:  # type: ignore[no-untyped-def]
        self.engine = engine
        self.school_id = school_id

    def ok(self, handle: str, text: str):  # type: ignore[no-untyped-def]
        reply = execute(self.engine, self.school_id, handle, text, TODAY)
        assert reply.ok, f"{text!r} was refused: {reply.as_text()}"
        return reply


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[tuple[Server, str]]:
    """Oak Primary seeded as in dashboard_support, served on a loopback port; and a leader's sign-in path."""
    url = f"sqlite:///{tmp_path / 'sendbot.db'}"
    migrate(url)
    engine = get_engine(url)
    with transaction(engine) as session:
        school = create_school(session, "Oak Primary", "admin", "primary", TODAY)
        assert school.id is not None
    chat = _Chat(engine, school.id)
    seed(chat)
    path = link_path(chat.ok("lena", "dashboard"))
    with serve(url, TODAY) as server:
        yield server, path
    engine.dispose()


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


async def _signed_in(browser: Browser, server: Server, path: str) -> Page:
    page = await browser.new_page()
    await page.goto(server.url + path)
    assert await page.text("h1") == "Sign in to the SEN dashboard"
    await page.click("button[type=submit]")
    await page.wait_for(f"location.href === {json.dumps(server.url + '/dashboard')} "
                        "&& document.readyState === 'complete' && !!document.querySelector('#summary')")
    return page


async def _axe(page: Page, axe_js: str) -> list[dict]:
    await page.evaluate(axe_js)
    found = await page.evaluate(
        f"axe.run(document, {{runOnly: {{type: 'tag', values: {json.dumps(WCAG)}}}}})"
        ".then(r => JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, "
        "nodes: v.nodes.map(n => n.target.join(' '))}))))", await_promise=True)
    return json.loads(found)


def test_a_leader_signs_in_from_the_link_and_sees_the_hand_worked_figures(seeded, tmp_path: Path) -> None:
    server, path = seeded

    async def scenario() -> None:
        async with Browser(CHROMIUM or "", tmp_path / "profile") as browser:
            page = await _signed_in(browser, server, path)
            assert await page.text("#answer-school") == "Action needed: 2 school duties overdue."
            assert await page.text("#answer-la") == "2 of 3 LA deadlines met on time; 3 still open and late."
            assert await page.text("#sum-meetings") == "2 held of 3 owed"
            assert await page.text("#sum-reviews") == "1 on time, 1 late; 1 overdue now"
            assert await page.text("#sum-info") == "published 1 Oct 2025; next review by 1 Oct 2026"
            rows = await page.evaluate("[...document.querySelectorAll('#meetings-table tbody tr')]"
                                       ".map(r => [...r.children].map(c => c.textContent.trim()))")
            assert rows == [["3A", "1", "2", "1"], ["5B", "1", "1", "0"]]
            la = await page.evaluate("[...document.querySelectorAll('.la-table')].map(t => [t.caption.textContent,"
                                     " [...t.tBodies[0].rows].map(r => [...r.cells].map(c => c.textContent.trim()))])")
            kent = dict((row[0], row[1:]) for row in la[0][1])
            assert la[0][0].startswith("Kent")
            assert kent["20-week final plan (Regs 13(2))"] == ["0", "1", "14 days", "0", "0"]
            assert kent["Phase transfer plan (Regs 18(1))"] == ["0", "0", "—", "1", "0"]
            assert la[1][0].startswith("Surrey") and la[2][0].startswith("LA not recorded")
            timeline = await page.evaluate("[...document.querySelectorAll('#timeline-table tbody tr')]"
                                           ".map(r => [...r.cells].map(c => c.textContent.trim()))")
            assert timeline == [["E.G.", "24 Mar 2026", "not yet"]]
            letters = await page.evaluate("[...document.querySelectorAll('.letter h3')].map(h => h.textContent)")
            assert len(letters) == 3 and letters[0].startswith("F.H.: Decision after annual review")
            # Pupils as initials (the school shows no names); with need types (issue 13) the register shows.
            body = await page.evaluate("document.body.innerText")
            assert "Finn" not in body and "Eve Green" not in body
            assert await page.evaluate("document.querySelector('#register')") is not None
            # Every chart has a text alternative, and a table of its numbers follows it.
            charts = await page.evaluate("[...document.querySelectorAll('svg.chart')].map(s => [s.getAttribute("
                                         "'role'), s.querySelector('title')?.textContent, s.querySelector('desc')"
                                         "?.textContent])")
            assert len(charts) == 6 and all(role == "img" and title and desc for role, title, desc in charts)
            # The session cookie is HttpOnly (no script can read it) and SameSite=Lax.
            assert await page.evaluate("document.cookie") == ""
            cookies = (await page.send("Network.getCookies", {"urls": [server.url + "/dashboard"]}))["cookies"]
            assert [(c["name"], c["httpOnly"], c["sameSite"]) for c in cookies] == [
                ("sendbot_dashboard", True, "Lax")]
            # The link is spent: opening it again offers nothing.
            again = await browser.new_page()
            await again.goto(server.url + path)
            assert await again.text("h1") == "This sign-in link can't be used"

    run(scenario())


def test_printing_gives_one_a4_summary_page(seeded, tmp_path: Path) -> None:
    server, path = seeded

    async def scenario() -> bytes:
        async with Browser(CHROMIUM or "", tmp_path / "profile") as browser:
            page = await _signed_in(browser, server, path)
            return await page.pdf()

    pdf = run(scenario())
    assert pdf.startswith(b"%PDF")
    pages = re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf)
    assert len(pages) == 1, f"{len(pages)} pages"
    boxes = {tuple(round(float(v)) for v in m.groups()) for m in
             re.finditer(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)}
    assert boxes == {(0, 0, 595, 842)} or boxes == {(0, 0, 596, 842)}, boxes  # A4: 210 x 297 mm in points


def test_a_phone_screen_375_px_wide_needs_no_sideways_scrolling(seeded, tmp_path: Path) -> None:
    server, path = seeded

    async def scenario() -> tuple[int, int]:
        async with Browser(CHROMIUM or "", tmp_path / "profile") as browser:
            page = await _signed_in(browser, server, path)
            await page.send("Emulation.setDeviceMetricsOverride", {"width": 375, "height": 812,
                                                                   "deviceScaleFactor": 2, "mobile": True})
            await page.goto(server.url + "/dashboard")
            return tuple(await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]"))

    scroll_width, width = run(scenario())
    assert width == 375 and scroll_width <= width, f"the page is {scroll_width} px wide on a {width} px screen"


def test_no_serious_or_critical_accessibility_violations(seeded, tmp_path: Path) -> None:
    axe = find_axe()
    if axe is None:
        pytest.skip("axe-core is not installed: .ci/run installs it (npm install --prefix ~/.cache/sendbot/axe "
                    "axe-core), or set SENDBOT_AXE_JS to its axe.min.js")
    server, path = seeded
    axe_js = axe.read_text()

    async def scenario() -> dict[str, list[dict]]:
        async with Browser(CHROMIUM or "", tmp_path / "profile") as browser:
            page = await browser.new_page()
            await page.goto(server.url + path)
            found = {"sign-in": await _axe(page, axe_js)}
            await page.click("button[type=submit]")
            await page.wait_for("!!document.querySelector('#summary') && document.readyState === 'complete'")
            found["dashboard"] = await _axe(page, axe_js)
            await page.send("Emulation.setDeviceMetricsOverride", {"width": 375, "height": 812,
                                                                   "deviceScaleFactor": 2, "mobile": True})
            await page.goto(server.url + "/dashboard")
            found["dashboard at 375 px"] = await _axe(page, axe_js)
            return found

    found = run(scenario())
    bad = {where: [v for v in vs if v["impact"] in ("serious", "critical")] for where, vs in found.items()}
    assert all(not v for v in bad.values()), json.dumps(bad, indent=1)
