"""Scorecard charts drawn on the server as SVG: bars per touchpoint, a trend over
months and a Service x Experience quadrant.

Why SVG strings and not a chart library: the same markup goes into HTML pages and,
unchanged, into WeasyPrint PDFs, so a chart may not need JavaScript, the page
stylesheet, web fonts or anything from another host. Everything that matters is a
presentation attribute on the shapes (fills print; page backgrounds may not).

The module is pure: no Flask, no database. The caller passes every human word
(already translated) and its one locale-aware number formatter `fmt`; this module
never formats a shown number nor writes a word itself. Labels are user text and are
always escaped. Each chart is `role="img"` with a `<title>` and a `<desc>` that says
every value, for screen readers and for anyone who cannot see the shapes.

Sizes: the viewBox is 340 units wide so that on a 360 px phone 1 unit is about 1 px
and 12-13 unit text stays readable; wider screens scale up to a capped width.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

Fmt = Callable[[float | None], str]

WIDTH = 340
FONT = 13        # labels
SMALL = 12       # ticks, values on dots, corner names
INK = "#1b1f24"
MUTED = "#57606a"      # 6.4:1 on white
GRID = "#d0d7de"
SERVICE = "#1f4e79"    # solid fill, 8.7:1
EXPERIENCE = "#9a4a00"  # hatched fill with an outline, 6.3:1: tells the kinds apart in grey too
BAND = "#c6d9ec"
FONT_FAMILY = ("system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, "
               "sans-serif")
#: "score" is a plain bar (a section, which mixes both kinds): grey, no legend entry.
KINDS = ("service", "experience", "score")
NEUTRAL = "#57606a"
CORNERS = ("both_strong", "service_rescues", "weak_service", "both_weak")

_CHART_ID = re.compile(r"[a-z][a-z0-9_-]{0,63}")   # also a valid CSS id selector
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float | None
    kind: str = "experience"
    href: str | None = None


@dataclass(frozen=True, slots=True)
class TrendPoint:
    label: str
    mean: float | None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True, slots=True)
class QuadrantPoint:
    label: str
    service: float | None
    experience: float | None
    href: str | None = None


def corner(service: float, experience: float, target: float) -> str:
    """The quadrant of a location; reaching the target counts as strong."""
    if service >= target:
        return "both_strong" if experience >= target else "service_rescues"
    return "weak_service" if experience >= target else "both_weak"


# Small pieces -----------------------------------------------------------------------

def _check_id(chart_id: str) -> str:
    """Ids of the chart and its parts are made from chart_id and it prefixes scoped CSS,
    so only a slug is accepted (never user text)."""
    if not isinstance(chart_id, str) or not _CHART_ID.fullmatch(chart_id):
        raise ValueError(f"chart_id must be a slug like 'location-bars', got {chart_id!r}")
    return chart_id


def _text(value: object) -> Markup:
    """Escaped text, without the control characters XML (and so a PDF) refuses."""
    return escape(_NOT_XML.sub("", str(value)))


def _href(href: str) -> Markup:
    """Links are the app's own or http(s); anything else (javascript:) is a bug."""
    probe = re.sub(r"[\x00-\x20]", "", href)   # browsers drop these before reading a scheme
    scheme = _SCHEME.match(probe)
    if scheme and scheme.group(1).lower() not in ("http", "https"):
        raise ValueError(f"unsafe chart link {href!r}")
    return _text(href)


def _score(value: float | None) -> float | None:
    """A score to draw, or None for no data (NaN counts as no data)."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def _target(target: float | None) -> float | None:
    if target is not None and not (math.isfinite(target) and 0 <= target <= 100):
        raise ValueError(f"target must be within 0..100, got {target!r}")
    return target


def _clamp(value: float, low: float = 0.0, high: float = 100.0) -> float:
    return min(high, max(low, value))


def _wide(text: str, size: float = FONT) -> float:
    """Estimated width of text; generous (DejaVu Sans, WeasyPrint's usual fallback, is
    wide) because the browser measures nothing for us."""
    return len(text) * size * 0.62


def _fit(text: str, width: float, size: float = FONT) -> str:
    """Text cut with an ellipsis to fit width (the full text is in <title> and <desc>)."""
    most = max(1, int(width / (size * 0.62)))
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def _n(value: float) -> str:
    """A coordinate (not a shown number: those go through fmt)."""
    return f"{value:.1f}".removesuffix(".0")


def _label(x: float, y: float, text: str, *, size: float = FONT, anchor: str = "start",
           fill: str = INK, extra: str = "") -> str:
    return (f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}" text-anchor="{anchor}" '
            f'fill="{fill}"{extra}>{_text(text)}</text>')


def _dashed(x1: float, y1: float, x2: float, y2: float) -> str:
    """The target line: dark dashes on a white halo, visible over dark bars too."""
    ends = f'x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}"'
    return (f'<line {ends} stroke="#fff" stroke-width="4"/>'
            f'<line class="chart-target" {ends} stroke="{INK}" stroke-width="1.5" '
            f'stroke-dasharray="5 4"/>')


def _svg(chart_id: str, height: float, title: str, desc: str, body: str) -> Markup:
    """The <svg> around a chart: scales to its container (up to 28rem, where 13 units are
    about 17 px: bigger text would not help on a desktop), named by its title and described
    by desc. Its own white ground makes it look the same on any page and on paper."""
    # Every label and title in `body`, `title` and `desc` went through _text (escaped).
    return Markup(  # nosec B704
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{chart_id}" class="chart-svg" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" viewBox="0 0 {WIDTH} {_n(height)}" '
        f'width="100%" style="display:block;height:auto;max-width:28rem;margin:0 auto;'
        f'break-inside:avoid;print-color-adjust:exact;-webkit-print-color-adjust:exact" '
        f'font-family="{FONT_FAMILY}" font-size="{FONT}" fill="{INK}">'
        f'<title id="{chart_id}-title">{_text(title)}</title>'
        f'<desc id="{chart_id}-desc">{_text(desc)}</desc>'
        f'<style>#{chart_id} a:hover text,#{chart_id} a:focus text{{text-decoration:underline}}'
        f'</style><rect width="{WIDTH}" height="{_n(height)}" fill="#fff"/>{body}</svg>')


def _empty(chart_id: str, title: str, no_data: str, desc: str | None = None) -> Markup:
    """A chart with nothing to draw still says so, in the same frame."""
    body = _label(WIDTH / 2, 35, no_data, anchor="middle", fill=MUTED)
    return _svg(chart_id, 60, title, desc or no_data, body)


def _every(count: int, spacing: float, widest: float, gap: float = 6) -> int:
    """Show every k-th of count evenly spaced labels so that they do not overlap."""
    if count <= 1 or spacing <= 0:
        return 1
    return max(1, math.ceil((widest + gap) / spacing))


# Bars ---------------------------------------------------------------------------------

_BAR_X0, _BAR_X1 = 12.0, 292.0          # the 0..100 scale; room on the right for "100,0"
_BAR_SCALE = (_BAR_X1 - _BAR_X0) / 100


def _bar_x(value: float) -> float:
    return _BAR_X0 + _clamp(value) * _BAR_SCALE


def _kind_paint(chart_id: str, kind: str) -> str:
    """Service: solid dark fill. Experience: hatching in an outline, so the two kinds
    differ in black and white as well as in colour."""
    if kind == "service":
        return f'fill="{SERVICE}"'
    if kind == "score":
        return f'fill="{NEUTRAL}"'
    return f'fill="url(#{chart_id}-hatch)" stroke="{EXPERIENCE}" stroke-width="1.5"'


def bar_chart(bars: Sequence[Bar], *, chart_id: str, title: str, fmt: Fmt, no_data: str,
              target: float | None = None, target_label: str | None = None,
              legend: Mapping[str, str] | None = None) -> Markup:
    """Horizontal bars in the given (journey) order: the label above its bar (long
    names need the phone's full width), the value at the bar's end, a 0..100 scale and
    a dashed target line."""
    _check_id(chart_id)
    target = _target(target)
    for bar in bars:
        if bar.kind not in KINDS:
            raise ValueError(f"bar kind must be one of {KINDS}, got {bar.kind!r}")
    if not bars:
        return _empty(chart_id, title, no_data)
    legend = legend or {}
    parts: list[str] = [
        f'<defs><pattern id="{chart_id}-hatch" width="6" height="6" '
        f'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="#fbe9d9"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{EXPERIENCE}" stroke-width="3"/>'
        f'</pattern></defs>']
    y = 6.0
    present = [kind for kind in KINDS if kind in legend and any(b.kind == kind for b in bars)]
    if present:   # a key per kind, on as many lines as the words need
        x = _BAR_X0
        for kind in present:
            wide = 19 + _wide(legend[kind])
            if x > _BAR_X0 and x + wide > WIDTH:
                x, y = _BAR_X0, y + 20
            parts.append(f'<rect x="{_n(x)}" y="{_n(y + 1)}" width="14" height="14" '
                         f'{_kind_paint(chart_id, kind)}/>')
            parts.append(_label(x + 19, y + 13, legend[kind]))
            x += wide + 14
        y += 26
    if target is not None and target_label:
        half = _wide(target_label, SMALL) / 2
        centre = _clamp(_bar_x(target), half + 2, WIDTH - half - 2)
        parts.append(_label(centre, y + 11, target_label, size=SMALL, anchor="middle"))
        y += 16
    top = y
    rows: list[str] = []
    over: list[str] = []   # the target line again, over the bars that pass it
    said: list[str] = []
    for bar in bars:
        value = _score(bar.value)
        kind = legend.get(bar.kind)
        name = f"{bar.label} ({kind})" if kind and present else bar.label
        said.append(f"{name}: {no_data if value is None else fmt(value)}")
        row = [f'<title>{_text(said[-1])}</title>',
               _label(_BAR_X0, y + 14, _fit(bar.label, WIDTH - 2 * _BAR_X0))]
        if value is None:
            row.append(_label(_BAR_X0 + 4, y + 32, no_data, size=SMALL, fill=MUTED,
                              extra=' font-style="italic"'))
        else:
            end = _bar_x(value)
            row.append(f'<rect class="chart-bar" x="{_n(_BAR_X0)}" y="{_n(y + 20)}" '
                       f'width="{_n(max(end - _BAR_X0, 1))}" height="15" '
                       f'{_kind_paint(chart_id, bar.kind)}/>')
            row.append(_label(end + 5, y + 32, fmt(value), extra=' font-weight="600"'))
            if target is not None and end > _bar_x(target):
                over.append(_dashed(_bar_x(target), y + 18, _bar_x(target), y + 37))
        group = f'<g class="chart-row">{"".join(row)}</g>'
        if bar.href:
            group = f'<a href="{_href(bar.href)}">{group}</a>'
        rows.append(group)
        y += 44
    bottom = y - 4
    for tick in (0, 25, 50, 75, 100):
        x = _bar_x(tick)
        colour = MUTED if tick == 0 else GRID
        parts.append(f'<line x1="{_n(x)}" y1="{_n(top)}" x2="{_n(x)}" y2="{_n(bottom)}" '
                     f'stroke="{colour}" stroke-width="1"/>')
        if tick % 50 == 0:
            shown = fmt(float(tick))
            half = _wide(shown, SMALL) / 2
            parts.append(_label(max(x, half), bottom + 14, shown, size=SMALL,
                                anchor="middle", fill=MUTED))
    if target is not None:   # behind the labels, so that it never cuts through their text
        x = _bar_x(target)
        parts.append(f'<line class="chart-target" x1="{_n(x)}" y1="{_n(top - 2)}" x2="{_n(x)}" '
                     f'y2="{_n(bottom)}" stroke="{INK}" stroke-width="1.5" '
                     f'stroke-dasharray="5 4"/>')
        if target_label:
            said.append(target_label)
    parts.extend(rows + over)
    return _svg(chart_id, bottom + 22, title, "; ".join(said), "".join(parts))


# Trend ----------------------------------------------------------------------------------

_TREND_LEFT, _TREND_RIGHT, _TREND_TOP, _TREND_BOTTOM = 44.0, 322.0, 34.0, 184.0


def _trend_y(value: float) -> float:
    return _TREND_BOTTOM - _clamp(value) * (_TREND_BOTTOM - _TREND_TOP) / 100


def _runs(flags: Sequence[bool]) -> list[list[int]]:
    """Indices of the consecutive runs where flags are true (the line breaks between)."""
    runs: list[list[int]] = []
    for index, flag in enumerate(flags):
        if flag and runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        elif flag:
            runs.append([index])
    return runs


def trend_chart(points: Sequence[TrendPoint], *, chart_id: str, title: str, fmt: Fmt,
                no_data: str, target: float | None = None,
                target_label: str | None = None, compact: bool = False) -> Markup:
    """A line over the points (broken where a mean is missing, never drawn to 0), its 95%
    interval as a band, dots with values and a dashed target line. Labels that would
    overlap at phone width are thinned, always keeping the latest. `compact` (a printed
    report, three trends side by side): only the latest value, every third month, the
    scale's ends, and the target's key left to the page (every number stays in desc)."""
    _check_id(chart_id)
    target = _target(target)
    means = [_score(p.mean) for p in points]
    lows = [_score(p.low) for p in points]
    highs = [_score(p.high) for p in points]
    said = []
    for point, mean, low, high in zip(points, means, lows, highs, strict=True):
        words = no_data if mean is None else fmt(mean)
        if mean is not None and low is not None and high is not None:
            words += f" ({fmt(low)}–{fmt(high)})"
        said.append(f"{point.label}: {words}")
    if target is not None and target_label:
        said.append(target_label)
    if all(mean is None for mean in means):
        return _empty(chart_id, title, no_data, "; ".join(said) if points else None)
    count = len(points)
    step = (_TREND_RIGHT - _TREND_LEFT) / (count - 1) if count > 1 else 0.0

    def x_of(index: int) -> float:
        return _TREND_LEFT + index * step if count > 1 else (_TREND_LEFT + _TREND_RIGHT) / 2

    parts: list[str] = []
    if target is not None and target_label and not compact:
        parts.append(f'<line x1="{_n(_TREND_LEFT)}" y1="10" x2="{_n(_TREND_LEFT + 24)}" y2="10" '
                     f'stroke="{INK}" stroke-width="1.5" stroke-dasharray="5 4"/>')
        parts.append(_label(_TREND_LEFT + 30, 14, target_label, size=SMALL))
    for tick in (0, 25, 50, 75, 100):
        y = _trend_y(tick)
        parts.append(f'<line x1="{_n(_TREND_LEFT)}" y1="{_n(y)}" x2="{_n(_TREND_RIGHT)}" '
                     f'y2="{_n(y)}" stroke="{MUTED if tick == 0 else GRID}" stroke-width="1"/>')
        if tick % 50 == 0 and not (compact and tick == 50):
            parts.append(_label(_TREND_LEFT - 6, y + 4, fmt(float(tick)), size=SMALL,
                                anchor="end", fill=MUTED))
    for run in _runs([m is not None and lo is not None and hi is not None
                      for m, lo, hi in zip(means, lows, highs, strict=True)]):
        if len(run) == 1:   # one month alone: its interval as a short whisker
            i = run[0]
            parts.append(f'<line x1="{_n(x_of(i))}" y1="{_n(_trend_y(highs[i]))}" '
                         f'x2="{_n(x_of(i))}" y2="{_n(_trend_y(lows[i]))}" stroke="{BAND}" '
                         f'stroke-width="8"/>')
            continue
        edge = [(x_of(i), _trend_y(highs[i])) for i in run]
        edge += [(x_of(i), _trend_y(lows[i])) for i in reversed(run)]
        d = " L".join(f"{_n(x)} {_n(y)}" for x, y in edge)
        parts.append(f'<path class="chart-band" d="M{d} Z" fill="{BAND}" fill-opacity="0.7"/>')
    if target is not None:
        parts.append(_dashed(_TREND_LEFT, _trend_y(target), _TREND_RIGHT, _trend_y(target)))
    for run in _runs([mean is not None for mean in means]):
        if len(run) > 1:
            d = " L".join(f"{_n(x_of(i))} {_n(_trend_y(means[i]))}" for i in run)
            parts.append(f'<path class="chart-line" d="M{d}" fill="none" stroke="{SERVICE}" '
                         f'stroke-width="2.5" stroke-linejoin="round"/>')
    shown = [fmt(m) for m in means if m is not None]
    every_value = _every(count, step, max(_wide(s, SMALL) for s in shown), gap=4)
    every_label = _every(count, step, max(_wide(p.label, SMALL) for p in points))
    if compact:
        every_value, every_label = count, max(every_label, 3)
    for i, (point, mean) in enumerate(zip(points, means, strict=True)):
        x = x_of(i)
        if (count - 1 - i) % every_label == 0:
            half = _wide(point.label, SMALL) / 2
            parts.append(_label(_clamp(x, half + 1, WIDTH - half - 1), _TREND_BOTTOM + 18,
                                point.label, size=SMALL, anchor="middle",
                                extra=' class="chart-x"'))
        if mean is None:
            continue
        y = _trend_y(mean)
        parts.append(f'<circle class="chart-dot" cx="{_n(x)}" cy="{_n(y)}" r="4" '
                     f'fill="{SERVICE}" stroke="#fff" stroke-width="1.5">'
                     f'<title>{_text(said[i])}</title></circle>')
        if (count - 1 - i) % every_value == 0:
            value = fmt(mean)
            base = y + 18 if y - 22 < _TREND_TOP - 12 else y - 9   # below when near the top
            width = _wide(value, SMALL)
            cx = _clamp(x, width / 2 + 1, WIDTH - width / 2 - 1)
            parts.append(f'<rect x="{_n(cx - width / 2 - 1)}" y="{_n(base - 11)}" '
                         f'width="{_n(width + 2)}" height="14" rx="2" fill="#fff" '
                         f'fill-opacity="0.85"/>')
            parts.append(_label(cx, base, value, size=SMALL, anchor="middle",
                                extra=' font-weight="600" class="chart-value"'))
    return _svg(chart_id, _TREND_BOTTOM + 28, title, "; ".join(said), "".join(parts))


# Quadrant -------------------------------------------------------------------------------

_Q_LEFT, _Q_TOP, _Q_SIZE = 48.0, 12.0, 280.0
_Q_BOTTOM = _Q_TOP + _Q_SIZE
Box = tuple[float, float, float, float]   # x0, y0, x1, y1


def _qx(value: float) -> float:
    return _Q_LEFT + _clamp(value) * _Q_SIZE / 100


def _qy(value: float) -> float:
    return _Q_BOTTOM - _clamp(value) * _Q_SIZE / 100


def _wrap(text: str, width: float, size: float) -> list[str]:
    """Words in lines that fit width (a word longer than width keeps its own line)."""
    lines: list[str] = []
    for word in text.split():
        if lines and _wide(f"{lines[-1]} {word}", size) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines or [""]


def _corner_lines(left: str, right: str, split: float) -> dict[int, list[str]]:
    """The lines of the two corner names sharing one edge of the plot (0: left, 1: right)
    when the target splits it at `split`. A name may reach past the target line into the
    other corner (anchored to its own corner, it still reads as its corner's) as far as
    half the plot or, in a wide corner, the space the other name leaves."""
    room = _Q_SIZE - 10 - 12          # both pads and a gap between the names
    regions = {0: split - 10, 1: _Q_SIZE - split - 10}
    names = {0: left, 1: right}
    first = 0 if regions[0] <= regions[1] else 1      # the narrower corner chooses first
    lines = {first: _wrap(names[first], max(regions[first], room / 2), SMALL)}
    used = max(_wide(line, SMALL) for line in lines[first])
    lines[1 - first] = _wrap(names[1 - first], room - used, SMALL)
    return dict(sorted(lines.items()))


def _overlap(box: Box, boxes: Sequence[Box]) -> float:
    """The area of box that boxes cover (counted again where they overlap)."""
    return sum(max(0.0, min(box[2], b[2]) - max(box[0], b[0]))
               * max(0.0, min(box[3], b[3]) - max(box[1], b[1])) for b in boxes)


def _spots(x: float, y: float, width: float) -> list[tuple[float, float, str, Box]]:
    """Where a label may go around its dot at (x, y), best first: text x, baseline,
    anchor and the box it covers."""
    spots = []
    for dy in (0, -12, 12, -24, 24):
        spots.append((x + 8, y + 4 + dy, "start", (x + 8, y - 8 + dy, x + 8 + width, y + 5 + dy)))
        spots.append((x - 8, y + 4 + dy, "end", (x - 8 - width, y - 8 + dy, x - 8, y + 5 + dy)))
    spots.insert(2, (x, y - 9, "middle", (x - width / 2, y - 21, x + width / 2, y - 6)))
    spots.insert(3, (x, y + 18, "middle", (x - width / 2, y + 6, x + width / 2, y + 21)))
    return spots


def quadrant_chart(points: Sequence[QuadrantPoint], *, chart_id: str, title: str, fmt: Fmt,
                   target: float, corner_names: Mapping[str, str], x_label: str, y_label: str,
                   no_data: str) -> Markup:
    """Service (x) against Experience (y), split at the target into four named corners.
    Each dot's label goes to the first of a dozen spots around it that the corner names,
    the dots and the labels placed before it cover least (cheap, not perfect)."""
    _check_id(chart_id)
    if _target(target) is None:
        raise ValueError("a quadrant needs a target")
    said, plotted = [], []
    for point in points:
        service, experience = _score(point.service), _score(point.experience)
        if service is None or experience is None:
            said.append(f"{point.label}: {no_data}")
            continue
        words = (f"{point.label}: {x_label} {fmt(service)}, {y_label} {fmt(experience)}")
        said.append(f"{words}, {corner_names[corner(service, experience, target)]}")
        plotted.append((point, service, experience, words))
    if not plotted:
        return _empty(chart_id, title, no_data, "; ".join(said) or None)
    tx, ty = _qx(target), _qy(target)
    right = _Q_LEFT + _Q_SIZE
    parts = [f'<rect x="{_n(_Q_LEFT)}" y="{_n(_Q_TOP)}" width="{_n(_Q_SIZE)}" '
             f'height="{_n(_Q_SIZE)}" fill="#fff" stroke="{MUTED}" stroke-width="1"/>']
    for tick in sorted({0, 50, 100, target}):
        if tick == target and any(abs(tick - t) < 15 for t in (0, 50, 100) if t != tick):
            continue   # a target near a tick: its lines say enough
        shown = fmt(float(tick))
        half = _wide(shown, SMALL) / 2
        parts.append(_label(min(_qx(tick), WIDTH - half - 1), _Q_BOTTOM + 15, shown,
                            size=SMALL, anchor="middle", fill=MUTED))
        parts.append(_label(_Q_LEFT - 5, _qy(tick) + 4, shown, size=SMALL, anchor="end",
                            fill=MUTED))
    parts.append(_label((_Q_LEFT + right) / 2, _Q_BOTTOM + 33, x_label, anchor="middle",
                        extra=' font-weight="600"'))
    middle = (_Q_TOP + _Q_BOTTOM) / 2
    parts.append(_label(14, middle, y_label, anchor="middle",
                        extra=f' font-weight="600" transform="rotate(-90 14 {_n(middle)})"'))
    parts.append(_dashed(tx, _Q_TOP, tx, _Q_BOTTOM) + _dashed(_Q_LEFT, ty, right, ty))
    taken: list[Box] = []
    for left_key, right_key, at_top in (("weak_service", "both_strong", True),
                                        ("both_weak", "service_rescues", False)):
        for key, lines in _corner_lines(corner_names[left_key], corner_names[right_key],
                                        tx - _Q_LEFT).items():
            on_left = key == 0
            width = max(_wide(line, SMALL) for line in lines)
            x0 = _Q_LEFT + 5 if on_left else right - 5 - width
            first = _Q_TOP + 16 if at_top else _Q_BOTTOM - 6 - 15 * (len(lines) - 1)
            box = (x0 - 2, first - 12, x0 + width + 2, first + 15 * (len(lines) - 1) + 4)
            taken.append(box)
            parts.append(f'<rect x="{_n(box[0])}" y="{_n(box[1])}" width="{_n(box[2] - box[0])}" '
                         f'height="{_n(box[3] - box[1])}" fill="#fff" fill-opacity="0.85"/>')
            for row, line in enumerate(lines):
                parts.append(_label(x0 if on_left else x0 + width, first + 15 * row, line,
                                    size=SMALL, fill=MUTED, anchor="start" if on_left else "end",
                                    extra=' font-weight="600" class="chart-corner"'))
    # dots count a little wider than they are, so that no label sits by another's dot
    dots = [(_qx(s) - 9, _qy(e) - 9, _qx(s) + 9, _qy(e) + 9) for _, s, e, _ in plotted]
    for index, (point, service, experience, words) in enumerate(plotted):
        x, y = _qx(service), _qy(experience)
        text = _fit(point.label, 110, SMALL)
        width = _wide(text, SMALL)
        spots = _spots(x, y, width)
        inside = [c for c in spots if c[3][0] >= _Q_LEFT and c[3][2] <= WIDTH
                  and c[3][1] >= 0 and c[3][3] <= _Q_BOTTOM] or spots
        others = taken + dots[:index] + dots[index + 1:]
        lx, ly, anchor, box = min(inside, key=lambda c: _overlap(c[3], others))
        taken.append(box)
        near = (_clamp(x, box[0], box[2]), _clamp(y, box[1], box[3]))
        leader = ""   # a label pushed away from its dot points back at it
        if math.dist((x, y), near) > 9:
            leader = (f'<line x1="{_n(x)}" y1="{_n(y)}" x2="{_n(near[0])}" y2="{_n(near[1])}" '
                      f'stroke="{MUTED}" stroke-width="0.75"/>')
        group = (f'<g class="chart-point"><title>{_text(words)}</title>{leader}'
                 f'<circle cx="{_n(x)}" cy="{_n(y)}" r="5" fill="{SERVICE}" stroke="#fff" '
                 f'stroke-width="1.5"/>'
                 + _label(lx, ly, text, size=SMALL, anchor=anchor) + '</g>')
        if point.href:
            group = f'<a href="{_href(point.href)}">{group}</a>'
        parts.append(group)
    return _svg(chart_id, _Q_BOTTOM + 42, title, "; ".join(said), "".join(parts))
