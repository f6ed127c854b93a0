"""The shifted-clock pass of CI really moves the wall clock of the tests and their servers."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

SHIFTER = Path(__file__).parent / "support" / "shifted_clock"
PRINT_NOW = "import datetime, time; print(datetime.datetime.now(datetime.UTC).isoformat())"


def _child_now(env: dict[str, str]) -> datetime:
    out = subprocess.run(
        [sys.executable, "-c", PRINT_NOW], env=env, capture_output=True, text=True, check=True
    )
    return datetime.fromisoformat(out.stdout.strip())


def test_a_process_started_with_the_shift_lives_at_the_target_instant() -> None:
    target = datetime(2031, 12, 31, 20, 30, tzinfo=UTC)
    env = {key: value for key, value in os.environ.items() if not key.startswith("MFCQ_TEST_CLOCK")}
    env |= {"PYTHONPATH": str(SHIFTER), "MFCQ_TEST_CLOCK_SHIFT_TO": target.isoformat()}
    seen = _child_now(env)
    assert timedelta(0) <= seen - target < timedelta(minutes=1)


@pytest.mark.skipif(
    "MFCQ_TEST_CLOCK_SHIFT_TO" not in os.environ, reason="only in the shifted-clock pass"
)
def test_the_shifted_pass_runs_far_from_today_and_children_keep_its_clock() -> None:
    now = datetime.now(UTC)
    target = datetime.fromisoformat(os.environ["MFCQ_TEST_CLOCK_SHIFT_TO"])
    shift = timedelta(seconds=float(os.environ["MFCQ_TEST_CLOCK_SHIFT_SECONDS"]))
    assert shift > timedelta(days=30)  # far from the real today
    assert target <= now < target + timedelta(hours=3)  # the pass started at the target
    # A server process started now continues this clock; it does not restart at the target.
    assert abs(_child_now(dict(os.environ)) - datetime.now(UTC)) < timedelta(seconds=30)
