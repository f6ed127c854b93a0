"""Erlang C: the M/M/c queue's waits in closed form, for the staffing planner and the
simulator's validation.

A. K. Erlang, "Solution of some problems in the theory of probabilities of significance
in automatic telephone exchanges" (1917); in the form used by N. Gans, G. Koole and
A. Mandelbaum, "Telephone call centers: tutorial, review, and research prospects",
M&SOM 5(2), 2003, §4.1. No well-kept Python package for Erlang C was found among the
available ones (the candidates were unmaintained single-author projects), so the formula
is implemented here with the numerically stable Erlang B recursion. It lives in the
server (not in `admin`) so that the simulator, which may not import `admin`, checks
itself against the very formula the planner uses; `tests/admin/test_planner.py` checks
it against published values.
"""

from __future__ import annotations

import math


def erlang_c(windows: int, traffic: float) -> float:
    """Probability that an arrival has to wait, C(N, A), for N windows and A erlangs.

        C(N, A) = N·B(N, A) / (N − A·(1 − B(N, A))),   B(0, A) = 1,
        B(k, A) = A·B(k−1, A) / (k + A·B(k−1, A))      (Erlang B recursion)

    which equals (A^N/N!)(N/(N−A)) / (Σ_{k<N} A^k/k! + (A^N/N!)(N/(N−A))) without the
    overflow of the factorials. With A ≥ N the queue grows without bound: C = 1.
    """
    if windows <= 0 or traffic >= windows:
        return 1.0
    if traffic <= 0:
        return 0.0
    blocking = 1.0
    for k in range(1, windows + 1):
        blocking = traffic * blocking / (k + traffic * blocking)
    return windows * blocking / (windows - traffic * (1 - blocking))


def share_within(windows: int, traffic: float, mean_service_s: float, limit_s: float) -> float:
    """P(wait ≤ limit) = 1 − C(N, A)·exp(−(N − A)·limit / mean service time)."""
    if windows <= traffic:
        return 0.0
    return 1.0 - erlang_c(windows, traffic) * math.exp(
        -(windows - traffic) * limit_s / mean_service_s
    )


def mean_wait_s(windows: int, traffic: float, mean_service_s: float) -> float:
    """E[wait] = C(N, A)·mean service time / (N − A); infinite when A ≥ N."""
    if windows <= traffic:
        return math.inf
    return erlang_c(windows, traffic) * mean_service_s / (windows - traffic)
