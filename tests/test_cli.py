"""The ``veille`` command line: sources listing, docs that match the commands."""
import json
import re
import subprocess
import sys

import click

from conftest import ROOT
from crawler.cli import main
from crawler.sources import load_sources
from crawler.store import Store


def veille(*args):
    result = subprocess.run([sys.executable, "-m", "crawler", *args], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_sources_list_json_covers_every_bd_and_abf_group():
    rows = json.loads(veille("sources", "list", "--json", "--db", "/nonexistent/veille.db"))
    assert sum(r["kind"] == "bd" for r in rows) >= 90
    abf_groups = [r for r in rows if r["kind"] == "abf" and r["region"] and "national" not in r["id"]]
    assert len({r["region"] for r in abf_groups}) >= 21
    assert any(r["id"].startswith("abf-national") and r["url"] for r in rows)
    assert sum(1 for r in rows if r["enabled"] and r["url"]) >= 45
    assert {"kind", "platform", "enabled", "health"} <= set(rows[0])


def test_missing_lists_only_sources_without_url():
    rows = json.loads(veille("sources", "list", "--json", "--missing", "--db", "/nonexistent/veille.db"))
    assert rows and all(r["url"] is None and not r["enabled"] for r in rows)


def test_unverified_source_leaves_the_list_once_a_crawl_confirms_it(tmp_path):
    db = tmp_path / "veille.db"
    before = json.loads(veille("sources", "list", "--json", "--unverified", "--db", str(db)))
    assert before and all(r["evidence"] == "inferred" and r["url"] for r in before)
    confirmed = next(s for s in load_sources(ROOT / "sources.yml") if s.id == before[0]["id"])
    store = Store(db)
    store.sync_sources([confirmed])
    item = {"id": "x", "source_id": confirmed.id, "title": "Journée d'étude", "start": "2027-01-14",
            "status": "scheduled", "fetched_at": "2026-11-25T00:00:00+00:00"}
    store.save_source(store.start_run(), confirmed, [item], {"pages": 1, "items": 1, "errors": []})
    after = json.loads(veille("sources", "list", "--json", "--unverified", "--db", str(db)))
    assert {r["id"] for r in after} == {r["id"] for r in before} - {confirmed.id}
    listed = json.loads(veille("sources", "list", "--json", "--db", str(db)))
    assert next(r for r in listed if r["id"] == confirmed.id)["health"] == "ok"


def test_sources_list_says_what_is_wrong_with_a_source(tmp_path):
    db = tmp_path / "veille.db"
    source = next(s for s in load_sources(ROOT / "sources.yml") if s.enabled and s.url)
    store = Store(db)
    store.sync_sources([source])
    store.save_source(store.start_run(), source, [], {"pages": 0, "items": 0, "failed": True, "errors": [
        {"url": source.url, "kind": "http", "message": "HTTP 503"}]})
    listed = json.loads(veille("sources", "list", "--json", "--db", str(db)))
    row = next(r for r in listed if r["id"] == source.id)
    assert (row["health"], row["problem"]) == ("failed", "aucune page lisible : HTTP 503")
    line = next(line for line in veille("sources", "list", "--db", str(db)).splitlines() if f" {source.id} " in line)
    assert line.startswith("on ") and line.endswith("(aucune page lisible : HTTP 503)")


def command_paths(group: click.Group, prefix=()):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from command_paths(command, prefix + (name,))
        else:
            yield " ".join(prefix + (name,))


def test_readme_mentions_every_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"veille ((?:sources |db |keywords )?[a-z]+)", readme))
    missing = set(command_paths(main)) - documented
    assert not missing, f"commands absent from README.md: {sorted(missing)}"


def test_every_command_has_help():
    for path in command_paths(main):
        out = veille(*path.split(), "--help")
        assert "Usage:" in out and len(out.splitlines()) > 3, path


def test_dates_command_prints_the_four_fields():
    out = json.loads(veille("dates", "jeudi 14 décembre, 9 h 00 – 12 h 00", "--ref", "2023-11-20"))
    assert out == {"start_date": "2023-12-14", "end_date": "2023-12-14", "start_time": "09:00", "end_time": "12:00"}


def test_dates_jsonl_keeps_ids_and_gives_nulls_for_no_date(tmp_path):
    cases = tmp_path / "cases.jsonl"
    cases.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in [
        {"id": "a", "text": "du 3 au 5 juin 2025", "ref": "2025-03-10"},
        {"id": "b", "text": "Date à venir", "ref": "2025-03-10"},
    ]), encoding="utf-8")
    lines = [json.loads(l) for l in veille("dates", "--jsonl", str(cases)).splitlines()]
    assert lines == [
        {"id": "a", "start_date": "2025-06-03", "end_date": "2025-06-05", "start_time": None, "end_time": None},
        {"id": "b", "start_date": None, "end_date": None, "start_time": None, "end_time": None},
    ]


def test_extract_prints_sessions_and_the_strategy():
    result = subprocess.run(
        [sys.executable, "-m", "crawler", "extract", str(ROOT / "tests/fixtures/sites/ics-agenda/agenda.ics"),
         "--ref", "2026-11-25"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    sessions = [json.loads(l) for l in result.stdout.splitlines()]
    expected = json.loads((ROOT / "tests/fixtures/sites/ics-agenda/expected.json").read_text(encoding="utf-8"))
    assert len(sessions) == len(expected) and "strategy: ics" in result.stderr
    assert {"title", "start", "end", "place", "status"} <= set(sessions[0])


def test_extract_names_the_file_when_it_is_unreadable(tmp_path):
    broken = tmp_path / "broken.ics"
    broken.write_text("BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:x\n")
    result = subprocess.run([sys.executable, "-m", "crawler", "extract", str(broken), "--format", "ics"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "broken.ics" in result.stderr


def test_db_stats_and_export(tmp_path):
    db = tmp_path / "veille.db"
    source = next(s for s in load_sources(ROOT / "sources.yml") if s.enabled)
    store = Store(db)
    store.sync_sources([source])
    item = {"id": "x", "source_id": source.id, "title": "Atelier RGPD", "start": "2027-01-14", "status": "scheduled",
            "fetched_at": "2026-11-25T00:00:00+00:00",
            "match": {"score": 90.0, "relevant": True, "terms": [{"concept": "rgpd"}], "why": "« RGPD » dans le titre"}}
    store.save_source(store.start_run(), source, [item], {"pages": 1, "items": 1, "errors": []})
    stats = veille("db", "stats", "--db", str(db))
    assert re.search(r"^sessions\s+1$", stats, re.M) and f"{source.id}" in stats
    exported = json.loads(veille("db", "export", "--format", "json", "--db", str(db)))
    assert exported[0]["title"] == "Atelier RGPD" and exported[0]["relevant"] == 1 and exported[0]["why"]
    csv_out = veille("db", "export", "--db", str(db))
    assert csv_out.splitlines()[0].startswith("id,") and "Atelier RGPD" in csv_out


def test_crawl_refuses_a_malformed_sources_file_before_fetching(tmp_path):
    bad = tmp_path / "sources.yml"
    bad.write_text("sources:\n- id: bd-35\n  name: MD 35\n  kind: bd\n  url: https://a.fr\n  format: htm\n")
    result = subprocess.run([sys.executable, "-m", "crawler", "crawl", "--sources", str(bad), "--db",
                             str(tmp_path / "v.db")], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "entry 1 (bd-35)" in result.stderr and "'format'" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "v.db").exists()


def test_rematch_rescores_lists_relevance_changes_and_records_the_version(tmp_path):
    from matchers import load_matcher

    from crawler.scoring import match_record

    db = tmp_path / "veille.db"
    source = next(s for s in load_sources(ROOT / "sources.yml") if s.enabled)
    matcher = load_matcher(ROOT / "keywords.yml")
    sessions = [
        {"id": "weak", "title": "Accueillir les publics", "description": "Un rappel sur les données personnelles."},
        {"id": "strong", "title": "Le RGPD en bibliothèque", "description": "Registre des traitements, CNIL."},
    ]
    items = [{**s, "source_id": source.id, "start": "2027-01-14", "status": "scheduled",
              "fetched_at": "2026-11-25T00:00:00+00:00", "match": match_record(matcher, s)} for s in sessions]
    store = Store(db)
    store.sync_sources([source])
    store.save_source(store.start_run(), source, items, {"pages": 1, "items": 2, "errors": []})
    weak_score = items[0]["match"]["score"]
    assert items[1]["match"]["relevant"]
    # A volunteer lowers the threshold below the weak session's score: it becomes relevant.
    text = (ROOT / "keywords.yml").read_text(encoding="utf-8")
    stricter = tmp_path / "keywords.yml"
    stricter.write_text(re.sub(r"^threshold: .*$", f"threshold: {max(weak_score - 1, 1):.0f}", text, count=1, flags=re.M),
                        encoding="utf-8")
    out = veille("rematch", "--db", str(db), "--keywords", str(stricter))
    version = load_matcher(stricter).version
    assert f"keywords version {version}: 1 session(s) changed relevance" in out
    assert "+ 2027-01-14 Accueillir les publics" in out
    rows = {r["session_id"]: r for r in Store(db).db.query("select * from matches")}
    assert {r["keywords_version"] for r in rows.values()} == {version}
    assert rows["weak"]["relevant"] == 1 and rows["strong"]["relevant"] == 1


def test_match_jsonl_scores_each_session_with_its_evidence(tmp_path):
    sessions = tmp_path / "sessions.jsonl"
    sessions.write_text("\n".join(json.dumps(s, ensure_ascii=False) for s in [
        {"id": "a", "title": "Le RGPD à la bibliothèque", "description": "", "place": "ignored"},
        {"id": "b", "title": "Goûter-lecture : cookies et chocolat chaud", "description": "Recettes de Noël."},
    ]), encoding="utf-8")
    lines = [json.loads(l) for l in veille("match", "--jsonl", str(sessions)).splitlines()]
    assert [(l["id"], l["relevant"]) for l in lines] == [("a", True), ("b", False)]
    assert set(lines[0]) == {"id", "score", "relevant", "terms"}
    assert lines[0]["terms"][0]["field"] == "title" and lines[0]["terms"][0]["text"] == "RGPD"


def test_match_jsonl_reads_a_file_saved_with_a_byte_order_mark(tmp_path):
    sessions = tmp_path / "sessions.jsonl"
    sessions.write_text('{"id": "a", "title": "Vie privée", "label": 1}\r\n{"id": "b", "title": "Lecture", "label": 0}\r\n',
                        encoding="utf-8-sig")
    assert [json.loads(line)["id"] for line in veille("match", "--jsonl", str(sessions)).splitlines()] == ["a", "b"]
    assert "precision 1.000  recall 1.000" in veille("match", "--eval", str(sessions))


def test_match_jsonl_names_a_broken_line_and_scores_the_others(tmp_path):
    sessions = tmp_path / "sessions.jsonl"
    sessions.write_text('{"id": "a", "title": "Vie privée"}\n{"id": "b", "title": \n["not", "a", "session"]\n'
                        '{"id": "c", "title": "RGPD"}\n', encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "crawler", "match", "--jsonl", str(sessions)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["a", "c"]
    assert "sessions.jsonl, ligne 2 ignorée" in result.stderr and "ligne 3 ignorée" in result.stderr


def test_match_eval_prints_figures_and_the_errors_with_evidence(tmp_path):
    labelled = tmp_path / "labelled.jsonl"
    labelled.write_text("\n".join(json.dumps(s, ensure_ascii=False) for s in [
        {"id": "tp", "title": "Protéger sa vie privée en ligne", "description": "", "label": 1},
        {"id": "fn", "title": "Conférence du mardi", "description": "", "label": 1},
        {"id": "tn", "title": "Désherbage", "description": "", "label": 0},
    ]), encoding="utf-8")
    out = veille("match", "--eval", str(labelled))
    assert out.startswith("precision 1.000  recall 0.500  F1 0.667  (tp 1, fp 0, fn 1)")
    assert "false negative: [fn] Conférence du mardi" in out
