"""Read one document for ``veille extract``: a local file, or a URL fetched politely."""
from __future__ import annotations

import mimetypes
import urllib.request
from pathlib import Path

from crawler.settings import DOWNLOAD_MAXSIZE, DOWNLOAD_TIMEOUT, USER_AGENT


def fetch(path_or_url: str) -> tuple[bytes, str, str | None]:
    """(body, url, content type) of a file path or an http(s) URL."""
    if path_or_url.startswith(("http://", "https://")):
        request = urllib.request.Request(path_or_url, headers={"User-Agent": USER_AGENT})
        with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT) as response:
            return response.read(DOWNLOAD_MAXSIZE), response.geturl(), response.headers.get("Content-Type")
    path = Path(path_or_url).resolve()
    return path.read_bytes(), path.as_uri(), mimetypes.guess_type(path.name)[0]
