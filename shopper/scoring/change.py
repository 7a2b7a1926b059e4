"""Change of a location's scores between two periods (spec/scoring.md section 7)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .aggregate import HEADLINES, LocationScorecard, Summary
from .stats import t_cdf


@dataclass(frozen=True, slots=True)
class Change:
    """One headline score of this period against the previous one."""

    #: The previous period's mean (B.mean).
    previous: float | None
    #: This period's mean less the previous one's; None when either mean is None.
    change: float | None
    #: Welch's t-test, two-sided at 5%; None when either period has fewer than 2 scores.
    significant: bool | None


def compare_summaries(current: Summary, previous: Summary) -> Change:
    """How `current` (A) differs from `previous` (B), and whether that is more than
    chance: a manager should not be told a location got worse because of noise.

    Welch's test, not Student's: the two periods rarely have the same number of visits
    or the same spread, and Welch's does not assume equal variances.
    """
    change = None
    if current.mean is not None and previous.mean is not None:
        change = current.mean - previous.mean
    significant = None
    if current.n >= 2 and previous.n >= 2:
        # n >= 2 means a mean and an sd on both sides, so change is not None here
        significant = _welch_significant(change,
                                         current.sd**2 / current.n, current.n,
                                         previous.sd**2 / previous.n, previous.n)
    return Change(previous=previous.mean, change=change, significant=significant)


def _welch_significant(change: float, va: float, na: int, vb: float, nb: int) -> bool:
    """|t| > q(0.975, df) with t = change / se, se^2 = va + vb (each sd^2 / n)."""
    variance = va + vb
    if variance == 0.0:  # no spread on either side: any difference is real
        return change != 0.0
    se = math.sqrt(variance)
    # Welch-Satterthwaite: df = se^4 / (va^2 / (na - 1) + vb^2 / (nb - 1)), written with
    # the shares va / se^2 and vb / se^2 so that neither se^4 nor va^2 can underflow or
    # overflow; df lies between min(na, nb) - 1 and na + nb - 2 and is fractional in
    # general, so the t quantile is the one for real degrees of freedom.
    share_a, share_b = va / variance, vb / variance
    df = 1.0 / (share_a * share_a / (na - 1) + share_b * share_b / (nb - 1))
    # |t| > q(0.975, df) is P(T <= |t|) > 0.975: one CDF instead of inverting it (a
    # scorecard page decides a dozen changes; the quantile's Newton steps cost 4x more).
    return t_cdf(abs(change / se), df) > 0.975


def compare_locations(
    current: LocationScorecard, previous: LocationScorecard
) -> dict[str, Change]:
    """The change of `cx`, `service` and `experience`, in that order."""
    return {name: compare_summaries(getattr(current, name), getattr(previous, name))
            for name in HEADLINES}
