"""Privacy matcher: judge whether a training session is about digital privacy, with evidence.

Pure package (yaml, rapidfuzz, stdlib): it imports nothing from crawler/, Scrapy or SQLite.
Its hot modules are compiled by Cython when the package is built (setup.py); a compiled module
older than its source (edited or pulled since the build) is set aside for the source, with a
warning, so that an edit is never silently ignored.
"""
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import warnings
from pathlib import Path

_HERE = Path(__file__).parent


def _compiled() -> dict[str, Path]:
    """This package's compiled modules: name -> compiled file."""
    suffixes = importlib.machinery.EXTENSION_SUFFIXES
    return {built.name.split(".")[0]: built for suffix in suffixes for built in _HERE.glob(f"*{suffix}")}


def _is_stale(name: str, built: Path) -> bool:
    """Whether the module's .py or .pxd is newer than its compiled file."""
    sources = [path for path in (_HERE / f"{name}.py", _HERE / f"{name}.pxd") if path.exists()]
    return any(path.stat().st_mtime > built.stat().st_mtime for path in sources)


class _SourceFirst(importlib.abc.MetaPathFinder):
    """Imports the given modules of this package from their .py files, not their compiled ones."""

    def __init__(self, names):
        self.modules = {f"{__name__}.{name}" for name in names}

    def find_spec(self, fullname, path=None, target=None):
        if fullname in self.modules:
            return importlib.util.spec_from_file_location(fullname, _HERE / f"{fullname.rpartition('.')[2]}.py")
        return None


_COMPILED = _compiled()
if stale := sorted(name for name, built in _COMPILED.items() if _is_stale(name, built)):
    # All of them or none: compiled modules read each other's C types.
    sys.meta_path.insert(0, _SourceFirst(_COMPILED))
    warnings.warn(
        f"matchers: {', '.join(stale)} changed since compiled; running the uncompiled matcher (slower, same"
        " results). Rebuild with `make install` (or `pip install -e .`).",
        stacklevel=2,
    )

from matchers.keywords import KeywordsError, load_keywords  # noqa: E402
from matchers.matcher import Matcher, MatchResult  # noqa: E402

__all__ = ["KeywordsError", "Matcher", "MatchResult", "load_matcher"]


def load_matcher(path: str | Path) -> Matcher:
    """Matcher built from a keywords file; raises KeywordsError naming the file and the line."""
    return Matcher(load_keywords(path))
