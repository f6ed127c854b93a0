"""Moves the wall clock of every Python process of a test run (CI's shifted-clock pass).

`.ci/run` puts this folder on PYTHONPATH with MFCQ_TEST_CLOCK_SHIFT_TO set to an
instant (ISO 8601 with its offset). The first process (pytest) travels there with
time-machine and leaves the offset it chose in MFCQ_TEST_CLOCK_SHIFT_SECONDS, so the
servers and devices the tests start continue the same shifted clock instead of
starting at the instant again. The wall clock runs on (`tick`); the monotonic clock is
left alone, so timeouts and sleeps behave as usual (libfaketime moves it too, and
then Python's timed waits never return).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

_target = os.environ.get("MFCQ_TEST_CLOCK_SHIFT_TO")
if _target:
    import time_machine

    _shift = os.environ.get("MFCQ_TEST_CLOCK_SHIFT_SECONDS")
    if _shift is None:
        _delta = datetime.fromisoformat(_target) - datetime.now(UTC)
        os.environ["MFCQ_TEST_CLOCK_SHIFT_SECONDS"] = repr(_delta.total_seconds())
    else:
        _delta = timedelta(seconds=float(_shift))
    # A plain timestamp: a datetime with a zone would make time-machine change TZ too.
    _traveller = time_machine.travel((datetime.now(UTC) + _delta).timestamp(), tick=True)
    _traveller.start()
