"""REST API of the intake: signals (one, bulk, list, detail, edit, triage), sources, situations.

Thin views: each reads its input, calls one service or selector and shapes the answer. Who may
see what is cases.access's business (lists answer 403 to people with no intake role, details 404
to anyone who may not see the record); errors are the ApplicationError family of r2p.errors, in
the one error format. Field errors of the bulk endpoint are keyed `signals[i].field`, after the
body's own `signals` list.

Optimistic locking: details carry an ETag naming the record and its version
(`"signal-12-v3"`); PATCH must send it back in If-Match (428 without it, 412 when stale).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.urls import path
from django.utils.dateparse import parse_datetime
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from cases import access, selectors, services
from cases.idempotency import HEADER as IDEMPOTENCY_HEADER
from cases.idempotency import REPLAYED_HEADER, idempotent
from cases.models import (
    Category,
    DatePrecision,
    GroupKind,
    MonitoringStatus,
    Origin,
    Reliability,
    Signal,
    SignalSituationLink,
    SignalStatus,
    Situation,
    Source,
    SourceType,
)
from r2p.countries import member_state_validate, regions
from r2p.errors import ApplicationError, ApplicationValidationError, ConflictError, NotFoundError
from r2p.models import Classification, User
from r2p.rest import CursorPagination

BULK_LIMIT = 1000


# --- Preconditions (If-Match) -----------------------------------------------------------------


class PreconditionRequired(ApplicationError):
    http_status = status.HTTP_428_PRECONDITION_REQUIRED
    code = "precondition_required"

    def default_message(self) -> str:
        return (
            "Send If-Match with the ETag of your last read of this record, so that a change "
            "someone made since is not overwritten."
        )


class PreconditionFailed(ApplicationError):
    http_status = status.HTTP_412_PRECONDITION_FAILED
    code = "precondition_failed"

    def default_message(self) -> str:
        return "The record changed since you read it; read it again and reapply your change."


def etag(kind: str, pk: int, version: int) -> str:
    """A strong entity tag naming the record and its version, e.g. "signal-12-v3"."""
    return f'"{kind}-{pk}-v{version}"'


def _if_match_version(request: Request, kind: str, pk: int) -> int:
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PreconditionRequired()
    wanted = re.compile(rf'"{re.escape(kind)}-{pk}-v(\d+)"')
    for tag in header.split(","):
        match = wanted.fullmatch(tag.strip())
        if match:
            return int(match.group(1))
    raise PreconditionFailed(
        f"If-Match names no version of this {kind}; read it again and send the ETag you get."
    )


def _optional_version(
    request: Request, kind: str, pk: int, body_version: int | None, *, field: str = "version"
) -> tuple[int | None, bool]:
    """The version a change is based on, from If-Match or the body's `field`; and whether it
    came from If-Match (a precondition: 412 when stale) rather than the body (409 when stale)."""
    if not request.headers.get("If-Match", "").strip():
        return body_version, False
    version = _if_match_version(request, kind, pk)
    if body_version is not None and body_version != version:
        raise ApplicationValidationError(
            {field: ["It names another version than If-Match; send one of the two."]}
        )
    return version, True


@contextlib.contextmanager
def _stale_is_412(
    model: type[Model], pk: int, expected: int | None, *, field: str = "version"
) -> Iterator[None]:
    """A service answers a stale version with ConflictError; when the version came from
    If-Match (`expected` given), HTTP says 412. A ConflictError on a current version (a move
    not allowed from here, an edit of something no longer a draft) stays 409."""
    try:
        yield
    except ConflictError as exc:
        current = model.objects.filter(pk=pk).values_list(field, flat=True).first()
        if expected is not None and current != expected:
            raise PreconditionFailed(exc.message) from None
        raise


# --- Who may call what ------------------------------------------------------------------------


def _require_perm(user: User, permission: str, message: str) -> None:
    if not user.has_perm(permission):
        raise exceptions.PermissionDenied(message)


def _require_intake_reader(user: User) -> None:
    if not (access.is_staff(user) or access.is_partner(user)):
        raise exceptions.PermissionDenied(
            "Only joint-office staff and partner systems use the intake."
        )


def _require_staff(user: User) -> None:
    if not access.is_staff(user):
        raise exceptions.PermissionDenied("Only joint-office staff read situations.")


def _user_named(username: str, field: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ApplicationValidationError({field: [f"No active user is called {username!r}."]})
    return user


def _rekeyed(exc: ApplicationError, renames: dict[str, str]) -> ApplicationValidationError:
    return ApplicationValidationError(
        {renames.get(field, field): messages for field, messages in exc.fields.items()},
        exc.message,
    )


# --- Fields shared by the serializers ---------------------------------------------------------


class EnumField(serializers.ChoiceField):
    """A choice field documented as one named schema component (see EnumFieldSchema)."""

    def __init__(self, *, enum: str, choices: Any, **kwargs: Any):
        self.enum = enum
        super().__init__(choices=choices, **kwargs)


class EnumFieldSchema(OpenApiSerializerFieldExtension):
    """Shared choice sets (a classification, a status) as named schema components.

    Left to itself drf-spectacular names an enum after its field, and warns when two fields
    called `status` hold different sets or one set appears under two field names.
    """

    target_class = EnumField
    match_subclasses = True

    def get_name(self) -> str:
        return self.target.enum

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict:
        return {"type": "string", "enum": list(self.target.choices)}


class ClassificationField(EnumField):
    """A classification by name in answers; a name or 0-2 in requests.

    With `parse=False` the value is passed on as sent, for services that parse and check it
    themselves (against the caller's clearance too), so that all their messages come at once.
    """

    def __init__(self, *, parse: bool = True, **kwargs: Any):
        self.parse = parse
        kwargs.setdefault(
            "help_text", "PUBLIC, CONFIDENTIAL or STRICTLY_CONFIDENTIAL (0, 1, 2 also accepted)."
        )
        choices = [(c.name, c.label) for c in Classification]
        super().__init__(enum="Classification", choices=choices, **kwargs)

    def to_representation(self, value: int) -> str:
        return Classification(value).name

    def to_internal_value(self, data: Any) -> Any:
        if not self.parse:
            return data
        try:
            return Classification.parse(data)
        except (ValueError, TypeError) as exc:
            raise serializers.ValidationError(str(exc)) from None


class MonitoringStatusField(EnumField):
    def __init__(self, **kwargs: Any):
        super().__init__(enum="MonitoringStatus", choices=MonitoringStatus.choices, **kwargs)


class SignalStatusField(EnumField):
    def __init__(self, **kwargs: Any):
        super().__init__(enum="SignalStatus", choices=SignalStatus.choices, **kwargs)


def _region_valid(value: str) -> str:
    if value and value.lower() not in {name.lower() for name in regions()}:
        raise serializers.ValidationError(
            "Name a UN M49 region or sub-region, e.g. Africa or Eastern Africa."
        )
    return value


def _country_valid(value: str) -> str:
    if not value:
        return value
    try:
        return member_state_validate(value)
    except ValueError as exc:
        raise serializers.ValidationError(str(exc)) from None


@extend_schema_serializer(component_name="ErrorBody")
class _ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


@extend_schema_serializer(component_name="Error")
class ErrorSerializer(serializers.Serializer):
    error = _ErrorBodySerializer()


def _errors(**described: str) -> dict[int, OpenApiResponse]:
    codes = {
        "bad_request": 400,
        "forbidden": 403,
        "not_found": 404,
        "conflict": 409,
        "precondition_failed": 412,
        "unprocessable": 422,
        "precondition_required": 428,
    }
    return {
        codes[name]: OpenApiResponse(ErrorSerializer, description=text)
        for name, text in described.items()
    }


ETAG_HEADER = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 201],
    description="The record's version, to send back in If-Match when changing it.",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="The ETag from your last read of the record.",
)


def if_match_optional(field: str) -> OpenApiParameter:
    """If-Match for a change that may instead name its version in the body's `field`."""
    return OpenApiParameter(
        "If-Match",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        required=False,
        description=(
            "Optional: the ETag from your last read; 412 when the record changed since. "
            f"Alternatively send `{field}` in the body (409 when stale)."
        ),
    )


IDEMPOTENCY_KEY = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        "Any unique string up to 200 characters (a UUID). A retry with the same key and body "
        "replays the first successful answer and creates nothing; the same key with another "
        "body answers 422."
    ),
)
REPLAYED = OpenApiParameter(
    REPLAYED_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[201],
    description="`true` when the answer is the replay of an earlier request with the same key.",
)


# --- Signals: output --------------------------------------------------------------------------


@extend_schema_serializer(component_name="SignalSource")
class SignalSourceSerializer(serializers.Serializer):
    """A source as everyone sees it: pseudonym and grade, never who it is."""

    pseudonym = serializers.CharField()
    reliability = serializers.ChoiceField(choices=Reliability.choices)


@extend_schema_serializer(component_name="SignalSituation")
class SignalSituationSerializer(serializers.Serializer):
    reference = serializers.CharField(source="situation.reference")
    linked_by = serializers.CharField(source="linked_by.username")
    linked_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="Signal")
class SignalOutputSerializer(serializers.Serializer):
    """A signal with its grades; `situations` and `corroboration` come from the context."""

    id = serializers.IntegerField()
    headline = serializers.CharField()
    description = serializers.CharField()
    occurred_on = serializers.DateField()
    occurred_precision = serializers.ChoiceField(choices=DatePrecision.choices)
    reported_at = serializers.DateTimeField()
    country = serializers.CharField()
    admin1 = serializers.CharField()
    place_name = serializers.CharField()
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    category = serializers.ChoiceField(choices=Category.choices)
    perpetrators = serializers.CharField()
    targeted_group = serializers.CharField()
    targeted_group_kind = serializers.ChoiceField(choices=GroupKind.choices, allow_blank=True)
    fatalities_best = serializers.IntegerField(allow_null=True)
    fatalities_low = serializers.IntegerField(allow_null=True)
    fatalities_high = serializers.IntegerField(allow_null=True)
    source = SignalSourceSerializer()
    credibility = serializers.IntegerField()
    grade = serializers.CharField(
        help_text="Source reliability and information credibility, e.g. B2."
    )
    classification = ClassificationField()
    origin = serializers.ChoiceField(choices=Origin.choices)
    external_id = serializers.CharField()
    language = serializers.CharField()
    status = SignalStatusField()
    dismissed_reason = serializers.CharField()
    duplicate_of = serializers.IntegerField(source="duplicate_of_id", allow_null=True)
    situations = serializers.SerializerMethodField()
    corroboration = serializers.SerializerMethodField(
        help_text="How many independent sources report this signal's event (1 on its own)."
    )
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(SignalSituationSerializer(many=True))
    def get_situations(self, signal: Signal) -> list:
        links = self.context["links"].get(signal.pk, [])
        return SignalSituationSerializer(links, many=True).data

    def get_corroboration(self, signal: Signal) -> int:
        return self.context["corroboration"].get(signal.pk, 1)


def _situation_links(user: User, signals: list[Signal]) -> dict[int, list[SignalSituationLink]]:
    """The links of these signals to situations this user may see, in one query."""
    if not signals:
        return {}
    links = (
        SignalSituationLink.objects.filter(
            signal_id__in=[s.pk for s in signals],
            situation__in=access.situations_visible(user),
        )
        .select_related("situation", "linked_by")
        .order_by("linked_at", "id")
    )
    grouped: dict[int, list[SignalSituationLink]] = {}
    for link in links:
        grouped.setdefault(link.signal_id, []).append(link)
    return grouped


def _signal_context(user: User, signals: list[Signal]) -> dict[str, Any]:
    """What the output needs beyond the rows, computed once for a whole page."""
    return {
        "links": _situation_links(user, signals),
        "corroboration": selectors.signal_corroboration(signals),
    }


def _signal_response(user: User, signal: Signal, code: int = status.HTTP_200_OK) -> Response:
    data = SignalOutputSerializer(signal, context=_signal_context(user, [signal])).data
    return Response(data, status=code, headers={"ETag": etag("signal", signal.pk, signal.version)})


def _signal_etag_header(body: dict) -> dict[str, str]:
    return {"ETag": etag("signal", body["id"], body["version"])}


# --- Signals: input ---------------------------------------------------------------------------


@extend_schema_serializer(component_name="SignalInput")
class SignalInputSerializer(serializers.Serializer):
    """The fields a client sends for a signal. Documents the contract; `_signal_parse` reads it.

    Rows are read by a light parser rather than by DRF field validation, because a bulk request
    carries a thousand of them: it turns dates into dates and pseudonyms into sources, and
    services.signal_validate (the one validation shared with the form and the imports) does the
    rest.
    """

    headline = serializers.CharField(max_length=300)
    description = serializers.CharField(required=False, allow_blank=True)
    occurred_on = serializers.DateField()
    occurred_precision = serializers.ChoiceField(choices=DatePrecision.choices, required=False)
    reported_at = serializers.DateTimeField(required=False, help_text="Defaults to now.")
    country = serializers.CharField(help_text="ISO 3166-1 alpha-3, e.g. SDN.")
    admin1 = serializers.CharField(required=False, allow_blank=True)
    place_name = serializers.CharField(required=False, allow_blank=True)
    latitude = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    longitude = serializers.FloatField(
        required=False, allow_null=True, min_value=-180, max_value=180
    )
    category = serializers.ChoiceField(choices=Category.choices)
    perpetrators = serializers.CharField(required=False, allow_blank=True)
    targeted_group = serializers.CharField(required=False, allow_blank=True)
    targeted_group_kind = serializers.ChoiceField(
        choices=GroupKind.choices, required=False, allow_blank=True
    )
    fatalities_best = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    fatalities_low = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    fatalities_high = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    source = serializers.CharField(help_text="The source's pseudonym, e.g. SRC-4K7Q.")
    credibility = serializers.IntegerField(min_value=1, max_value=6)
    classification = ClassificationField(
        required=False, parse=False, help_text="Defaults to CONFIDENTIAL."
    )
    external_id = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="Your system's id; a signal re-sent with the same id is refused.",
    )
    original_source_text = serializers.CharField(required=False, allow_blank=True)
    language = serializers.CharField(required=False, help_text="e.g. en, fr, ar.")


SIGNAL_INPUT_FIELDS = frozenset(SignalInputSerializer._declared_fields)
_TEXT_FIELDS = frozenset(
    name
    for name, field in SignalInputSerializer._declared_fields.items()
    if type(field) is serializers.CharField and name != "source"
)
_NUMBER_FIELDS = frozenset(
    {"latitude", "longitude", "fatalities_best", "fatalities_low", "fatalities_high", "credibility"}
)


def _signal_parse(
    raw: Any, source_lookup: Callable[[str], Source | None]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """One signal's JSON turned into what services.signal_validate expects.

    Returns the data and the problems this step alone can see (not an object, unknown fields,
    wrong JSON types, an unknown source). Values it cannot read are passed on as they are, so
    that signal_validate reports them in its own words.
    """
    if not isinstance(raw, dict):
        return {}, {"non_field_errors": ["Send a signal as a JSON object of its fields."]}
    problems: dict[str, list[str]] = {}
    data: dict[str, Any] = {}
    for field, value in raw.items():
        if field not in SIGNAL_INPUT_FIELDS:
            problems[field] = ["Unknown field; the API schema lists a signal's fields."]
        elif field in _TEXT_FIELDS and value is not None and not isinstance(value, str):
            problems[field] = ["Send text."]
        elif field in _NUMBER_FIELDS and isinstance(value, bool | dict | list):
            problems[field] = ["Enter a number."]
        else:
            data[field] = value
    occurred = data.get("occurred_on")
    if isinstance(occurred, str):
        with contextlib.suppress(ValueError):
            data["occurred_on"] = date.fromisoformat(occurred.strip())
    reported = data.get("reported_at")
    if isinstance(reported, str) and reported.strip():
        with contextlib.suppress(ValueError):
            data["reported_at"] = parse_datetime(reported.strip()) or reported
    if "source" in raw:
        given = raw["source"]
        data["source"] = None
        if isinstance(given, str) and given.strip():
            data["source"] = source_lookup(given.strip().upper())
            if data["source"] is None:
                problems["source"] = [f"No source you may use is known as {given.strip()!r}."]
        elif given not in (None, ""):
            problems["source"] = ["Name the source by its pseudonym, e.g. SRC-4K7Q."]
    return data, problems


def _source_or_none(user: User) -> Callable[[str], Source | None]:
    def lookup(pseudonym: str) -> Source | None:
        try:
            return access.access_source_by_pseudonym(user, pseudonym)
        except NotFoundError:
            return None

    return lookup


def _sources_by_pseudonym(user: User, rows: list[Any]) -> dict[str, Source]:
    """The sources named in a batch that this user may use, in one query."""
    wanted = {
        row["source"].strip().upper()
        for row in rows
        if isinstance(row, dict) and isinstance(row.get("source"), str)
    }
    if not wanted:
        return {}
    return {s.pseudonym: s for s in access.sources_visible(user).filter(pseudonym__in=wanted)}


def _all_problems(
    user: User, data: dict[str, Any], problems: dict[str, list[str]], *, base: dict | None = None
) -> dict[str, list[str]]:
    """The parser's problems together with signal_validate's, so a client sees them all at once."""
    if not data and "non_field_errors" in problems:
        return problems
    _, errors = services.signal_validate({**(base or {}), **data}, actor=user)
    if base is not None:
        errors = {field: messages for field, messages in errors.items() if field in data}
    return {**errors, **problems}


# --- Signals: keyset pages --------------------------------------------------------------------


@extend_schema_serializer(component_name="SignalPage")
class SignalPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = SignalOutputSerializer(many=True)


class SignalKeysetPagination:
    """Cursor pages over a unique ordering, so no page skips or repeats a row at any depth.

    The orderings offered are those a keyset can follow exactly: newest (-id), oldest (id) and
    occurred (-occurred_on, -id). The cursor is opaque to clients; it holds the sort it belongs
    to, the key of the row at the page's edge and the direction.
    """

    ORDERINGS: dict[str, tuple[tuple[str, bool], ...]] = {
        "newest": (("id", True),),
        "oldest": (("id", False),),
        "occurred": (("occurred_on", True), ("id", True)),
    }
    PARSERS: dict[str, Callable[[Any], Any]] = {"id": int, "occurred_on": date.fromisoformat}

    def __init__(self, request: Request, *, sort: str, cursor: str, page_size: int):
        self.request = request
        self.sort = sort
        self.keys = self.ORDERINGS[sort]
        self.page_size = page_size
        self.position, self.reverse = self._decode(cursor) if cursor else (None, False)

    def _decode(self, cursor: str) -> tuple[list[Any], bool]:
        try:
            padded = cursor + "=" * (-len(cursor) % 4)
            payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
            if payload["s"] != self.sort or len(payload["k"]) != len(self.keys):
                raise ValueError
            values = [
                self.PARSERS[field](value)
                for (field, _), value in zip(self.keys, payload["k"], strict=True)
            ]
            return values, bool(payload["r"])
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise ApplicationValidationError(
                {"cursor": ["This cursor is not valid for this sort; start from the first page."]}
            ) from None

    def _encode(self, row: Signal, reverse: bool) -> str:
        values = []
        for field, _ in self.keys:
            value = getattr(row, field)
            values.append(value.isoformat() if isinstance(value, date) else value)
        payload = json.dumps({"s": self.sort, "k": values, "r": int(reverse)}).encode()
        return base64.urlsafe_b64encode(payload).decode().rstrip("=")

    def _beyond(self) -> Q:
        """Rows after the cursor's position in the (possibly reversed) ordering."""
        condition = Q()
        equal_so_far = Q()
        for (field, descending), value in zip(self.keys, self.position, strict=True):
            lookup = "lt" if descending != self.reverse else "gt"
            condition |= equal_so_far & Q(**{f"{field}__{lookup}": value})
            equal_so_far &= Q(**{field: value})
        (first_field, first_descending), first_value = self.keys[0], self.position[0]
        # A plain range on the leading key, implied by the OR above, lets an index do the work.
        bound = "lte" if first_descending != self.reverse else "gte"
        return Q(**{f"{first_field}__{bound}": first_value}) & condition

    def page(self, queryset: QuerySet[Signal]) -> list[Signal]:
        order = [
            f"-{field}" if descending != self.reverse else field for field, descending in self.keys
        ]
        if self.position is not None:
            queryset = queryset.filter(self._beyond())
        rows = list(queryset.order_by(*order)[: self.page_size + 1])
        more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if self.reverse:
            rows.reverse()
        # Walking back, there are later rows by construction (we came from them); walking
        # forward, earlier rows exist whenever we started from a cursor.
        has_next, has_previous = (True, more) if self.reverse else (more, self.position is not None)
        url = self.request.build_absolute_uri()
        self.next_url = self.previous_url = None
        if rows and has_next:
            self.next_url = replace_query_param(url, "cursor", self._encode(rows[-1], False))
        if rows and has_previous:
            self.previous_url = replace_query_param(url, "cursor", self._encode(rows[0], True))
        return rows

    def response(self, results: list) -> Response:
        return Response({"next": self.next_url, "previous": self.previous_url, "results": results})


# --- Signals: views ---------------------------------------------------------------------------


class SignalCollectionApi(APIView):
    """GET: the signals this caller may see, filtered, in cursor pages. POST: file one signal."""

    class FilterSerializer(serializers.Serializer):
        q = serializers.CharField(
            required=False, allow_blank=True, help_text="Full-text search (web search syntax)."
        )
        region = serializers.CharField(required=False, allow_blank=True, validators=[_region_valid])
        country = serializers.CharField(
            required=False, allow_blank=True, help_text="ISO 3166-1 alpha-3."
        )
        category = serializers.ChoiceField(choices=Category.choices, required=False)
        source_type = serializers.ChoiceField(choices=SourceType.choices, required=False)
        reliability = serializers.ChoiceField(choices=Reliability.choices, required=False)
        credibility = serializers.IntegerField(required=False, min_value=1, max_value=6)
        classification = ClassificationField(required=False)
        status = SignalStatusField(required=False)
        date_from = serializers.DateField(required=False)
        date_to = serializers.DateField(required=False)
        situation = serializers.IntegerField(required=False, min_value=1)
        sort = serializers.ChoiceField(
            choices=list(SignalKeysetPagination.ORDERINGS),
            required=False,
            default="newest",
            help_text=(
                "newest (by id, the default), oldest, or occurred (event date, newest first). "
                "Relevance ranking is offered by the inbox page, not by cursor pages."
            ),
        )
        cursor = serializers.CharField(required=False, allow_blank=True)
        page_size = serializers.IntegerField(required=False, min_value=1, max_value=1000)

        def validate_country(self, value: str) -> str:
            return _country_valid(value)

        def validate(self, attrs: dict) -> dict:
            start, end = attrs.get("date_from"), attrs.get("date_to")
            if start and end and end < start:
                raise serializers.ValidationError(
                    {"date_to": ["The end date is before the start date."]}
                )
            return attrs

    @extend_schema(
        operation_id="signals_list",
        summary="List signals",
        parameters=[FilterSerializer],
        responses={200: SignalPageSerializer, **_errors(bad_request="A filter is not valid.")},
    )
    def get(self, request: Request) -> Response:
        _require_intake_reader(request.user)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        given = filters.validated_data
        queryset = selectors.signal_list(
            user=request.user,
            filters=selectors.SignalFilters(
                q=given.get("q", ""),
                region=given.get("region", ""),
                country=given.get("country", ""),
                category=given.get("category", ""),
                source_type=given.get("source_type", ""),
                reliability=given.get("reliability", ""),
                credibility=given.get("credibility"),
                classification=given.get("classification"),
                status=given.get("status", ""),
                date_from=given.get("date_from"),
                date_to=given.get("date_to"),
                situation=given.get("situation"),
            ),
        )
        paginator = SignalKeysetPagination(
            request,
            sort=given["sort"],
            cursor=given.get("cursor", ""),
            page_size=given.get("page_size") or CursorPagination.page_size or 50,
        )
        # The stored tsvector is for searching in the database; never worth sending back.
        rows = paginator.page(queryset.defer("search_vector"))
        data = SignalOutputSerializer(
            rows, many=True, context=_signal_context(request.user, rows)
        ).data
        return paginator.response(data)

    @extend_schema(
        operation_id="signals_create",
        summary="File one signal",
        request=SignalInputSerializer,
        parameters=[IDEMPOTENCY_KEY, ETAG_HEADER, REPLAYED],
        responses={
            201: SignalOutputSerializer,
            **_errors(
                bad_request="Field errors, by field.",
                forbidden="The caller cannot file signals.",
                unprocessable="The Idempotency-Key was used for another body.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        _require_perm(request.user, "cases.add_signal", "Your role cannot file signals.")
        return idempotent(
            self, request, lambda: self._create(request), replay_headers=_signal_etag_header
        )

    def _create(self, request: Request) -> Response:
        data, problems = _signal_parse(request.data, _source_or_none(request.user))
        if problems:
            raise ApplicationValidationError(_all_problems(request.user, data, problems))
        signal = services.signal_create(actor=request.user, data=data, origin=Origin.API)
        return _signal_response(request.user, signal, status.HTTP_201_CREATED)


class SignalBulkCreateApi(APIView):
    """Up to 1,000 signals in one request, all or nothing."""

    @extend_schema_serializer(component_name="SignalBulkInput")
    class InputSerializer(serializers.Serializer):
        signals = SignalInputSerializer(many=True, help_text="1 to 1,000 signals.")

    @extend_schema_serializer(component_name="SignalBulkResult")
    class OutputSerializer(serializers.Serializer):
        count = serializers.IntegerField()
        ids = serializers.ListField(child=serializers.IntegerField())

    @extend_schema(
        operation_id="signals_bulk_create",
        summary="File up to 1,000 signals, all or nothing",
        request=InputSerializer,
        parameters=[IDEMPOTENCY_KEY, REPLAYED],
        responses={
            201: OutputSerializer,
            **_errors(
                bad_request=(
                    "Nothing was saved. Errors are keyed by row and field, e.g. "
                    "signals[3].latitude; more than 1,000 rows is refused whole."
                ),
                forbidden="The caller cannot file signals.",
                conflict="Another request filed some of these external ids at the same moment.",
                unprocessable="The Idempotency-Key was used for another body.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        _require_perm(request.user, "cases.add_signal", "Your role cannot file signals.")
        return idempotent(self, request, lambda: self._create(request))

    def _create(self, request: Request) -> Response:
        rows = request.data.get("signals") if isinstance(request.data, dict) else None
        if not isinstance(rows, list) or not rows:
            raise ApplicationValidationError(
                {"signals": [f'Send {{"signals": [...]}} with 1 to {BULK_LIMIT:,} signals.']}
            )
        if len(rows) > BULK_LIMIT:
            message = (
                f"At most {BULK_LIMIT:,} signals per request; this one has {len(rows):,}. "
                "Split it into several requests."
            )
            raise ApplicationValidationError({"signals": [message]}, message)
        known = _sources_by_pseudonym(request.user, rows)
        parsed = [_signal_parse(row, known.get) for row in rows]
        if any(problems for _, problems in parsed):
            errors: dict[str, list[str]] = {}
            for index, (data, problems) in enumerate(parsed):
                for field, messages in _all_problems(request.user, data, problems).items():
                    row = f"signals[{index}]"
                    errors[row if field == "non_field_errors" else f"{row}.{field}"] = messages
            raise ApplicationValidationError(errors, "Nothing was saved: some rows are not valid.")
        try:
            created = services.signals_create_many(
                actor=request.user, rows=[data for data, _ in parsed], origin=Origin.API
            )
        except ApplicationValidationError as exc:
            raise ApplicationValidationError(
                {
                    re.sub(r"^rows\[", "signals[", field): messages
                    for field, messages in exc.fields.items()
                },
                exc.message,
            ) from None
        ids = [signal.pk for signal in created]
        return Response({"count": len(ids), "ids": ids}, status=status.HTTP_201_CREATED)


class SignalDetailApi(APIView):
    """GET one signal with its ETag; PATCH it with If-Match."""

    @extend_schema(
        operation_id="signals_retrieve",
        summary="Read one signal",
        parameters=[ETAG_HEADER],
        responses={200: SignalOutputSerializer, **_errors(not_found="Missing or not visible.")},
    )
    def get(self, request: Request, pk: int) -> Response:
        return _signal_response(request.user, access.access_signal(request.user, pk))

    @extend_schema(
        operation_id="signals_partial_update",
        summary="Change a signal's fields",
        request=SignalInputSerializer,
        parameters=[IF_MATCH, ETAG_HEADER],
        responses={
            200: SignalOutputSerializer,
            **_errors(
                bad_request="Field errors, by field.",
                forbidden="The caller cannot change signals.",
                not_found="Missing or not visible.",
                precondition_failed="The signal changed since the ETag sent in If-Match.",
                precondition_required="If-Match is missing.",
            ),
        },
    )
    def patch(self, request: Request, pk: int) -> Response:
        signal = access.access_signal(request.user, pk)
        _require_perm(request.user, "cases.change_signal", "Your role cannot change signals.")
        expected = _if_match_version(request, "signal", signal.pk)
        data, problems = _signal_parse(request.data, _source_or_none(request.user))
        if not data and not problems:
            raise ApplicationValidationError({"non_field_errors": ["Send a field to change."]})
        if problems:
            current = {field: getattr(signal, field) for field in services.SIGNAL_FIELDS}
            raise ApplicationValidationError(
                _all_problems(request.user, data, problems, base=current)
            )
        try:
            signal = services.signal_update(
                signal=signal, actor=request.user, expected_version=expected, changes=data
            )
        except ConflictError as exc:
            raise PreconditionFailed(exc.message) from None
        return _signal_response(request.user, signal)


def _triage_target(request: Request, pk: int) -> Signal:
    signal = access.access_signal(request.user, pk)
    _require_perm(request.user, "cases.change_signal", "Your role cannot triage signals.")
    return signal


class SignalDismissApi(APIView):
    @extend_schema_serializer(component_name="SignalDismissal")
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(allow_blank=True)

    @extend_schema(
        operation_id="signals_dismiss",
        summary="Dismiss a signal, with the reason",
        request=InputSerializer,
        parameters=[ETAG_HEADER],
        responses={
            200: SignalOutputSerializer,
            **_errors(
                bad_request="No reason given.",
                forbidden="The caller cannot triage signals.",
                not_found="Missing or not visible.",
                conflict="The workflow does not allow this move (e.g. already dismissed).",
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        signal = _triage_target(request, pk)
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        signal = services.signal_dismiss(
            signal=signal, actor=request.user, reason=given.validated_data["reason"]
        )
        return _signal_response(request.user, signal)


class SignalDuplicateApi(APIView):
    @extend_schema_serializer(component_name="SignalDuplicateMark")
    class InputSerializer(serializers.Serializer):
        original = serializers.IntegerField(help_text="The id of the signal this one repeats.")

    @extend_schema(
        operation_id="signals_mark_duplicate",
        summary="Mark a signal as a duplicate of another",
        request=InputSerializer,
        parameters=[ETAG_HEADER],
        responses={
            200: SignalOutputSerializer,
            **_errors(
                bad_request="The original is not a valid choice.",
                forbidden="The caller cannot triage signals.",
                not_found="The signal or the original is missing or not visible.",
                conflict="The workflow does not allow this move (e.g. dismissed signals).",
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        signal = _triage_target(request, pk)
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        original = access.access_signal(request.user, given.validated_data["original"])
        signal = services.signal_mark_duplicate(
            signal=signal, original=original, actor=request.user
        )
        return _signal_response(request.user, signal)


class SignalDuplicateDecisionApi(APIView):
    @extend_schema_serializer(component_name="DuplicateDecisionInput")
    class InputSerializer(serializers.Serializer):
        candidate = serializers.IntegerField()
        same_event = serializers.BooleanField()

    @extend_schema_serializer(component_name="DuplicateDecision")
    class OutputSerializer(serializers.Serializer):
        signal = serializers.IntegerField()
        candidate = serializers.IntegerField()
        verdict = serializers.ChoiceField(choices=["confirmed", "rejected"])

    @extend_schema(
        operation_id="signals_duplicate_decide",
        summary="Rule on a suggested duplicate: same event or not",
        request=InputSerializer,
        responses={
            201: OutputSerializer,
            **_errors(
                bad_request="Field errors, by field.",
                forbidden="The caller cannot triage signals.",
                not_found="The signal or the candidate is missing or not visible.",
                conflict="The workflow does not allow the resulting move.",
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        signal = _triage_target(request, pk)
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        candidate = access.access_signal(request.user, given.validated_data["candidate"])
        same_event = given.validated_data["same_event"]
        services.duplicate_decide(
            signal=signal, candidate=candidate, same_event=same_event, actor=request.user
        )
        data = {
            "signal": signal.pk,
            "candidate": candidate.pk,
            "verdict": "confirmed" if same_event else "rejected",
        }
        return Response(self.OutputSerializer(data).data, status=status.HTTP_201_CREATED)


@extend_schema_serializer(component_name="SignalDuplicateCandidate")
class SignalCandidateSerializer(SignalOutputSerializer):
    similarity = serializers.FloatField(help_text="pg_trgm similarity of the headlines, 0 to 1.")


class SignalDuplicateCandidatesApi(APIView):
    @extend_schema(
        operation_id="signals_duplicate_candidates",
        summary="Likely reports of the same event, best first",
        responses={
            200: SignalCandidateSerializer(many=True),
            **_errors(not_found="Missing or not visible."),
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        signal = access.access_signal(request.user, pk)
        candidates = selectors.signal_duplicate_candidates(signal=signal, user=request.user)
        context = _signal_context(request.user, candidates)
        return Response(SignalCandidateSerializer(candidates, many=True, context=context).data)


# --- Sources ----------------------------------------------------------------------------------


@extend_schema_serializer(component_name="Source")
class SourceOutputSerializer(serializers.Serializer):
    """A source by pseudonym and grade. Nothing here says who the source is."""

    id = serializers.IntegerField()
    pseudonym = serializers.CharField()
    source_type = serializers.ChoiceField(choices=SourceType.choices)
    reliability = serializers.ChoiceField(choices=Reliability.choices)
    classification = ClassificationField()
    signal_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="SourcePage")
class SourcePageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = SourceOutputSerializer(many=True)


@extend_schema_serializer(component_name="SourceGradeChange")
class SourceGradeChangeSerializer(serializers.Serializer):
    previous = serializers.CharField()
    new = serializers.CharField()
    reason = serializers.CharField()
    changed_by = serializers.CharField(source="changed_by.username")
    changed_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="SourceIdentity")
class SourceIdentitySerializer(serializers.Serializer):
    name = serializers.CharField()
    organisation = serializers.CharField()
    contact = serializers.CharField()
    handling_notes = serializers.CharField()


@extend_schema_serializer(component_name="SourceDetail")
class SourceDetailSerializer(SourceOutputSerializer):
    grade_history = SourceGradeChangeSerializer(many=True)
    identity = SourceIdentitySerializer(
        allow_null=True,
        help_text="Who the source is: present only for holders of the identity permission.",
    )


def _source_detail(user: User, source: Source) -> Response:
    """The detail, with the identity only when source_identity_get gives it (and audits it)."""
    source = selectors.source_list(user=user).get(pk=source.pk)
    history = source.grade_history.select_related("changed_by")
    identity = access.source_identity_get(user, source)
    data = dict(SourceOutputSerializer(source).data)
    data["grade_history"] = SourceGradeChangeSerializer(history, many=True).data
    data["identity"] = SourceIdentitySerializer(identity).data if identity is not None else None
    return Response(data)


class SourceCollectionApi(APIView):
    """GET: sources by pseudonym and grade. POST: register a source (its identity stays hidden)."""

    class FilterSerializer(serializers.Serializer):
        source_type = serializers.ChoiceField(choices=SourceType.choices, required=False)
        reliability = serializers.ChoiceField(choices=Reliability.choices, required=False)
        cursor = serializers.CharField(required=False)
        page_size = serializers.IntegerField(required=False, min_value=1, max_value=1000)

    @extend_schema_serializer(component_name="SourceInput")
    class InputSerializer(serializers.Serializer):
        # Checked by services.source_create, whose messages list the valid values.
        source_type = serializers.CharField(help_text=", ".join(SourceType.values))
        reliability = serializers.CharField(help_text="A (completely reliable) to F.")
        classification = ClassificationField(
            required=False, parse=False, help_text="Defaults to CONFIDENTIAL."
        )
        name = serializers.CharField(
            max_length=300, allow_blank=True, help_text="Never shown outside its handlers."
        )
        organisation = serializers.CharField(max_length=300, required=False, allow_blank=True)
        contact = serializers.CharField(required=False, allow_blank=True)
        handling_notes = serializers.CharField(required=False, allow_blank=True)

    @extend_schema(
        operation_id="sources_list",
        summary="List sources (pseudonym and grade)",
        parameters=[FilterSerializer],
        responses={200: SourcePageSerializer, **_errors(forbidden="No intake role.")},
    )
    def get(self, request: Request) -> Response:
        _require_intake_reader(request.user)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = selectors.source_list(user=request.user)
        if "source_type" in filters.validated_data:
            queryset = queryset.filter(source_type=filters.validated_data["source_type"])
        if "reliability" in filters.validated_data:
            queryset = queryset.filter(reliability=filters.validated_data["reliability"])
        paginator = CursorPagination()
        rows = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(SourceOutputSerializer(rows, many=True).data)

    @extend_schema(
        operation_id="sources_create",
        summary="Register a source under a new pseudonym",
        request=InputSerializer,
        responses={
            201: SourceOutputSerializer,
            **_errors(
                bad_request="Field errors, by field.", forbidden="The caller cannot add sources."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        _require_perm(request.user, "cases.add_source", "Your role cannot register sources.")
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        source = services.source_create(created_by=request.user, **given.validated_data)
        source = selectors.source_list(user=request.user).get(pk=source.pk)
        return Response(SourceOutputSerializer(source).data, status=status.HTTP_201_CREATED)


class SourceDetailApi(APIView):
    @extend_schema(
        operation_id="sources_retrieve",
        summary="Read one source, with its grade history",
        responses={200: SourceDetailSerializer, **_errors(not_found="Missing or not visible.")},
    )
    def get(self, request: Request, pk: int) -> Response:
        return _source_detail(request.user, access.access_source(request.user, pk))


class SourceRegradeApi(APIView):
    @extend_schema_serializer(component_name="SourceRegrade")
    class InputSerializer(serializers.Serializer):
        reliability = serializers.CharField(help_text="A (completely reliable) to F.")
        reason = serializers.CharField(allow_blank=True)

    @extend_schema(
        operation_id="sources_regrade",
        summary="Change a source's reliability grade, with the reason",
        request=InputSerializer,
        responses={
            200: SourceDetailSerializer,
            **_errors(
                bad_request="Field errors, by field.",
                forbidden="The caller cannot regrade sources.",
                not_found="Missing or not visible.",
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        source = access.access_source(request.user, pk)
        _require_perm(request.user, "cases.change_source", "Your role cannot regrade sources.")
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        source = services.source_reliability_change(
            source=source, changed_by=request.user, **given.validated_data
        )
        return _source_detail(request.user, source)


# --- Situations -------------------------------------------------------------------------------


@extend_schema_serializer(component_name="Situation")
class SituationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    countries = serializers.ListField(child=serializers.CharField())
    regions = serializers.ListField(child=serializers.CharField())
    subregions = serializers.ListField(child=serializers.CharField())
    subnational_areas = serializers.ListField(child=serializers.CharField())
    summary = serializers.CharField()
    status = MonitoringStatusField()
    classification = ClassificationField()
    lead_analyst = serializers.CharField(source="lead_analyst.username")
    signal_count = serializers.IntegerField()
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(
        allow_null=True, help_text="When it was closed; null while it is monitored."
    )


@extend_schema_serializer(component_name="SituationPage")
class SituationPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = SituationOutputSerializer(many=True)


@extend_schema_serializer(component_name="SituationMember")
class SituationMemberSerializer(serializers.Serializer):
    username = serializers.CharField(source="user.username")
    full_name = serializers.CharField(source="user.get_full_name")
    added_by = serializers.CharField(source="added_by.username")
    added_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="SituationDetail")
class SituationDetailSerializer(SituationOutputSerializer):
    team = SituationMemberSerializer(many=True)


def _situation_response(situation: Situation, code: int = status.HTTP_200_OK) -> Response:
    situation = Situation.objects.select_related("lead_analyst").get(pk=situation.pk)
    situation.signal_count = situation.signal_links.count()
    situation.team = list(
        situation.members.select_related("user", "added_by").order_by("user__username")
    )
    return Response(
        SituationDetailSerializer(situation).data,
        status=code,
        headers={"ETag": etag("situation", situation.pk, situation.version)},
    )


def _situation_changes(given: dict[str, Any]) -> dict[str, Any]:
    changes = dict(given)
    if "lead_analyst" in changes:
        changes["lead_analyst"] = _user_named(changes["lead_analyst"], "lead_analyst")
    return changes


def _manageable_situation(request: Request, pk: int) -> Situation:
    situation = access.access_situation(request.user, pk)
    if not access.situation_manageable(request.user, situation):
        raise exceptions.PermissionDenied(
            "Only the lead analyst and team members who may edit situations can change this one."
        )
    return situation


class SituationCollectionApi(APIView):
    """GET: situations this caller may see, filtered. POST: open a situation."""

    class FilterSerializer(serializers.Serializer):
        region = serializers.CharField(required=False, allow_blank=True, validators=[_region_valid])
        country = serializers.CharField(required=False, allow_blank=True)
        status = MonitoringStatusField(required=False)
        team = serializers.ChoiceField(
            choices=["mine"], required=False, help_text="mine: only situations I am on."
        )
        cursor = serializers.CharField(required=False)
        page_size = serializers.IntegerField(required=False, min_value=1, max_value=1000)

        def validate_country(self, value: str) -> str:
            return _country_valid(value)

    @extend_schema_serializer(component_name="SituationInput")
    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=200, allow_blank=True)
        countries = serializers.ListField(
            child=serializers.CharField(), help_text="ISO 3166-1 alpha-3 codes."
        )
        subnational_areas = serializers.ListField(
            child=serializers.CharField(max_length=120), required=False
        )
        summary = serializers.CharField(required=False, allow_blank=True)
        status = MonitoringStatusField(required=False)
        classification = ClassificationField(
            required=False, parse=False, help_text="Defaults to CONFIDENTIAL."
        )
        lead_analyst = serializers.CharField(
            required=False, help_text="Username; defaults to the caller."
        )

    @extend_schema(
        operation_id="situations_list",
        summary="List situations",
        parameters=[FilterSerializer],
        responses={
            200: SituationPageSerializer,
            **_errors(bad_request="A filter is not valid.", forbidden="Not joint-office staff."),
        },
    )
    def get(self, request: Request) -> Response:
        _require_staff(request.user)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        given = filters.validated_data
        queryset = selectors.situation_list(
            user=request.user,
            region=given.get("region", ""),
            country=given.get("country", ""),
            status=given.get("status", ""),
            team=given.get("team") == "mine",
        )
        paginator = CursorPagination()
        rows = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(SituationOutputSerializer(rows, many=True).data)

    @extend_schema(
        operation_id="situations_create",
        summary="Open a situation",
        request=InputSerializer,
        parameters=[ETAG_HEADER],
        responses={
            201: SituationDetailSerializer,
            **_errors(
                bad_request="Field errors, by field.",
                forbidden="The caller cannot open situations.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        _require_perm(request.user, "cases.add_situation", "Your role cannot open situations.")
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        situation = services.situation_create(
            created_by=request.user, **_situation_changes(given.validated_data)
        )
        return _situation_response(situation, status.HTTP_201_CREATED)


class SituationDetailApi(APIView):
    """GET one situation with its team and ETag; PATCH it with If-Match."""

    @extend_schema(
        operation_id="situations_retrieve",
        summary="Read one situation with its team",
        parameters=[ETAG_HEADER],
        responses={200: SituationDetailSerializer, **_errors(not_found="Missing or not visible.")},
    )
    def get(self, request: Request, pk: int) -> Response:
        return _situation_response(access.access_situation(request.user, pk))

    @extend_schema(
        operation_id="situations_partial_update",
        summary="Change a situation",
        request=SituationCollectionApi.InputSerializer,
        parameters=[IF_MATCH, ETAG_HEADER],
        responses={
            200: SituationDetailSerializer,
            **_errors(
                bad_request="Field errors, by field.",
                forbidden="The caller may see but not manage this situation.",
                not_found="Missing or not visible.",
                precondition_failed="The situation changed since the ETag sent in If-Match.",
                precondition_required="If-Match is missing.",
            ),
        },
    )
    def patch(self, request: Request, pk: int) -> Response:
        situation = _manageable_situation(request, pk)
        expected = _if_match_version(request, "situation", situation.pk)
        given = SituationCollectionApi.InputSerializer(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        if not given.validated_data:
            raise ApplicationValidationError({"non_field_errors": ["Send a field to change."]})
        try:
            situation = services.situation_update(
                situation=situation,
                actor=request.user,
                expected_version=expected,
                **_situation_changes(given.validated_data),
            )
        except ConflictError as exc:
            raise PreconditionFailed(exc.message) from None
        return _situation_response(situation)


class SituationTeamApi(APIView):
    @extend_schema_serializer(component_name="SituationTeamAdd")
    class InputSerializer(serializers.Serializer):
        username = serializers.CharField()

    @extend_schema(
        operation_id="situations_team_add",
        summary="Put someone on the situation's team",
        request=InputSerializer,
        responses={
            201: SituationDetailSerializer,
            **_errors(
                bad_request="Not staff, not cleared, or already on the team.",
                forbidden="The caller may see but not manage this situation.",
                not_found="Missing or not visible.",
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        situation = _manageable_situation(request, pk)
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        member = _user_named(given.validated_data["username"], "username")
        try:
            services.situation_member_add(situation=situation, user=member, actor=request.user)
        except ApplicationValidationError as exc:
            raise _rekeyed(exc, {"user": "username"}) from None
        return _situation_response(situation, status.HTTP_201_CREATED)


class SituationTeamMemberApi(APIView):
    @extend_schema(
        operation_id="situations_team_remove",
        summary="Take someone off the situation's team",
        responses={
            204: None,
            **_errors(
                bad_request="Not on the team, or the lead analyst.",
                forbidden="The caller may see but not manage this situation.",
                not_found="Missing or not visible.",
            ),
        },
    )
    def delete(self, request: Request, pk: int, username: str) -> Response:
        situation = _manageable_situation(request, pk)
        member = User.objects.filter(username=username).first()
        if member is None:
            raise ApplicationValidationError({"username": [f"{username} is not on the team."]})
        try:
            services.situation_member_remove(situation=situation, user=member, actor=request.user)
        except ApplicationValidationError as exc:
            raise _rekeyed(exc, {"user": "username"}) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class SituationSignalLinkApi(APIView):
    @extend_schema_serializer(component_name="SituationSignalLinkInput")
    class InputSerializer(serializers.Serializer):
        signal = serializers.IntegerField()

    @extend_schema_serializer(component_name="SituationSignalLink")
    class OutputSerializer(serializers.Serializer):
        signal = serializers.IntegerField(source="signal_id")
        situation = serializers.CharField(source="situation.reference")
        linked_by = serializers.CharField(source="linked_by.username")
        linked_at = serializers.DateTimeField()
        signal_status = SignalStatusField(source="signal.status")

    @extend_schema(
        operation_id="situations_signals_link",
        summary="Link a signal to the situation (a new signal is thereby triaged)",
        request=InputSerializer,
        responses={
            201: OutputSerializer,
            **_errors(
                bad_request="Already linked.",
                forbidden="The caller cannot triage signals.",
                not_found="The situation or the signal is missing or not visible.",
                conflict="The workflow does not allow the move.",
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        situation = access.access_situation(request.user, pk)
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        signal = access.access_signal(request.user, given.validated_data["signal"])
        _require_perm(request.user, "cases.change_signal", "Your role cannot triage signals.")
        link = services.signal_link(signal=signal, situation=situation, actor=request.user)
        link = SignalSituationLink.objects.select_related("signal", "situation", "linked_by").get(
            pk=link.pk
        )
        return Response(self.OutputSerializer(link).data, status=status.HTTP_201_CREATED)


def _paths(routes: Iterable[tuple[str, type[APIView], str]]) -> list:
    return [path(route, view.as_view(), name=name) for route, view, name in routes]


urlpatterns = _paths(
    [
        ("signals/", SignalCollectionApi, "api-signals"),
        ("signals/bulk/", SignalBulkCreateApi, "api-signals-bulk"),
        ("signals/<int:pk>/", SignalDetailApi, "api-signal"),
        ("signals/<int:pk>/dismiss/", SignalDismissApi, "api-signal-dismiss"),
        ("signals/<int:pk>/duplicate/", SignalDuplicateApi, "api-signal-duplicate"),
        (
            "signals/<int:pk>/duplicate-decisions/",
            SignalDuplicateDecisionApi,
            "api-signal-duplicate-decisions",
        ),
        (
            "signals/<int:pk>/duplicate-candidates/",
            SignalDuplicateCandidatesApi,
            "api-signal-duplicate-candidates",
        ),
        ("sources/", SourceCollectionApi, "api-sources"),
        ("sources/<int:pk>/", SourceDetailApi, "api-source"),
        ("sources/<int:pk>/regrade/", SourceRegradeApi, "api-source-regrade"),
        ("situations/", SituationCollectionApi, "api-situations"),
        ("situations/<int:pk>/", SituationDetailApi, "api-situation"),
        ("situations/<int:pk>/team/", SituationTeamApi, "api-situation-team"),
        (
            "situations/<int:pk>/team/<str:username>/",
            SituationTeamMemberApi,
            "api-situation-team-member",
        ),
        ("situations/<int:pk>/signals/", SituationSignalLinkApi, "api-situation-signals"),
    ]
)
