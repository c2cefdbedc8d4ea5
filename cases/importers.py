"""Event-file imports: ACLED exports and UCDP GED CSV files, filed as signals.

Two services and their helpers:

- `import_job_create` checks what can be checked about the whole file at once (size, encoding,
  CSV structure, required columns, the source, the classification, the actor's permission),
  stores the file and enqueues the Celery task once the job is committed.
- `import_job_run` does the work: every row is parsed here (dates, countries, numbers), then
  checked by `cases.services.signal_validate`, the one rule set of every intake channel. A row
  with problems becomes ImportRowError rows and is skipped; good rows are inserted in batches.
  Each batch commits its signals, its row errors and the job's counters together, so the
  counters are a checkpoint: a rerun of a half-done job continues after the last batch, and the
  (origin, external_id) pre-check makes a second import of the same file create nothing.

Row errors name the column and the problem. They may quote short values (a date, a coordinate,
a country name) but never the notes, the actors or the outlet text, and never a source identity.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import logging
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import IO, Any

from celery.exceptions import SoftTimeLimitExceeded
from django.core.files import File
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from cases import access
from cases.models import (
    Category,
    DatePrecision,
    ImportJob,
    ImportRowError,
    Origin,
    Signal,
    Source,
)
from cases.services import signal_validate
from cases.taxonomy import UCDP_VIOLENCE_LABELS, acled_category, ucdp_category
from r2p.countries import country_name, member_state_validate
from r2p.errors import ApplicationValidationError, ConflictError, NotFoundError
from r2p.models import Classification, User
from r2p.services import audit_record

logger = logging.getLogger(__name__)

IMPORT_MAX_BYTES = 50 * 1024 * 1024  # 50 MiB: the largest real export we expect is ~11 MB
BATCH_SIZE = 1000
# Larger counts are typing errors, and would not fit the database's integer columns.
_LARGEST_COUNT = 100_000_000
FIRST_ERRORS_SHOWN = 50

# How values the files use for "nothing" are written.
_MISSING = {"", "NA", "N/A"}

# The Admiralty credibility given to imported rows; docs/taxonomy.md explains the choice.
ACLED_CREDIBILITY = 3
UCDP_CREDIBILITY_BY_CLARITY = {1: 2, 2: 3}
UCDP_DEFAULT_CREDIBILITY = 3

ACLED_PRECISION = {"1": DatePrecision.DAY, "2": DatePrecision.WEEK, "3": DatePrecision.MONTH}
# UCDP date_prec: 1 exact day, 2 a span of 2-6 days, 3 the week, 4 the month, 5 the year.
UCDP_PRECISION = {
    "1": DatePrecision.DAY,
    "2": DatePrecision.WEEK,
    "3": DatePrecision.WEEK,
    "4": DatePrecision.MONTH,
    "5": DatePrecision.YEAR,
}

# ACLED and UCDP country names that hdx-python-country does not match exactly. Kosovo has no
# ISO 3166 code; XKX is the user-assigned code UN, ACLED and UCDP practice agree on.
COUNTRY_ALIASES: dict[str, str] = {
    "kosovo": "XKX",
    "democratic republic of congo": "COD",
    "dr congo (zaire)": "COD",
    "republic of congo": "COG",
    "ivory coast": "CIV",
    "cote d'ivoire": "CIV",
    "palestine": "PSE",
    "curacao": "CUW",
    "laos": "LAO",
    "vietnam": "VNM",
    "turkey": "TUR",
    "east timor": "TLS",
    "north korea": "PRK",
    "south korea": "KOR",
    "bonaire, saint eustatius and saba": "BES",
    "caribbean netherlands": "BES",
    "saint-barthelemy": "BLM",
    "saint-martin": "MAF",
    "vatican city": "VAT",
    "brunei": "BRN",
    "macedonia": "MKD",
    "macedonia, fyr": "MKD",
    "reunion": "REU",
    "taiwan": "TWN",
    "macau": "MAC",
    "swaziland": "SWZ",
    "kingdom of eswatini (swaziland)": "SWZ",
    "aland islands": "ALA",
    "bosnia-herzegovina": "BIH",
    "federated states of micronesia": "FSM",
    "us virgin islands": "VIR",
    "cambodia (kampuchea)": "KHM",
    "myanmar (burma)": "MMR",
    "russia (soviet union)": "RUS",
    "serbia (yugoslavia)": "SRB",
    "yemen (north yemen)": "YEM",
    "zimbabwe (rhodesia)": "ZWE",
    "madagascar (malagasy)": "MDG",
    "vietnam (north vietnam)": "VNM",
}


class ImportFileError(Exception):
    """A problem with the whole file: nothing in it can be imported until it is fixed."""


@dataclass(frozen=True)
class FormatSpec:
    origin: str
    label: str
    required: tuple[str, ...]
    id_column: str
    # Columns that, when all present, say the file is this format (to name a wrong choice).
    signature: tuple[str, ...]


FORMATS: dict[str, FormatSpec] = {
    ImportJob.Format.ACLED: FormatSpec(
        origin=Origin.ACLED,
        label="ACLED",
        required=(
            "event_id_cnty",
            "event_date",
            "event_type",
            "actor1",
            "country",
            "location",
            "latitude",
            "longitude",
            "source",
            "notes",
            "fatalities",
        ),
        id_column="event_id_cnty",
        signature=("event_id_cnty", "event_type"),
    ),
    ImportJob.Format.UCDP: FormatSpec(
        origin=Origin.UCDP,
        label="UCDP GED",
        required=(
            "id",
            "type_of_violence",
            "side_a",
            "side_b",
            "country",
            "date_start",
            "date_prec",
            "latitude",
            "longitude",
            "low",
            "best",
            "high",
            "source_article",
        ),
        id_column="id",
        signature=("type_of_violence", "best", "date_start"),
    ),
}

# The workflow of a job, as data: from each status, the statuses it may move to. A failed job
# may run again (it continues after its last committed batch); a done job is left alone.
IMPORT_TRANSITIONS: dict[str, set[str]] = {
    ImportJob.Status.QUEUED: {ImportJob.Status.RUNNING},
    ImportJob.Status.RUNNING: {
        ImportJob.Status.RUNNING,
        ImportJob.Status.DONE,
        ImportJob.Status.FAILED,
    },
    ImportJob.Status.FAILED: {ImportJob.Status.RUNNING},
    ImportJob.Status.DONE: set(),
}


# --- Reading the file -------------------------------------------------------------------------

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive or an Excel/OpenDocument workbook"),
    (b"\xd0\xcf\x11\xe0", "an old Excel or Word file"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xff\xfe", "a UTF-16 text file"),
    (b"\xfe\xff", "a UTF-16 text file"),
)


def _size(number: int) -> str:
    if number >= 1024 * 1024:
        return f"{number / (1024 * 1024):.1f} MiB"
    if number >= 1024:
        return f"{number / 1024:.1f} KiB"
    return f"{number} bytes"


def _check_bytes(stream: IO[bytes]) -> str:
    """Size, kind and encoding of the whole file; returns its SHA-256. Streams, never loads it."""
    stream.seek(0)
    head = stream.read(8192)
    if not head:
        raise ImportFileError("The file is empty.")
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            if "UTF-16" in kind:
                raise ImportFileError(
                    f"The file is not UTF-8: it looks like {kind}. Save it as UTF-8 CSV and "
                    "upload it again."
                )
            raise ImportFileError(
                f"This is not a CSV file: it looks like {kind}. Export the data as CSV (UTF-8) "
                "and upload that."
            )
    if b"\x00" in head:
        raise ImportFileError(
            "This is not a CSV file: it contains binary data (NUL bytes). "
            "Export the data as CSV (UTF-8) and upload that."
        )
    stream.seek(0)
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    lines = 1
    while True:
        chunk = stream.read(1024 * 1024)
        final = not chunk
        try:
            decoder.decode(chunk, final=final)
        except UnicodeDecodeError as exc:
            # The decoder keeps an incomplete sequence from the previous chunk; the error's start
            # is relative to what it was decoding: that tail plus this chunk.
            pending = len(exc.object) - len(chunk)
            position = offset - pending + exc.start
            bad = exc.object[exc.start : exc.start + 1]
            # The pending bytes are part of a multi-byte sequence: never a newline.
            line = lines + exc.object[: exc.start].count(b"\n")
            raise ImportFileError(
                f"The file is not UTF-8: the byte 0x{bad.hex().upper()} at byte position "
                f"{position:,} (line {line:,}) is not valid UTF-8. Save the file as UTF-8 CSV "
                "and upload it again."
            ) from None
        if final:
            break
        digest.update(chunk)
        offset += len(chunk)
        lines += chunk.count(b"\n")
    return digest.hexdigest()


@dataclass
class _Header:
    """The header row: lower-cased names to positions, and the file's own spelling of each."""

    positions: dict[str, int]
    spelled: dict[str, str]
    width: int

    def column(self, name: str) -> str:
        return self.spelled.get(name, name)[:64]


def _text(stream: IO[bytes]) -> io.TextIOWrapper:
    stream.seek(0)
    # utf-8-sig: spreadsheet exports often start with a byte-order mark.
    return io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")


def _records(stream: IO[bytes]) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) for every non-blank record, header first."""
    text = _text(stream)
    reader = csv.reader(text, strict=True)
    last_line = 0
    try:
        for fields in reader:
            if fields and not (len(fields) == 1 and not fields[0].strip()):
                yield reader.line_num, fields
            last_line = reader.line_num
    except csv.Error as exc:
        problem = str(exc)
        if "unexpected end of data" in problem:
            raise ImportFileError(
                f"The file is not valid CSV: a quoted field that starts on line {last_line + 1:,}"
                " is never closed."
            ) from None
        elif "expected after" in problem:
            problem = "a closing quote is followed by more text in the same field"
        elif "field larger than field limit" in problem:
            problem = "a field is longer than 131,072 characters (probably an unclosed quote)"
        raise ImportFileError(
            f"The file is not valid CSV near line {reader.line_num:,}: {problem}."
        ) from None
    finally:
        # The wrapper would close the caller's stream when it goes; the caller closes it.
        with contextlib.suppress(ValueError):
            text.detach()


def _header(fields: list[str], spec: FormatSpec) -> _Header:
    positions: dict[str, int] = {}
    spelled: dict[str, str] = {}
    for index, raw in enumerate(fields):
        name = raw.strip().lower()
        if not name:
            continue
        if name in positions:
            raise ImportFileError(
                f"The column {raw.strip()!r} appears twice in the header "
                "(names are compared without regard to case)."
            )
        positions[name] = index
        spelled[name] = raw.strip()
    missing = [name for name in spec.required if name not in positions]
    if missing:
        message = f"The file lacks required {spec.label} columns: {', '.join(missing)}."
        other = next(
            (
                other
                for other in FORMATS.values()
                if other is not spec and all(c in positions for c in other.signature)
            ),
            None,
        )
        if other is not None:
            message += f" It looks like the {other.label} format: choose that one."
        elif len(fields) == 1 and (";" in fields[0] or "\t" in fields[0]):
            message += " Its columns seem separated by semicolons or tabs; export with commas."
        else:
            shown = ", ".join(f.strip()[:30] for f in fields[:12] if f.strip())
            more = "…" if len(fields) > 12 else ""
            message += f" Its header has: {shown}{more}." if shown else ""
        raise ImportFileError(message)
    return _Header(positions=positions, spelled=spelled, width=len(fields))


def _file_check(stream: IO[bytes], fmt: str) -> tuple[str, int]:
    """Everything about the whole file: returns its SHA-256 and its number of data rows."""
    sha256 = _check_bytes(stream)
    spec = FORMATS[fmt]
    records = _records(stream)
    first = next(records, None)
    if first is None:
        raise ImportFileError("The file has no header row.")
    _header(first[1], spec)
    total = sum(1 for _ in records)
    if total == 0:
        raise ImportFileError("The file has a header but no data rows.")
    return sha256, total


# --- Parsing rows -----------------------------------------------------------------------------


_ISO_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T].*)?$")
_DATE_FORMATS = ("%d-%b-%y", "%d-%B-%Y", "%d %B %Y", "%d-%b-%Y", "%d %b %Y")
_DATE_EXAMPLES = "9-May-20, 01-January-2015, 28 December 2022 or 2020-05-09"


def _date_parse(value: str) -> date | None:
    match = _ISO_DATE.match(value)
    if match:
        try:
            return date.fromisoformat(match.group(1))
        except ValueError:
            return None
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


# hdx-python-country fills class-level tables on first use; two threads must not race there.
_HDX_LOCK = threading.Lock()


def _lookup_name(name: str) -> str | None:
    from hdx.location.country import Country

    key = " ".join(name.split())
    if not key:
        return None
    alias = COUNTRY_ALIASES.get(key.lower())
    if alias:
        return alias
    with _HDX_LOCK:
        code = Country.get_iso3_country_code(key, use_live=False)
    if code:
        try:
            return member_state_validate(code)
        except ValueError:
            return None
    bracketed = re.fullmatch(r"(.+?)\s*\((.+)\)", key)
    if bracketed:
        return _lookup_name(bracketed.group(1)) or _lookup_name(bracketed.group(2))
    return None


def _quote(value: str, limit: int = 40) -> str:
    """A short value for an error message, on one line."""
    flat = " ".join(value.split())
    return f'"{flat[:limit]}…"' if len(flat) > limit else f'"{flat}"'


@dataclass
class _Row:
    header: _Header
    fields: list[str]

    def get(self, name: str) -> str:
        index = self.header.positions.get(name)
        if index is None or index >= len(self.fields):
            return ""
        value = self.fields[index].strip()
        return "" if value in _MISSING else value


def _join(*parts: str, sep: str = ", ") -> str:
    seen: list[str] = []
    for part in parts:
        if part and part not in seen:
            seen.append(part)
    return sep.join(seen)


_AGAINST = {
    Category.VIOLENCE_AGAINST_CIVILIANS,
    Category.SEXUAL_VIOLENCE,
    Category.DETENTION_DISAPPEARANCE,
}


def headline_compose(kind: str, actor: str, other: str, place: str, *, against: bool) -> str:
    """`Attack: Unidentified Gang against Civilians in Tijuana, Baja California, Mexico`.

    At most 300 characters: long actor names are shortened first, then the place.
    """
    actors = _join(actor, other, sep=" against " if against else " and ")
    head = f"{kind}: " if kind and actors else kind
    tail = f" in {place}" if place else ""
    room = 300 - len(head) - len(tail)
    if len(actors) > room:
        actors = actors[: max(room - 1, 20)].rstrip() + "…"
    text = f"{head}{actors}{tail}"
    return text if len(text) <= 300 else text[:299].rstrip() + "…"


# Our field -> the column it comes from, to name the column when signal_validate objects.
_ACLED_COLUMNS = {
    "occurred_on": "event_date",
    "occurred_precision": "time_precision",
    "country": "country",
    "latitude": "latitude",
    "longitude": "longitude",
    "fatalities_best": "fatalities",
    "category": "event_type",
    "external_id": "event_id_cnty",
    "headline": "event_type",
}
_UCDP_COLUMNS = {
    "occurred_on": "date_start",
    "occurred_precision": "date_prec",
    "country": "country",
    "latitude": "latitude",
    "longitude": "longitude",
    "fatalities_best": "best",
    "fatalities_low": "low",
    "fatalities_high": "high",
    "category": "type_of_violence",
    "external_id": "id",
    "headline": "side_a",
}
# Columns short and plain enough to quote in an error message.
_QUOTABLE = {
    "event_date",
    "date_start",
    "time_precision",
    "date_prec",
    "country",
    "iso3",
    "latitude",
    "longitude",
    "fatalities",
    "best",
    "low",
    "high",
    "type_of_violence",
    "event_clarity",
}


@dataclass
class RowParser:
    """Turns one row of a file into signal fields, with the row's problems by column.

    Lookups that repeat (dates, countries) are cached for the whole import.
    """

    fmt: str
    header: _Header
    source: Source
    classification: int
    actor: User
    reported_at: datetime
    _dates: dict[str, date | None] = field(default_factory=dict)
    _countries: dict[str, str | None] = field(default_factory=dict)

    @property
    def spec(self) -> FormatSpec:
        return FORMATS[self.fmt]

    # -- small parsers, each recording its problem against the column ---------------------------

    def _error(self, errors: dict[str, list[str]], column: str, message: str) -> None:
        errors.setdefault(self.header.column(column), []).append(message)

    def _date(self, row: _Row, column: str, errors: dict) -> date | None:
        raw = row.get(column)
        if not raw:
            self._error(errors, column, "The date is blank.")
            return None
        if raw not in self._dates:
            self._dates[raw] = _date_parse(raw)
        parsed = self._dates[raw]
        if parsed is None:
            self._error(
                errors,
                column,
                f"{_quote(raw)} is not a date in a known format (for example {_DATE_EXAMPLES}).",
            )
        return parsed

    def _float(self, row: _Row, column: str, errors: dict) -> float | None:
        raw = row.get(column)
        if not raw:
            return None
        try:
            value = float(raw)
        except ValueError:
            value = float("nan")
        if value != value or value in (float("inf"), float("-inf")):
            self._error(errors, column, f"{_quote(raw)} is not a number in decimal degrees.")
            return None
        return value

    def _count(self, row: _Row, column: str, errors: dict) -> int | None:
        raw = row.get(column)
        if not raw:
            return None
        try:
            number = float(raw)
            if not number.is_integer():
                raise ValueError
        except ValueError:
            self._error(errors, column, f"{_quote(raw)} is not a whole number.")
            return None
        if abs(number) > _LARGEST_COUNT:
            self._error(errors, column, f"{_quote(raw)} is not a plausible count.")
            return None
        return int(number)

    def _precision(self, row: _Row, column: str, table: dict, errors: dict) -> str:
        raw = row.get(column)
        if not raw:
            return DatePrecision.DAY
        precision = table.get(raw.split(".")[0] if raw.endswith(".0") else raw)
        if precision is None:
            self._error(
                errors,
                column,
                f"{_quote(raw)} is not a precision code; use one of {', '.join(table)}.",
            )
            return DatePrecision.DAY
        return precision

    def _country(self, row: _Row, errors: dict) -> str:
        iso3 = row.get("iso3")
        if iso3 and len(iso3) == 3 and iso3.isalpha():
            try:
                return member_state_validate(iso3)
            except ValueError:
                pass
        name = row.get("country")
        if not name:
            self._error(errors, "country", "The country is blank.")
            return ""
        if name not in self._countries:
            self._countries[name] = _lookup_name(name)
        code = self._countries[name]
        if code is None:
            self._error(
                errors,
                "country",
                f"{_quote(name, 60)} is not a country name that maps to an ISO 3166 code; "
                "correct the name or add an iso3 column.",
            )
            return ""
        return code

    # -- the two formats -----------------------------------------------------------------------

    def parse(self, row: _Row) -> tuple[dict[str, Any], dict[str, list[str]]]:
        """The row's fields checked by signal_validate, and its problems by column."""
        errors: dict[str, list[str]] = {}
        if len(row.fields) > self.header.width:
            extra = len(row.fields) - self.header.width
            self._error(
                errors,
                self.spec.id_column,
                f"The row has {len(row.fields)} fields but the header has {self.header.width} "
                f"({extra} too many); a comma inside an unquoted value splits it.",
            )
            return {}, errors
        if self.fmt == ImportJob.Format.ACLED:
            data, columns = self._acled(row, errors), _ACLED_COLUMNS
        else:
            data, columns = self._ucdp(row, errors), _UCDP_COLUMNS
        data.update(
            source=self.source,
            classification=self.classification,
            reported_at=self.reported_at,
            language="en",
        )
        clean, problems = signal_validate(data, actor=self.actor)
        for name, messages in problems.items():
            column = columns.get(name, name)
            spelled = self.header.column(column)
            if spelled in errors:
                continue  # the parser already said what is wrong with that column
            raw = row.get(column)
            for message in messages:
                if column in _QUOTABLE and raw and raw not in message:
                    message = f"{message} Found {_quote(raw)}."
                errors.setdefault(spelled, []).append(message)
        return clean, errors

    def external_id(self, row: _Row) -> str:
        """The id that recognises the row in a later import.

        A few ACLED rows lack `event_id_cnty` but carry ACLED's `data_id`; that one, marked as
        such so it cannot collide with an event id, recognises them instead.
        """
        if self.fmt == ImportJob.Format.UCDP:
            return row.get("id")
        external_id = row.get("event_id_cnty")
        if not external_id and row.get("data_id"):
            external_id = f"data_id:{row.get('data_id')}"
        return external_id

    def _acled(self, row: _Row, errors: dict) -> dict[str, Any]:
        external_id = self.external_id(row)
        if not external_id:
            self._error(
                errors,
                "event_id_cnty",
                "The event id is blank; without it a second import could not recognise the row.",
            )
        occurred = self._date(row, "event_date", errors)
        precision = self._precision(row, "time_precision", ACLED_PRECISION, errors)
        event_type, sub_event_type = row.get("event_type"), row.get("sub_event_type")
        category = acled_category(event_type, sub_event_type, row.get("civilian_targeting"))
        if category is None:
            self._error(
                errors,
                "event_type",
                f"{_quote(event_type, 60)} is not an ACLED event type in the taxonomy "
                "(docs/taxonomy.md)."
                if event_type
                else "The event type is blank.",
            )
        country = self._country(row, errors)
        latitude = self._float(row, "latitude", errors)
        longitude = self._float(row, "longitude", errors)
        fatalities = self._count(row, "fatalities", errors)
        actor1 = _join(
            row.get("actor1"), row.get("assoc_actor_1") or row.get("ally_actor_1"), sep="; "
        )
        actor2 = _join(
            row.get("actor2"), row.get("assoc_actor_2") or row.get("ally_actor_2"), sep="; "
        )
        location, admin1 = row.get("location"), row.get("admin1")
        place = _join(location, admin1, row.get("country") or (country_name(country) or ""))
        against = category in _AGAINST
        return {
            "headline": headline_compose(
                sub_event_type or event_type,
                row.get("actor1"),
                row.get("actor2"),
                place,
                against=against,
            ),
            "description": row.get("notes"),
            "occurred_on": occurred,
            "occurred_precision": precision,
            "country": country,
            "admin1": admin1,
            "place_name": location,
            "latitude": latitude,
            "longitude": longitude,
            "category": category,
            "perpetrators": actor1,
            "targeted_group": actor2 if against else "",
            "fatalities_best": fatalities,
            "credibility": ACLED_CREDIBILITY,
            "external_id": external_id,
            "original_source_text": row.get("source"),
        }

    def _ucdp(self, row: _Row, errors: dict) -> dict[str, Any]:
        external_id = self.external_id(row)
        if not external_id:
            self._error(
                errors,
                "id",
                "The event id is blank; without it a second import could not recognise the row.",
            )
        occurred = self._date(row, "date_start", errors)
        precision = self._precision(row, "date_prec", UCDP_PRECISION, errors)
        violence = self._count(row, "type_of_violence", errors)
        category = ucdp_category(violence) if violence is not None else None
        if category is None and "type_of_violence" not in errors:
            raw = row.get("type_of_violence")
            self._error(
                errors,
                "type_of_violence",
                f"{_quote(raw)} is not a UCDP type of violence; use 1, 2 or 3."
                if raw
                else "The type of violence is blank.",
            )
        country = self._country(row, errors)
        latitude = self._float(row, "latitude", errors)
        longitude = self._float(row, "longitude", errors)
        best = self._count(row, "best", errors)
        low = self._count(row, "low", errors)
        high = self._count(row, "high", errors)
        notes: list[str] = []
        # UCDP itself publishes some rows whose bounds contradict the best estimate. The best
        # estimate is what UCDP recommends using; the contradicting bound is left out and said.
        if best is not None and best >= 0:
            if low is not None and low >= 0 and low > best:
                notes.append(f"UCDP's low estimate ({low}) is above its best estimate; left out.")
                low = None
            if high is not None and high >= 0 and high < best:
                notes.append(f"UCDP's high estimate ({high}) is below its best estimate; left out.")
                high = None
        clarity = self._count(row, "event_clarity", {})
        side_a, side_b = row.get("side_a"), row.get("side_b")
        label = UCDP_VIOLENCE_LABELS.get(violence or 0, "UCDP event")
        where, adm_1 = row.get("where_coordinates"), row.get("adm_1")
        place = _join(where, adm_1, row.get("country"))
        against = category in _AGAINST
        office, article = row.get("source_office"), row.get("source_article")
        return {
            "headline": headline_compose(label, side_a, side_b, place, against=against),
            "description": self._ucdp_description(row, label, best, low, high, notes),
            "occurred_on": occurred,
            "occurred_precision": precision,
            "country": country,
            "admin1": adm_1,
            "place_name": where,
            "latitude": latitude,
            "longitude": longitude,
            "category": category,
            "perpetrators": side_a,
            "targeted_group": side_b if against else "",
            "fatalities_best": best,
            "fatalities_low": low,
            "fatalities_high": high,
            "credibility": UCDP_CREDIBILITY_BY_CLARITY.get(clarity, UCDP_DEFAULT_CREDIBILITY),
            "external_id": external_id,
            "original_source_text": article
            if not office or office in article
            else _join(office, article, sep="\n"),
        }

    @staticmethod
    def _ucdp_description(
        row: _Row, label: str, best: int | None, low: int | None, high: int | None, notes: list
    ) -> str:
        parts = [f"{label} (UCDP GED event {row.get('id')})."]
        if row.get("conflict_name"):
            parts.append(f"Conflict: {row.get('conflict_name')}.")
        if row.get("dyad_name"):
            parts.append(f"Dyad: {row.get('dyad_name')}.")
        if best is not None:
            bounds = ", ".join(
                f"{name} {value}" for name, value in (("low", low), ("high", high)) if value
            )
            parts.append(f"Deaths: best estimate {best}" + (f" ({bounds})." if bounds else "."))
        split = [
            (name, row.get(column))
            for name, column in (
                (row.get("side_a") or "side A", "deaths_a"),
                (row.get("side_b") or "side B", "deaths_b"),
                ("civilians", "deaths_civilians"),
                ("unknown", "deaths_unknown"),
            )
            if row.get(column)
        ]
        if split:
            parts.append("Deaths by side: " + "; ".join(f"{n} {v}" for n, v in split) + ".")
        start, end = row.get("date_start"), row.get("date_end")
        if start and end and end != start:
            parts.append(f"Dates: {start} to {end}.")
        if row.get("source_headline"):
            parts.append(f"Reported as: {row.get('source_headline')}")
        parts.extend(notes)
        return " ".join(parts)


# --- Creating a job ---------------------------------------------------------------------------


def _open_input(file: Any) -> tuple[IO[bytes], str, int, Callable[[], None]]:
    """A seekable binary stream for a path or an uploaded file: (stream, name, size, close)."""
    if isinstance(file, str | os.PathLike):
        path = Path(file)
        try:
            stream = path.open("rb")
        except OSError as exc:
            raise ImportFileError(
                f"The file {path.name!r} cannot be read ({exc.strerror})."
            ) from None
        return stream, path.name, path.stat().st_size, stream.close
    if file is None or not hasattr(file, "read"):
        raise ImportFileError("Choose a CSV file to upload.")
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, os.SEEK_END)
        size = file.tell()
    file.seek(0)
    name = Path(getattr(file, "name", "") or "upload.csv").name
    return file, name, size, lambda: None


def import_job_create(
    *,
    actor: User,
    file: Any,
    format: str,
    source: Source | str,
    classification: Any = Classification.PUBLIC,
    enqueue: bool = True,
) -> ImportJob:
    """Check an event file as a whole, store it, and queue its import for after the commit.

    `file` is a path or an uploaded file; `source` a Source or its pseudonym. Whole-file
    problems (too large, not UTF-8, not CSV, required columns missing), an unknown source, a
    classification above the actor's clearance and a missing permission are reported by field
    in ApplicationValidationError; nothing is stored then. `enqueue=False` leaves the running to
    the caller (the `import_events` command runs it in its own process).
    """
    if not access.can_import(actor):
        raise ApplicationValidationError(
            {"non_field_errors": ["Your role cannot import event files."]}
        )
    errors: dict[str, list[str]] = {}
    if format not in FORMATS:
        errors["format"] = [f"Choose a format: {', '.join(FORMATS)}."]
    if isinstance(source, Source):
        chosen: Source | None = (
            source if access.sources_visible(actor).filter(pk=source.pk).exists() else None
        )
        label = source.pseudonym
    else:
        label = str(source or "").strip()
        chosen = None
        if label:
            try:
                chosen = access.access_source_by_pseudonym(actor, label)
            except NotFoundError:
                chosen = None
    if chosen is None:
        errors["source"] = (
            [f"No source is known as {label[:20]!r}; choose one from the list of sources."]
            if label
            else ["Choose the source the file comes from (its pseudonym, e.g. SRC-4K7Q)."]
        )
    try:
        level = Classification.parse(classification)
    except (ValueError, TypeError) as exc:
        errors["classification"] = [str(exc)]
        level = Classification.PUBLIC
    else:
        if level > actor.clearance:
            errors["classification"] = [
                f"You are cleared up to {Classification(actor.clearance).label} and cannot file "
                f"material marked {level.label}."
            ]
    try:
        stream, name, size, close = _open_input(file)
    except ImportFileError as exc:
        errors["file"] = [str(exc)]
        raise ApplicationValidationError(errors, "The file was not imported.") from None
    try:
        sha256, total = "", 0
        if size > IMPORT_MAX_BYTES:
            errors["file"] = [
                f"The file is {_size(size)}; the limit is {_size(IMPORT_MAX_BYTES)}. "
                "Split it into smaller files and import each."
            ]
        elif "format" not in errors:
            try:
                sha256, total = _file_check(stream, format)
            except ImportFileError as exc:
                errors["file"] = [str(exc)]
        if errors:
            raise ApplicationValidationError(errors, "The file was not imported.")
        stream.seek(0)
        job = ImportJob(
            format=format,
            source=chosen,
            classification=level,
            original_filename=name[:255],
            file_sha256=sha256,
            rows_total=total,
            created_by=actor,
        )
        with transaction.atomic():
            job.file.save(name, File(stream, name=name), save=False)
            try:
                job.save()
                audit_record(
                    action="import.create",
                    actor=actor,
                    target=job,
                    summary={
                        "format": format,
                        "source": chosen.pseudonym,
                        "classification": level.label,
                        "rows_total": total,
                        "file_sha256": sha256,
                    },
                )
            except Exception:
                job.file.delete(save=False)
                raise
            if enqueue:
                transaction.on_commit(partial(_enqueue, job.pk), robust=True)
    finally:
        close()
    return job


def import_job_retry(*, job: ImportJob, actor: User) -> None:
    """Queue again a job that failed or never started (say, Redis was down at upload).

    Rows already imported are recognised and skipped, so a retry only adds what is missing.
    """
    if not access.can_import(actor):
        raise ApplicationValidationError({"job": ["Your role cannot run imports."]})
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.status not in (ImportJob.Status.FAILED, ImportJob.Status.QUEUED):
            raise ConflictError(
                f"This import is {locked.get_status_display().lower()}; only a failed or waiting "
                "import can be run again."
            )
        audit_record(
            action="import.retry",
            actor=actor,
            target=locked,
            summary={"status": locked.status, "rows_done": locked.rows_done},
        )
        transaction.on_commit(partial(_enqueue, locked.pk), robust=True)


def import_jobs_requeue_stalled(*, older_than: timedelta = timedelta(minutes=10)) -> list[int]:
    """Queue again every job left waiting or running for too long.

    A job that is really running holds its advisory lock, so the extra task it gets returns at
    once; one whose worker died, or that never reached the broker, is picked up again.
    """
    cutoff = timezone.now() - older_than
    stalled = list(
        ImportJob.objects.filter(
            Q(status=ImportJob.Status.QUEUED, created_at__lt=cutoff)
            | Q(status=ImportJob.Status.RUNNING, started_at__lt=cutoff)
        ).values_list("pk", flat=True)
    )
    for job_id in stalled:
        _enqueue(job_id)
    return stalled


def _enqueue(job_id: int) -> None:
    from cases.tasks import import_events_task

    import_events_task.delay(job_id)


# --- Running a job ----------------------------------------------------------------------------

_JOB_LOCK_CLASS = 727_270_003  # advisory lock namespace: one runner per job at a time


def _job_transition(job: ImportJob, to: str, **fields: Any) -> None:
    """The one place that assigns ImportJob.status."""
    if to not in IMPORT_TRANSITIONS[job.status]:
        raise ValueError(f"an import job cannot go from {job.status} to {to}")
    job.status = to
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=["status", *fields])


@dataclass
class _Batch:
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    errors: list[ImportRowError] = field(default_factory=list)
    failed: int = 0
    done: int = 0


def _insert(job: ImportJob, origin: str, batch: _Batch, actor: User) -> tuple[int, int]:
    """Insert the batch's new signals; returns (imported, already present).

    Existing (origin, external_id) pairs are looked up for the whole batch in one query. If a
    concurrent import inserts one of them between that query and the insert, the unique
    constraint refuses the batch: it is rolled back to its savepoint and checked again.
    """
    wanted = {clean["external_id"]: clean for _, clean in batch.rows}
    for _ in range(3):
        existing = set(
            # The exclusion repeats the unique index's condition, so PostgreSQL can use it.
            Signal.objects.filter(origin=origin, external_id__in=list(wanted))
            .exclude(external_id="")
            .order_by()
            .values_list("external_id", flat=True)
        )
        new = [
            Signal(**clean, origin=origin, created_by=actor)
            for external_id, clean in wanted.items()
            if external_id not in existing
        ]
        try:
            with transaction.atomic():
                Signal.objects.bulk_create(new, batch_size=BATCH_SIZE)
        except IntegrityError:
            continue
        return len(new), len(batch.rows) - len(new)
    raise ImportFileError(
        "Another import kept inserting the same events at the same time; try again later."
    )


def _flush(job: ImportJob, origin: str, batch: _Batch, actor: User) -> None:
    with transaction.atomic():
        imported, present = _insert(job, origin, batch, actor) if batch.rows else (0, 0)
        ImportRowError.objects.bulk_create(batch.errors, batch_size=BATCH_SIZE)
        job.rows_imported += imported
        job.rows_already_present += present
        job.rows_failed += batch.failed
        job.rows_done += batch.done
        job.save(
            update_fields=["rows_imported", "rows_already_present", "rows_failed", "rows_done"]
        )


def _try_lock(job_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_JOB_LOCK_CLASS, job_id])
        return bool(cursor.fetchone()[0])


def _unlock(job_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_JOB_LOCK_CLASS, job_id])


def _finish(job: ImportJob, status: str, failure: str = "") -> None:
    with transaction.atomic():
        _job_transition(job, status, failure=failure, finished_at=timezone.now())
        audit_record(
            action="import.finish",
            actor=job.created_by,
            target=job,
            summary={
                "status": status,
                "source": job.source.pseudonym,
                "rows_total": job.rows_total,
                "rows_imported": job.rows_imported,
                "rows_already_present": job.rows_already_present,
                "rows_failed": job.rows_failed,
            },
        )


def import_job_run(
    job_id: int, *, progress: Callable[[ImportJob], None] | None = None
) -> ImportJob:
    """Import a job's file now, in this process; idempotent and resumable.

    A done job is returned untouched; a job another process is running (an advisory lock per
    job) likewise. Otherwise the file is read from the start, the rows counted in `rows_done`
    are passed over (their outcome is committed), and each further batch of rows commits its
    signals, row errors and counters together. `progress` is called after every batch.
    A problem with the whole file marks the job failed with `failure` saying what and where;
    the rows committed before it stay imported.
    """
    if not _try_lock(job_id):
        return ImportJob.objects.select_related("source", "created_by").get(pk=job_id)
    try:
        job = ImportJob.objects.select_related("source", "created_by").get(pk=job_id)
        if job.status == ImportJob.Status.DONE:
            return job
        _job_transition(
            job,
            ImportJob.Status.RUNNING,
            started_at=job.started_at or timezone.now(),
            failure="",
        )
        try:
            _run(job, progress)
        except ImportFileError as exc:
            _finish(job, ImportJob.Status.FAILED, str(exc))
            return job
        except Exception as exc:
            logger.exception("import job %s stopped", job.pk)
            job.refresh_from_db()
            reason = (
                "took longer than the worker's time limit"
                if isinstance(exc, SoftTimeLimitExceeded)
                else f"met an internal error ({type(exc).__name__})"
            )
            _finish(
                job,
                ImportJob.Status.FAILED,
                f"The import {reason} after row {job.rows_done:,}. The rows before it were "
                "kept; run it again to add the rest (rows already imported are recognised and "
                "skipped).",
            )
            if isinstance(exc, OperationalError | InterfaceError):
                raise  # the database went away: let the task's retry run the job again
            return job
        _finish(job, ImportJob.Status.DONE)
        return job
    finally:
        _unlock(job_id)


def _run(job: ImportJob, progress: Callable[[ImportJob], None] | None) -> None:
    actor = job.created_by
    if job.classification > actor.clearance:
        raise ImportFileError(
            f"{actor.username} is no longer cleared for {Classification(job.classification).label}"
            " material; the rows were not imported."
        )
    spec = FORMATS[job.format]
    try:
        stream = job.file.open("rb")
    except (FileNotFoundError, OSError):
        raise ImportFileError("The stored file is missing; upload it again to import it.") from None
    with stream, contextlib.closing(_records(stream)) as records:
        first = next(records, None)
        if first is None:
            raise ImportFileError("The file has no header row.")
        header = _header(first[1], spec)
        parser = RowParser(
            fmt=job.format,
            header=header,
            source=job.source,
            classification=job.classification,
            actor=actor,
            reported_at=job.started_at or timezone.now(),
        )
        seen: dict[str, int] = {}
        # Rows an earlier run already reported: their ids were never taken as "seen".
        failed_before = (
            set(job.row_errors.filter(row__lte=job.rows_done).values_list("row", flat=True))
            if job.rows_done
            else set()
        )
        batch = _Batch()
        number = 0
        for _line, fields in records:
            number += 1
            if number <= job.rows_done:
                # Committed by an earlier run: only remember its id, to spot repeats.
                done_id = parser.external_id(_Row(header, fields))
                if done_id and number not in failed_before:
                    seen.setdefault(done_id, number)
                continue
            clean, errors = parser.parse(_Row(header, fields))
            external_id = clean.get("external_id", "")
            if not errors and external_id in seen:
                errors[header.column(spec.id_column)] = [
                    f"Repeats the event id of row {seen[external_id]:,}; only the first is kept."
                ]
            if errors:
                batch.failed += 1
                batch.errors.extend(
                    ImportRowError(job=job, row=number, field=column[:64], problem=message[:500])
                    for column, messages in errors.items()
                    for message in messages
                )
            else:
                seen[external_id] = number
                batch.rows.append((number, clean))
            batch.done += 1
            if batch.done >= BATCH_SIZE:
                _flush(job, spec.origin, batch, actor)
                batch = _Batch()
                if progress:
                    progress(job)
        if batch.done:
            _flush(job, spec.origin, batch, actor)
            if progress:
                progress(job)
        if job.rows_total != number:
            job.rows_total = number
            job.save(update_fields=["rows_total"])


# --- Reading a job's results ------------------------------------------------------------------


def import_job_errors(job: ImportJob, *, limit: int | None = None) -> QuerySet[ImportRowError]:
    """The job's row errors in file order (the first `limit` of them when given)."""
    queryset = ImportRowError.objects.filter(job=job).order_by("row", "id")
    return queryset[:limit] if limit else queryset


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: Any) -> Any:
    """A text that a spreadsheet would run as a formula (it starts with =, +, -, @ or a control
    character) gets a leading quote, which stops it; anything else is returned as it is."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def import_job_errors_csv(job: ImportJob) -> Iterator[str]:
    """The full per-row error report as CSV lines: row, field, problem."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["row", "field", "problem"])
    yield buffer.getvalue()
    for row, column, problem in (
        import_job_errors(job).values_list("row", "field", "problem").iterator(chunk_size=2000)
    ):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([row, spreadsheet_cell(column), spreadsheet_cell(problem)])
        yield buffer.getvalue()


def duration_text(seconds: float | None) -> str:
    """`4 s`, `2 min 05 s`, `1 h 03 min`: how long a job has run."""
    if seconds is None:
        return ""
    whole = int(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


def import_job_progress(job: ImportJob) -> dict[str, Any]:
    """What the progress endpoint and the API answer about a job."""
    now = timezone.now()
    elapsed = None
    if job.started_at:
        elapsed = round(((job.finished_at or now) - job.started_at).total_seconds(), 1)
    percent = None
    if job.rows_total:
        percent = min(100, int(job.rows_done * 100 / job.rows_total))
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": ImportJob.Status(job.status).label,
        "format": job.format,
        "source": job.source.pseudonym,
        "classification": Classification(job.classification).name,
        "rows_total": job.rows_total,
        "rows_done": job.rows_done,
        "rows_imported": job.rows_imported,
        "rows_already_present": job.rows_already_present,
        "rows_failed": job.rows_failed,
        "percent": percent,
        "failure": job.failure,
        "created_at": job.created_at.isoformat() if job.created_at else None,
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "elapsed_seconds": elapsed,
        "elapsed_text": duration_text(elapsed),
        "finished": job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED),
    }
