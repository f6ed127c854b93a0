"""The board's announcements spoken by a real speech engine (Debian's espeak-ng).

The phrases are the board's own (its `board.phrase` in Chromium); espeak-ng renders them
to WAV and, with `-x`, prints the phonemes it speaks, so the test hears whether «Б» came
out as its name «бэ» or as "бы", «В» as «вэ» or as the preposition "в".
"""

from __future__ import annotations

import os
import shutil
import subprocess
import wave
from pathlib import Path
from typing import Any

import pytest

from tests.support.servers import live_server
from tests.support.world import World

pytestmark = pytest.mark.timeout(120)

ESPEAK = shutil.which("espeak-ng")

# Ticket letters whose bare reading is wrong, and the letters of the demo catalogue.
CASES = [
    ("Б007", 3, "Талон бэ 7, окно 3", "бэ"),
    ("В015", 12, "Талон вэ 15, окно 12", "вэ"),
    ("С003", 2, "Талон эс 3, окно 2", "эс"),
    ("Ж002", 5, "Талон жэ 2, окно 5", "жэ"),
    ("Л010", 1, "Талон эль 10, окно 1", "эль"),
    ("К101", 4, "Талон ка 101, окно 4", "ка"),
    ("А001", 1, "Талон а 1, окно 1", "а"),
]


def espeak(*args: str) -> str:
    """Run espeak-ng with a Russian voice; skip (fail under MFCQ_TEST_STRICT) without it.

    `-q` (no sound) for the phonemes; a WAV is written without it (`-w` alone).
    """
    if ESPEAK is None:
        if os.environ.get("MFCQ_TEST_STRICT"):
            pytest.fail("espeak-ng is not installed (Debian package espeak-ng)")
        pytest.skip("espeak-ng is not installed")
    done = subprocess.run(
        [ESPEAK, "-v", "ru", *args], capture_output=True, text=True, timeout=30, check=True
    )
    return " ".join(done.stdout.split())


def phonemes(text: str) -> list[str]:
    """The words espeak-ng speaks for `text`, as phoneme strings."""
    return espeak("-q", "-x", text).replace("_", " ").split()


@pytest.fixture
def phrases(page: Any, sqlite_world: World) -> dict[str, str]:
    """The board's announcement of each case, built by the board page itself."""
    world = sqlite_world
    with live_server(world) as server:
        page.goto(f"{server.url}/board/central?token={world.tokens['board']}")
        page.wait_for_function("window.board && typeof window.board.phrase === 'function'")
        return {
            number: page.evaluate(
                "([number, w]) => window.board.phrase({number, window: w})", [number, window]
            )
            for number, window, _expected, _name in CASES
        }


def test_board_phrases_name_every_letter(phrases: dict[str, str]) -> None:
    """The board says «Талон бэ 7, окно 3», never «Талон Б 7»."""
    assert {n: phrases[n] for n, *_ in CASES} == {n: expected for n, _w, expected, _ in CASES}


def test_espeak_speaks_the_letter_by_its_name(phrases: dict[str, str]) -> None:
    """In the rendered speech the letter is its name, stressed as a word of its own."""
    for number, _window, _expected, name in CASES:
        spoken = phonemes(phrases[number])
        (alone,) = phonemes(name)  # e.g. «бэ» → b'E
        assert spoken[1] == alone, (number, spoken)
    # And the test can tell: the bare letter comes out as "бы", the preposition "в", "с".
    assert phonemes("Талон Б 7")[1] != phonemes("бэ")[0]
    assert phonemes("Талон В 15")[1] != phonemes("вэ")[0]
    assert phonemes("Талон С 3")[1] != phonemes("эс")[0]


def test_espeak_renders_each_announcement_to_a_wav(phrases: dict[str, str], tmp_path: Path) -> None:
    for i, (number, *_) in enumerate(CASES):
        target = tmp_path / f"call-{i}.wav"
        espeak("-w", str(target), phrases[number])
        with wave.open(str(target)) as audio:
            seconds = audio.getnframes() / audio.getframerate()
        assert 1.0 < seconds < 8.0, (number, seconds)
