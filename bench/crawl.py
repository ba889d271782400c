"""Crawl throughput: `veille crawl` against 50 slow loopback hosts, beside a sequential script.

50 hosts (127.0.0.2..51) of one list page and 20 detail pages each, every answer delayed by
100 ms. The crawl runs with the production settings except the politeness delay (0 here;
``--delay`` keeps the production one) and a global CONCURRENT_REQUESTS high enough for every
host to use its two per-host slots. It is compared with bench/sequential_baseline.py on the
same pages and with the lower bound: requests per host x (latency + delay) / per-host concurrency.
Scrapy alone is measured the same way, with and without AutoThrottle: a spider whose ``parse``
only follows the links, with the same settings but Scrapy's own middlewares and no item pipeline,
so the difference is ours (extraction, dates, matching, storing, our middlewares). Each command
also runs on an empty sources file, to tell its start-up from its cost per page.
Run: ``.venv/bin/python bench/crawl.py [--delay]``.
"""
from __future__ import annotations

import argparse
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from loopback_sites import serve

from crawler import PROJECT_ROOT as ROOT
from crawler import settings as production

TODAY = "2026-11-25"
PEAK_MEMORY_TARGET_MB = 300
SPEEDUP_TARGET = 10
BOUND_TARGET = 1.5


def run_measured(command: list[str]) -> dict:
    """Run a command to its end: wall seconds, CPU seconds and peak RSS (MB) of that process alone."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)  # this child's own rusage, not all children's
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024,
                "returncode": process.returncode, "stdout": out.read().decode(), "stderr": err.read().decode()}


def scrapy_stat(log: str, name: str) -> float | None:
    """A number from the stats Scrapy dumps when the crawl closes."""
    found = re.search(rf"'{re.escape(name)}': ([\d.]+)", log)
    return float(found.group(1)) if found else None


def run_crawl(label: str, command: list[str], settings: dict[str, object]) -> dict:
    """A crawl command with ``-s NAME=VALUE`` per setting, measured, the bench stopped if it fails;
    adds the crawl's own time and request count from the stats Scrapy logs at close."""
    overrides = [arg for name, value in settings.items() for arg in ("-s", f"{name}={value}")]
    result = run_measured([*command, *overrides])
    if result["returncode"] != 0:
        sys.exit(f"{label} failed:\n{result['stderr'][-3000:]}")
    result["elapsed"] = scrapy_stat(result["stderr"], "elapsed_time_seconds")
    result["requests"] = int(scrapy_stat(result["stderr"], "downloader/request_count") or 0)
    return result


def crawl(sources: Path, db: Path, settings: dict[str, object]) -> dict:
    """`veille crawl` in its own process, measured; adds the crawl's own time and what it stored."""
    result = run_crawl("veille crawl", [sys.executable, "-m", "crawler", "crawl", "--sources", str(sources),
                                        "--db", str(db), "-s", f"VEILLE_TODAY={TODAY}"], settings)
    with sqlite3.connect(db) as conn:
        result["sessions"] = conn.execute("select count(*) from sessions").fetchone()[0]
        result["errors"] = conn.execute("select count(*) from crawl_errors").fetchone()[0]
    return result


def scrapy_alone(sources: Path, settings: dict[str, object]) -> dict:
    """The link-following spider of ``follow_links`` in its own process, measured like the crawl."""
    result = run_crawl("Scrapy alone", [sys.executable, __file__, "--scrapy-alone", str(sources)], settings)
    result["sessions"], result["errors"] = "", ""
    return result


def follow_links(sources: str, overrides: list[str]) -> None:
    """Scrapy and nothing of ours: the production settings without our middlewares and pipelines,
    Scrapy's own robots.txt and retry middlewares instead, and a ``parse`` that only follows links
    (Scrapy's duplicate filter drops the detail pages' link back to the list)."""
    import scrapy
    import yaml
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule(production, priority="project")
    settings.set("DOWNLOADER_MIDDLEWARES", {}, priority="project")
    settings.set("ITEM_PIPELINES", {}, priority="project")
    for name, _, value in (arg.partition("=") for arg in overrides):
        settings.set(name, value, priority="cmdline")
    entries = yaml.safe_load(Path(sources).read_text(encoding="utf-8"))["sources"] or []

    class FollowLinks(scrapy.Spider):
        name = "follow-links"

        async def start(self):
            # Filtered like the links (start_urls are not), so the details' link back is not fetched again.
            for entry in entries:
                yield scrapy.Request(entry["url"])

        def parse(self, response):
            yield from response.follow_all(xpath="//a[@href]")

    process = CrawlerProcess(settings)
    process.crawl(FollowLinks)
    process.start()


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSES TARGET"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", action="store_true",
                        help=f"keep the production DOWNLOAD_DELAY ({production.DOWNLOAD_DELAY} s)")
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--pages", type=int, default=20, help="detail pages per host")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds every answer waits")
    # The Scrapy-alone run: this script started again in its own process (see scrapy_alone).
    parser.add_argument("--scrapy-alone", metavar="SOURCES", help=argparse.SUPPRESS)
    parser.add_argument("-s", dest="overrides", action="append", default=[], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scrapy_alone:
        return follow_links(args.scrapy_alone, args.overrides)
    delay = production.DOWNLOAD_DELAY if args.delay else 0.0
    per_host = production.CONCURRENT_REQUESTS_PER_DOMAIN
    # robots.txt, the list page and the detail pages: each one waits for the latency.
    requests_per_host = 2 + args.pages
    bound = requests_per_host * (args.latency + delay) / per_host
    base = {"DOWNLOAD_DELAY": delay, "CONCURRENT_REQUESTS": 2 * per_host * args.hosts}
    unthrottled = {**base, "AUTOTHROTTLE_ENABLED": False}

    with serve(args.hosts, args.pages, args.latency) as sites, tempfile.TemporaryDirectory() as tmp:
        sources, no_source = Path(tmp) / "sources.yml", Path(tmp) / "none.yml"
        sites.write_sources(sources)
        no_source.write_text("sources: []\n", encoding="utf-8")
        runs = {
            "veille crawl, AutoThrottle on (production)": crawl(sources, Path(tmp) / "throttled.db", base),
            "veille crawl, AutoThrottle off": crawl(sources, Path(tmp) / "unthrottled.db", unthrottled),
            "Scrapy alone, AutoThrottle on": scrapy_alone(sources, base),
            "Scrapy alone, AutoThrottle off": scrapy_alone(sources, unthrottled),
        }
        # The same commands with nothing to fetch: imports, settings, engine start and stop.
        empty = {
            "veille crawl, no source (start-up)": crawl(no_source, Path(tmp) / "empty.db", base),
            "Scrapy alone, no source (start-up)": scrapy_alone(no_source, base),
        }
        sequential = run_measured([sys.executable, str(ROOT / "bench" / "sequential_baseline.py"),
                                   "--sources", str(sources)])
        if sequential["returncode"] != 0:
            sys.exit(f"sequential baseline failed:\n{sequential['stderr'][-3000:]}")

    pages = args.hosts * (1 + args.pages)
    # The sequential script sleeps exactly once per page: with a delay, its time is computed, not waited.
    sequential_time = sequential["wall"] + pages * delay
    print(f"{args.hosts} hosts x {args.pages} detail pages, {args.latency * 1000:.0f} ms per answer, "
          f"DOWNLOAD_DELAY={delay}, CONCURRENT_REQUESTS_PER_DOMAIN={per_host}")
    print(f"lower bound: {requests_per_host} requests/host x ({args.latency} + {delay}) s / {per_host} = {bound:.2f} s")
    print(f"{'run':<44} {'wall s':>7} {'crawl s':>8} {'CPU s':>6} {'peak MB':>8} {'requests':>8} {'sessions':>8}"
          f" {'errors':>6}")
    for name, r in {**runs, **empty}.items():
        print(f"{name:<44} {r['wall']:>7.2f} {r['elapsed']:>8.2f} {r['cpu']:>6.2f} {r['rss_mb']:>8.0f}"
              f" {r['requests']:>8} {r['sessions']:>8} {r['errors']:>6}")
    label = "sequential requests+BeautifulSoup" + (" (+ sleeps, computed)" if delay else "")
    print(f"{label:<44} {sequential_time:>7.2f} {'':>8} {sequential['cpu']:>6.2f} {sequential['rss_mb']:>8.0f}"
          f" {pages:>8} {sequential['stdout'].split()[-1]:>8}")
    veille_start, scrapy_start = (r["cpu"] for r in empty.values())
    for throttle, veille_run in (("on", "veille crawl, AutoThrottle on (production)"),
                                 ("off", "veille crawl, AutoThrottle off")):
        veille = runs[veille_run]
        scrapy = runs[f"Scrapy alone, AutoThrottle {throttle}"]
        ours, theirs = (veille["cpu"] - veille_start) / pages * 1000, (scrapy["cpu"] - scrapy_start) / pages * 1000
        print(f"  CPU per page, AutoThrottle {throttle}, start-up taken out: veille crawl {ours:.2f} ms, Scrapy alone"
              f" {theirs:.2f} ms, ours {ours - theirs:.2f} ms; start-up {veille_start:.2f} s (Scrapy alone"
              f" {scrapy_start:.2f} s)")
    print(f"  sequential: {sequential['cpu'] / pages * 1000:.1f} ms CPU per page (process start included)")
    for name, r in runs.items():
        speedup = sequential_time / r["wall"]
        print(f"ratio {name}: sequential/crawl = {speedup:.1f}x (target >= {SPEEDUP_TARGET}x, "
              f"{verdict(speedup >= SPEEDUP_TARGET)}); crawl/bound = {r['elapsed'] / bound:.2f}"
              f" (process {r['wall'] / bound:.2f}; target <= {BOUND_TARGET}, {verdict(r['elapsed'] / bound <= BOUND_TARGET)});"
              f" peak {r['rss_mb']:.0f} MB / {PEAK_MEMORY_TARGET_MB} MB = {r['rss_mb'] / PEAK_MEMORY_TARGET_MB:.2f}"
              f" ({verdict(r['rss_mb'] < PEAK_MEMORY_TARGET_MB)})")


if __name__ == "__main__":
    main()
