"""One tree of errors, each mapped once to an HTTP status and an RFC 9457 problem type."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, cast

from pydantic import BaseModel, ConfigDict, ValidationError

PROBLEM_BASE = "https://cockpit-gateway.dev/problems/"


class ProblemItem(BaseModel):
    """One thing wrong: located by a JSON Pointer into the body, or by a query parameter or header name."""

    model_config = ConfigDict(extra="forbid")

    pointer: str | None = None
    parameter: str | None = None
    header: str | None = None
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[ProblemItem] | None = None


class ProblemError(Exception):
    """Base of every error that becomes a problem document."""

    status: ClassVar[int] = 500
    slug: ClassVar[str] = "internal-error"
    title: ClassVar[str] = "Internal error"

    def __init__(
        self,
        detail: str,
        *,
        errors: Sequence[ProblemItem] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors) if errors else None
        self.headers = headers or {}

    @classmethod
    def type_uri(cls) -> str:
        return PROBLEM_BASE + cls.slug

    @property
    def retry_after(self) -> int | None:
        """The seconds of its Retry-After header, when it has one in seconds."""
        value = self.headers.get("Retry-After", "")
        return int(value) if value.isdigit() else None

    def problem(self, instance: str | None = None) -> Problem:
        return Problem(
            type=self.type_uri(),
            title=self.title,
            status=self.status,
            detail=self.detail,
            instance=instance,
            errors=self.errors,
        )


class BadRequest(ProblemError):
    status, slug, title = 400, "bad-request", "Bad request"


class MalformedJson(ProblemError):
    status, slug, title = 400, "malformed-json", "Malformed JSON"


class IdempotencyKeyRequired(ProblemError):
    status, slug, title = 400, "idempotency-key-required", "Idempotency-Key required"


class Unauthorized(ProblemError):
    status, slug, title = 401, "unauthorized", "Unauthorized"


class Forbidden(ProblemError):
    status, slug, title = 403, "forbidden", "Forbidden"


class NotFound(ProblemError):
    status, slug, title = 404, "not-found", "Not found"


class ToolNotFound(NotFound):
    slug, title = "tool-not-found", "Unknown tool"


class MethodNotAllowed(ProblemError):
    status, slug, title = 405, "method-not-allowed", "Method not allowed"


class NotAcceptable(ProblemError):
    status, slug, title = 406, "not-acceptable", "Not acceptable"


class Conflict(ProblemError):
    status, slug, title = 409, "conflict", "Conflict"


class IdempotencyConflict(Conflict):
    slug, title = "idempotency-conflict", "Idempotency-Key reused with another request"


class IdempotencyInProgress(Conflict):
    slug, title = "idempotency-in-progress", "A request with this Idempotency-Key is in progress"


class Unavailable(Conflict):
    slug, title = "unavailable", "No longer available"


class BookingLimitExceeded(Conflict):
    slug, title = "booking-limit-exceeded", "This vehicle holds as many bookings of this slot as it may"


class SessionBusy(Conflict):
    slug, title = "session-busy", "Another turn changed this session first"


class ConfirmationInvalid(Conflict):
    slug, title = "confirmation-invalid", "Confirmation token not valid for this call"


class ConfirmationExpired(ConfirmationInvalid):
    slug, title = "confirmation-expired", "Confirmation token expired"


class PayloadTooLarge(ProblemError):
    status, slug, title = 413, "payload-too-large", "Request body too large"


class UnsupportedMediaType(ProblemError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class PaymentDeclined(ProblemError):
    """The payment processor refused the payment (a card decline, say): nothing was charged."""

    status, slug, title = 402, "payment-declined", "Payment declined"


class PaymentStateConflict(Conflict):
    """A payment transition its current state does not allow (capturing twice, refunding a hold)."""

    slug, title = "payment-state-conflict", "Not allowed in the payment's current state"


class RefundExceedsCaptured(Conflict):
    slug, title = "refund-exceeds-captured", "Refund larger than what is left to refund"


class ValidationFailed(ProblemError):
    status, slug, title = 422, "validation-failed", "Request failed validation"


class NoRoute(ProblemError):
    """The points are valid, but no drivable route joins them (another continent, an island, too far)."""

    status, slug, title = 422, "no-route", "No route"


class PaymentLimitExceeded(ValidationFailed):
    """A payment above the vehicle's per-payment limit, or one that would pass its rolling 24-hour limit."""

    slug, title = "payment-limit-exceeded", "Payment limit exceeded"


class UnsafeDestination(ValidationFailed):
    """A partner URL that is not https to a public address (the SSRF guard, cockpit.partners.netguard)."""

    slug, title = "unsafe-destination", "Destination not allowed"


class InvalidContract(ValidationFailed):
    """A partner contract document the compiler cannot turn into tools (says what and where)."""

    slug, title = "invalid-contract", "Contract document invalid"


class NamespaceReserved(ValidationFailed):
    slug, title = "namespace-reserved", "Namespace reserved"


class NamespaceUnavailable(Conflict):
    slug, title = "namespace-unavailable", "Namespace taken"


class RateLimited(ProblemError):
    status, slug, title = 429, "rate-limited", "Too many requests"


class UpstreamError(ProblemError):
    status, slug, title = 502, "upstream-bad-response", "Upstream service answered badly"


class ModelUnavailable(UpstreamError):
    """A hosted language model timed out, failed or answered nonsense (the assistant falls back offline)."""

    slug, title = "model-unavailable", "The language model is unavailable"


class UpstreamTimeout(ProblemError):
    status, slug, title = 504, "upstream-timeout", "Upstream service timed out"


class UpstreamUnavailable(ProblemError):
    status, slug, title = 503, "upstream-unavailable", "Upstream service unavailable"


class PartnerRefused(ProblemError):
    """A partner answered 4xx: the problem names the partner's status (`partner_status`)."""

    status, slug, title = 502, "partner-refused", "Partner refused the request"

    def __init__(self, detail: str, *, partner_status: int | None = None, **kw: Any) -> None:
        super().__init__(detail, **kw)
        self.partner_status = partner_status

    def problem(self, instance: str | None = None) -> Problem:
        doc = super().problem(instance)
        if self.partner_status is None:
            return doc
        return doc.model_copy(update={"partner_status": self.partner_status})


class PartnerRejectedArguments(PartnerRefused):
    status, slug, title = 422, "partner-rejected-arguments", "Partner rejected the arguments"


class PartnerResourceNotFound(PartnerRefused):
    status, slug, title = 404, "partner-resource-not-found", "Partner does not know the resource"


class PartnerConflict(PartnerRefused):
    status, slug, title = 409, "partner-conflict", "Partner reports a conflict"


class PartnerRateLimited(PartnerRefused):
    status, slug, title = 429, "partner-rate-limited", "Partner is rate limiting"


class ConfigurationError(ProblemError):
    status, slug, title = 500, "configuration-error", "Gateway misconfigured"


def json_pointer(parts: Iterable[Any]) -> str:
    """RFC 6901 pointer for a path of keys and indexes."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def from_pydantic(exc: ValidationError, prefix: Sequence[Any] = ()) -> ValidationFailed:
    """A 422 naming each field that failed, by pointer."""
    items = [
        ProblemItem(pointer=json_pointer([*prefix, *err["loc"]]), message=err["msg"]) for err in exc.errors()
    ]
    where = ", ".join(i.pointer or "/" for i in items[:5])
    if len(items) > 5:
        where += ", …"
    return ValidationFailed(f"{len(items)} field(s) failed validation: {where}", errors=items)


class ForeignProblem(ProblemError):
    """A problem another function answered whose type this layer does not know: it keeps its own type,
    title and status (made per kind by `from_problem`), its detail, pointers and extension members."""

    problem_type: ClassVar[str] = PROBLEM_BASE + "foreign"

    def __init__(self, detail: str, *, extra: dict[str, Any] | None = None, **kw: Any) -> None:
        super().__init__(detail, **kw)
        self.extra = dict(extra or {})

    @classmethod
    def type_uri(cls) -> str:
        return cls.problem_type

    def problem(self, instance: str | None = None) -> Problem:
        doc = super().problem(instance)
        return doc.model_copy(update=self.extra) if self.extra else doc


_BY_TYPE: dict[str, type[ProblemError]] = {}
_FOREIGN: dict[tuple[str, str, int], type[ForeignProblem]] = {}
_FOREIGN_KINDS = 256  # a bound on the classes made for foreign problems (a callee could invent many)


def _register(cls: type[ProblemError]) -> None:
    if cls is not ForeignProblem:
        _BY_TYPE[cls.type_uri()] = cls
    for sub in cls.__subclasses__():
        _register(sub)


def _foreign(type_uri: str, title: str, status: int) -> type[ForeignProblem]:
    key = (type_uri, title, status)
    found = _FOREIGN.get(key)
    if found is None:
        members = {"problem_type": type_uri, "title": title, "status": status}
        found = cast(type[ForeignProblem], type("ForeignProblem", (ForeignProblem,), members))
        if len(_FOREIGN) < _FOREIGN_KINDS:
            _FOREIGN[key] = found
    return found


def from_problem(problem: Problem) -> ProblemError:
    """Rebuild the error a problem document describes (problems cross Lambda boundaries as data).

    A type this layer knows, with its status, becomes its own class. A 4xx of a type it does not know
    passes through as it is (type, title, status, detail, pointers, extension members), so this module
    need not know every domain's errors. Anything else — a 5xx, a status that is no error, a known type
    with another status — is the callee failing: 502."""
    if not _BY_TYPE:
        _register(ProblemError)
    cls = _BY_TYPE.get(problem.type)
    if cls is not None and cls.status == problem.status:
        return cls(problem.detail, errors=problem.errors)
    if cls is None and 400 <= problem.status < 500:
        kind = _foreign(problem.type, problem.title, problem.status)
        return kind(problem.detail, errors=problem.errors, extra=problem.model_extra)
    return UpstreamError(f"target answered an unknown problem: {problem.title}")
