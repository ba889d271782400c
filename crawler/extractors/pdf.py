"""Sessions of PDF programmes: BD training catalogues and OpenAgenda event sheets.

Text is rebuilt from pdfplumber's words with their positions, because plain text
extraction interleaves columns: on a two-column catalogue page it gives "Accueillir les
publics en situation de Deux jours pour lancer un club de lecture". Words are grouped
into line pieces, pieces into columns by their left edge, and a piece that crosses into
the next column (a full-width title or introduction) closes the columns above it.

* A catalogue: each bold title larger than the body text opens a session block with
  "Dates :", "Lieu :", "Public :" lines and a description; blocks run across columns and
  pages, and running footers ("page 1/2") are dropped.
* An OpenAgenda event sheet (``Détail des horaires``): one event, whose schedule list
  ("Avril 2025" / "vendredi 25 - 10:00") gives the occurrences.
"""
from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time

import pdfplumber
from pdfminer.pdfparser import PDFSyntaxError
from pdfplumber.utils.exceptions import PdfminerException

from crawler import textinfo
from crawler.extractors import PARIS, iso_day
from crawler.extractors.base import Extraction, ExtractError, new_session
from crawler.frdates import MONTHS, fold, parse_dates

_COLUMN_GAP = 20  # points between left edges of two columns (OpenAgenda: 12, 135, 258, 375)
_MARGIN = 0.08  # share of the page height where running headers and footers sit
_SLOT = re.compile(r"^(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) (\d{1,2}) - (\d{1,2}):(\d{2})$")
_MONTH = re.compile(r"^([a-z]+) (\d{4})$")
_FIELD = re.compile(r"^(dates?|lieux?|publics?|inscriptions?|date limite[^:]*)\s*:\s*", re.I)
_PAGE_NUMBER = re.compile(r"\bpage\s*\d+(?:\s*/\s*\d+)?\s*$")
# OpenAgenda sheet labels that end the description.
_OA_LABELS = ("evenement ", "categories ", "conditions de participation", "ean", "cycle",
              "a propos du lieu", "detail des horaires", "type d'action", "quel public", "aucune ")


@dataclass
class Line:
    """A piece of text on one line of one column, with its font size and boldness."""

    text: str
    size: float
    bold: bool
    x0: float
    x1: float
    top: float
    page: int


def extract(body: bytes, url: str, ref: date) -> Extraction:
    """Sessions of a PDF; ``ExtractError`` for bytes that are not a readable PDF."""
    lines = read_lines(body)
    if any(_SLOT.match(fold(line.text)) for line in lines):
        return _event_sheet(lines, url)
    sessions, problems = _catalogue(lines, url, ref)
    return Extraction(sessions=sessions, problems=problems, strategy="pdf:catalogue")


def read_lines(body: bytes) -> list[Line]:
    """Text lines of every page in reading order: column by column, hyphenation joined."""
    if not body.lstrip()[:5] == b"%PDF-":
        raise ExtractError("ce n'est pas un PDF (pas d'en-tête %PDF-)")
    try:
        with pdfplumber.open(io.BytesIO(body)) as pdf:
            pages = [(page.extract_words(extra_attrs=["size", "fontname"]), page.height)
                     for page in pdf.pages]
    except (PdfminerException, PDFSyntaxError, ValueError, KeyError, TypeError) as error:
        raise ExtractError(f"PDF illisible : {error}") from error
    heights = {number: height for number, (_, height) in enumerate(pages, start=1)}
    pieces = [piece for number, (words, _) in enumerate(pages, start=1) for piece in _pieces(words, number)]
    # Running lines go first: a centred footer would otherwise pass for a third column.
    pieces = _drop_running_lines(pieces, heights)
    lines = []
    for number in heights:
        lines += _reading_order([piece for piece in pieces if piece.page == number])
    return _join_hyphens(lines)


def _pieces(words: list[dict], page: int) -> list[Line]:
    """Words on the same baseline, split where the gap is wider than a word space."""
    pieces: list[Line] = []
    current: list[dict] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        last = current[-1] if current else None
        if last and abs(word["top"] - last["top"]) < 2 and -1 < word["x0"] - last["x1"] < 0.6 * word["size"] + 1:
            current.append(word)
            continue
        if current:
            pieces.append(_line(current, page))
        current = [word]
    if current:
        pieces.append(_line(current, page))
    return pieces


def _line(words: list[dict], page: int) -> Line:
    sizes = Counter(round(w["size"], 1) for w in words)
    return Line(" ".join(w["text"] for w in words), sizes.most_common(1)[0][0],
                all("bold" in w["fontname"].lower() for w in words),
                words[0]["x0"], words[-1]["x1"], words[0]["top"], page)


def _reading_order(pieces: list[Line]) -> list[Line]:
    """Column after column, top to bottom, between full-width pieces.

    A column is a left edge shared by at least two pieces: a lone caption ("© F. Deval")
    is not one.
    """
    clusters: list[list[int]] = []
    for x in sorted(round(p.x0) for p in pieces):
        if clusters and x - clusters[-1][-1] <= _COLUMN_GAP:
            clusters[-1].append(x)
        else:
            clusters.append([x])
    columns = [cluster[0] for cluster in clusters if len(cluster) >= 2] or [0]

    def column(piece: Line) -> int:
        return max((i for i, x in enumerate(columns) if x <= round(piece.x0) + _COLUMN_GAP), default=0)

    ordered, band = [], []
    for piece in sorted(pieces, key=lambda p: p.top):
        index = column(piece)
        if index + 1 < len(columns) and piece.x1 > columns[index + 1] + _COLUMN_GAP:
            ordered += sorted(band, key=lambda p: (column(p), p.top)) + [piece]
            band = []
        else:
            band.append(piece)
    return ordered + sorted(band, key=lambda p: (column(p), p.top))


def _drop_running_lines(lines: list[Line], heights: dict[int, float]) -> list[Line]:
    """Footers ("Catalogue ... page 1/2"), and headers repeated from page 1 on later pages."""
    first_page_top = {line.text for line in lines if line.page == 1 and line.top < 0.15 * heights[1]}
    kept = []
    for line in lines:
        height = heights[line.page]
        footer = line.top > (1 - _MARGIN) * height and _PAGE_NUMBER.search(fold(line.text))
        header = line.page > 1 and line.top < 0.15 * height and line.text in first_page_top
        if not (footer or header):
            kept.append(line)
    return kept


def _join_hyphens(lines: list[Line]) -> list[Line]:
    """"Biblioth-" + "-èque" (OpenAgenda) and "infor-" + "mation" become one word."""
    joined: list[Line] = []
    for line in lines:
        previous = joined[-1] if joined else None
        if previous and re.search(r"\w-$", previous.text) and re.match(r"-?[a-zà-ÿ]", line.text):
            head, _, rest = line.text.lstrip("-").partition(" ")
            previous.text = previous.text[:-1] + head
            if not rest:
                continue
            line.text = rest
        joined.append(line)
    return joined


def _catalogue(lines: list[Line], url: str, ref: date) -> tuple[list[dict], list[str]]:
    body_size = Counter(line.size for line in lines).most_common(1)[0][0] if lines else 0
    blocks: list[list[Line]] = []
    for line in lines:
        is_title = line.bold and line.size > body_size
        if is_title and blocks and blocks[-1][-1].bold and blocks[-1][-1].size == line.size \
                and len(blocks[-1]) == sum(1 for part in blocks[-1] if part.bold):
            blocks[-1].append(line)  # a title over two lines
        elif is_title:
            blocks.append([line])
        elif blocks:
            blocks[-1].append(line)
    sessions, problems = [], []
    for block in blocks:
        title = " ".join(line.text for line in block if line.bold and line.size > body_size)
        session = _catalogue_session(title, [line.text for line in block if not line.bold], url, ref, problems)
        if session:
            sessions.append(session)
    return sessions, problems


def _catalogue_session(title: str, texts: list[str], url: str, ref: date, problems: list[str]) -> dict | None:
    """A session, or None when the block has no "Dates :" or one that cannot be read (a problem)."""
    fields, description, label = {}, [], None
    for i, text in enumerate(texts):
        match = _FIELD.match(text)
        following = texts[i + 1] if i + 1 < len(texts) else ""
        if match:
            label = fold(match.group(1)).rstrip("s")
            fields[label] = text[match.end():]
        elif label and (_FIELD.match(following) or fields[label].endswith(",")):
            fields[label] += " " + text  # "Lieu : Bibliothèque départementale," / "Saint-Vallier"
        else:
            label = None
            description.append(text)
    if "date" not in fields:
        return None
    span = parse_dates(fields["date"], ref)
    if span is None:
        problems.append(f"date illisible « {fields['date']} » pour « {title} »")
        return None
    if note := span.weekday_note():
        problems.append(f"{note}, pour « {title} »")
    start, end, _ = span.to_iso()  # new_session derives all_day from start: a date, no time
    text = "\n".join(texts)
    return new_session(
        title, start, end=end,
        occurrences=span.occurrences() if len(span.days) > 1 else [],
        description=" ".join(description), place=fields.get("lieu"), url=url,
        status=textinfo.status_from_text(f"{title}\n{text}"), date_text=span.text,
        audience=fields.get("public"),
        registration_deadline=iso_day(textinfo.registration_deadline(text, ref)),
    )


def _event_sheet(lines: list[Line], url: str) -> Extraction:
    """One OpenAgenda event: title (largest type), date line under it, venue, schedule."""
    first_page = [line for line in lines if line.page == 1]
    title_size = max(line.size for line in first_page)
    title_at = next(i for i, line in enumerate(lines) if line.size == title_size)
    title_lines = [lines[title_at]]
    for line in lines[title_at + 1:title_at + 3]:  # a long title wraps, in the same bold type
        if line.size != title_size or not line.bold or not title_lines[-1].bold:
            break
        title_lines.append(line)
    title = " ".join(line.text for line in title_lines)
    after_title = lines[title_at + len(title_lines):]
    date_line = after_title[0].text if after_title else ""
    description = []
    for line in after_title[1:]:
        if fold(line.text).startswith(_OA_LABELS):
            break
        description.append(line.text)
    occurrences = _schedule(lines)
    if not occurrences:
        return Extraction(problems=[f"horaires illisibles pour « {title} »"], strategy="pdf:openagenda")
    organiser = first_page[0].text if first_page[0].size < title_size else None
    session = new_session(
        title, occurrences[0]["start"], occurrences=occurrences,  # timed: new_session says not all day
        description=" ".join(description), place=_venue(lines), organiser=organiser, url=url,
        status=textinfo.status_from_text("\n".join(description)), date_text=date_line,
    )
    return Extraction(sessions=[session], strategy="pdf:openagenda")


def _schedule(lines: list[Line]) -> list[dict]:
    """"Avril 2025" then "vendredi 25 - 10:00" lines -> start datetimes (no end is printed)."""
    occurrences, month = [], None
    for line in lines:
        text = fold(line.text)
        heading = _MONTH.match(text)
        if heading and heading.group(1) in MONTHS:
            month = (int(heading.group(2)), MONTHS[heading.group(1)])
            continue
        slot = _SLOT.match(text)
        if slot and month:
            day, hour, minute = map(int, slot.groups())
            start = datetime.combine(date(*month, day), time(hour, minute), PARIS)
            occurrences.append((start, {"start": start.isoformat(), "end": None}))
    # Columns of one month may be read out of order ("jeudi 11" beside "mardi 30"): sort by time.
    return [occurrence for _, occurrence in sorted(occurrences, key=lambda pair: pair[0])]


def _venue(lines: list[Line]) -> str | None:
    """The name and address under "À propos du lieu" (same smaller type size)."""
    heading = next((i for i, line in enumerate(lines) if fold(line.text) == "a propos du lieu"), None)
    if heading is None or heading + 1 >= len(lines):
        return None
    size = lines[heading + 1].size
    parts = [line.text for line in lines[heading + 1:heading + 3] if line.size == size]
    return ", ".join(parts) or None
