"""A virtual barcode/QR scanner in serial (RS-232/USB-CDC) mode: each scan is payload + CR."""

from __future__ import annotations

from hardware_sim.endpoints import PtyPort


class VirtualScanner:
    """A scanner on a pty; the issuance flow opens ``path`` with pyserial and reads lines."""

    def __init__(self, *, suffix: bytes = b"\r", encoding: str = "utf-8") -> None:
        self.port = PtyPort()
        self.path = self.port.path
        self.suffix = suffix
        self.encoding = encoding
        self.scans: list[str] = []

    @property
    def url(self) -> str:
        """``serial://`` URL of the scanner."""
        return f"serial://{self.path}"

    def scan(self, payload: str) -> bytes:
        """Send one scan as a real scanner does: the decoded text followed by the suffix."""
        frame = payload.encode(self.encoding) + self.suffix
        self.port.write(frame)
        self.scans.append(payload)
        return frame

    def unplug(self) -> None:
        """Close the port as if the scanner's cable was pulled."""
        self.port.close()

    def close(self) -> None:
        """Remove the pty."""
        self.port.close()

    def __enter__(self) -> VirtualScanner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
