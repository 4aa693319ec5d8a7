"""Expected failures of the `cockpit` command, said in one line with what to do (never a traceback)."""

from __future__ import annotations

import httpx

HOW_TO_AUTHENTICATE = "`make token` prints a development token (make token ROLE=partner SUB=acme for others)"


class CommandError(Exception):
    """An expected condition (gateway down, token refused, ...): `cockpit` prints it and exits 1."""


def unreachable(exc: httpx.TransportError) -> CommandError:
    try:
        where = str(exc.request.url.copy_with(path="/", query=None)).rstrip("/")
    except RuntimeError:  # no request attached
        where = "the gateway"
    if isinstance(exc, httpx.TimeoutException):
        return CommandError(f"{where} did not answer in time: is the gateway busy or stuck? (see its log)")
    return CommandError(  # one line: what happened and what to do
        f"cannot reach {where}: is the gateway running? Start it with `make run` (or give --url)"
    )


def refused(answer: httpx.Response) -> CommandError:
    """A 401/403 or another refusal of a request the command needs."""
    detail = _detail(answer)
    if answer.status_code == 401:
        said = detail.split(" Local development:")[0]
        return CommandError(
            f"the gateway refused the token ({said}): {HOW_TO_AUTHENTICATE}; "
            "a dev token works only with the `make run` of the same folder (same .cockpit/ key)"
        )
    return CommandError(f"the gateway answered {answer.status_code}: {detail}")


def _detail(answer: httpx.Response) -> str:
    try:
        document = answer.json()
    except ValueError:
        return answer.text[:200] or answer.reason_phrase
    if isinstance(document, dict):
        return str(document.get("detail") or document.get("title") or document.get("message") or document)
    return str(document)[:200]
