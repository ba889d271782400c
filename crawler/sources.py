"""The list of watched calendars (sources.yml): one frozen `Source` per entry, validated on load.

Volunteers edit sources.yml by hand, so every mistake is refused with a message naming the
file, the entry (index and id), the field and, when YAML tells us, the line.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from crawler.canonical import site_of, url_key

KINDS = ("bd", "abf", "other")
FORMATS = ("auto", "jsonld", "ics", "feed", "tribe", "openagenda", "wordpress", "html", "pdf")
EVIDENCE = ("seen", "inferred")
SELECTOR_KEYS = ("list", "item", "title", "date", "link")
# Sites that re-host other people's PDFs (REPORT.md §6.7): never a seed, always a copy.
MIRROR_HOSTS = (
    "docplayer.fr", "doczz.fr", "doczz.net", "fdocuments.fr", "123dok.net", "readkong.com",
    "pdfslide.fr", "vdocuments.fr", "yumpu.com",
)
# Metropolitan codes 01-95 (Corsica is 2A/2B, there is no 20), overseas 971-974 and 976;
# "73-74" is one service for two départements (Savoie et Haute-Savoie Biblio).
_CODE = r"(?:0[1-9]|1\d|2[1-9AB]|[3-8]\d|9[0-5]|97[1-46])"
_DEPARTEMENT = re.compile(rf"{_CODE}(?:-{_CODE})*")


class SourcesError(ValueError):
    """sources.yml is malformed; the message says where and why."""


@dataclass(frozen=True)
class Source:
    """One calendar to watch: a departmental library (bd), an ABF group (abf) or a related body."""

    id: str
    name: str
    kind: str
    url: str | None = None
    departement: str | None = None
    region: str | None = None
    format: str = "auto"
    enabled: bool = True
    platform: str | None = None
    evidence: str | None = None
    notes: str | None = None
    max_pages: int = 40
    horizon_days: int = 548
    selectors: dict = field(default_factory=dict)
    unsupported: str | None = None
    contact: str | None = None  # the training service's contact as the source publishes it (generic address or page)

    # Cached: the spider compares every followed link with it. A frozen dataclass allows this
    # (cached_property writes the instance __dict__, not through __setattr__), and eq, replace
    # and asdict only see the fields, so the cached value never leaks into them.
    @cached_property
    def host(self) -> str | None:
        """The source's site as links are compared with it: 'mediatheque.ain.fr' (no `www.`,
        no trailing dot; the port when not the default one)."""
        return site_of(self.url) if self.url else None

    @property
    def departements(self) -> tuple[str, ...]:
        """The département codes served: ('73', '74') for departement '73-74', () if none."""
        return tuple(self.departement.split("-")) if self.departement else ()


_FIELDS = {f.name: f for f in dataclasses.fields(Source)}
_REQUIRED = ("id", "name", "kind")
# Expected type per field; `null` is accepted where the dataclass default is None.
_TYPES: dict[str, type] = {
    "id": str, "name": str, "kind": str, "url": str, "departement": str, "region": str,
    "format": str, "enabled": bool, "platform": str, "evidence": str, "notes": str,
    "max_pages": int, "horizon_days": int, "selectors": dict, "unsupported": str, "contact": str,
}
_CHOICES = {"kind": KINDS, "format": FORMATS, "evidence": EVIDENCE}


def load_sources(path: str | Path) -> list[Source]:
    """Read and validate a sources file; raise SourcesError on the first problem found."""
    path = Path(path)
    try:
        # Keep the node tree next to the data: the nodes know each field's line for error messages.
        loader = yaml.SafeLoader(path.read_text(encoding="utf-8"))
        loader.name = path.name  # YAML's own errors then say `in "sources.yml", line 2`
        try:
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SourcesError(f"{path.name}: cannot read: {exc}") from exc
    if not isinstance(data, dict) or set(data) != {"sources"} or not isinstance(data["sources"], list):
        raise SourcesError(f"{path.name}: expected a top-level mapping with a single key 'sources:' holding a list")
    entry_nodes = root.value[0][1].value
    sources, seen_ids, seen_urls = [], {}, {}
    for index, (raw, node) in enumerate(zip(data["sources"], entry_nodes), start=1):
        source = _parse_entry(path.name, index, raw, node)
        where = _Where(path.name, index, source.id, node)
        if source.id in seen_ids:
            where.fail("id", f"duplicate id, already used by entry {seen_ids[source.id]}")
        seen_ids[source.id] = index
        if source.url:
            key = url_key(source.url)
            if key in seen_urls:
                where.fail("url", f"{source.url!r} is already watched by entry {seen_urls[key]}")
            seen_urls[key] = f"{index} ({source.id})"
        sources.append(source)
    return sources


class _Where:
    """Locates an entry (and its fields' lines) to build precise error messages."""

    def __init__(self, filename: str, index: int, entry_id: object, node: yaml.Node):
        self.filename, self.node = filename, node
        self.label = f"entry {index} ({entry_id})" if isinstance(entry_id, str) else f"entry {index}"

    def line(self, field_name: str | None) -> int:
        if field_name and isinstance(self.node, yaml.MappingNode):
            for key, value in self.node.value:
                if key.value == field_name:
                    return value.start_mark.line + 1
        return self.node.start_mark.line + 1

    def fail(self, field_name: str | None, message: str, at: yaml.Node | None = None):
        """Raise SourcesError; `at` overrides the line (the second copy of a repeated field)."""
        line = at.start_mark.line + 1 if at is not None else self.line(field_name)
        place = f"field '{field_name}': " if field_name else ""
        raise SourcesError(f"{self.filename}: {self.label}, line {line}: {place}{message}")


def _parse_entry(filename: str, index: int, raw: object, node: yaml.Node) -> Source:
    entry_id = raw.get("id") if isinstance(raw, dict) else None
    where = _Where(filename, index, entry_id, node)
    if not isinstance(raw, dict):
        where.fail(None, "an entry must be a mapping of fields (id, name, kind, url...)")
    # PyYAML silently keeps the last of two `url:` lines; a volunteer would not notice.
    seen_keys = set()
    for key_node, _ in node.value:
        if key_node.value in seen_keys:
            where.fail(key_node.value, "is given twice in this entry", at=key_node)
        seen_keys.add(key_node.value)
    for key in raw:
        if key not in _FIELDS:
            where.fail(str(key), f"unknown field; known fields are {', '.join(_FIELDS)}")
    for key in _REQUIRED:
        if raw.get(key) in (None, ""):
            where.fail(key, "is required")
    for key, value in raw.items():
        _check_value(where, key, value)
    url = raw.get("url")
    if url is None and raw.get("enabled", True):
        where.fail("enabled", "an entry without url must say 'enabled: false'")
    if raw.get("unsupported") and raw.get("enabled", True):
        where.fail("enabled", "an unsupported source must say 'enabled: false'")
    return Source(**raw)


def _check_value(where: _Where, key: str, value: object) -> None:
    if value is None:
        if _FIELDS[key].default is not None:  # also true of MISSING (id, name, kind, selectors)
            where.fail(key, "must not be empty")
        return
    expected = _TYPES[key]
    if key == "departement" and isinstance(value, int):
        # YAML reads `departement: 06` as the number 6: the code must be quoted.
        where.fail(key, f"{value!r} is read as a number; write the code in quotes, e.g. '06'")
    # bool is an int in Python: `max_pages: yes` must not pass as 1.
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        where.fail(key, f"{value!r} should be of type {expected.__name__}")
    if key in _CHOICES and value not in _CHOICES[key]:
        where.fail(key, f"{value!r} is not one of {', '.join(_CHOICES[key])}")
    if key == "url":
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            where.fail(key, f"{value!r} is not an http(s) address")
        host = parts.hostname.rstrip(".").removeprefix("www.").removeprefix("fr.")
        if host in MIRROR_HOSTS:
            where.fail(key, f"{host} is a mirror of other sites' documents; give the original address")
    if key == "departement" and not _DEPARTEMENT.fullmatch(value):
        where.fail(key, f"{value!r} is not a département code like '06', '2A', '971' or '73-74'")
    if key in ("max_pages", "horizon_days") and value < 1:
        where.fail(key, f"{value!r} must be at least 1")
    if key == "selectors":
        for name, css in value.items():
            if name not in SELECTOR_KEYS:
                where.fail(key, f"unknown selector {name!r}; known are {', '.join(SELECTOR_KEYS)}")
            if not isinstance(css, str) or not css.strip():
                where.fail(key, f"selector {name!r} must be a non-empty CSS string")
