"""``veille sources check``: crawl one source (or any URL) now, the real way, and say what it gives.

The crawl goes through the same spider, extractors and pipelines as the weekly job, into a
throw-away database, so what a volunteer sees here is what production will store.
"""
from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from crawler.runner import run_crawl
from crawler.sources import Source, load_sources
from crawler.store import open_db


def source_for(target: str, sources_file: str) -> Source:
    """The entry of sources.yml with that id, or a new entry for a URL; enabled for the check."""
    if target.startswith(("http://", "https://")):
        return Source(id="check", name=urlsplit(target).netloc, kind="other", url=target)
    for source in load_sources(sources_file):
        if source.id == target:
            if not source.url:
                raise ValueError(f"source {target} has no URL yet in {sources_file}")
            return dataclasses.replace(source, enabled=True, unsupported=None)
    raise ValueError(f"no source with id {target!r} in {sources_file}")


def check(source: Source, overrides: dict[str, str] | None = None) -> dict:
    """Crawl ``source`` alone; returns its health row, sessions and problems."""
    with tempfile.TemporaryDirectory() as folder:
        sources_file = Path(folder) / "sources.yml"
        entry = {k: v for k, v in dataclasses.asdict(source).items() if v not in (None, {})}
        sources_file.write_text(yaml.safe_dump({"sources": [entry]}, allow_unicode=True), encoding="utf-8")
        db_path = Path(folder) / "check.db"
        run_id = run_crawl(str(sources_file), str(db_path), overrides=overrides)
        db = open_db(db_path)
        return {
            "health": next(db.query("select * from source_runs where run_id = ?", [run_id]), {}),
            "sessions": list(db.query(
                "select s.title, s.start, s.end, s.place, s.status, s.url, m.score, m.relevant "
                "from sessions s left join matches m on m.session_id = s.id order by s.start")),
            "problems": list(db.query("select url, kind, message from crawl_errors where run_id = ?", [run_id])),
        }


def format_check(source: Source, result: dict) -> str:
    health = result["health"]
    lines = [
        f"Source: {source.id} — {source.name}",
        f"URL: {source.url}",
        f"Platform (sources.yml): {source.platform or 'unknown'}",
        f"Strategy detected: {health.get('strategy') or 'none'}",
        f"Pages read: {health.get('pages', 0)} ({health.get('finish_reason', 'not crawled')})",
        f"Sessions found: {len(result['sessions'])}",
    ]
    for s in result["sessions"]:
        end = f" → {s['end']}" if s["end"] else ""
        flag = " [vie privée]" if s["relevant"] else ""
        lines.append(f"  {s['start']}{end}  {s['title']}{flag}")
        lines.append(f"      {s['place'] or 'lieu non précisé'} | {s['status']} | {s['url']}")
    if result["problems"]:
        lines.append("Problems:")
        lines += [f"  {p['kind']}: {p['message']} <{p['url']}>" for p in result["problems"]]
    return "\n".join(lines)
