"""Wait histograms at one-second resolution, kept as minute buckets with their seconds.

A roll-up row holds one minute of one key (n, sum, max, waits within the limit, the
largest limit) and, packed in `fine`, how many waits fell on each second of that minute.
A report adds the minute rows of its days up in SQL (small: a key has a few dozen
minutes a day), finds the minute that holds the median's rank and the p90's, and reads
the seconds of those two minutes only. Nearest rank, as in `waits`: the median is the
value at rank ⌈n/2⌉ of the sorted waits, p90 at ⌈0.9·n⌉ — the same figures as over the
raw waits, to the second.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

BUCKET_S = 60
# Keys are never NULL in a primary key: a wait without a window or clerk keeps this.
NULL_KEY = -(2**31)
_COUNT_BITS = 24


def pack(seconds: Mapping[int, int]) -> bytes:
    """Counts per second of a minute (offset 0–59 → count) as little-endian words."""
    words = array("I", ((off << _COUNT_BITS) | count for off, count in sorted(seconds.items())))
    if any(count >= 1 << _COUNT_BITS for count in seconds.values()):
        raise ValueError("more than 16 million waits on one second of one key")
    if sys.byteorder == "big":
        words.byteswap()
    return words.tobytes()


def unpack(blob: bytes) -> dict[int, int]:
    """The counts per second of a packed minute."""
    words = array("I")
    words.frombytes(blob)
    if sys.byteorder == "big":
        words.byteswap()
    mask = (1 << _COUNT_BITS) - 1
    return {w >> _COUNT_BITS: w & mask for w in words}


@dataclass
class Minute:
    """One minute of one key: its totals and, once read, its seconds."""

    n: int = 0
    total: int = 0
    max_v: int | None = None
    within: int = 0
    lim: int | None = None
    seconds: dict[int, int] | None = None

    def add_totals(self, n: int, total: int, max_v: int, within: int, lim: int | None) -> None:
        """Add another day's (or source's) totals of the same minute."""
        self.n += n
        self.total += total
        self.max_v = max_v if self.max_v is None else max(self.max_v, max_v)
        self.within += within
        if lim is not None:
            self.lim = lim if self.lim is None else max(self.lim, lim)

    def add_seconds(self, seconds: Mapping[int, int]) -> None:
        """Add counts per second (offsets in the minute)."""
        if self.seconds is None:
            self.seconds = {}
        for off, count in seconds.items():
            self.seconds[off] = self.seconds.get(off, 0) + count


@dataclass
class KeyHistogram:
    """The minutes of one key; the statistics of `waits` come out of it."""

    minutes: dict[int, Minute] = field(default_factory=dict)

    def minute(self, bucket: int) -> Minute:
        """The minute, created empty when new."""
        found = self.minutes.get(bucket)
        if found is None:
            found = self.minutes[bucket] = Minute()
        return found

    @property
    def n(self) -> int:
        """How many values."""
        return sum(m.n for m in self.minutes.values())

    def rank_buckets(self) -> tuple[int, int]:
        """The minutes holding the median's rank and the p90's."""
        n = self.n
        return self._bucket_of((n + 1) // 2), self._bucket_of((9 * n + 9) // 10)

    def _bucket_of(self, rank: int) -> int:
        seen = 0
        for bucket in sorted(self.minutes):
            seen += self.minutes[bucket].n
            if seen >= rank:
                return bucket
        raise ValueError("rank past the histogram")

    def value_at(self, rank: int) -> int:
        """The value at a rank (1-based) of the sorted values; the minute's seconds read."""
        seen = 0
        for bucket in sorted(self.minutes):
            minute = self.minutes[bucket]
            if seen + minute.n < rank:
                seen += minute.n
                continue
            assert minute.seconds is not None, "the seconds of a rank's minute are read first"
            for off in sorted(minute.seconds):
                seen += minute.seconds[off]
                if seen >= rank:
                    return bucket * BUCKET_S + off
        raise ValueError("rank past the histogram")


def fold_seconds(
    rows: Iterable[tuple[int, int, int, int | None]],
) -> dict[int, tuple[Minute, dict[int, int]]]:
    """Per-second rows (value, count, within, limit) of one key → its minutes with seconds."""
    out: dict[int, tuple[Minute, dict[int, int]]] = {}
    for value, count, within, lim in rows:
        bucket, off = divmod(value, BUCKET_S)
        entry = out.get(bucket)
        if entry is None:
            entry = out[bucket] = (Minute(), {})
        minute, seconds = entry
        minute.add_totals(count, value * count, value, within, lim)
        seconds[off] = seconds.get(off, 0) + count
    return out
