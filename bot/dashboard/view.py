"""From the figures to what the page shows: headline answers, chart SVGs and their tables (pure)."""

from typing import Any

from bot.dashboard import svg
from bot.dashboard.figures import LA_CLOCKS
from bot.dashboard.load import Dashboard


def _day(d) -> str:  # type: ignore[no-untyped-def]
    return f"{d.day} {d:%b %Y}" if d else "—"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def page_context(d: Dashboard) -> dict[str, Any]:
    la_decided = sum(la.decided for la in d.la)
    la_on_time = sum(la.on_time for la in d.la)
    la_open_late = sum(la.open_late for la in d.la)
    headline_school = ("On track: no school duty is overdue." if d.school_overdue == 0 else
                       f"Action needed: {_plural(d.school_overdue, 'school duty')} overdue.".replace("dutys", "duties"))
    if la_decided == 0 and la_open_late == 0:
        headline_la = "No local authority deadline has fallen due yet."
    else:
        headline_la = (f"{la_on_time} of {la_decided} LA deadlines met on time; "
                       f"{la_open_late} still open and late.")
    meetings_chart = svg.stacked_bars(
        "chart-meetings", "Parent meetings this term, by class",
        "; ".join(f"{c.class_name}: {c.held} held of {c.owed} owed" for c in d.meetings) or "No pupils on SEN support.",
        [svg.Bar(c.class_name, (svg.Segment("held", c.held, "ok"), svg.Segment("still owed", c.missing, "owed")))
         for c in d.meetings])
    r = d.reviews
    reviews_chart = svg.stacked_bars(
        "chart-reviews", "Annual reviews: the last 12 months and now",
        f"{r.on_time} held on time, {r.late} held late, {r.overdue_now} overdue now.",
        [svg.Bar("Held on time", (svg.Segment("on time", r.on_time, "ok"),)),
         svg.Bar("Held late", (svg.Segment("late", r.late, "late"),)),
         svg.Bar("Overdue now", (svg.Segment("overdue", r.overdue_now, "open_late"),))])
    timeline = svg.timeline(
        "chart-timeline", "Annual reviews due in the next 8 weeks",
        "; ".join(f"{x.label} due {_day(x.due)}" for x in r.next_weeks) or "None due in the next 8 weeks.",
        [svg.Mark((x.due - d.today).days, f"{x.label} {x.due:%d %b}") for x in r.next_weeks])
    las = []
    for i, la in enumerate(d.la):
        chart = svg.stacked_bars(
            f"chart-la-{i}", f"{la.la}: deadlines met on time, late, and open and late",
            "; ".join(f"{LA_CLOCKS[c.kind]}: {c.on_time} on time, {c.late} late, {c.open_late} open and late"
                      for c in la.clocks),
            [svg.Bar(_short(c.kind), (svg.Segment("on time", c.on_time, "ok"), svg.Segment("late", c.late, "late"),
                                      svg.Segment("open and late", c.open_late, "open_late")))
             for c in la.clocks])
        las.append({"figures": la, "chart": chart})
    return {"d": d, "day": _day, "headline_school": headline_school, "headline_la": headline_la,
            "school_ok": d.school_overdue == 0, "la_ok": la_open_late == 0, "meetings_chart": meetings_chart,
            "reviews_chart": reviews_chart, "timeline": timeline, "las": las, "la_open_late": la_open_late,
            "la_on_time": la_on_time, "la_decided": la_decided, "clock_titles": LA_CLOCKS,
            "short": _short, "median": _median}


SHORT = {"assessment_decision": "6 weeks", "final_plan": "20 weeks", "review_decision": "Review decision",
         "amended_plan": "Amended plan", "phase_transfer_review": "Phase transfer"}


def _short(kind: str) -> str:
    return SHORT[kind]


def _median(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:g} day{'' if value == 1 else 's'}"
