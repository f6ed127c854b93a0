"""Load from `wrk` (Debian's package): a load generator in C beside the server under test.

The Python clients of the other benchmarks (httpx on asyncio) spend about as much CPU per
request as a bare FastAPI route does: on two cores they take a share of the CPU the server
would use, and their own scheduling adds to every latency they time. pgbench, the floor of
the write path, is a C client. `wrk` puts the HTTP side on the same footing: one thread
per connection here, each sending its next request when the last is answered (a closed
loop, as pgbench's clients), with the requests written by a Lua script.

`run_wrk` returns the counts of each kind of answer and the latencies' percentiles of the
requests `wrk` timed. `available()` says whether `wrk` is installed; the benchmarks fall
back to their Python clients otherwise and say so.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

# The part of every script that counts answers by status in each thread and prints one
# JSON line at the end: wrk's latency percentiles (microseconds), the requests, the
# seconds, and the answers by status summed over the threads.
_COMMON = r"""
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
statuses = {}
function count(status)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    local counted = thread:get("statuses")
    for status, n in pairs(counted) do
      totals[tostring(status)] = (totals[tostring(status)] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(totals) do
    table.insert(parts, string.format('"%s": %d', status, n))
  end
  io.write(string.format(
    '{"requests": %d, "seconds": %.6f, "p50_us": %d, "p90_us": %d, "p99_us": %d,'
    .. ' "max_us": %d, "socket_errors": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout,
    table.concat(parts, ", ")))
end
"""


@dataclass
class WrkResult:
    """What one `wrk` run answered."""

    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    socket_errors: int
    statuses: dict[int, int]

    def rate(self, status: int) -> float:
        """Answers with `status` per second."""
        return self.statuses.get(status, 0) / self.seconds if self.seconds else 0.0


def available() -> bool:
    return shutil.which("wrk") is not None


def lua_string(value: str) -> str:
    """A Lua string literal of `value` (tokens and paths: printable ASCII)."""
    return json.dumps(value)


def lua_list(values: list[str]) -> str:
    return "{" + ", ".join(lua_string(v) for v in values) + "}"


def run_wrk(
    base: str, script: str, *, connections: int, seconds: float, timeout_s: int = 30
) -> WrkResult:
    """`wrk` with one thread per connection for `seconds` against `base`, requests written
    by `script` (Lua defining `request` and `response`; `count(status)` counts an answer,
    `id` is the thread's number from 0)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "load.lua"
        path.write_text(_COMMON + script)
        done = subprocess.run(
            [
                "wrk",
                f"-t{connections}",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                f"--timeout={timeout_s}s",
                "-s",
                str(path),
                base,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    line = done.stdout.strip().splitlines()[-1]
    raw = json.loads(line)
    return WrkResult(
        requests=raw["requests"],
        seconds=raw["seconds"],
        p50_ms=raw["p50_us"] / 1000,
        p90_ms=raw["p90_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        socket_errors=raw["socket_errors"],
        statuses={int(k): v for k, v in raw["statuses"].items()},
    )
