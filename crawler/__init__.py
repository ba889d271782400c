"""veille-formations: watch French library training calendars for digital-privacy sessions."""
from pathlib import Path

# The repository: keywords.yml, datasette-metadata.json and the demo sites ship beside the code.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
