"""Quality flags: what a reviewer should look at before approving a visit.

The rules are pure functions of plain values (a table of cases tests them); the
service that stores a visit fetches what they need first, then calls `quality_flags`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

#: Every flag, in the order a reviewer reads them.
FLAGS = ("too_short", "far_from_location", "outside_window", "photo_reused")


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    radius = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))


def too_short(started_at: datetime, ended_at: datetime, min_minutes: float) -> bool:
    return (ended_at - started_at).total_seconds() / 60 < min_minutes


def far_from_location(*, channel: str, location: tuple[float | None, float | None],
                      position: tuple[float | None, float | None], max_distance_m: float
                      ) -> bool:
    """Only a visit in a store has a place to be far from; no position, no flag."""
    if channel != "in_store" or None in location or None in position:
        return False
    return distance_m(*position, *location) > max_distance_m


def outside_window(started_at: datetime, window_start: datetime, window_end: datetime
                   ) -> bool:
    return not window_start <= started_at <= window_end


@dataclass(frozen=True)
class FlagInputs:
    """Everything the rules look at, fetched before they run."""

    channel: str
    started_at: datetime
    ended_at: datetime
    window_start: datetime
    window_end: datetime
    location_position: tuple[float | None, float | None]
    visit_position: tuple[float | None, float | None]
    #: One of the visit's photos was sent before for another visit.
    photo_seen_elsewhere: bool


def quality_flags(inputs: FlagInputs, *, min_minutes: float, max_distance_m: float
                  ) -> list[str]:
    """The flags these facts raise, in FLAGS order."""
    raised = {
        "too_short": too_short(inputs.started_at, inputs.ended_at, min_minutes),
        "far_from_location": far_from_location(
            channel=inputs.channel, location=inputs.location_position,
            position=inputs.visit_position, max_distance_m=max_distance_m),
        "outside_window": outside_window(inputs.started_at, inputs.window_start,
                                         inputs.window_end),
        "photo_reused": inputs.photo_seen_elsewhere,
    }
    return [flag for flag in FLAGS if raised[flag]]
