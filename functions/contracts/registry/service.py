"""The registry: register (or preflight), change, approve, retire, list and show partner contracts.

Everything a request could be refused for is checked before anything is written; the writes that
follow (document, secrets, tool items, then the contract itself) are undone if any of them fails, so
a refused or failed request leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cockpit.errors import (
    Conflict,
    Forbidden,
    NamespaceReserved,
    NamespaceUnavailable,
    NotFound,
    ProblemItem,
    ValidationFailed,
)
from cockpit.observability import logger
from cockpit.partners import netguard
from cockpit.partners.model import (
    ApiKeyAuth,
    NoAuth,
    OAuth2ClientCredentials,
    OutboundAuth,
    PartnerOperation,
    PartnerTool,
    confirmation_question,
)
from cockpit.tools.model import Caller, Effect, Role, ToolSpec
from registry import models as m
from registry.advice import advice
from registry.compiler.compile import Compiled, CompiledTool, Options, compile_contract
from registry.ports import Contracts, DocumentStore, SecretStore
from registry.undo import Undo

# First-party domains and names a partner must not pose as (a namespace may not equal one or start
# with one followed by "_": `charging_find` would make `charging_find_stations`).
RESERVED_NAMESPACES = frozenset(
    {
        "navigation",
        "charging",
        "payments",
        "payment",
        "booking",
        "cockpit",
        "gateway",
        "assistant",
        "router",
        "contracts",
        "authorizer",
        "operations",
        "sessions",
        "tools",
        "mcp",
        "system",
        "admin",
        "vehicle",
        "partner",
        "internal",
        "first_party",
        "openai",
        "bedrock",
        "qwen",
        "aws",
        "amazon",
    }
)


@dataclass(frozen=True)
class Limits:
    dev_mode: bool
    max_operations: int
    max_document_bytes: int
    secret_prefix: str


def reserved(namespace: str) -> bool:
    return any(namespace == r or namespace.startswith(r + "_") for r in RESERVED_NAMESPACES)


class ContractsService:
    def __init__(
        self,
        store: Contracts,
        documents: DocumentStore,
        secret_store: SecretStore,
        limits: Limits,
        resolve: netguard.Resolver = netguard.system_resolver,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store, self.documents, self.secrets = store, documents, secret_store
        self.limits, self.resolve, self.clock = limits, resolve, clock

    # -- register -----------------------------------------------------------------------------------

    def register(self, caller: Caller, body: m.ContractRequest, *, dry_run: bool) -> m.Registered:
        if caller.role is not Role.PARTNER:
            raise Forbidden("contracts are registered by partners (their token's sub owns the contract)")
        self._check_namespace(caller, body.namespace)
        compiled = self._compile(body)
        summaries = [_summary(t, body.namespace, full=dry_run) for t in compiled.tools]
        if dry_run:
            return m.Registered(
                contract_id=None,
                version=None,
                status="dry_run",
                tools=summaries,
                warnings=compiled.warnings,
                dry_run=True,
            )
        contract_id, signing_key = "ctr_" + secrets.token_hex(10), secrets.token_urlsafe(32)
        now = self.clock()
        with Undo("registration", contract_id) as undo:
            self._claim_names(body.namespace, contract_id, compiled, undo)
            signing_arn = self.secrets.create(
                self._secret_name(contract_id, "signing"),
                {"key": signing_key},
                f"HMAC key the gateway signs requests to {body.namespace} with",
            )
            undo.add(lambda: self.secrets.delete(signing_arn, at_once=True))
            contract = m.ContractRecord(
                contract_id=contract_id,
                partner_id=caller.sub,
                namespace=body.namespace,
                display_name=body.display_name,
                status=m.ContractStatus.PENDING_REVIEW,
                active_version=None,
                latest_version=1,
                pending_version=1,
                created_at=now,
                updated_at=now,
                signing_secret_arn=signing_arn,
            )
            version, tools = self._store_version(contract, 1, body, compiled, undo)
            if self.limits.dev_mode:
                contract, version = _activated(contract, version, now)
            self.store.create(contract, version)
            undo.add(lambda: self.store.forget(contract, 1, [t.spec.name for t in tools]))
            if self.limits.dev_mode:
                undo.add(lambda: self.store.unpublish(contract_id))
                self.store.publish(contract_id, tools)
        logger().info(
            "contract registered",
            extra={
                "contract_id": contract_id,
                "namespace": body.namespace,
                "tools": len(tools),
                "status": version.status.value,
            },
        )
        return m.Registered(
            contract_id=contract_id,
            version=1,
            status=version.status,
            tools=summaries,
            warnings=compiled.warnings,
            signing=m.SigningKey(key=signing_key),
        )

    def _claim_names(self, namespace: str, contract_id: str, compiled: Compiled, undo: Undo) -> None:
        claimed = self.store.claim_tool_names(namespace, contract_id, [t.name for t in compiled.tools])
        undo.add(lambda: self.store.release_tool_names(contract_id, claimed))

    def _check_namespace(self, caller: Caller, namespace: str) -> None:
        if reserved(namespace):
            why = "is reserved for first-party tools"
            raise NamespaceReserved(
                f"namespace {namespace!r} {why}", errors=[ProblemItem(pointer="/namespace", message=why)]
            )
        claim = self.store.claim(namespace)
        if claim is not None and not (claim["owner"] == caller.sub and claim["retired"] == "true"):
            raise NamespaceUnavailable(
                f"namespace {namespace!r} is taken",
                errors=[ProblemItem(pointer="/namespace", message="taken")],
            )
        overlapping = self.store.overlapping_namespaces(namespace)
        if overlapping:
            why = f"overlaps namespace {overlapping[0]!r}: their tool names could collide"
            raise NamespaceUnavailable(
                f"namespace {namespace!r} {why}", errors=[ProblemItem(pointer="/namespace", message=why)]
            )

    def _compile(self, body: m.ContractRequest) -> Compiled:
        reserved_params: frozenset[tuple[str, str]] = frozenset()
        if isinstance(body.auth, m.ApiKeyIn):
            reserved_params = frozenset({(body.auth.in_, body.auth.name.lower())})
        compiled = compile_contract(
            body.openapi,
            Options(
                namespace=body.namespace,
                operations=body.operations,
                confirmation_required=body.confirmation_required,
                reserved_parameters=reserved_params,
                max_operations=self.limits.max_operations,
                max_document_bytes=self.limits.max_document_bytes,
            ),
        )
        self._check_url(body.base_url, "base_url")
        if isinstance(body.auth, m.OAuth2In):
            self._check_url(body.auth.token_url, "auth.token_url")
        compiled.warnings.extend(advice(compiled.document, body.base_url, body.auth))
        return compiled

    def _check_url(self, url: str, field: str) -> None:
        if "?" in url or "#" in url:
            why = "must not carry a query or fragment"
            raise ValidationFailed(
                f"{field} {why}", errors=[ProblemItem(pointer="/" + field.replace(".", "/"), message=why)]
            )
        netguard.check_destination(url, dev_mode=self.limits.dev_mode, resolve=self.resolve, field=field)

    def _store_version(
        self, contract: m.ContractRecord, number: int, body: m.ContractRequest, compiled: Compiled, undo: Undo
    ) -> tuple[m.VersionRecord, list[PartnerTool]]:
        cid = contract.contract_id
        document = json.dumps(compiled.document, separators=(",", ":"), ensure_ascii=False).encode()
        key = f"contracts/{cid}/v{number}/openapi.json"
        doc_version = self.documents.put(key, document)
        undo.add(lambda: self.documents.delete(key, doc_version))
        auth, auth_arn = self._auth(cid, number, body.auth, undo)
        tools = [_partner_tool(t, contract, number, body, auth) for t in compiled.tools]
        self.store.put_tools(cid, number, tools)
        undo.add(lambda: self.store.delete_tools(cid, number, [t.spec.name for t in tools]))
        version = m.VersionRecord(
            contract_id=cid,
            version=number,
            status=m.VersionStatus.PENDING_REVIEW,
            created_at=self.clock(),
            base_url=body.base_url.rstrip("/"),
            auth=_auth_view(body.auth),
            auth_secret_arn=auth_arn,
            timeout_ms=body.timeout_ms,
            document_key=key,
            document_version_id=doc_version,
            document_sha256=hashlib.sha256(document).hexdigest(),
            document_bytes=len(document),
            tools=[_summary(t) for t in compiled.tools],
            warnings=compiled.warnings,
        )
        return version, tools

    def _auth(self, cid: str, number: int, auth: m.AuthIn, undo: Undo) -> tuple[OutboundAuth, str | None]:
        if isinstance(auth, m.NoAuthIn):
            return NoAuth(), None
        name = self._secret_name(cid, f"v{number}/auth")
        if isinstance(auth, m.ApiKeyIn):
            arn = self.secrets.create(name, {"value": auth.value.get_secret_value()}, "partner API key")
            undo.add(lambda: self.secrets.delete(arn, at_once=True))
            return ApiKeyAuth(location=auth.in_, name=auth.name, secret_arn=arn), arn
        arn = self.secrets.create(
            name, {"client_secret": auth.client_secret.get_secret_value()}, "partner OAuth2 client secret"
        )
        undo.add(lambda: self.secrets.delete(arn, at_once=True))
        return OAuth2ClientCredentials(
            token_url=auth.token_url, client_id=auth.client_id, scopes=tuple(auth.scopes), secret_arn=arn
        ), arn

    def _secret_name(self, contract_id: str, what: str) -> str:
        return f"{self.limits.secret_prefix}{contract_id}/{what}"

    # -- change, approve, retire ----------------------------------------------------------------------

    def update(
        self, caller: Caller, contract_id: str, body: m.ContractRequest, *, dry_run: bool
    ) -> m.Registered:
        contract = self._owned(caller, contract_id, owner_only=True)
        if contract.status is m.ContractStatus.RETIRED:
            raise Conflict(f"contract {contract_id} is retired; register a new one")
        if body.namespace != contract.namespace:
            why = f"a contract's namespace cannot change (it is {contract.namespace!r})"
            raise ValidationFailed(why, errors=[ProblemItem(pointer="/namespace", message=why)])
        compiled = self._compile(body)
        summaries = [_summary(t, body.namespace, full=dry_run) for t in compiled.tools]
        if dry_run:
            return m.Registered(
                contract_id=contract_id,
                version=None,
                status="dry_run",
                tools=summaries,
                warnings=compiled.warnings,
                dry_run=True,
            )
        number, now = contract.latest_version + 1, self.clock()
        versions = {v.version: v for v in self.store.versions(contract_id)}
        with Undo("new version", contract_id) as undo:
            self._claim_names(contract.namespace, contract_id, compiled, undo)
            version, tools = self._store_version(contract, number, body, compiled, undo)
            changed = [version]
            pending = versions.get(contract.pending_version or 0)
            if pending is not None:  # an unapproved earlier version is replaced by this one
                changed.append(pending.model_copy(update={"status": m.VersionStatus.SUPERSEDED}))
            new = contract.model_copy(
                update={
                    "latest_version": number,
                    "pending_version": number,
                    "updated_at": now,
                    "display_name": body.display_name,
                    "rev": contract.rev + 1,
                }
            )
            if self.limits.dev_mode:
                new, version, old = self._activate(new, version, versions, now)
                changed[0] = version
                changed += old
            self.store.update(new, contract.rev, *changed)
            undo.committed()  # the contract now names this version; a failed publish is repaired by approving
            if self.limits.dev_mode:
                self.store.publish(contract_id, tools)
                self._forget_secrets(changed[1:], keep=version)
        logger().info(
            "contract version added",
            extra={"contract_id": contract_id, "version": number, "status": version.status.value},
        )
        return m.Registered(
            contract_id=contract_id,
            version=number,
            status=version.status,
            tools=summaries,
            warnings=compiled.warnings,
        )

    def _activate(
        self,
        contract: m.ContractRecord,
        version: m.VersionRecord,
        versions: dict[int, m.VersionRecord],
        now: datetime,
    ) -> tuple[m.ContractRecord, m.VersionRecord, list[m.VersionRecord]]:
        new_contract, new_version = _activated(contract, version, now)
        old = versions.get(contract.active_version or 0)
        superseded = [old.model_copy(update={"status": m.VersionStatus.SUPERSEDED})] if old else []
        return new_contract, new_version, superseded

    def approve(
        self, caller: Caller, contract_id: str, body: m.ApproveRequest | None = None
    ) -> m.ContractView:
        waived = (body or m.ApproveRequest()).waive_confirmation
        contract = self._owned(caller, contract_id, owner_only=False)
        if contract.status is m.ContractStatus.RETIRED:
            raise Conflict(f"contract {contract_id} is retired")
        versions = {v.version: v for v in self.store.versions(contract_id)}
        pending = versions.get(contract.pending_version or 0)
        if pending is None:
            if contract.active_version is None:
                raise Conflict(f"contract {contract_id} has no version waiting for approval")
            tools = _waive(self.store.version_tools(contract_id, contract.active_version), waived)
            self.store.publish(contract_id, tools)
            return self.show(caller, contract_id)  # approving again re-publishes the active version
        tools = _waive(self.store.version_tools(contract_id, pending.version), waived)  # 422 before a write
        new, version, old = self._activate(
            contract.model_copy(update={"rev": contract.rev + 1}), pending, versions, self.clock()
        )
        self.store.update(new, contract.rev, version, *old)
        self.store.publish(contract_id, tools)
        self._forget_secrets(old, keep=version)
        logger().info(
            "contract version approved", extra={"contract_id": contract_id, "version": version.version}
        )
        return self.show(caller, contract_id)

    def _forget_secrets(self, superseded: list[m.VersionRecord], *, keep: m.VersionRecord) -> None:
        """Superseded versions' credentials are never used again: scheduled for deletion."""
        for old in superseded:
            if old.auth_secret_arn and old.auth_secret_arn != keep.auth_secret_arn:
                self.secrets.delete(old.auth_secret_arn, at_once=False)

    def retire(self, caller: Caller, contract_id: str) -> None:
        contract = self._owned(caller, contract_id, owner_only=False)
        self.store.unpublish(contract_id)  # first: its tools leave the catalog before anything else
        if contract.status is m.ContractStatus.RETIRED:
            return
        versions = self.store.versions(contract_id)
        retired = [
            v.model_copy(update={"status": m.VersionStatus.RETIRED})
            for v in versions
            if v.status in (m.VersionStatus.ACTIVE, m.VersionStatus.PENDING_REVIEW)
        ]
        new = contract.model_copy(
            update={
                "status": m.ContractStatus.RETIRED,
                "active_version": None,
                "pending_version": None,
                "updated_at": self.clock(),
                "rev": contract.rev + 1,
            }
        )
        self.store.update(new, contract.rev, *retired, retire_claim=True)
        for arn in {contract.signing_secret_arn, *(v.auth_secret_arn for v in versions if v.auth_secret_arn)}:
            self.secrets.delete(arn, at_once=False)
        logger().info("contract retired", extra={"contract_id": contract_id})

    # -- read -----------------------------------------------------------------------------------------

    def list(self, caller: Caller) -> m.ContractList:
        owner = None if caller.role is Role.ADMIN else caller.sub
        records = sorted(self.store.listing(owner), key=lambda c: (c.created_at, c.contract_id))
        return m.ContractList(contracts=[m.ContractSummary.model_validate(c.model_dump()) for c in records])

    def show(self, caller: Caller, contract_id: str) -> m.ContractView:
        contract = self._owned(caller, contract_id, owner_only=False)
        versions = [
            m.VersionView(
                version=v.version,
                status=v.status,
                created_at=v.created_at,
                approved_at=v.approved_at,
                base_url=v.base_url,
                auth=v.auth,
                timeout_ms=v.timeout_ms,
                tools=v.tools,
                warnings=v.warnings,
                document={"sha256": v.document_sha256, "bytes": v.document_bytes},
            )
            for v in self.store.versions(contract_id)
        ]
        return m.ContractView(
            **m.ContractSummary.model_validate(contract.model_dump()).model_dump(), versions=versions
        )

    def _owned(self, caller: Caller, contract_id: str, *, owner_only: bool) -> m.ContractRecord:
        """The contract, if this caller may see it: its partner, or an admin (unless `owner_only`).
        Another partner's contract is "not found": its existence must not leak."""
        contract = self.store.get(contract_id) if contract_id.startswith("ctr_") else None
        if contract is None or (caller.role is Role.PARTNER and contract.partner_id != caller.sub):
            raise NotFound(f"no contract {contract_id}")
        if owner_only and caller.role is not Role.PARTNER:
            raise Forbidden("only the partner that owns a contract may change it")
        return contract


def _activated(
    contract: m.ContractRecord, version: m.VersionRecord, now: datetime
) -> tuple[m.ContractRecord, m.VersionRecord]:
    return (
        contract.model_copy(
            update={
                "status": m.ContractStatus.ACTIVE,
                "active_version": version.version,
                "pending_version": None,
                "updated_at": now,
            }
        ),
        version.model_copy(update={"status": m.VersionStatus.ACTIVE, "approved_at": now}),
    )


def _summary(t: CompiledTool, namespace: str = "", *, full: bool = False) -> m.ToolSummary:
    summary = m.ToolSummary(
        name=t.name,
        operation_id=t.operation_id,
        effect=t.effect,
        requires_confirmation=t.requires_confirmation,
        method=t.method,
        path=t.path,
        title=t.title,
    )
    if not full:
        return summary
    return summary.model_copy(
        update={
            "description": t.description,
            "input_schema": t.input_schema,
            "output_schema": t.output_schema,
            "confirmation_question": _questions(t, namespace) if t.requires_confirmation else None,
        }
    )


def _questions(t: CompiledTool, namespace: str) -> dict[str, str]:
    """What the driver will be asked, with each required argument (else every one) as <name>."""
    properties = t.input_schema.get("properties") or {}
    named = [n for n in t.input_schema.get("required") or [] if n in properties] or list(properties)
    placeholders = {name: f"<{name}>" for name in named}
    return {locale: _question(t, namespace, placeholders, locale) for locale in ("en-US", "zh-CN")}


def _question(t: CompiledTool, namespace: str, placeholders: dict[str, Any], locale: str) -> str:
    """The question itself, or why the driver will not be asked and every call will be refused."""
    try:
        return confirmation_question(
            t.title, namespace, placeholders, locale, input_schema=t.input_schema, tool_name=t.name
        )
    except ValidationFailed as refused:
        return f"(refused: {refused.detail})"


def _auth_view(auth: m.AuthIn) -> m.AuthView:
    if isinstance(auth, m.ApiKeyIn):
        return m.AuthView(type="api_key", in_=auth.in_, name=auth.name)
    if isinstance(auth, m.OAuth2In):
        return m.AuthView(
            type="oauth2_client_credentials",
            token_url=auth.token_url,
            client_id=auth.client_id,
            scopes=list(auth.scopes),
        )
    return m.AuthView(type="none")


def _partner_tool(
    t: CompiledTool, contract: m.ContractRecord, version: int, body: m.ContractRequest, auth: OutboundAuth
) -> PartnerTool:
    spec = ToolSpec(
        name=t.name,
        title=t.title,
        description=t.description,
        input_schema=t.input_schema,
        output_schema=t.output_schema,
        effect=t.effect,
        requires_confirmation=t.requires_confirmation,
        # HTTP's own semantics (RFC 9110): PUT and DELETE are idempotent; they and PATCH change or remove
        destructive=t.method in ("PUT", "PATCH", "DELETE"),
        idempotent=t.method in ("PUT", "DELETE"),
        source=f"partner:{contract.partner_id}",
        target=f"partner:{contract.contract_id}",
        roles=(Role.VEHICLE,),
    )
    operation = PartnerOperation(
        contract_id=contract.contract_id,
        version=version,
        partner_id=contract.partner_id,
        namespace=contract.namespace,
        operation_id=t.operation_id,
        method=t.method,
        base_url=body.base_url.rstrip("/"),
        path=t.path,
        parameters=t.parameters,
        body=t.body,
        response_media_type=t.response_media_type,
        result_property=t.result_property,
        auth=auth,
        signing_secret_arn=contract.signing_secret_arn,
        timeout_ms=body.timeout_ms,
    )
    return PartnerTool(spec=spec, operation=operation)


def _waive(tools: list[PartnerTool], waived: list[str]) -> list[PartnerTool]:
    """The version's tools as the catalog will serve them: the named write operations without the driver's
    confirmation (the admin's call), every other tool as compiled. A name that is not one of this version's
    write operations is refused (422), so a typo never leaves a write unconfirmed by surprise."""
    if not waived:
        return tools
    by_key: dict[str, PartnerTool] = {}
    for t in tools:
        if t.spec.effect is not Effect.READ:
            by_key[t.operation.operation_id] = t
            by_key[f"{t.operation.method} {t.operation.path}"] = t
    problems = [
        ProblemItem(
            pointer=f"/waive_confirmation/{i}", message=f"{name!r} is not a write operation of this version"
        )
        for i, name in enumerate(waived)
        if name not in by_key
    ]
    if problems:
        raise ValidationFailed(
            "waive_confirmation names operations this version does not write", errors=problems
        )
    names = {by_key[n].spec.name for n in waived}
    return [
        t.model_copy(update={"spec": t.spec.model_copy(update={"requires_confirmation": False})})
        if t.spec.name in names
        else t
        for t in tools
    ]
