"""Small statistics for scorecards, standard library only."""

from __future__ import annotations

import math
import sys
from statistics import NormalDist

#: The 0.975 quantile of Student's t for 1 to 30 degrees of freedom, to 9 decimals.
_T975 = (
    12.706204736,
    4.302652730,
    3.182446305,
    2.776445105,
    2.570581836,
    2.446911851,
    2.364624252,
    2.306004135,
    2.262157163,
    2.228138852,
    2.200985160,
    2.178812830,
    2.160368656,
    2.144786688,
    2.131449546,
    2.119905299,
    2.109815578,
    2.100922040,
    2.093024054,
    2.085963447,
    2.079613845,
    2.073873068,
    2.068657610,
    2.063898562,
    2.059538553,
    2.055529439,
    2.051830516,
    2.048407142,
    2.045229642,
    2.042272456,
)

#: The 0.975 quantile of the standard normal distribution.
_Z975 = 1.959963984540054

_NORMAL = NormalDist()


def t_quantile_975(degrees_of_freedom: float) -> float:
    """The 0.975 quantile of Student's t distribution (two-sided 95% intervals).

    Whole degrees of freedom (the confidence intervals of section 5): exact table
    values up to 30, beyond that the Cornish-Fisher expansion around the normal
    quantile, whose error there is below 1e-7; kept as they are so that stored and
    printed intervals do not move. Any other df (Welch's test) goes to `t_quantile`.
    """
    if isinstance(degrees_of_freedom, float) and not degrees_of_freedom.is_integer():
        return t_quantile(0.975, degrees_of_freedom)
    if degrees_of_freedom < 1:
        raise ValueError("degrees of freedom must be >= 1")
    if degrees_of_freedom <= len(_T975):
        return _T975[int(degrees_of_freedom) - 1]
    z, v = _Z975, float(degrees_of_freedom)
    z3, z5, z7, z9 = z**3, z**5, z**7, z**9
    return (
        z
        + (z3 + z) / (4 * v)
        + (5 * z5 + 16 * z3 + 3 * z) / (96 * v**2)
        + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * v**3)
        + (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / (92160 * v**4)
    )


# --- Student's t for any real degrees of freedom --------------------------------------
#
# With v degrees of freedom and t > 0, x = v / (v + t^2) and y = 1 - x = t^2 / (v + t^2):
#
#     P(T > t)     = I_x(v/2, 1/2) / 2        (the upper tail)
#     P(0 < T < t) = I_y(1/2, v/2) / 2        (the "central" part, 1/2 - the tail)
#
# where I is the regularized incomplete beta function. x and y are both computed
# directly (never one as 1 - the other), and the incomplete beta returns both I_x(a, b)
# and its complement I_y(b, a) with the one its continued fraction converges on computed
# directly, so that whichever of the tail and the central part is small keeps its
# relative precision: far tails (p near 0 or 1) and quantiles near 0 (p near 1/2) stay
# accurate to a few units in the last place.

#: The continued fraction stops when a step changes it by less than this (two units in
#: the last place: a stricter test may never pass, the factors alternating around 1).
_CF_EPSILON = 4e-16
#: Lentz's guard against dividing by zero.
_TINY = 1e-300
#: Below this argument the Stirling series of log-gamma is not used.
_STIRLING_FROM = 10.0
#: log of the largest float: no quantile is sought beyond.
_LOG_MAX = math.log(sys.float_info.max)


def _stirling_correction(x: float) -> float:
    """log Γ(x) - ((x - 1/2) log x - x + log(2π) / 2), the Stirling series, for x >= 10
    (the first omitted term is below 1e-16 there)."""
    r = 1.0 / x
    r2 = r * r
    return r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 * (1 / 1680 - r2 * (
        1 / 1188 - r2 * 691 / 360360)))))


def _log_beta(a: float, b: float) -> float:
    """log B(a, b) = log Γ(a) + log Γ(b) - log Γ(a + b).

    With a large argument (v/2 for a t with a million degrees of freedom) the three
    log-gammas are millions each and their difference would lose 1e-9 of its
    precision; there the difference log Γ(a) - log Γ(a + b) comes from the Stirling
    series instead, where the large parts cancel in closed form.
    """
    if a < b:
        a, b = b, a
    if a < _STIRLING_FROM:
        return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    # log Γ(a) - log Γ(a + b)
    #   = (a - 1/2) log a - (a + b - 1/2) log(a + b) + b + ω(a) - ω(a + b)
    #   = -(a - 1/2) log1p(b / a) - b log(a + b) + b + ω(a) - ω(a + b)
    difference = (-(a - 0.5) * math.log1p(b / a) - b * math.log(a + b) + b
                  + _stirling_correction(a) - _stirling_correction(a + b))
    return math.lgamma(b) + difference


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of I_x(a, b) (Numerical Recipes' betacf), by the modified
    Lentz method; it converges quickly for x < (a + 1) / (a + b + 2)."""
    c = 1.0
    d = 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    # for the t distribution it takes at most a few hundred iterations (a = v/2 up to
    # 1e11 and t beyond the asymptotic range); the bound is only a safety net
    for m in range(1, 100_000):
        m2 = 2 * m
        for numerator in (m * (b - m) * x / ((a + m2 - 1.0) * (a + m2)),
                          -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0))):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + numerator / c
            if abs(c) < _TINY:
                c = _TINY
            h *= d * c
        if abs(d * c - 1.0) < _CF_EPSILON:
            return h
    raise ArithmeticError("incomplete beta: the continued fraction did not converge")


def _incomplete_beta_pair(
    a: float, b: float, x: float, y: float, log_x: float, log_y: float
) -> tuple[float, float]:
    """(I_x(a, b), I_y(b, a)), which add up to 1, for y = 1 - x given separately, and
    with their logarithms (x underflows to 0 for a huge t, log x does not).

    The one whose continued fraction converges is computed directly, the other one as
    its complement.
    """
    if y <= 0.0:
        return 1.0, 0.0
    front = math.exp(a * log_x + b * log_y - _log_beta(a, b))
    if x < (a + 1.0) / (a + b + 2.0):
        # with front below the smallest float, the result is too (the continued
        # fraction, which can be slow to converge there, is a modest factor)
        direct = front * _beta_continued_fraction(a, b, x) / a if front else 0.0
        return direct, 1.0 - direct
    direct = front * _beta_continued_fraction(b, a, y) / b if front else 0.0
    return 1.0 - direct, direct


# With many degrees of freedom the continued fraction loses precision: for t of a few
# units x is within ~t^2/v of 1 and the recurrence subtracts nearly equal numbers, an
# error of about 1e-16 * v / t^2 (1e-12 at a million degrees of freedom, 1e-7 at ten
# billion). There t is close to normal, and the Cornish-Fisher expansion of its quantile
# (Abramowitz & Stegun 26.7.5, four terms) is exact to far beyond double precision:
# its first omitted term is about z^11 / (14000 v^5), below 1e-18 for v >= 1e4 and
# z^2 <= v / 1000, which is where it is used.
_ASYMPTOTIC_DF = 1e4
_ASYMPTOTIC_T2 = 1e-3  # largest t^2 / v


def _asymptotic(v: float, t2: float) -> bool:
    return v >= _ASYMPTOTIC_DF and t2 <= _ASYMPTOTIC_T2 * v


def _cornish_fisher(z: float, v: float) -> tuple[float, float]:
    """The t quantile at the normal quantile z with v degrees of freedom, and its
    derivative in z, from A&S 26.7.5."""
    z2 = z * z
    g1 = (z2 + 1) * z / 4
    g2 = ((5 * z2 + 16) * z2 + 3) * z / 96
    g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384
    g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160
    d1 = (3 * z2 + 1) / 4
    d2 = ((25 * z2 + 48) * z2 + 3) / 96
    d3 = (((21 * z2 + 95) * z2 + 51) * z2 - 15) / 384
    d4 = ((((711 * z2 + 5432) * z2 + 7410) * z2 - 5760) * z2 - 945) / 92160
    r = 1.0 / v
    return (z + r * (g1 + r * (g2 + r * (g3 + r * g4))),
            1.0 + r * (d1 + r * (d2 + r * (d3 + r * d4))))


def _normal_of_t(t: float, v: float) -> float:
    """The z >= 0 whose Cornish-Fisher t is t >= 0 (Newton's method, from z = t)."""
    z = t
    for _ in range(50):
        value, slope = _cornish_fisher(z, v)
        step = (value - t) / slope
        z -= step
        if abs(step) <= 1e-17 * max(z, 1e-300):
            break
    return z


def _tail_and_central(t: float, v: float) -> tuple[float, float]:
    """(P(T > t), P(0 < T < t)) for t > 0, each with its own relative precision."""
    if t < 1e150 and _asymptotic(v, t * t):
        z = _normal_of_t(t, v) / math.sqrt(2.0)
        return math.erfc(z) / 2, math.erf(z) / 2
    if t < 1e150:
        w = t * t
        x, y = v / (v + w), w / (v + w)
        # log x and log y with no cancellation for the one near 1, and from logarithms
        # for the other when it underflows (a tiny v or t)
        log_x = (math.log1p(-y) if x > 0.5 else math.log(x) if x > 1e-300
                 else math.log(v) - math.log(v + w))
        log_y = (math.log1p(-x) if y > 0.5 else math.log(y) if y > 1e-300
                 else 2 * math.log(t) - math.log(v + w))
    else:  # t^2 would overflow: work with r = v / t^2, which may underflow, and its log
        log_r = math.log(v) - 2 * math.log(t)
        r = math.exp(log_r)
        x, y = r / (1.0 + r), 1.0 / (1.0 + r)
        log_x, log_y = log_r - math.log1p(r), -math.log1p(r)
    upper, central = _incomplete_beta_pair(v / 2, 0.5, x, y, log_x, log_y)
    return upper / 2, central / 2


def _check_df(degrees_of_freedom: float) -> float:
    v = float(degrees_of_freedom)
    if not v > 0:  # also NaN
        raise ValueError("degrees of freedom must be > 0")
    return v


def t_cdf(t: float, degrees_of_freedom: float) -> float:
    """P(T <= t) for Student's t with any real degrees of freedom > 0.

    Welch's test has fractional degrees of freedom, so a table will not do. Below 0
    the result keeps its relative precision deep into the tail (it is the tail
    itself); above 0 it is 1 - the tail.
    """
    v = _check_df(degrees_of_freedom)
    t = float(t)
    if math.isnan(t):
        raise ValueError("t must be a number")
    if t == 0.0:
        return 0.5
    if math.isinf(v):  # the normal distribution; erfc keeps the lower tail's precision
        return math.erfc(-t / math.sqrt(2.0)) / 2
    if math.isinf(t):
        return 1.0 if t > 0 else 0.0
    upper, _ = _tail_and_central(abs(t), v)
    return upper if t < 0 else 1.0 - upper


def _initial_log_t(q: float, v: float, use_tail: bool, log_density_0: float) -> float:
    """log of a first guess at the t > 0 with P(T > t) = q < 1/2.

    Near the middle the density is nearly flat: t ~ (1/2 - q) / f(0). In the tails the
    Cornish-Fisher expansion around the normal quantile is good from a few degrees of
    freedom up; with fewer the density decays like a power and P(T > t) ~ k t^-v gives
    the other guess. Newton's method (in log t) only needs to start somewhere sensible.
    """
    if not use_tail:
        return math.log(0.5 - q) - log_density_0
    guess = -math.inf
    if v >= 1:
        z = -_NORMAL.inv_cdf(q)
        z3 = z**3
        guess = math.log(z + (z3 + z) / (4 * v) + (5 * z3 * z * z + 16 * z3 + 3 * z) / (96 * v * v))
    if v < 5:
        # P(T > t) ~ v^((v - 1) / 2) t^-v / (sqrt(v) B(v/2, 1/2)) for large t
        power_tail = ((v / 2 - 1) * math.log(v) - _log_beta(v / 2, 0.5) - math.log(q)) / v
        guess = max(guess, power_tail)
    return min(guess, _LOG_MAX)


def t_quantile(p: float, degrees_of_freedom: float) -> float:
    """The p quantile of Student's t with any real degrees of freedom > 0.

    Welch's test (spec section 7) needs q(0.975, df) for a df that is not a whole
    number. Newton's method on log t, safeguarded by bisection, solves
    P(T > t) = min(p, 1 - p) for the tails or P(0 < T < t) = |p - 1/2| near the
    middle, so that neither loses precision: about 1e-13 relative or better for
    df >= 1e-4 (checked against mpmath at 50 digits; with fewer degrees of freedom,
    nearly all the mass far out in the tails, quantiles near the median lose digits).
    A quantile beyond the largest float (df < 2 and a tiny p) is +-inf.
    """
    v = _check_df(degrees_of_freedom)
    p = float(p)
    if not 0.0 < p < 1.0:
        raise ValueError("p must be strictly between 0 and 1")
    if p == 0.5:
        return 0.0
    if math.isinf(v):
        return _NORMAL.inv_cdf(p)
    q = min(p, 1.0 - p)  # exact: 1 - p has no rounding error for p >= 1/2
    sign = 1.0 if p > 0.5 else -1.0
    if v >= _ASYMPTOTIC_DF:
        t, _ = _cornish_fisher(-_NORMAL.inv_cdf(q), v)
        if _asymptotic(v, t * t):
            return sign * t
    if v < 2 and _tail_and_central(sys.float_info.max, v)[0] >= q:
        # with fewer than 2 degrees of freedom the tails can be so heavy that the
        # quantile lies beyond the largest float (below 1e-5 or so, even for p = 0.3)
        return sign * math.inf
    use_tail = q < 0.25
    # Solve g(u) = 0 for u = log t, g increasing in u:
    #   tails:  g(u) = log q - log P(T > e^u)
    #   middle: g(u) = log P(0 < T < e^u) - log(1/2 - q)
    # Both are nearly linear in u (a power law in t is a line in log t), so Newton
    # converges in a handful of steps; g'(u) = t * density(t) / P. Bisection takes
    # over whenever Newton would leave the bracket known to hold the root.
    log_target = math.log(q) if use_tail else math.log(0.5 - q)  # 0.5 - q exact here
    log_density_0 = -0.5 * math.log(v) - _log_beta(v / 2, 0.5)

    def g_and_slope(u: float) -> tuple[float, float]:
        t = math.exp(u)
        upper, central = _tail_and_central(t, v)
        probability = upper if use_tail else central
        if probability <= 0.0:  # underflow: far above the root (tails) or below (middle)
            return (1.0 if use_tail else -1.0), math.nan
        log_p = math.log(probability)
        g = log_target - log_p if use_tail else log_p - log_target
        # log of the density: log f(0) - (v + 1) / 2 * log(1 + t^2 / v)
        if t < 1e150:
            log_density = log_density_0 - (v + 1) / 2 * math.log1p(t * t / v)
        else:
            log_density = log_density_0 - (v + 1) / 2 * (2 * u - math.log(v))
        return g, math.exp(u + log_density - log_p)

    low, high = -math.inf, _LOG_MAX  # the root lies in (low, high)
    u = _initial_log_t(q, v, use_tail, log_density_0)
    for _ in range(200):
        g, slope = g_and_slope(u)
        if g == 0.0:
            break
        if g > 0:
            high = u
        else:
            low = u
        step = -g / slope if slope > 0 else math.nan
        following = u + (max(-8.0, min(8.0, step)) if math.isfinite(step)
                         else (-8.0 if g > 0 else 8.0))
        if not low < following < high:
            following = u - 8.0 if math.isinf(low) else (low + high) / 2
        tolerance = 1e-15 * max(1.0, abs(u))
        u, previous = following, u
        if abs(u - previous) <= tolerance or high - low <= tolerance:
            break
    return sign * math.exp(u)


def mean_sd(values: list[float]) -> tuple[float, float | None]:
    """Mean and sample standard deviation (None for fewer than two values)."""
    n = len(values)
    mean = math.fsum(values) / n
    if n < 2:
        return mean, None
    return mean, math.sqrt(math.fsum((x - mean) ** 2 for x in values) / (n - 1))
