"""A closed simulated port never hands its number to the next pty.

Drivers and kiosk agents reopen their port path after a pulled cable. Were the
pty's number freed when the simulator closed it, the next pty made on the machine
(another test's printer or bus, in this process or another) would get the same
path, and the stale client would read the new owner's replies beside its rightful
client: the cross-talk that failed CI runs with both passes side by side.
"""

from __future__ import annotations

import os

import serial

from hardware_sim.endpoints import PtyPort


def test_a_closed_port_path_is_gone_and_not_given_to_the_next_pty() -> None:
    first = PtyPort()
    client = serial.Serial(first.path, timeout=0.5)
    first.close()
    # The client of the closed port reads end-of-file, as after a pulled cable.
    try:
        assert client.read(1) == b""
    except serial.SerialException:
        pass
    finally:
        client.close()
    assert not os.path.exists(first.path)

    # Many ports made after it: none gets the old path, so a reopen finds no file.
    later = [PtyPort() for _ in range(20)]
    try:
        assert first.path not in {port.path for port in later}
        assert not os.path.exists(first.path)
    finally:
        for port in later:
            port.close()


def test_the_port_still_talks_both_ways_before_it_closes() -> None:
    port = PtyPort()
    try:
        with serial.Serial(port.path, timeout=2) as client:
            client.write(b"ping")
            assert port.read(2) == b"ping"
            port.write(b"pong")
            assert client.read(4) == b"pong"
    finally:
        port.close()
