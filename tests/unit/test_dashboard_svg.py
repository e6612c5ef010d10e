"""The dashboard's charts: well-formed SVG with a text alternative, labelled numbers, escaped text."""

import xml.etree.ElementTree as ET

from bot.dashboard import svg

NS = {"s": "http://www.w3.org/2000/svg"}


def parse(text: str) -> ET.Element:
    return ET.fromstring(text)  # raises on anything that is not well-formed XML


def test_stacked_bars_are_well_formed_with_a_title_a_description_and_every_number_written() -> None:
    bars = [svg.Bar("3A", (svg.Segment("held", 1, "ok"), svg.Segment("still owed", 1, "owed"))),
            svg.Bar("5B", (svg.Segment("held", 12, "ok"), svg.Segment("still owed", 0, "owed")))]
    root = parse(svg.stacked_bars("c1", "Parent meetings", "3A: 1 held of 2; 5B: 12 held of 12", bars))
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c1-t c1-d"
    assert root.find("s:title", NS).text == "Parent meetings"  # type: ignore[union-attr]
    assert root.find("s:desc", NS).text == "3A: 1 held of 2; 5B: 12 held of 12"  # type: ignore[union-attr]
    rects = root.findall("s:rect", NS)
    assert [r.find("s:title", NS).text for r in rects] == [  # type: ignore[union-attr]
        "3A: 1 held", "3A: 1 still owed", "5B: 12 held"]  # a zero part draws nothing
    widths = [float(r.get("width", 0)) for r in rects]
    assert abs(widths[2] - 12 * widths[0]) < 0.5  # bars scale with their numbers
    texts = [t.text for t in root.findall("s:text", NS)]
    assert {"3A", "5B", "12"} <= set(texts)


def test_text_from_users_is_escaped_not_markup() -> None:
    root = parse(svg.stacked_bars("c2", "<script>alert(1)</script>", 'a "quoted" & <b>bold</b> LA',
                                  [svg.Bar("<Kent & Medway>", (svg.Segment("on time", 2, "ok"),))]))
    assert root.find("s:title", NS).text == "<script>alert(1)</script>"  # type: ignore[union-attr]
    assert not root.findall(".//s:script", NS) and not root.findall(".//s:b", NS)
    assert "<Kent & Medway>" in [t.text for t in root.findall("s:text", NS)]


def test_an_empty_chart_still_says_so() -> None:
    root = parse(svg.stacked_bars("c3", "Reviews", "None yet.", [svg.Bar("Held late", ())]))
    assert "none" in [t.text for t in root.findall("s:text", NS)]


def test_timeline_places_marks_by_day_and_labels_them() -> None:
    root = parse(svg.timeline("t1", "Reviews due", "E.G. due 24 Mar", [svg.Mark(0, "now one"), svg.Mark(56, "E.G."),
                                                                      svg.Mark(99, "later")]))
    assert root.find("s:desc", NS).text == "E.G. due 24 Mar"  # type: ignore[union-attr]
    xs = [float(c.get("cx", 0)) for c in root.findall("s:circle", NS)]
    assert xs[0] < xs[1] == xs[2]  # 56 days is the end of the line; later marks stop there
    assert {"now one", "E.G.", "later", "now", "+8w"} <= {t.text for t in root.findall("s:text", NS)}


def test_sign_in_tokens_are_masked_in_the_access_log() -> None:
    import logging

    from bot.dashboard.http import HideSigninTokens

    token = "0123456789abcdefghijABCDEFGHIJ-_0123456789a"
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "POST", f"/dashboard/signin/{token}", "1.1", 303), None)
    HideSigninTokens().filter(record)
    line = record.getMessage()
    assert token not in line and "/dashboard/signin/<token>" in line
