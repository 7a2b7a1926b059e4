"""The quality-flag rules: pure functions of plain values, a table of cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shopper.field.quality import FlagInputs, distance_m, quality_flags

START = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
LEEDS = (53.7960, -1.5440)


def facts(**changes) -> FlagInputs:
    values = dict(channel="in_store", started_at=START, ended_at=START + timedelta(minutes=20),
                  window_start=START - timedelta(days=1), window_end=START + timedelta(days=6),
                  location_position=LEEDS, visit_position=LEEDS, photo_seen_elsewhere=False)
    return FlagInputs(**(values | changes))


@pytest.mark.parametrize(("changes", "expected"), [
    ({}, []),
    ({"ended_at": START + timedelta(minutes=4, seconds=59)}, ["too_short"]),
    ({"ended_at": START + timedelta(minutes=5)}, []),
    ({"visit_position": (53.7990, -1.5440)}, ["far_from_location"]),  # about 330 m north
    ({"visit_position": (53.7980, -1.5440)}, []),  # about 220 m
    ({"visit_position": (None, None)}, []),  # refused: nothing to measure
    ({"location_position": (None, None), "visit_position": (0.0, 0.0)}, []),
    ({"channel": "online", "visit_position": (0.0, 0.0)}, []),  # no place to be far from
    ({"started_at": START - timedelta(days=2),
      "ended_at": START - timedelta(days=2) + timedelta(minutes=30)}, ["outside_window"]),
    ({"started_at": START + timedelta(days=6)}, []),  # the window's last moment counts
    ({"photo_seen_elsewhere": True}, ["photo_reused"]),
    ({"ended_at": START + timedelta(minutes=1), "visit_position": (54.0, -1.5),
      "photo_seen_elsewhere": True}, ["too_short", "far_from_location", "photo_reused"]),
])
def test_flags(changes, expected):
    if "started_at" in changes and "ended_at" not in changes:
        changes["ended_at"] = changes["started_at"] + timedelta(minutes=20)
    assert quality_flags(facts(**changes), min_minutes=5, max_distance_m=300) == expected


def test_distance_is_great_circle_metres():
    assert distance_m(*LEEDS, *LEEDS) == 0
    # Leeds to York, about 35 km as the crow flies
    assert 34_000 < distance_m(*LEEDS, 53.9590, -1.0815) < 36_000
