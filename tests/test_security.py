"""Nobody gets in: scraped HTML stays text, the server listens on this machine only, sources come
only from sources.yml, and no secret is committed.

(Datasette's read-only rules for anonymous visitors are tested with the Datasette metadata.)
"""
import asyncio
import re
import subprocess

import pytest
from click.testing import CliRunner

from conftest import ROOT
from crawl_helpers import crawl, rows, spider_for, write_sources
from crawler.cli import main
from crawler.serve import datasette_command
from crawler.sites import SiteServer

SCRIPT = '<script>alert("veille")</script>'


def test_scraped_script_is_stored_as_plain_text(tmp_path):
    """A ``<script>`` in a title (escaped in HTML, raw in iCalendar) is stored as the text it is."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "robots.txt").write_text("User-agent: *\nDisallow:\n")
    (site / "atelier.html").write_text(
        "<html><head><title>Atelier</title></head><body><article>"
        '<h1>&lt;script&gt;alert("veille")&lt;/script&gt; Atelier RGPD</h1>'
        "<p>Le 8 décembre 2026 de 9 h 30 à 12 h</p><p>Lieu : Médiathèque, Privas</p></article></body></html>",
        encoding="utf-8")
    (site / "agenda.ics").write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//FR\r\nBEGIN:VEVENT\r\nUID:x@t\r\n"
        f"DTSTART;VALUE=DATE:20261208\r\nSUMMARY:{SCRIPT} Café vie privée\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        encoding="utf-8")
    server = SiteServer(site).start()
    try:
        sources = write_sources(tmp_path / "sources.yml", [
            {"id": "html", "name": "BD", "url": f"{server.url}/atelier.html"},
            {"id": "ics", "name": "ABF", "url": f"{server.url}/agenda.ics"}])
        result = crawl(sources, tmp_path / "veille.db")
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr[-2000:]
    titles = {r["source_id"]: r["title"] for r in rows(tmp_path / "veille.db", "select source_id, title from sessions")}
    assert titles == {"html": f"{SCRIPT} Atelier RGPD", "ics": f"{SCRIPT} Café vie privée"}


def test_serve_listens_on_loopback_unless_told_otherwise():
    help_text = CliRunner().invoke(main, ["serve", "--help"]).output
    assert re.search(r"--host TEXT.*default:\s*127\.0\.0\.1", help_text, re.DOTALL), help_text
    serve = next(p for p in main.commands["serve"].params if p.name == "host")
    assert serve.default == "127.0.0.1"
    command = datasette_command("veille.db", serve.default, 8001)
    assert command[command.index("--host") + 1] == "127.0.0.1"


@pytest.mark.parametrize("module", ["cli.py", "serve.py", "demo.py"])
def test_no_command_listens_on_every_interface(module):
    assert "0.0.0.0" not in (ROOT / "crawler" / module).read_text(encoding="utf-8")


def start_urls(spider) -> list[str]:
    async def collect():
        return [request.url async for request in spider.start()]
    return asyncio.run(collect())


def test_sources_come_only_from_sources_yml(tmp_path):
    """Spider arguments (``scrapy crawl -a``) cannot add a URL to crawl; only sources.yml can."""
    sources = write_sources(tmp_path / "sources.yml", [
        {"id": "bd07", "name": "BD Ardèche", "url": "http://127.0.0.1:8001/formations"},
        {"id": "off", "name": "Off", "url": "http://127.0.0.1:8002/", "enabled": False}])
    spider = spider_for(sources, start_urls=["http://127.0.0.1:9/injected"], url="http://127.0.0.1:9/other")
    assert start_urls(spider) == ["http://127.0.0.1:8001/formations"]
    with pytest.raises(ValueError, match="no enabled source"):
        spider_for(sources, only="http://127.0.0.1:9/injected")


# --- no secret is committed -------------------------------------------------------------
# Each rule: (name, pattern, allowed in tests/ with loopback dummy values?)
SECRET_RULES = [
    ("private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----"), False),
    ("AWS access key", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), False),
    ("password hash", re.compile(r"pbkdf2_sha256\$\d+\$[^$\s\"']+\$"), False),
    # password = "...", "token": "..."; ${VARIABLE} placeholders are the documented way.
    ("password literal", re.compile(
        r"""(?i)\b\w*(?:password|passwd|secret|token|api_?key)\w*["']?\s*[:=]\s*["'](?!\$\{)[^"'\s]{4,}["']"""), True),
    # An (apprise) URL with a password between "//user:" and "@host", unless it is ${VAR}.
    ("URL with inline credentials", re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s/:@\"'$]+:(?!\$\{)[^\s/@\"']+@([^\s/:?#\"']+)"), True),
]
LOOPBACK = ("127.0.0.1", "localhost", "[::1]")


def find_secrets(path: str, text: str) -> list[str]:
    """``path:line: rule`` for each obvious secret; tests may keep dummy credentials for loopback."""
    in_tests = path.startswith("tests/")
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for name, pattern, test_dummy_ok in SECRET_RULES:
            match = pattern.search(line)
            if not match:
                continue
            if in_tests and test_dummy_ok and (name == "password literal" or match.group(1) in LOOPBACK):
                continue
            found.append(f"{path}:{number}: {name}")
    return found


def repository_files() -> list[str]:
    """Files git tracks, and new files not ignored (so a secret is caught before its commit)."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return sorted(set(listed.splitlines()))


def test_no_secret_in_the_repository():
    found = []
    for path in repository_files():
        file = ROOT / path
        if not file.is_file() or file.stat().st_size > 2_000_000:
            continue
        data = file.read_bytes()
        if b"\0" in data[:8192]:
            continue  # binary: PDF, SQLite fixtures
        found += find_secrets(path, data.decode("utf-8", errors="replace"))
    assert found == []


@pytest.mark.parametrize("path, line", [
    ("deploy/key.pem", "-----BEGIN " + "RSA PRIVATE KEY-----"),
    ("crawler/x.py", "KEY = '" + "AKIA" + "ABCDEFGHIJKLMNOP'"),
    ("crawler/x.py", 'smtp_password = "' + 'hunter22"'),
    ("config.json", '"api_key": "' + 'abcd1234"'),
    ("alerts.yml", '- "mailtos://veille:' + 's3cret@mail.example.org"'),
    ("tests/test_x.py", '"mailtos://veille:' + 's3cret@mail.example.org"'),  # tests: loopback only
    ("datasette-metadata.json", '"hash": "pbkdf2_sha256$480000$' + 'salt$digest"'),
])
def test_secret_scanner_flags(path, line):
    assert find_secrets(path, line) == [f"{path}:1: {rule}" for rule, pattern, _ in SECRET_RULES if pattern.search(line)]
    assert find_secrets(path, line)


@pytest.mark.parametrize("path, line", [
    ("alerts.example.yml", '- "mailtos://veille:${SMTP_PASSWORD}@mail.example.org"'),
    ("alerts.example.yml", '- "ntfys://${NTFY_TOKEN}@ntfy.example.org/veille"'),
    ("datasette-metadata.json", '"benevole_password_hash": {"$env": "VEILLE_PASSWORD_HASH_BENEVOLE"}'),
    ("tests/datasette_helpers.py", 'VOLUNTEER, PASSWORD = "benevole", "mot de passe des tests"'),
    ("tests/test_alerts.py", '"mailto://veille:dummy@127.0.0.1:2525"'),
    ("crawler/frdates.py", "tokens = _lex(text)"),
])
def test_secret_scanner_lets_placeholders_and_test_dummies_pass(path, line):
    assert find_secrets(path, line) == []
