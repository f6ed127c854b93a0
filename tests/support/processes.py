"""Child processes that a test starts and always stops, even when the test fails or dies."""

from __future__ import annotations

import ctypes
import signal
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    # If pytest itself is killed (a CI timeout, kill -9), the kernel sends the child
    # SIGTERM, so no server is left holding a port or a pty.
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def spawn(args: Sequence[str], **kwargs: Any) -> subprocess.Popen[Any]:
    """Popen that the kernel terminates when the test process goes away."""
    return subprocess.Popen(list(args), preexec_fn=_die_with_parent, **kwargs)


def stop(process: subprocess.Popen[Any], timeout: float = 15) -> None:
    """SIGTERM, wait, then SIGKILL: the process is gone when this returns."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for stream in (process.stdout, process.stderr, process.stdin):
        if stream is not None:
            stream.close()


@contextmanager
def running(
    args: Sequence[str], *, timeout: float = 15, **kwargs: Any
) -> Iterator[subprocess.Popen[Any]]:
    """A child process for the length of the block, stopped whatever happens in it."""
    process = spawn(args, **kwargs)
    try:
        yield process
    finally:
        stop(process, timeout)
