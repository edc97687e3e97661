#!/usr/bin/python3
"""Unit test of scripts/lib/bench_stats.py: the median's confidence interval against the
published order-statistic table for the median at 95% (k = 1 for n = 6, 2 for 8, 3 for 12, 6 for
20, 31 for 80, 40 for 100), its refusal below 6 values, and the pooled ratio of totals.

Run: /usr/bin/python3 scripts/bench_stats_test.py
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
import bench_stats  # noqa: E402

# (n, k): the interval is the k-th smallest and the k-th largest of n values.
TABLE = [(6, 1), (7, 1), (8, 1), (9, 2), (12, 3), (20, 6), (30, 10), (50, 18), (80, 31),
         (100, 40)]


def main():
    failures = []
    for n, k in TABLE:
        values = [float(v) for v in range(n, 0, -1)]  # unsorted on purpose
        median, low, high = bench_stats.median_interval(values)
        want = ((n + 1) / 2, float(k), float(n + 1 - k))
        if (median, low, high) != want:
            failures.append(f"median_interval(n={n}) = {(median, low, high)}, want {want}")
    for n in range(1, 6):
        got = bench_stats.median_interval([1.0] * n)
        if got != (1.0, None, None):
            failures.append(f"median_interval(n={n}) = {got}, want no interval")
    windows = [{"logins": 100, "cpu": 0.02}, {"logins": 300, "cpu": 0.03}]
    got = bench_stats.pooled(windows, "cpu")
    if abs(got - 0.05 / 400) > 1e-15:
        failures.append(f"pooled = {got}, want {0.05 / 400}")
    for bad, call in (([], bench_stats.median_interval),
                      ([{"logins": 0, "cpu": 1.0}], lambda m: bench_stats.pooled(m, "cpu"))):
        try:
            call(bad)
            failures.append(f"{bad!r}: no ValueError")
        except ValueError:
            pass
    for f in failures:
        print("FAIL " + f)
    checks = len(TABLE) + 5 + 1 + 2
    print(f"{checks - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
