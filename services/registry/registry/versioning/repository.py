"""The lifecycle every versioned registry record shares, written once.

Entities, inspectors, experts and recusals differ only in their own rules (department
scope, unique certificates, who may declare what); reading a record now or as of a
version (404 if absent), its history, the If-Match check, merging changes, taking the
next registry version, writing the new state and its audit event are the same for all
and live here. Each resource module holds one :class:`VersionedRecords`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from jointcheck.auth import Principal
from jointcheck.errors import NotFound
from jointcheck.etag import check_if_match
from jointcheck.outbox import record_audit
from registry.versioning import store
from registry.versioning.service import next_version

T = TypeVar("T")


class VersionedRecords(Generic[T]):
    """Versioned records of one ``model`` identified by its ``key`` column.

    ``kind`` names the record in version reasons, audit actions, object types and error
    codes (``entity`` → ``entity.update``, ``entity_not_found``); ``label``/``label_zh``
    in messages; ``attributes`` are the columns a version carries besides the key.
    """

    def __init__(
        self, model: type[T], *, key: str, kind: str, label: str, label_zh: str, attributes: Sequence[str]
    ) -> None:
        self.model = model
        self.key = key
        self.key_col = getattr(model, key)
        self.kind = kind
        self.label = label
        self.label_zh = label_zh
        self.attributes = tuple(attributes)

    # ---------------------------------------------------------------- reads

    async def find(
        self, session: AsyncSession, key: str, *, version: int | None = None, include_deleted: bool = False
    ) -> T | None:
        """The record's state now (or as of ``version``); ``None`` if there is none."""
        return await store.get_state(
            session, self.model, self.key_col, key, version=version, include_deleted=include_deleted
        )

    async def find_current(self, session: AsyncSession, key: str) -> T | None:
        """The current row, deleted or not."""
        return await self.find(session, key, include_deleted=True)

    async def get(self, session: AsyncSession, key: str, *, version: int | None = None) -> T:
        """Like :meth:`find`, but 404 ``<kind>_not_found`` when there is none."""
        row = await self.find(session, key, version=version)
        if row is None:
            raise self.not_found(key, version)
        return row

    def not_found(self, key: str, version: int | None = None) -> NotFound:
        suffix = f" as of registry version {version}" if version is not None else ""
        return NotFound(
            f"no {self.label} {key}{suffix}",
            detail_zh=f"{self.label_zh} {key} 不存在",
            code=f"{self.kind}_not_found",
        )

    async def versions(self, session: AsyncSession, key: str) -> list[T]:
        """Every version of the record, oldest first; 404 if it never existed."""
        rows = await store.history(session, self.model, self.key_col, key)
        if not rows:
            raise NotFound(
                f"no {self.label} {key}", detail_zh=f"{self.label_zh} {key} 不存在", code=f"{self.kind}_not_found"
            )
        return rows

    def check_if_match(self, row: T, if_match: str | None) -> None:
        key = getattr(row, self.key)
        check_if_match(if_match, current=row.valid_from, what=f"{self.label} {key}", what_zh=f"{self.label_zh} {key}")

    # ---------------------------------------------------------------- changes

    def state_of(self, row: T) -> dict[str, Any]:
        """The key and attributes of a version, as values for the next one."""
        return {a: getattr(row, a) for a in self.attributes} | {self.key: getattr(row, self.key)}

    def merge(self, current: T, changes: dict[str, Any]) -> dict[str, Any]:
        """``current``'s state with ``changes`` applied (enums by value)."""
        values = self.state_of(current)
        for name, value in changes.items():
            values[name] = value.value if hasattr(value, "value") else value
        return values

    def changed(self, current: T, values: dict[str, Any]) -> list[str]:
        return sorted(a for a in self.attributes if values[a] != getattr(current, a))

    async def write(
        self,
        session: AsyncSession,
        values: dict[str, Any],
        *,
        actor: Principal,
        verb: str,
        deleted: bool = False,
        details: dict[str, Any] | None = None,
        audit: dict[str, Any] | None = None,
    ) -> tuple[T, int]:
        """Take the next registry version, write ``values`` as the record's new state and
        record ``<kind>.<verb>`` in the audit trail. Returns (row, version)."""
        key = values[self.key]
        version = await next_version(
            session, actor=actor, reason=f"{self.kind}.{verb}", details={self.key: key, **(details or {})}
        )
        row = await store.write_version(
            session,
            self.model,
            self.key_col,
            key,
            values,
            version=version,
            actor=actor.subject,
            reason=verb,
            deleted=deleted,
        )
        await record_audit(
            session,
            actor=actor,
            action=f"{self.kind}.{verb}",
            object_type=self.kind,
            object_id=key,
            data={"version": version, **(audit or {})},
        )
        return row, version

    async def create(
        self,
        session: AsyncSession,
        values: dict[str, Any],
        *,
        actor: Principal,
        details: dict[str, Any] | None = None,
        audit: dict[str, Any] | None = None,
    ) -> T:
        row, _ = await self.write(session, values, actor=actor, verb="create", details=details, audit=audit)
        return row

    async def update(
        self,
        session: AsyncSession,
        current: T,
        values: dict[str, Any],
        *,
        actor: Principal,
        changed: list[str] | None = None,
    ) -> T:
        """Write ``values`` unless nothing changed (then no new version: ``current``)."""
        differs = self.changed(current, values)
        if not differs:
            return current
        row, _ = await self.write(
            session, values, actor=actor, verb="update", audit={"changed": differs if changed is None else changed}
        )
        return row

    async def delete(
        self,
        session: AsyncSession,
        current: T,
        *,
        actor: Principal,
        reason: str,
        verb: str = "delete",
        changes: dict[str, Any] | None = None,
    ) -> int:
        """Soft delete: a new, deleted version (``verb`` e.g. ``withdraw``). Returns the version."""
        _, version = await self.write(
            session,
            self.merge(current, changes or {}),
            actor=actor,
            verb=verb,
            deleted=True,
            details={"reason": reason},
            audit={"reason": reason},
        )
        return version
