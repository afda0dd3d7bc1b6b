#!/usr/bin/env python3
"""The forensics benchmark's analysis in Python/NumPy, for the ratio in BENCHMARKS.md.

Reads the CSV that `forensicsbench` writes (station,state,registered,voters,valid,A,B), then computes
what `testigo forensics` computes on it, overall (not per group, and without bootstrap intervals, which
makes this side's work smaller): second-digit and last-digit counts of ballots cast (counts >= 10), the
share ending in 0 or 5, turnout skewness and kurtosis, the 100x100 fingerprint and its 95/95 corner, and
the integer-percentage test against a binomial null with R replicates (units with registered >= 100 and
0 < voters <= registered; a percentage is integer when 100*ratio is within 0.05 of an integer).

    python3 benches/forensics_numpy.py /tmp/forensicsbench.csv [replicates]
"""
import sys
import time

import numpy as np

path = sys.argv[1]
replicates = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
t0 = time.perf_counter()
data = np.loadtxt(path, delimiter=",", skiprows=1, usecols=(2, 3, 4, 5, 6), dtype=np.int64)
registered, voters, _valid, a, b = data.T
leader = a if a.sum() >= b.sum() else b
t_read = time.perf_counter() - t0

t1 = time.perf_counter()
big = voters[voters >= 10]
second = (big // 10 ** (np.floor(np.log10(big)).astype(np.int64) - 1)) % 10
second_counts = np.bincount(second, minlength=10)
last_counts = np.bincount(big % 10, minlength=10)
c05 = np.mean((voters % 5) == 0)
ok = registered > 0
turnout = voters[ok] / registered[ok]
m = turnout.mean()
skew = np.mean((turnout - m) ** 3) / turnout.std() ** 3
kurt = np.mean((turnout - m) ** 4) / turnout.var() ** 2
plotted = ok & (voters > 0)
t_share = voters[plotted] / registered[plotted]
l_share = leader[plotted] / voters[plotted]
hist, _, _ = np.histogram2d(np.minimum(t_share, 1.0), l_share, bins=100, range=[[0, 1], [0, 1]])
corner = np.mean((t_share >= 0.95) & (l_share >= 0.95))


def integer(x):
    p = 100.0 * x
    return np.abs(p - np.round(p)) <= 0.05


inc = (registered >= 100) & (voters > 0) & (voters <= registered)
reg_i, vot_i, lead_i = registered[inc], voters[inc], leader[inc]
observed = np.sum(integer(vot_i / reg_i) | integer(lead_i / vot_i))
rate_t, rate_l = vot_i / reg_i, lead_i / vot_i
rng = np.random.default_rng(1)
null = np.empty(replicates)
for r in range(replicates):
    v = rng.binomial(reg_i, rate_t)
    l = rng.binomial(v, rate_l)
    with np.errstate(divide="ignore", invalid="ignore"):
        null[r] = np.sum(integer(v / reg_i) | ((v > 0) & integer(l / np.maximum(v, 1))))
t_analysis = time.perf_counter() - t1
print(f"units {len(voters)}; read {t_read:.2f} s; analysis {t_analysis:.2f} s ({replicates} replicates); "
      f"2BL counts {second_counts.tolist()}; C05s {c05:.4f}; skew {skew:.3f}; kurtosis {kurt:.3f}; corner {corner:.4f}; "
      f"integer excess {observed - null.mean():.1f} (sd {null.std():.1f})")
