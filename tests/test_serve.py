"""``veille serve`` on a database file of any name: lists and feeds stay under /veille/."""
import subprocess
import sys
import time

import pytest
import requests

from conftest import ROOT
from crawler.store import Store
from smtp_helpers import free_port


def test_serve_names_the_database_veille_whatever_its_file(tmp_path):
    db = tmp_path / "sauvegarde-2026.db"
    Store(db)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "crawler", "serve", "--db", str(db), "--port", str(port)],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/veille/prochaines_sessions.json", timeout=5)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "veille serve did not answer"
                time.sleep(0.2)
        assert response.status_code == 200 and response.json()["rows"] == []
        assert requests.get(f"http://127.0.0.1:{port}/veille/calendrier.ics", timeout=5).status_code == 200
        assert requests.get(f"http://127.0.0.1:{port}/sauvegarde-2026", timeout=5).status_code == 404
    finally:
        server.terminate()
        server.wait(timeout=10)
    # `veille serve` becomes Datasette: stopping it leaves no server listening behind.
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/", timeout=5)
