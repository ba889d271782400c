"""The ``veille`` command: thin wrappers over the crawler, matcher, store and Datasette."""
from __future__ import annotations

import codecs
import json
import os
import sys
from datetime import date
from pathlib import Path

import click

from crawler import PROJECT_ROOT
from crawler.sources import FORMATS
from crawler.serve import datasette_command

DEFAULT_DB = "data/veille.db"
DEFAULT_KEYWORDS = str(PROJECT_ROOT / "keywords.yml")


def _settings_overrides(pairs: tuple[str, ...]) -> dict[str, str]:
    overrides = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="-s")
        overrides[name] = value
    return overrides


@click.group()
@click.version_option(package_name="veille-formations")
def main():
    """Watch French library training calendars for digital-privacy sessions."""


@main.command()
@click.option("--sources", default="sources.yml", show_default=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--db", default=DEFAULT_DB, show_default=True, help="SQLite database to write")
@click.option("--only", multiple=True, metavar="ID", help="Crawl only this source (repeatable)")
@click.option("-s", "settings", multiple=True, metavar="NAME=VALUE", help="Scrapy setting override (repeatable)")
def crawl(sources, db, only, settings):
    """Crawl the enabled sources, match and store their sessions."""
    from crawler.report import format_summary
    from crawler.runner import CrawlFailed, crawl_today, run_crawl
    from crawler.sources import SourcesError
    from crawler.store import open_db

    overrides = _settings_overrides(settings)
    try:
        run_id = run_crawl(sources, db, list(only), overrides)
    except (SourcesError, CrawlFailed) as error:
        raise click.ClickException(str(error))
    database = open_db(db)
    click.echo(format_summary(database, run_id, crawl_today(overrides)))
    if database["crawl_runs"].get(run_id)["status"] == "failed":
        sys.exit(1)


def _become_datasette(db: str, host: str, port: int) -> None:
    """Replace this process with Datasette: a stop signal reaches it, no server is left behind."""
    command = datasette_command(db, host, port)
    sys.stdout.flush()
    os.execv(command[0], command)


@main.command()
@click.option("--db", default=DEFAULT_DB, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Listen address (127.0.0.1: this machine only)")
@click.option("--port", default=8001, show_default=True)
def serve(db, host, port):
    """Serve the database with Datasette, the French metadata and the plugins."""
    if not Path(db).exists():
        raise click.ClickException(f"{db} does not exist: run `veille crawl` (or `veille demo`) first")
    _become_datasette(db, host, port)


@main.command()
@click.option("--db", default=DEFAULT_DB, show_default=True)
@click.option("--no-serve", is_flag=True, help="Stop after the summary instead of serving Datasette")
@click.option("--port", default=8001, show_default=True)
@click.option("-s", "settings", multiple=True, metavar="NAME=VALUE", help="Scrapy setting override (repeatable)")
def demo(db, no_serve, port, settings):
    """Serve the bundled demo sites on loopback, crawl them, match, store, summarise, serve."""
    from crawler.demo import run_demo
    from crawler.runner import CrawlFailed

    try:
        click.echo(run_demo(db, _settings_overrides(settings)))
    except CrawlFailed as error:
        raise click.ClickException(str(error))
    if not no_serve:
        click.echo(f"\nDatasette: http://127.0.0.1:{port}/  (Ctrl-C to stop)")
        _become_datasette(db, "127.0.0.1", port)


@main.command()
@click.option("--sources", default="sources.yml", show_default=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--db", default=DEFAULT_DB, show_default=True)
@click.option("--config", "config", default=None, help="Alerts config (default $VEILLE_ALERTS, else alerts.yml)")
@click.option("--keywords", default=DEFAULT_KEYWORDS, show_default=True, type=click.Path(exists=True, dir_okay=False))
@click.option("-s", "settings", multiple=True, metavar="NAME=VALUE", help="Scrapy setting override (repeatable)")
def weekly(sources, db, config, keywords, settings):
    """The weekly job: lock, crawl every enabled source, rematch if needed, send alerts, report."""
    from crawler.alerts import AlertsConfigError
    from crawler.runner import CrawlFailed
    from crawler.sources import SourcesError
    from crawler.weekly import AlreadyRunning, run_weekly

    try:
        report, ok = run_weekly(sources, db, config, keywords, _settings_overrides(settings))
    except (AlreadyRunning, AlertsConfigError, SourcesError, CrawlFailed) as error:
        raise click.ClickException(str(error))
    click.echo(json.dumps(report, ensure_ascii=False, indent=1))
    if not ok:
        raise click.ClickException(f"run {report['run_id']} failed: {report['sources_failed']} of "
                                   f"{report['sources']} sources failed (status {report['status']})")


@main.command()
@click.option("--db", default=DEFAULT_DB, show_default=True)
@click.option("--config", "config", default=None, help="Alerts config (default $VEILLE_ALERTS, else alerts.yml)")
@click.option("--dry-run", is_flag=True, help="Print the digests; send and record nothing")
@click.option("--today", default=None, help="Day to build the digests for (YYYY-MM-DD); default today")
def alert(db, config, dry_run, today):
    """Send each subscriber the digest of what they have not been told yet."""
    from crawler.alerts import AlertsConfigError, build_digests, load_config, send_digests
    from crawler.store import open_db

    try:
        settings = load_config(config)
    except (AlertsConfigError, OSError) as error:
        raise click.ClickException(str(error))
    database = open_db(db)
    digests = build_digests(database, settings, date.fromisoformat(today) if today else date.today())
    result = send_digests(database, digests, dry_run=dry_run)
    if dry_run:
        click.echo(result["preview"] or "(nothing to send)")
        return
    click.echo(f"sent: {', '.join(result['sent']) or 'none'}; failed: {', '.join(result['failed']) or 'none'}; "
               f"notices recorded: {result['recorded']}")
    if result["failed"]:
        sys.exit(1)


@main.command()
@click.option("--jsonl", "jsonl", type=click.File("rb"), help="Sessions to score, one JSON object per line")
@click.option("--eval", "eval_file", type=click.File("r", encoding="utf-8-sig"), help="Labelled sessions: print precision, recall, F1")
@click.option("--keywords", default=DEFAULT_KEYWORDS, show_default=True, type=click.Path(exists=True, dir_okay=False))
def match(jsonl, eval_file, keywords):
    """Score sessions for digital privacy (and say why), or evaluate the matcher."""
    from matchers import load_matcher

    matcher = load_matcher(keywords)
    if jsonl:
        # orjson reads and writes UTF-8 bytes directly, several times faster than json: scoring
        # a large export is then mostly the matcher's own time.
        import orjson

        out = click.get_binary_stream("stdout")
        skipped = 0
        for number, line in enumerate(jsonl, 1):
            if not line.strip():
                continue
            try:
                record = orjson.loads(line.removeprefix(codecs.BOM_UTF8) if number == 1 else line)
                if not isinstance(record, dict):
                    raise ValueError("un objet JSON est attendu")
            except ValueError as error:
                click.echo(f"{jsonl.name}, ligne {number} ignorée : {error}", err=True)
                skipped += 1
                continue
            result = {"id": record.get("id"), **matcher.score(record).to_dict()}
            out.write(orjson.dumps(result, option=orjson.OPT_APPEND_NEWLINE))
        if skipped:
            sys.exit(1)
    elif eval_file:
        from matchers.evaluate import evaluate

        report = evaluate(matcher, (json.loads(line) for line in eval_file if line.strip()))
        click.echo(f"precision {report['precision']:.3f}  recall {report['recall']:.3f}  F1 {report['f1']:.3f}"
                   f"  (tp {report['tp']}, fp {report['fp']}, fn {report['fn']})")
        for label, rows in (("false positive", report["false_positives"]), ("false negative", report["false_negatives"])):
            for row in rows:
                click.echo(f"{label}: [{row['id']}] {row['title']} (score {row['score']:.0f}) {json.dumps(row['terms'], ensure_ascii=False)}")
    else:
        raise click.UsageError("give --jsonl FILE or --eval FILE")


@main.command()
@click.option("--db", default=DEFAULT_DB, show_default=True)
@click.option("--keywords", default=DEFAULT_KEYWORDS, show_default=True, type=click.Path(exists=True, dir_okay=False))
def rematch(db, keywords):
    """Rescore every stored session after keywords.yml changed; list relevance changes."""
    from crawler.rematch import rematch as run_rematch

    changed, version = run_rematch(db, keywords)
    click.echo(f"keywords version {version}: {len(changed)} session(s) changed relevance")
    for row in changed:
        click.echo(f"  {'+' if row['relevant'] else '-'} {row['start'][:10]} {row['title']} (score {row['score']:.0f})")


@main.group()
def keywords():
    """Work on keywords.yml, the privacy vocabulary."""


@keywords.command("suggest")
@click.option("--db", default=DEFAULT_DB, show_default=True, help="Database holding the volunteers' triage")
@click.option("--keywords", "keywords_path", default=DEFAULT_KEYWORDS, show_default=True,
              type=click.Path(exists=True, dir_okay=False))
@click.option("--dev", "dev_file", type=click.File("r", encoding="utf-8-sig"),
              help="Labelled sessions (JSON lines with label) to measure each suggestion on")
@click.option("--apply", "apply_number", type=int, default=None, metavar="N",
              help="Write suggestion N into keywords.yml (nothing is changed without it)")
def keywords_suggest(db, keywords_path, dev_file, apply_number):
    """Propose keywords.yml changes learnt from triage, with their effect on precision and recall."""
    from crawler.suggest import apply, format_suggestions, suggest

    dev = [json.loads(line) for line in dev_file if line.strip()] if dev_file else None
    suggestions = suggest(db, keywords_path, dev)
    if apply_number is None:
        click.echo(format_suggestions(suggestions) if suggestions else "Aucune suggestion : le tri ne contredit pas le vocabulaire.")
        return
    if not 1 <= apply_number <= len(suggestions):
        raise click.BadParameter(f"there are {len(suggestions)} suggestion(s)", param_hint="--apply")
    apply(suggestions[apply_number - 1], keywords_path)
    click.echo(f"suggestion {apply_number} written to {keywords_path}; run `veille rematch` to rescore")


@main.command()
@click.argument("text", required=False)
@click.option("--ref", default=None, help="Day the page was read (YYYY-MM-DD); default today")
@click.option("--jsonl", "jsonl", type=click.File("r", encoding="utf-8-sig"), help="Lines with id, text, ref")
def dates(text, ref, jsonl):
    """Parse French date words into start/end dates and times."""
    from crawler.frdates import parse_dates

    def parsed(words: str, ref_day: str | None) -> dict:
        span = parse_dates(words, date.fromisoformat(ref_day) if ref_day else date.today())
        return span.as_dict() if span else {"start_date": None, "end_date": None, "start_time": None, "end_time": None}

    if jsonl:
        for line in jsonl:
            if line.strip():
                case = json.loads(line)
                click.echo(json.dumps({"id": case.get("id"), **parsed(case["text"], case.get("ref"))}, ensure_ascii=False))
    elif text:
        click.echo(json.dumps(parsed(text, ref), ensure_ascii=False))
    else:
        raise click.UsageError("give TEXT or --jsonl FILE")


@main.command()
@click.argument("path_or_url")
@click.option("--format", "fmt", default="auto", show_default=True,
              type=click.Choice(FORMATS))
@click.option("--ref", default=None, help="Reference day for dates without a year (YYYY-MM-DD); default today")
def extract(path_or_url, fmt, ref):
    """Print the sessions found in a file or URL, one JSON object per line."""
    from crawler.extractors import detect
    from crawler.extractors.base import ExtractError
    from crawler.fetch import fetch

    try:
        body, url, content_type = fetch(path_or_url)
        extraction = detect.extract(body, url, date.fromisoformat(ref) if ref else date.today(), content_type, format=fmt)
    except (OSError, ExtractError) as error:
        raise click.ClickException(f"{path_or_url}: {error}")
    click.echo(f"strategy: {extraction.strategy}; {len(extraction.sessions)} session(s)", err=True)
    for problem in extraction.problems:
        click.echo(f"problem: {problem}", err=True)
    for session in extraction.sessions:
        click.echo(json.dumps(session, ensure_ascii=False))


@main.group()
def sources():
    """Inspect the list of watched calendars (sources.yml)."""


@sources.command("list")
@click.option("--sources", "sources_file", default="sources.yml", show_default=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--db", default=DEFAULT_DB, show_default=True, help="Database holding the last health of each source")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per source")
@click.option("--missing", is_flag=True, help="Only sources with no URL yet")
@click.option("--unverified", is_flag=True, help="Only inferred URLs no crawl has confirmed yet")
def sources_list(sources_file, db, as_json, missing, unverified):
    """Every source with its kind, platform, enabled flag and last health."""
    from crawler.sources import load_sources
    from crawler.store import open_db

    health = {}
    if Path(db).exists():
        # sources.last_run_id is the source's latest source_runs row: the store writes both in one
        # transaction, so one primary-key join replaces a "latest run" subquery per column.
        health = {r["id"]: r for r in open_db(db).query(
            "select s.id, s.last_success, s.last_error, s.last_sessions, s.confirmed_at, s.strategy, "
            "r.health, r.problem from sources s "
            "left join source_runs r on r.run_id = s.last_run_id and r.source_id = s.id")}
    rows = []
    for s in load_sources(sources_file):
        h = health.get(s.id, {})
        if missing and s.url:
            continue
        if unverified and not (s.url and s.evidence == "inferred" and not h.get("confirmed_at")):
            continue
        rows.append({"id": s.id, "name": s.name, "kind": s.kind, "departement": s.departement, "region": s.region,
                     "url": s.url, "platform": s.platform, "format": s.format, "enabled": s.enabled,
                     "evidence": s.evidence, "unsupported": s.unsupported,
                     "last_success": h.get("last_success"), "last_sessions": h.get("last_sessions"),
                     "last_error": h.get("last_error"), "confirmed_at": h.get("confirmed_at"),
                     "health": h.get("health"), "problem": h.get("problem")})
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    for r in rows:
        state = "on " if r["enabled"] else "off"
        last = f"{r['health']} {r['last_success'] or ''}" if r["health"] else "never crawled"
        problem = f"  ({r['problem']})" if r["problem"] else ""
        click.echo(f"{state} {r['id']:<28} {r['kind']:<5} {(r['platform'] or '-')[:30]:<30} {last:<34} {r['url'] or '(no URL yet)'}{problem}")
    click.echo(f"{len(rows)} source(s)", err=True)


@sources.command("check")
@click.argument("target", metavar="ID|URL")
@click.option("--sources", "sources_file", default="sources.yml", show_default=True, type=click.Path(dir_okay=False))
@click.option("-s", "settings", multiple=True, metavar="NAME=VALUE", help="Scrapy setting override (repeatable)")
def sources_check(target, sources_file, settings):
    """Crawl one source (or any URL) now and print the strategy, pages, sessions and problems."""
    from crawler.check import check, format_check, source_for

    try:
        source = source_for(target, sources_file)
    except (ValueError, OSError) as error:
        raise click.ClickException(str(error))
    from crawler.runner import CrawlFailed

    try:
        result = check(source, _settings_overrides(settings))
    except CrawlFailed as error:
        raise click.ClickException(str(error))
    click.echo(format_check(source, result))
    if not result["sessions"]:
        raise click.ClickException(f"{source.url} gave no session: check the URL, or the format in sources.yml")


@sources.command("discover")
@click.argument("url")
def sources_discover(url):
    """Propose candidate training pages (sitemap, "formations", "agenda"...) from a home page."""
    from urllib.parse import urljoin

    from crawler.discover import candidates
    from crawler.fetch import fetch

    try:
        home, home_url, _ = fetch(url)
    except OSError as error:
        raise click.ClickException(f"{url}: {error}")
    try:
        sitemap = fetch(urljoin(home_url, "/sitemap.xml"))[0]
    except OSError:
        sitemap = None  # most BD sites publish none
    found = candidates(home, home_url, sitemap)
    if not found:
        raise click.ClickException(f"no candidate training page found from {url}")
    for c in found:
        click.echo(f"{c['score']:>3}  {c['url']}  {c['text']}")


@main.group()
def db():
    """Inspect and export the database."""


@db.command("stats")
@click.option("--db", "db_path", default=DEFAULT_DB, show_default=True)
def db_stats(db_path):
    """Row counts per table and sessions per source."""
    from crawler.store import open_db

    database = open_db(db_path)
    for table in database.table_names():
        if not table.startswith("sessions_fts"):
            click.echo(f"{table:<18} {database[table].count}")
    click.echo("")
    for r in database.query(
        "select source_id, count(*) n, sum(gone) gone from sessions group by source_id order by n desc"):
        click.echo(f"{r['source_id']:<28} {r['n']:>6} sessions ({r['gone']} gone)")


@db.command("export")
@click.option("--db", "db_path", default=DEFAULT_DB, show_default=True)
@click.option("--format", "fmt", default="csv", show_default=True, type=click.Choice(["csv", "json"]))
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-", help="File to write (default stdout)")
def db_export(db_path, fmt, output):
    """Export sessions with their match (score, relevance, why) as CSV or JSON."""
    import csv

    from crawler.store import open_db

    rows = list(open_db(db_path).query(
        "select s.*, m.score, m.relevant, m.why, m.terms, m.keywords_version "
        "from sessions s left join matches m on m.session_id = s.id order by s.start"))
    if fmt == "json":
        json.dump(rows, output, ensure_ascii=False, indent=1)
        output.write("\n")
    elif rows:
        writer = csv.DictWriter(output, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

