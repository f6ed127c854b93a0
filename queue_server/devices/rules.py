"""How often devices say they are alive, and when the dashboard calls one silent.

Every device (kiosk, board, LED driver) reports its state at least every
`HEARTBEAT_SECONDS`, changed or not; a device is silent ("нет связи" on the dashboard)
only after `SILENT_AFTER_MISSED` heartbeats in a row are missing, so one lost request or a
slow restart raises no alarm, and the alarm clears with the first heartbeat that arrives.
"""

from __future__ import annotations

from datetime import datetime, timedelta

#: A device reports at least this often (the devices' own defaults follow it).
HEARTBEAT_SECONDS = 60
#: Heartbeats that may be missed before the device counts as silent.
SILENT_AFTER_MISSED = 3
SILENT_AFTER = timedelta(seconds=HEARTBEAT_SECONDS * SILENT_AFTER_MISSED)


def is_silent(*, last_heard: datetime | None, now: datetime) -> bool:
    """Whether a device that reported at `last_heard` counts as silent at `now`.

    A device that never reported is not silent: it was registered but not set up yet.
    """
    return last_heard is not None and now - last_heard > SILENT_AFTER
