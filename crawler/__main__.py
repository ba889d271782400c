"""``python -m crawler`` is the ``veille`` command (handy when the venv's bin is not on PATH)."""
from crawler.cli import main

main()
