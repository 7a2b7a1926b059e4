"""Student's t for real degrees of freedom (Welch's test, spec/scoring.md section 7)."""

from __future__ import annotations

import math

import pytest

from shopper.scoring import t_cdf, t_quantile, t_quantile_975
from shopper.scoring.stats import _T975

PS = (0.975, 0.5, 0.9, 0.995, 0.025)

# Reference quantiles: scipy 1.17.1 (numpy 2.4.6), `scipy.stats.t.ppf(p, df)` for p in PS,
# computed once in a throwaway virtualenv and pasted here; scipy is no dependency of
# Shopper. (mpmath at 40 digits agrees with these to 1e-12 or better.)
QUANTILES = [
    (0.5, (164.55767348048818, 0.0, 10.27032441023451, 4113.964588804174, -164.55767348048846)),
    (1, (12.706204736174694, 0.0, 3.0776835371752544, 63.656741162871526, -12.706204736174705)),
    (1.5, (6.016663104427929, 0.0, 2.1963984175655376, 17.820310514462804, -6.016663104427933)),
    (2.3, (3.807163208232131, 0.0, 1.7819239901184767, 8.003745266871091, -3.8071632082321325)),
    (3.7, (2.8675207071911895, 0.0, 1.5575658388615072, 4.8692522532278275, -2.8675207071911903)),
    (7.25, (2.348194849105371, 0.0, 1.409884895325902, 3.4587559624438082, -2.3481948491053717)),
    (12.5, (2.1691859427125406, 0.0, 1.3530668727547326, 3.0324366528705617, -2.1691859427125406)),
    (29.9, (2.0425589158185566, 0.0, 1.3105137523618793, 2.750614269193996, -2.042558915818558)),
    (30.5, (2.04086944518632, 0.0, 1.309931316030375, 2.746967063704737, -2.0408694451863205)),
    (47.123, (2.01160191014701, 0.0, 1.2997765644562636, 2.6842607815606727, -2.0116019101470104)),
    (100.5, (1.9838506553357993, 0.0, 1.29003207221386, 2.625636965379534, -1.9838506553357997)),
    (1000.5, (1.962337892459348, 0.0, 1.282398297809231, 2.5807522321743113, -1.962337892459348)),
    (1e6, (1.959966356814107, 0.0, 1.281552412129939, 2.5758342201053344, -1.9599663568141072)),
]

# Reference CDF values, the same way: `scipy.stats.t.cdf(t, df)` for t in TS. At a
# million degrees of freedom P(T <= -40) is about 1e-348, below the smallest float.
TS = (-40.0, -2.5, -0.01, 1.5)
CDFS = [
    (0.5, (0.050704899964747176, 0.2004852645266466, 0.49730337181805234, 0.7460491046759459)),
    (1, (0.007956089912025812, 0.12111894159084341, 0.496817007235093, 0.8128329581890011)),
    (2.3, (0.00012728986482730338, 0.05666644468959923, 0.4964112026133143, 0.8717223760535685)),
    (7.25, (4.5004284104708716e-10, 0.019932760379457286, 0.4961454594795463, 0.9120786419378002)),
    (47.123, (2.517793184995463e-38, 0.00797859566436839, 0.4960317520590264, 0.9298574666715068)),
    (1000.5, (4.811699031778353e-210, 0.006289244014724101, 0.49601164046776486,
              0.933035059442881)),
    (1e6, (0.0, 0.006209744751081627, 0.4960106446827738, 0.9331926408816036)),
]


@pytest.mark.parametrize(
    ("df", "p", "expected"),
    [(df, p, q) for df, row in QUANTILES for p, q in zip(PS, row, strict=True)],
)
def test_quantile_matches_scipy(df, p, expected):
    assert t_quantile(p, df) == pytest.approx(expected, rel=1e-9, abs=0.0)


@pytest.mark.parametrize(("df", "t", "expected"),
                         [(df, t, c) for df, row in CDFS for t, c in zip(TS, row, strict=True)])
def test_cdf_matches_scipy(df, t, expected):
    assert t_cdf(t, df) == pytest.approx(expected, rel=1e-9, abs=1e-300)


@pytest.mark.parametrize("p", [1e-12, 0.01, 0.3, 0.4999, 0.7, 0.999, 1 - 1e-9])
def test_closed_forms_for_one_and_two_degrees_of_freedom(p):
    # df = 1 is the Cauchy distribution, t = -cot(pi p), here written with the smaller
    # tail q (1 - p is exact for p >= 1/2) so that the reference keeps its precision;
    # df = 2 has t = (2p - 1) / sqrt(2p(1 - p))
    q, sign = (p, -1) if p < 0.5 else (1 - p, 1)
    assert t_quantile(p, 1) == pytest.approx(sign / math.tan(math.pi * q), rel=1e-9)
    assert t_quantile(p, 2) == pytest.approx((2 * p - 1) / math.sqrt(2 * p * (1 - p)), rel=1e-9)


@pytest.mark.parametrize("df", [0.05, 0.5, 1, 2.3, 9.99, 60.5, 1e4 + 0.5, 3e7, 1e12])
@pytest.mark.parametrize("p", [1e-200, 1e-9, 0.02, 0.3, 0.5 + 1e-12, 0.8, 1 - 1e-13])
def test_cdf_inverts_quantile(df, p):
    t = t_quantile(p, df)
    if math.isinf(t):  # a heavy tail can put a tiny p's quantile beyond the largest float
        assert df < 1 and p < 1e-100
        return
    if p < 0.5:  # relative to the smaller of the two tails, where precision matters
        assert t_cdf(t, df) == pytest.approx(p, rel=1e-9)
    else:
        assert 1 - t_cdf(t, df) == pytest.approx(1 - p, rel=1e-6)


@pytest.mark.parametrize("df", [0.5, 2.3, 47.123, 1e6])
def test_quantile_is_symmetric_and_zero_at_the_median(df):
    assert t_quantile(0.5, df) == 0.0
    assert t_cdf(0.0, df) == 0.5
    for p in (0.25, 0.125, 2.0**-40):  # 1 - p is exact for these
        assert t_quantile(p, df) == -t_quantile(1 - p, df)
        assert t_cdf(-t_quantile(1 - p, df), df) == pytest.approx(p, rel=1e-12)


def test_quantile_grows_as_df_shrinks():
    dfs = [0.3, 0.7, 1.0, 1.01, 1.5, 2.0, 2.5, 4.9, 5.1, 30.0, 30.5, 1e3, 1e4, 1e5, 1e9]
    quantiles = [t_quantile(0.975, df) for df in dfs]
    assert quantiles == sorted(quantiles, reverse=True)
    z = 1.959963984540054  # the normal quantile, plus the first Cornish-Fisher term
    assert quantiles[-1] == pytest.approx(z + (z**3 + z) / 4e9, rel=1e-12)


def test_infinite_degrees_of_freedom_is_the_normal():
    assert t_quantile(0.975, math.inf) == pytest.approx(1.959963984540054, rel=1e-12)
    assert t_cdf(-1.959963984540054, math.inf) == pytest.approx(0.025, rel=1e-12)


def test_a_quantile_beyond_the_largest_float_is_infinite():
    # with one degree of freedom P(T < t) ~ 1 / (pi |t|): 1e-320 needs |t| ~ 3e319
    assert t_quantile(1e-320, 1) == -math.inf
    assert t_quantile(1e-40, 0.1) == -math.inf  # P(T < t) ~ 0.3 |t|^-0.1
    assert t_quantile(1e-300, 1) == pytest.approx(-1 / (math.pi * 1e-300), rel=1e-9)


@pytest.mark.parametrize("df", [0, -1, -0.5, math.nan])
def test_degrees_of_freedom_must_be_positive(df):
    with pytest.raises(ValueError, match="degrees of freedom"):
        t_quantile(0.975, df)
    with pytest.raises(ValueError, match="degrees of freedom"):
        t_cdf(1.0, df)


@pytest.mark.parametrize("p", [0, 1, -0.1, 1.5, math.nan])
def test_p_must_be_strictly_between_0_and_1(p):
    with pytest.raises(ValueError, match="p must be"):
        t_quantile(p, 3)


def test_t_must_be_a_number():
    with pytest.raises(ValueError, match="t must be"):
        t_cdf(math.nan, 3)
    assert (t_cdf(-math.inf, 3), t_cdf(math.inf, 3)) == (0.0, 1.0)


def test_whole_degrees_of_freedom_keep_the_table():
    # the intervals of section 5 use whole df: those values must not move
    for df, value in enumerate(_T975, start=1):
        assert t_quantile_975(df) == value
        assert t_quantile_975(float(df)) == value
        assert t_quantile(0.975, df) == pytest.approx(value, abs=5e-10)  # 9 decimals
    assert t_quantile_975(45.0) == t_quantile_975(45)


@pytest.mark.parametrize("df", [0.5, 1.5, 2.3, 29.9, 30.5, 47.123, 1000.5])
def test_fractional_degrees_of_freedom_are_computed(df):
    assert t_quantile_975(df) == t_quantile(0.975, df)
    assert t_quantile_975(df) == pytest.approx(dict(QUANTILES)[df][0], rel=1e-9)


def test_table_needs_a_degree_of_freedom():
    with pytest.raises(ValueError, match="degrees of freedom"):
        t_quantile_975(0.0)
    with pytest.raises(ValueError, match="degrees of freedom"):
        t_quantile_975(-0.5)
