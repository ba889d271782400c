"""The crawl summary a person reads after ``veille crawl`` or ``veille demo``."""
from __future__ import annotations

import json
import textwrap

UPCOMING_RELEVANT = """
select s.start, s.title, s.place, s.organiser, m.score, m.why
from sessions s join matches m on m.session_id = s.id
where m.relevant = 1 and s.gone = 0 and s.status != 'cancelled' and s.start_date >= :today
order by s.start limit :limit
"""


def run_summary(db, run_id: int) -> dict:
    """Counts of one crawl run, as stored by the store pipeline."""
    run = db["crawl_runs"].get(run_id)
    report = json.loads(run["report"] or "{}")
    # One pass for both counts: matches is keyed by session_id, so the left join adds no row.
    sessions, relevant = db.execute(
        "select count(*), coalesce(sum(m.relevant = 1), 0) "
        "from sessions s left join matches m on m.session_id = s.id where s.gone = 0").fetchone()
    errors = db.execute("select count(*) from crawl_errors where run_id = ?", [run_id]).fetchone()[0]
    return {
        "run_id": run_id,
        "status": run["status"],
        "sources": len(report.get("sources", {})),
        "sources_failed": run["sources_failed"],
        "pages": report.get("pages", 0),
        "sessions": sessions,
        "relevant": relevant,
        "new": run["sessions_new"],
        "changed": run["sessions_changed"],
        "gone": run["sessions_gone"],
        "errors": errors,
        "failed_sources": sorted(k for k, v in report.get("sources", {}).items() if v["outcome"] == "failed"),
    }


def format_summary(db, run_id: int, today: str, limit: int = 10) -> str:
    """A short report: counts, then the next relevant sessions with why they matched."""
    s = run_summary(db, run_id)
    lines = [
        f"Sources crawled: {s['sources']} ({s['sources_failed']} failed)   Pages: {s['pages']}",
        f"Sessions found: {s['sessions']} (new {s['new']}, changed {s['changed']}, gone {s['gone']})",
        f"Relevant sessions: {s['relevant']}   Errors: {s['errors']}",
    ]
    if s["failed_sources"]:
        lines.append(f"Failed sources: {', '.join(s['failed_sources'])}")
    lines += ["", "Next relevant sessions:"]
    rows = list(db.query(UPCOMING_RELEVANT, {"today": today, "limit": limit}))
    if not rows:
        lines.append("  (none)")
    for r in rows:
        lines.append(f"  {r['start'][:16].replace('T', ' ')}  {r['title']}")
        lines.append(f"      {r['place'] or 'lieu non précisé'} | {r['organiser'] or ''} | score {r['score']:.0f}")
        lines.extend(textwrap.wrap(f"pourquoi : {r['why']}", 100, initial_indent="      ", subsequent_indent="        "))
    errors = list(db.query(
        "select source_id, url, kind, message from crawl_errors where run_id = ? order by id limit 20", [run_id]))
    if errors:
        lines += ["", "Problems:"]
        lines += [f"  [{e['source_id']}] {e['kind']}: {e['message']} <{e['url']}>" for e in errors]
    return "\n".join(lines)
