"""GsxtClient against the emulator on loopback: receipts, permanent rejections with the problem kept,
retryable failures (5xx, refused connections, a hang past the timeout) and the idempotency key
that makes the retry after a hang a duplicate, not a second publication."""

from __future__ import annotations

import asyncio
import time

import pytest

from jcdev.testing import service_settings
from jointcheck.clients import GsxtClient, GsxtRejected, GsxtUnavailable
from jointcheck.contracts import GsxtPublicationRecord
from tests.gsxt.conftest import USCC, record


def _client(url: str, **settings) -> GsxtClient:
    return GsxtClient(
        service_settings("results", "postgresql+asyncpg://unused@127.0.0.1/unused", gsxt_url=url, **settings)
    )


def _record(n: int, **changes) -> GsxtPublicationRecord:
    return GsxtPublicationRecord.model_validate(record(n, **changes))


async def test_publish_returns_the_receipt_and_the_same_one_again(live_emulator, control):
    client = _client(live_emulator.url)
    first = await client.publish(_record(1))
    again = await client.publish(_record(1))
    assert again == first and first.record_id == "pub-T1-0001" and first.record_sha256 == _record(1).sha256()
    assert await client.publication("pub-T1-0001") == first
    assert await client.publication("pub-none/../x") is None
    sent = live_emulator.recorder.headers
    assert [h["idempotency-key"] for h in sent] == ["pub-T1-0001", "pub-T1-0001"]
    assert all("authorization" not in h for h in sent)  # our service token never leaves the platform
    counts = (await control.get("/emulator/counts")).json()["records"]["pub-T1-0001"]
    assert (counts["accepted"], counts["duplicates"]) == (1, 1)


async def test_the_credential_gsxt_issued_is_sent_when_configured(live_emulator, control):
    await _client(live_emulator.url, gsxt_token="issued-by-gsxt").publish(_record(2))
    assert live_emulator.recorder.headers[-1]["authorization"] == "Bearer issued-by-gsxt"


async def test_a_4xx_is_a_permanent_rejection_that_keeps_the_problem(live_emulator, control):
    client = _client(live_emulator.url)
    bad = _record(3, uscc=USCC[:-1] + ("0" if USCC[-1] != "0" else "1"))
    with pytest.raises(GsxtRejected) as exc:
        await client.publish(bad)
    err = exc.value
    assert err.status_code == 422 and err.upstream_code == "invalid_uscc" and err.problem["code"] == "invalid_uscc"
    assert err.problem["field"] == "uscc" and err.code == "gsxt_rejected" and err.detail and err.detail_zh
    await client.publish(_record(4))
    with pytest.raises(GsxtRejected) as exc:
        await client.publish(_record(4, follow_up_measure="另一内容"))
    assert exc.value.status_code == 409 and exc.value.upstream_code == "record_conflict"


async def test_5xx_and_refused_connections_are_retryable(live_emulator, control):
    client = _client(live_emulator.url)
    await control.put("/emulator/faults", json={"fail_next": 1, "fail_status": 502})
    with pytest.raises(GsxtUnavailable) as exc:
        await client.publish(_record(5))
    assert exc.value.status_code == 502 and "emulated_failure" in exc.value.reason
    assert (await client.publish(_record(5))).record_id == "pub-T1-0005"
    with pytest.raises(GsxtUnavailable) as exc:
        await _client("http://127.0.0.1:1").publish(_record(5))
    assert exc.value.status_code is None and "Connect" in exc.value.reason


async def test_a_hang_past_the_timeout_is_retryable_and_the_retry_is_a_duplicate(live_emulator, control):
    """The worst case for a sender: GSXT took the record but answered after the caller gave up."""
    client = _client(live_emulator.url, gsxt_timeout=0.5)
    await control.put("/emulator/faults", json={"hang_for_seconds": 0.2, "hang_ms": 1500})
    started = time.monotonic()
    with pytest.raises(GsxtUnavailable) as exc:
        await client.publish(_record(6))
    assert "timeout" in exc.value.reason and time.monotonic() - started < 1.4  # the explicit timeout, not the hang
    for _ in range(50):  # the hung call is processed once its hang is over
        if (await control.get("/emulator/counts")).json()["accepted"] == 1:
            break
        await asyncio.sleep(0.1)
    receipt = await client.publish(_record(6))  # the hang window is over: the retry is answered at once
    per = (await control.get("/emulator/counts")).json()["records"]["pub-T1-0006"]
    assert (per["requests"], per["accepted"], per["duplicates"]) == (2, 1, 1)
    assert receipt.record_id == "pub-T1-0006" and len((await control.get("/api/publications")).json()) == 1
