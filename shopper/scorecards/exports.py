"""CSV exports of scorecards and of visits with their scores.

Numbers are numeric cells at full precision with a dot (a spreadsheet reads them as
numbers, a negative change included). Text cells that a spreadsheet would run as a
formula (starting with =, +, -, @, a tab or a carriage return) get a leading
apostrophe (OWASP's advice on CSV injection). A client viewer's export never says who
the shopper was.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from sqlmodel import Session, select

from ..models import Location, Region, Visit
from ..periods import started_within
from ..questionnaires import questionnaire_of
from ..scoring.aggregate import HEADLINES
from .periods import Period
from .services import Overview
from .storage import location_zones

#: What a spreadsheet takes for the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: Any) -> str:
    """A text cell that no spreadsheet runs as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def number_cell(value: float | int | None) -> float | int | str:
    """A number at full precision (an empty cell when there is none)."""
    return "" if value is None else value


def _write(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([text_cell(h) for h in header])
    writer.writerows(rows)
    return out.getvalue()


def overview_csv(data: Overview) -> str:
    """One row per location: headline scores with their intervals, the change against
    the previous period and whether it is larger than the noise."""
    header = ["location_id", "location_code", "location", "region", "visits",
              "thin_evidence", "critical_failure_rate"]
    for name in HEADLINES:
        header += [f"{name}", f"{name}_n", f"{name}_ci95_low", f"{name}_ci95_high",
                   f"{name}_previous", f"{name}_change", f"{name}_significant"]
    rows = []
    for figure in data.locations:
        card = figure.card
        row: list[Any] = [figure.location.id, text_cell(figure.location.code),
                          text_cell(figure.location.name), text_cell(figure.location.region),
                          card.visits, int(figure.thin),
                          number_cell(card.critical_failure_rate)]
        for name in HEADLINES:
            summary, change = getattr(card, name), figure.change[name]
            row += [number_cell(summary.mean), summary.n,
                    number_cell(summary.ci95[0] if summary.ci95 else None),
                    number_cell(summary.ci95[1] if summary.ci95 else None),
                    number_cell(change.previous), number_cell(change.change),
                    "" if change.significant is None else int(change.significant)]
        rows.append(row)
    return _write(header, rows)


def visits_csv(*, session: Session, locations: Sequence[Location], period: Period,
               with_shopper: bool, default_zone: str) -> str:
    """The approved visits of `locations` in `period`, oldest first, with their scores
    and answers (one column per question of the questionnaire, in journey order). The
    shopper's id only when `with_shopper` (never for a client viewer)."""
    header = ["visit", "location_id", "location", "region", "started_at", "channel"]
    if with_shopper:
        header.append("shopper")
    header += [*HEADLINES, "critical_failures"]
    regions = {r.id: r for r in session.exec(select(Region).where(
        Region.id.in_({place.region_id for place in locations})))}
    places = {place.id: place for place in locations}
    zones = location_zones(session, places)
    columns: list[str] = []
    rows: list[tuple[list[Any], dict[str, Any]]] = []
    questionnaires: set[int] = set()
    query = (select(Visit).where(Visit.location_id.in_(places), Visit.status == "approved",
                                 started_within(session, period.first, period.last,
                                                default_zone))
             .order_by(Visit.started_at, Visit.id))
    for visit in session.exec(query):
        if visit.questionnaire_id not in questionnaires:
            questionnaires.add(visit.questionnaire_id)
            _row, parsed = questionnaire_of(session=session,
                                            questionnaire_id=visit.questionnaire_id)
            columns += [q.id for q in parsed.questions if q.id not in columns]
        place = places[visit.location_id]
        row: list[Any] = [str(visit.uuid), place.id, text_cell(place.name),
                          text_cell(regions[place.region_id].name),
                          visit.started_at.astimezone(zones[place.id]).isoformat(),
                          visit.channel]
        if with_shopper:
            row.append(visit.shopper_id)
        row += [number_cell(visit.cx), number_cell(visit.service),
                number_cell(visit.experience),
                text_cell(" ".join((visit.scores or {}).get("critical_failures", [])))]
        rows.append((row, visit.answers))
    out_rows = []
    for row, answers in rows:
        for question_id in columns:
            value = answers.get(question_id)
            if isinstance(value, bool):
                value = "yes" if value else "no"
            if isinstance(value, int | float):
                row.append(value)
            elif isinstance(value, list):
                row.append(text_cell(" ".join(str(v) for v in value)))
            else:
                row.append(text_cell(value))
        out_rows.append(row)
    return _write(header + columns, out_rows)
