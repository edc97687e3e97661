"""Statistics of scripts/bench-proxy's paired login windows.

A window's CPU per login moves by 5-10% with the machine (kernel time under virtualization, other
tenants), more than the difference between two proxies that make the same system calls. Pairs of
short windows, one per proxy, meet nearly the same machine; the median of the per-pair ratios
with a distribution-free confidence interval says how far apart the two are and how sure that is,
without assuming the ratios are normally distributed.
"""

import math
import statistics


def median_interval(values, level=0.95):
    """(median, low, high): the median of VALUES and the distribution-free confidence interval
    for it, the order statistics k and n+1-k with k the largest such that
    P(Binomial(n, 1/2) < k) <= (1 - level) / 2; low and high are None when n is too small for
    LEVEL (fewer than 6 values at 95%)."""
    values = sorted(values)
    n = len(values)
    if n == 0:
        raise ValueError("no values")
    k, below = 0, 0.0
    while k < n:
        at_most_k = below + math.comb(n, k) / 2**n  # P(Binomial(n, 1/2) <= k)
        if at_most_k > (1 - level) / 2:
            break
        below, k = at_most_k, k + 1
    if k == 0:
        return statistics.median(values), None, None
    return statistics.median(values), values[k - 1], values[n - k]


def pooled(measured, key, logins="logins"):
    """KEY summed over the windows, per login summed over them: the ratio of totals, which weights
    each window by its logins (a median of per-window values would not)."""
    total = sum(m[logins] for m in measured)
    if total == 0:
        raise ValueError("no logins")
    return sum(m[key] for m in measured) / total
