"""Shared fixtures: the read-only ../shared material, and the bundled sites served on loopback."""
import json
import socket
from pathlib import Path

import pytest

from matchers import load_matcher

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
KEYWORDS = ROOT / "keywords.yml"


def free_port() -> int:
    """A TCP port nobody listens on right now, on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def shared() -> Path:
    """Path of ../shared; tests that need it skip in a user's fresh clone, where it is absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared is absent (fresh clone): the shared development material is not here")
    return SHARED


@pytest.fixture(scope="session")
def matcher():
    """The matcher of the shipped keywords.yml."""
    return load_matcher(KEYWORDS)


@pytest.fixture(scope="session")
def dev_records(shared) -> list[dict]:
    """The labelled sessions of ../shared/corpus/dev.jsonl."""
    lines = (shared / "corpus" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]
