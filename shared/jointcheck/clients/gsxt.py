"""GSXT (国家企业信用信息公示系统): publishing inspection results.

GSXT is outside the project; in development and tests the GSXT emulator serves the same
contract (:mod:`jointcheck.contracts.gsxt`). Where it lives is configuration: ``gsxt_url``
(``RESULTS_GSXT_URL`` / ``JC_GSXT_URL``; the emulator's development port 8009 by default),
how long a call may take ``gsxt_timeout``, and the credential GSXT issued ``gsxt_token``
(our own service token is never sent outside the platform).

A publication is one attempt — the outbox retries with backoff — and its failure says
whether trying again can help:

* :class:`GsxtRejected` — GSXT answered 4xx (a bad record, the same record id with another
  body): permanent; the problem document GSXT answered is kept (``problem``);
* :class:`GsxtUnavailable` — 5xx, 408/425/429, a timeout, a refused or dropped connection:
  retry later. ``Idempotency-Key`` = ``record_id`` makes every retry safe: GSXT answers a
  record it already has with the same receipt.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

import httpx
from fastapi import Depends
from pydantic import ValidationError

from jointcheck.contracts.gsxt import GsxtPublicationRecord, GsxtReceipt
from jointcheck.errors import DomainError, UpstreamUnavailable
from jointcheck.http import ServiceClient
from jointcheck.observability import REQUEST_ID_HEADER, get_request_id
from jointcheck.outbox.transport import Delivery, OutboxRow, OutcomeHook
from jointcheck.settings import ServiceSettings, Settings

#: 4xx answers that say "not now" rather than "never".
RETRYABLE_4XX = frozenset({408, 425, 429})


class GsxtRejected(DomainError):
    """GSXT refused a record for good (4xx): sending it again will not help.

    ``record_id``, ``status_code`` (GSXT's), ``problem`` (the problem document it answered),
    ``upstream_code`` (its ``code``). Built with :meth:`of`.
    """

    status, code, title_en, title_zh = (
        502,
        "gsxt_rejected",
        "The publicity system refused the record",
        "公示系统拒收记录",
    )
    record_id: str
    status_code: int
    problem: dict[str, Any]
    upstream_code: str | None

    @classmethod
    def of(cls, record_id: str, status_code: int, problem: dict[str, Any]) -> GsxtRejected:
        code = problem.get("code") if isinstance(problem.get("code"), str) else None
        said = problem.get("detail") or problem.get("title") or ""
        err = cls(
            f"GSXT refused record {record_id} with HTTP {status_code} {code or ''}: {said}".strip(),
            detail_zh=f"公示系统拒收记录 {record_id}（HTTP {status_code}，{code or '无错误代码'}）",
            extra={"record_id": record_id, "upstream_status": status_code, "upstream_code": code},
        )
        err.record_id, err.status_code, err.problem, err.upstream_code = record_id, status_code, problem, code
        return err


class GsxtUnavailable(UpstreamUnavailable):
    """GSXT did not take the record this time (5xx, throttled, timed out, unreachable): retry.

    ``record_id``, ``reason``, ``status_code`` (None without an answer). Built with :meth:`of`.
    """

    code = "gsxt_unavailable"
    record_id: str
    reason: str
    status_code: int | None

    @classmethod
    def of(cls, record_id: str, reason: str, *, status_code: int | None = None) -> GsxtUnavailable:
        err = cls(
            f"GSXT did not accept record {record_id} this time: {reason}",
            detail_zh=f"公示系统暂未接收记录 {record_id}：{reason}",
            extra={"upstream": "gsxt", "record_id": record_id, "upstream_status": status_code},
        )
        err.record_id, err.reason, err.status_code = record_id, reason, status_code
        return err


def _problem_of(resp: httpx.Response) -> dict[str, Any]:
    try:
        body = resp.json()
    except ValueError:
        return {"status": resp.status_code, "detail": resp.text[:500]}
    return body if isinstance(body, dict) else {"status": resp.status_code, "detail": str(body)[:500]}


class GsxtClient(ServiceClient):
    """Publishes :class:`GsxtPublicationRecord` s, one attempt each, with an explicit timeout."""

    service = "gsxt"

    def __init__(
        self,
        settings: ServiceSettings,
        *,
        http: httpx.AsyncClient | None = None,
        timeout: float | None = None,
    ) -> None:
        super().__init__(settings, http=http)
        self.timeout = timeout if timeout is not None else settings.gsxt_timeout

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        h = {"Accept": "application/json"}
        if self.settings.gsxt_token:
            h["Authorization"] = f"Bearer {self.settings.gsxt_token}"
        rid = get_request_id()
        if rid:
            h[REQUEST_ID_HEADER] = rid
        if extra:
            h.update(extra)
        return h

    async def publish(self, record: GsxtPublicationRecord, *, timeout: float | None = None) -> GsxtReceipt:
        """Send one record (``Idempotency-Key`` = its ``record_id``); its receipt — the same one
        for a record GSXT already has. Raises :class:`GsxtRejected` (4xx, permanent) or
        :class:`GsxtUnavailable` (retry later)."""
        rid = record.record_id
        try:
            resp = await self.http.post(
                self.base_url + "/api/publications",
                json=record.model_dump(mode="json"),
                headers=self.headers({"Idempotency-Key": rid}),
                timeout=timeout if timeout is not None else self.timeout,
            )
        except httpx.TimeoutException as exc:
            raise GsxtUnavailable.of(rid, f"no answer within the timeout ({type(exc).__name__})") from None
        except httpx.HTTPError as exc:
            raise GsxtUnavailable.of(rid, f"{type(exc).__name__}: {exc}"[:300]) from None
        return self._receipt(rid, resp)

    async def publication(self, record_id: str, *, timeout: float | None = None) -> GsxtReceipt | None:
        """GSXT's receipt of a record it holds, or None (reconciliation after doubt)."""
        try:
            resp = await self.http.get(
                self.base_url + "/api/publications/" + quote(record_id, safe=""),
                headers=self.headers(),
                timeout=timeout if timeout is not None else self.timeout,
            )
        except httpx.HTTPError as exc:
            raise GsxtUnavailable.of(record_id, f"{type(exc).__name__}: {exc}"[:300]) from None
        if resp.status_code == 404:
            return None
        return self._receipt(record_id, resp)

    def _receipt(self, record_id: str, resp: httpx.Response) -> GsxtReceipt:
        status = resp.status_code
        if 200 <= status < 300:
            try:
                return GsxtReceipt.model_validate(resp.json())
            except ValueError as exc:  # a 2xx we cannot read: the record's fate is unknown, ask again
                raise GsxtUnavailable.of(
                    record_id, f"unreadable receipt: {str(exc)[:200]}", status_code=status
                ) from None
        if 400 <= status < 500 and status not in RETRYABLE_4XX:
            raise GsxtRejected.of(record_id, status, _problem_of(resp))
        problem = _problem_of(resp)
        said = problem.get("code") or problem.get("detail") or ""
        raise GsxtUnavailable.of(record_id, f"HTTP {status} {said}".strip()[:300], status_code=status)


class GsxtTransport:
    """The outbox transport of destination ``gsxt``: each event's payload is a
    :class:`GsxtPublicationRecord`, published with :meth:`GsxtClient.publish`.

    ``create_service_app(..., outbox_transports={"gsxt": GsxtTransport(settings, on_outcome=hook)})``;
    enqueue with ``enqueue_event(session, destination="gsxt", topic=…, payload=record.model_dump(mode="json"),
    ordering_key=…)``. A receipt is ``delivered`` (``row.response`` holds it), a 4xx ``rejected``
    (``row.response`` holds GSXT's problem document), the rest ``failed`` (retried). ``on_outcome``
    (:data:`jointcheck.outbox.OutcomeHook`) runs in the transaction that records the outcome.
    """

    def __init__(
        self, settings: ServiceSettings, *, on_outcome: OutcomeHook | None = None, client: GsxtClient | None = None
    ) -> None:
        self.client = client or GsxtClient(settings)
        if on_outcome is not None:
            self.on_outcome = on_outcome

    async def deliver(self, row: OutboxRow) -> Delivery:
        try:
            record = GsxtPublicationRecord.model_validate(row.payload)
        except ValidationError as exc:
            return Delivery("rejected", f"the event is not a publication record: {str(exc)[:800]}")
        try:
            receipt = await self.client.publish(record)
        except GsxtRejected as exc:
            return Delivery("rejected", (exc.detail or exc.code)[:1000], exc.problem)
        except GsxtUnavailable as exc:
            return Delivery("failed", (exc.detail or exc.code)[:1000])
        return Delivery("delivered", None, receipt.model_dump(mode="json"))


async def gsxt_client(settings: Settings) -> GsxtClient:
    return GsxtClient(settings)


Gsxt = Annotated[GsxtClient, Depends(gsxt_client)]
