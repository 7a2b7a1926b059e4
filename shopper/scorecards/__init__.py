"""Scorecards: locations, regions and clients over a period (the engine aggregates)."""
