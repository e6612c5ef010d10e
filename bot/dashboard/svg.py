"""Charts as inline SVG, made on the server (no scripts, no CDN: works offline and prints).

Pure functions: numbers in, an SVG string out. Every chart has ``role="img"``, a ``<title>`` and a
``<desc>`` that says the same as the picture in words, and the page shows a table of the same numbers.
Colours are the page's own (CSS variables with fallbacks) and every bar is labelled with its number, so
colour is never the only cue (WCAG 1.4.1).
"""

from dataclasses import dataclass
from xml.sax.saxutils import escape


@dataclass(frozen=True)
class Segment:
    label: str  # what the part means ("on time")
    value: int
    css_class: str  # ok | late | open | owed


@dataclass(frozen=True)
class Bar:
    label: str
    segments: tuple[Segment, ...]

    @property
    def total(self) -> int:
        return sum(s.value for s in self.segments)


def stacked_bars(chart_id: str, title: str, desc: str, bars: list[Bar], *, width: int = 320) -> str:
    """Horizontal stacked bars, one per row, each part labelled with its count."""
    row, label_w, gap = 28, 110, 8
    plot_w = width - label_w - 10
    biggest = max((b.total for b in bars), default=0) or 1
    height = max(1, len(bars)) * (row + gap) + 4
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
           f'aria-labelledby="{chart_id}-t {chart_id}-d" id="{chart_id}">',
           f'<title id="{chart_id}-t">{escape(title)}</title>', f'<desc id="{chart_id}-d">{escape(desc)}</desc>']
    for i, bar in enumerate(bars):
        y = i * (row + gap) + 2
        out.append(f'<text x="0" y="{y + row / 2 + 5:.0f}" class="axis">{escape(bar.label[:16])}</text>')
        x = float(label_w)
        for seg in bar.segments:
            if seg.value <= 0:
                continue
            w = plot_w * seg.value / biggest
            out.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row}" class="seg {seg.css_class}">'
                       f'<title>{escape(f"{bar.label}: {seg.value} {seg.label}")}</title></rect>')
            if w >= 16:
                out.append(f'<text x="{x + w / 2:.1f}" y="{y + row / 2 + 5:.0f}" class="num {seg.css_class}" '
                           f'text-anchor="middle">{seg.value}</text>')
            x += w
        if bar.total == 0:
            out.append(f'<text x="{label_w}" y="{y + row / 2 + 5:.0f}" class="axis">none</text>')
    out.append("</svg>")
    return "".join(out)


@dataclass(frozen=True)
class Mark:
    day_offset: int  # days from today
    label: str


def timeline(chart_id: str, title: str, desc: str, marks: list[Mark], days: int = 56, *, width: int = 320) -> str:
    """A line from today to ``days`` ahead, with a labelled tick per mark and a tick each week."""
    height = 40 + 16 * max(1, len(marks))
    left, right = 8, width - 8
    span = right - left

    def x(day: int) -> float:
        return left + span * min(max(day, 0), days) / days

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
           f'aria-labelledby="{chart_id}-t {chart_id}-d" id="{chart_id}">',
           f'<title id="{chart_id}-t">{escape(title)}</title>', f'<desc id="{chart_id}-d">{escape(desc)}</desc>',
           f'<line x1="{left}" y1="20" x2="{right}" y2="20" class="rule"/>']
    for week in range(0, days // 7 + 1):
        out.append(f'<line x1="{x(week * 7):.1f}" y1="15" x2="{x(week * 7):.1f}" y2="25" class="rule"/>')
        if week % 2 == 0:
            # The end labels are anchored inwards so they are not cut off at the edges.
            anchor = "start" if week == 0 else "end" if week == days // 7 else "middle"
            out.append(f'<text x="{x(week * 7):.1f}" y="11" class="axis" text-anchor="{anchor}">'
                       f'{"now" if week == 0 else f"+{week}w"}</text>')
    for i, mark in enumerate(marks):
        cx = x(mark.day_offset)
        y = 40 + 16 * i
        anchor = "end" if cx > width * 0.6 else "start"
        out.append(f'<circle cx="{cx:.1f}" cy="20" r="4" class="dot"/>'
                   f'<line x1="{cx:.1f}" y1="24" x2="{cx:.1f}" y2="{y - 4}" class="leader"/>'
                   f'<text x="{cx:.1f}" y="{y + 4}" class="axis" text-anchor="{anchor}">{escape(mark.label)}</text>')
    out.append("</svg>")
    return "".join(out)
