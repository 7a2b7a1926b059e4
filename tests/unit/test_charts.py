"""The scorecard SVG charts: well-formed, accessible, escaped, locale-formatted, and
drawn where the numbers say."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import pairwise

import pytest

from shopper.scorecards.charts import (
    CORNERS,
    Bar,
    QuadrantPoint,
    TrendPoint,
    bar_chart,
    corner,
    quadrant_chart,
    trend_chart,
)

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = ["<script>alert(1)</script>", '"><img src=x onerror=1>']
NAMES = {"both_strong": "Beide stark", "service_rescues": "Service rettet",
         "weak_service": "Service schwach", "both_weak": "Beide schwach"}
MONTHS = ["Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"]


def german(value):
    """A German-like formatter: its commas prove every shown number went through fmt."""
    return "–" if value is None else f"{value:.1f}".replace(".", ",")


def bars(items, **kw):
    return bar_chart(items, **{"chart_id": "bars", "title": "Kontaktpunkte", "fmt": german,
                               "no_data": "keine Daten", **kw})


def trend(points, **kw):
    return trend_chart(points, **{"chart_id": "trend", "title": "Verlauf", "fmt": german,
                                  "no_data": "keine Daten", **kw})


def quadrant(points, **kw):
    return quadrant_chart(points, **{"chart_id": "quad", "title": "Quadrant", "fmt": german,
                                     "target": 80.0, "corner_names": NAMES,
                                     "x_label": "Service", "y_label": "Erlebnis",
                                     "no_data": "keine Daten", **kw})


def parse(markup):
    return ET.fromstring(str(markup))


def find(root, tag, cls=None):
    return [e for e in root.iter(SVG + tag) if cls is None or cls in e.get("class", "").split()]


def texts(root, cls=None):
    return ["".join(e.itertext()) for e in find(root, "text", cls)]


def desc(root):
    return root.find(SVG + "desc").text


def examples():
    return {
        "bars": bars([Bar("Begrüßung", 83.3, "service"), Bar("Kasse", None)], target=80,
                     target_label="Ziel 80", legend={"service": "Service",
                                                     "experience": "Erlebnis"}),
        "trend": trend([TrendPoint("Okt", 71.25, 65, 77), TrendPoint("Nov", None),
                        TrendPoint("Dez", 83.3, 80, 86)], target=80, target_label="Ziel 80"),
        "quadrant": quadrant([QuadrantPoint("Mitte", 83.3, 71.2), QuadrantPoint("Ost", None, 50)]),
        "empty trend": trend([]),
        "empty bars": bars([]),
        "quadrant without plottable points": quadrant([QuadrantPoint("Ost", None, 50)]),
    }


@pytest.mark.parametrize("name", list(examples()))
def test_each_chart_is_one_accessible_scalable_svg(name):
    root = parse(examples()[name])
    assert root.tag == SVG + "svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%" and root.get("height") is None
    assert root.get("viewBox").startswith("0 0 340 ")
    ids = {e.get("id"): e for e in root.iter() if e.get("id")}
    named = root.get("aria-labelledby").split()
    assert [ids[i].tag for i in named] == [SVG + "title", SVG + "desc"]
    assert all(ids[i].text for i in named)
    assert all(i.startswith(root.get("id")) for i in ids)


def test_ids_come_from_the_chart_id():
    one, two = parse(bars([Bar("A", 50)], chart_id="one")), parse(bars([Bar("A", 50)],
                                                                     chart_id="two"))
    ids_one = {e.get("id") for e in one.iter() if e.get("id")}
    ids_two = {e.get("id") for e in two.iter() if e.get("id")}
    assert "one-title" in ids_one and "one-hatch" in ids_one
    assert not ids_one & ids_two


@pytest.mark.parametrize("chart_id", ["a b", "<x>", "", "1st", 'x"y', "a/b", None])
@pytest.mark.parametrize("draw", [bars, trend, quadrant])
def test_chart_ids_must_be_slugs(draw, chart_id):
    with pytest.raises(ValueError, match="chart_id"):
        draw([], chart_id=chart_id)


def test_numbers_are_shown_and_described_through_fmt():
    root = parse(examples()["bars"])
    assert "83,3" in texts(root)
    assert desc(root) == "Begrüßung (Service): 83,3; Kasse (Erlebnis): keine Daten; Ziel 80"
    assert "keine Daten" in texts(root)
    assert {"0,0", "50,0", "100,0"} <= set(texts(root))   # the scale too
    root = parse(examples()["trend"])
    assert desc(root) == "Okt: 71,2 (65,0–77,0); Nov: keine Daten; Dez: 83,3 (80,0–86,0); Ziel 80"
    assert "83,3" in texts(root, "chart-value")
    root = parse(examples()["quadrant"])
    assert desc(root) == ("Mitte: Service 83,3, Erlebnis 71,2, Service rettet; "
                          "Ost: keine Daten")
    [point] = find(root, "g", "chart-point")
    assert point.find(SVG + "title").text == "Mitte: Service 83,3, Erlebnis 71,2"
    assert not [t for t in texts(root) if "." in t]


def test_a_missing_bar_is_an_empty_row():
    root = parse(bars([Bar("A", None), Bar("B", 40)]))
    assert len(find(root, "rect", "chart-bar")) == 1
    assert "keine Daten" in texts(root)


def test_the_legend_shows_only_kinds_present():
    legend = {"service": "Service", "experience": "Erlebnis"}
    shown = texts(parse(bars([Bar("A", 50, "service")], legend=legend)))
    assert "Service" in shown and "Erlebnis" not in shown
    assert "Service" not in texts(parse(bars([Bar("A", 50, "service")])))
    with pytest.raises(ValueError, match="kind"):
        bars([Bar("A", 50, "other")])


def test_kinds_differ_in_more_than_colour():
    root = parse(bars([Bar("A", 50, "service"), Bar("B", 50, "experience")]))
    service, experience = find(root, "rect", "chart-bar")
    assert experience.get("fill") == "url(#bars-hatch)" and experience.get("stroke")
    assert service.get("fill").startswith("#")


def test_the_bar_target_line_is_at_80_on_the_scale():
    root = parse(bars([Bar("zero", 0), Bar("eighty", 80), Bar("full", 100)], target=80,
                      target_label="Ziel 80"))
    _, eighty, full = find(root, "rect", "chart-bar")
    start = float(full.get("x"))

    def end_of(rect):
        return float(rect.get("x")) + float(rect.get("width"))

    lines = find(root, "line", "chart-target")
    assert lines and all(line.get("x1") == line.get("x2") for line in lines)
    x = float(lines[0].get("x1"))
    assert x == pytest.approx(end_of(eighty))
    assert x == pytest.approx(start + 0.8 * (end_of(full) - start))
    assert float(lines[0].get("stroke-dasharray").split()[0]) > 0
    assert "Ziel 80" in texts(root)


def test_a_gap_in_the_trend_breaks_the_line():
    values = [70, 72, None, 78, 80]
    root = parse(trend([TrendPoint(m, v) for m, v in zip(MONTHS, values, strict=False)]))
    segments = find(root, "path", "chart-line")
    assert len(segments) == 2
    assert [d.get("d").count("L") for d in segments] == [1, 1]
    dots = find(root, "circle", "chart-dot")
    assert len(dots) == 4
    lowest = float(dots[0].get("cy"))   # 70, the least value: a gap drawn as 0 would be below
    assert all(float(dot.get("cy")) <= lowest for dot in dots)
    ys = [float(pair.split()[1]) for d in segments for pair in d.get("d")[1:].split(" L")]
    assert max(ys) == pytest.approx(lowest)
    assert "Mär: keine Daten" in desc(root)


def test_the_trend_target_line_is_at_80():
    root = parse(trend([TrendPoint("a", 0), TrendPoint("b", 80), TrendPoint("c", 100)],
                       target=80, target_label="Ziel 80"))
    zero, eighty, full = (float(dot.get("cy")) for dot in find(root, "circle", "chart-dot"))
    [line] = find(root, "line", "chart-target")
    assert float(line.get("y1")) == float(line.get("y2")) == pytest.approx(eighty)
    assert eighty == pytest.approx(zero + 0.8 * (full - zero))


def test_the_trend_band_is_drawn_where_the_interval_is_known():
    root = parse(trend([TrendPoint("a", 50, 40, 60), TrendPoint("b", 55, 45, 65),
                        TrendPoint("c", 60)]))
    assert len(find(root, "path", "chart-band")) == 1


@pytest.mark.parametrize("labels", [MONTHS, [f"2026-{m:02d}" for m in range(1, 13)]])
def test_a_year_of_month_labels_does_not_overlap(labels):
    root = parse(trend([TrendPoint(label, 60 + i) for i, label in enumerate(labels)]))
    shown = find(root, "text", "chart-x")
    assert len(shown) >= 4 and shown[-1].text == labels[-1]   # the latest month always
    xs = [float(t.get("x")) for t in shown]
    widest = max(len(label) for label in labels) * 12 * 0.6   # a generous 12-unit glyph
    assert all(b - a >= widest + 3 for a, b in pairwise(xs))
    assert all(widest / 2 <= x <= 340 - widest / 2 for x in xs)
    values = [float(t.get("x")) for t in find(root, "text", "chart-value")]
    assert all(b - a >= 4 * 12 * 0.6 for a, b in pairwise(values))


@pytest.mark.parametrize("points", [[], [TrendPoint("Nov", None), TrendPoint("Dez", None)]])
def test_a_trend_without_data_says_so(points):
    root = parse(trend(points))
    assert "keine Daten" in texts(root)
    assert not find(root, "path", "chart-line") and not find(root, "circle")


@pytest.mark.parametrize(("service", "experience", "expected"), [
    (90, 90, "both_strong"), (90, 50, "service_rescues"),
    (50, 90, "weak_service"), (50, 50, "both_weak"),
    (80, 80, "both_strong"), (80, 79.9, "service_rescues"), (79.9, 80, "weak_service"),
])
def test_corners(service, experience, expected):
    assert corner(service, experience, 80) == expected
    assert expected in CORNERS


def test_quadrant_lines_corners_and_links():
    root = parse(quadrant([QuadrantPoint("Mitte", 80, 80, href="/locations/7?x=1&y=2"),
                           QuadrantPoint("Nord", 0, 0), QuadrantPoint("Süd", 100, 100),
                           QuadrantPoint("Ost", 90, None, href="/locations/9")]))
    links = list(root.iter(SVG + "a"))
    assert [a.get("href") for a in links] == ["/locations/7?x=1&y=2"]
    point = links[0].find(SVG + "g")
    assert point.get("class") == "chart-point" and point.find(SVG + "title") is not None
    mitte, nord, sued = (find(p, "circle")[0] for p in find(root, "g", "chart-point"))
    vertical, horizontal = find(root, "line", "chart-target")
    assert float(vertical.get("x1")) == pytest.approx(float(mitte.get("cx")))
    assert float(horizontal.get("y1")) == pytest.approx(float(mitte.get("cy")))
    x0, x100 = float(nord.get("cx")), float(sued.get("cx"))
    assert float(mitte.get("cx")) == pytest.approx(x0 + 0.8 * (x100 - x0))
    corner_words = " ".join(texts(root, "chart-corner"))
    assert all(word in corner_words for name in NAMES.values() for word in name.split())
    assert "Ost: keine Daten" in desc(root)
    assert "Mitte: Service 80,0, Erlebnis 80,0, Beide stark" in desc(root)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_labels_are_escaped(hostile):
    charts = [bars([Bar(hostile, 50, href="/x?a=1&b=2")], target=80, target_label=hostile,
                   legend={"service": hostile, "experience": hostile}),
              trend([TrendPoint(hostile, 50), TrendPoint("b", 60)], target=80,
                    target_label=hostile),
              quadrant([QuadrantPoint(hostile, 50, 50, href="/x"),
                        QuadrantPoint(hostile, None, 50)], x_label=hostile)]
    for chart in charts:
        markup = str(chart)
        assert hostile not in markup
        assert "<script" not in markup and "<img" not in markup
        root = parse(chart)   # still well-formed, and the text reads back unchanged
        assert not list(root.iter(SVG + "script")) and not list(root.iter("img"))
        assert hostile in desc(root)


@pytest.mark.parametrize("href", ["javascript:alert(1)", " JavaScript:alert(1)",
                                  "java\tscript:alert(1)", "data:text/html,x"])
def test_unsafe_links_are_refused(href):
    with pytest.raises(ValueError, match="link"):
        bars([Bar("A", 50, href=href)])
    with pytest.raises(ValueError, match="link"):
        quadrant([QuadrantPoint("A", 50, 50, href=href)])


def test_control_characters_do_not_break_the_xml():
    root = parse(bars([Bar("A\x00B\x1b", 50)]))
    assert desc(root) == "AB: 50,0"


def test_targets_outside_the_scale_are_refused():
    with pytest.raises(ValueError, match="target"):
        bars([Bar("A", 50)], target=120)
    with pytest.raises(ValueError, match="target"):
        quadrant([QuadrantPoint("A", 50, 50)], target=float("nan"))


def test_long_words_wrap_inside_the_chart():
    names = {"both_strong": "Both strong", "service_rescues": "Service rescues a weak journey",
             "weak_service": "A smooth journey with weak service", "both_weak": "Both weak"}
    legend = {"service": "Service touchpoint", "experience": "Experience touchpoint"}
    corners = find(parse(quadrant([QuadrantPoint("A", 90, 90)], corner_names=names)), "text",
                   "chart-corner")
    assert len(corners) > 4   # the long names took more than one line
    keys = [t for t in find(parse(bars([Bar("A", 50, "service"), Bar("B", 60)], legend=legend)),
                            "text") if t.text in legend.values()]
    assert len({t.get("y") for t in keys}) == 2   # one key a line
    for line in corners + keys:
        x, width = float(line.get("x")), len(line.text) * 12 * 0.55
        start = {"start": x, "end": x - width}[line.get("text-anchor")]
        assert start >= 0 and start + width <= 340, line.text


def test_a_compact_trend_keeps_the_latest_value_and_says_every_month():
    """For print: fewer labels (WeasyPrint lays out each SVG text on its own), the
    latest value, every third month, the scale's ends; desc still holds every value."""
    points = [TrendPoint(m, 60 + i, 55 + i, 65 + i) for i, m in enumerate(MONTHS)]
    full, compact = (parse(trend(points, target=80, target_label="Ziel 80", compact=c))
                     for c in (False, True))
    assert len(find(compact, "text")) < len(find(full, "text"))
    assert texts(compact, "chart-value") == ["71,0"]
    assert texts(compact, "chart-x") == ["Mär", "Jun", "Sep", "Dez"]
    assert "Ziel 80" not in texts(compact) and "Ziel 80" in texts(full)
    assert "50,0" not in texts(compact) and {"0,0", "100,0"} <= set(texts(compact))
    assert desc(compact) == desc(full)
    assert all(f"{m}: " in desc(compact) for m in MONTHS)
