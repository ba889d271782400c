"""The README's cron line and systemd units are real: they parse, and systemd accepts them."""
import re
import shutil
import subprocess

import pytest

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def block(language, index=0):
    return re.findall(rf"```{language}\n(.*?)```", README, re.S)[index]


def test_cron_line_runs_the_weekly_command_every_week():
    line = next(l for l in block("cron").splitlines() if l.strip() and not l.startswith("#"))
    minute, hour, dom, month, dow, command = line.split(None, 5)
    assert minute.isdigit() and hour.isdigit() and (dom, month) == ("*", "*") and dow in "0123456"
    assert "veille weekly" in command


def units(tmp_path):
    service, timer = tmp_path / "veille-weekly.service", tmp_path / "veille-weekly.timer"
    # Point the unit at a binary that exists here, so verify checks syntax, not this machine's layout.
    service.write_text(block("ini", 0).replace("/srv/veille-formations/.venv/bin/veille", shutil.which("true"))
                       .replace("User=veille\n", "").replace("WorkingDirectory=/srv/veille-formations\n", ""))
    timer.write_text(block("ini", 1))
    return service, timer


def test_systemd_units_have_the_expected_sections(tmp_path):
    service, timer = units(tmp_path)
    assert "[Service]" in service.read_text() and "Type=oneshot" in service.read_text()
    assert "[Timer]" in timer.read_text() and "[Install]" in timer.read_text()


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_accepts_the_units(tmp_path):
    service, timer = units(tmp_path)
    result = subprocess.run(["systemd-analyze", "verify", str(service), str(timer)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    calendar = re.search(r"OnCalendar=(.+)", timer.read_text()).group(1)
    result = subprocess.run(["systemd-analyze", "calendar", calendar], capture_output=True, text=True)
    assert result.returncode == 0 and "Mon" in result.stdout, result.stdout + result.stderr
