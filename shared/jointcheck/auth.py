"""Bearer JWT authentication and role / department authorisation.

Roles: ``admin`` (joint-meeting office), ``officer`` (scoped by its ``dept`` claim),
``inspector``, ``auditor`` (reads everything, writes only audit), ``service``
(service to service). HS256 with a configured secret in development; RS256 with keys
fetched from a JWKS URL in production.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPBearer

from jointcheck.errors import Forbidden, Unauthorized
from jointcheck.settings import ServiceSettings


class Role(StrEnum):
    admin = "admin"
    officer = "officer"
    inspector = "inspector"
    auditor = "auditor"
    service = "service"


#: Who may read every department's records, and who may act for every department.
READS_EVERYTHING = frozenset({Role.admin, Role.auditor, Role.service})
ACTS_FOR_EVERY_DEPARTMENT = frozenset({Role.admin, Role.service})


@dataclass(frozen=True)
class Principal:
    """The authenticated caller."""

    subject: str
    roles: frozenset[str]
    dept: str | None = None
    name: str | None = None
    claims: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_admin(self) -> bool:
        return Role.admin in self.roles

    @property
    def reads_everything(self) -> bool:
        """Admins, auditors and services read every department's records."""
        return self.has(*READS_EVERYTHING)

    @property
    def acts_for_every_department(self) -> bool:
        """Admins and services may change any department's records; officers only their own."""
        return self.has(*ACTS_FOR_EVERY_DEPARTMENT)

    def in_department(self, *departments: str | None) -> bool:
        """An officer of one of ``departments``."""
        return Role.officer in self.roles and self.dept is not None and self.dept in departments

    def may_read_department(self, *departments: str | None) -> bool:
        """Reads everything, or an officer of one of ``departments``."""
        return self.reads_everything or self.in_department(*departments)

    def may_act_for_department(self, *departments: str | None) -> bool:
        """Acts for every department, or an officer of one of ``departments``."""
        return self.acts_for_every_department or self.in_department(*departments)

    def audit_actor(self) -> dict[str, Any]:
        return {"subject": self.subject, "roles": sorted(self.roles), "dept": self.dept}


class TokenVerifier:
    """Verifies bearer tokens according to the service settings."""

    CACHE_SIZE = 10_000

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        # Verified tokens, until they expire: callers present the same token many times.
        self._cache: dict[str, tuple[Principal, float]] = {}
        self._jwks: jwt.PyJWKClient | None = None
        if settings.jwks_url:
            self._jwks = jwt.PyJWKClient(settings.jwks_url, cache_keys=True, lifespan=600)

    async def verify(self, token: str) -> Principal:
        hit = self._cache.get(token)
        if hit is not None and hit[1] > time.time():
            return hit[0]
        principal = await self._verify(token)
        if len(self._cache) >= self.CACHE_SIZE:
            self._cache.clear()
        self._cache[token] = (principal, float(principal.claims.get("exp", 0)))
        return principal

    async def _verify(self, token: str) -> Principal:
        s = self.settings
        try:
            header = jwt.get_unverified_header(token)
            alg = header.get("alg")
            if alg not in s.jwt_algorithms:
                raise Unauthorized(f"token algorithm {alg!r} is not accepted", detail_zh=f"不接受的令牌算法 {alg!r}")
            if alg.startswith("HS"):
                key: Any = s.jwt_secret
            else:
                assert self._jwks is not None
                # PyJWKClient does blocking HTTP; keep it off the event loop.
                key = (await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)).key
            claims = jwt.decode(
                token,
                key,
                algorithms=[alg],
                issuer=s.jwt_issuer,
                audience=s.jwt_audience,
                options={"require": ["exp", "sub"], "verify_aud": s.jwt_audience is not None},
                leeway=30,
            )
        except Unauthorized:
            raise
        except jwt.ExpiredSignatureError:
            raise Unauthorized("the token has expired", detail_zh="令牌已过期", code="token_expired") from None
        except (jwt.PyJWTError, ValueError, KeyError) as exc:
            raise Unauthorized(f"invalid token: {exc}", detail_zh="令牌无效", code="invalid_token") from None
        roles = claims.get("roles") or []
        if isinstance(roles, str):
            roles = [roles]
        known = {r.value for r in Role}
        roles = frozenset(r for r in roles if r in known)
        if not roles:
            raise Unauthorized("the token carries no known role", detail_zh="令牌未包含有效角色", code="invalid_token")
        dept = claims.get("dept")
        if Role.officer in roles and not dept:
            raise Unauthorized(
                "an officer token needs a dept claim", detail_zh="执法人员令牌缺少部门", code="invalid_token"
            )
        return Principal(subject=str(claims["sub"]), roles=roles, dept=dept, name=claims.get("name"), claims=claims)


def mint_token(
    secret: str,
    *,
    subject: str,
    roles: Iterable[str],
    dept: str | None = None,
    name: str | None = None,
    ttl_seconds: int = 12 * 3600,
    issuer: str = "jointcheck",
    audience: str | None = None,
) -> str:
    """Issue an HS256 token (development, tests and service-to-service in dev)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": subject,
        "roles": list(roles),
        "iat": now,
        "exp": now + ttl_seconds,
        "iss": issuer,
        "jti": uuid.uuid4().hex,
    }
    if dept:
        claims["dept"] = dept
    if name:
        claims["name"] = name
    if audience:
        claims["aud"] = audience
    return jwt.encode(claims, secret, algorithm="HS256")


class BearerAuth(HTTPBearer):
    """The caller's bearer token, verified, as a :class:`Principal` — in one dependency.

    It is FastAPI's ``HTTPBearer`` (the OpenAPI security scheme ``HTTPBearer``, the
    **Authorize** button of ``/docs``) that also verifies the token and, given ``roles``,
    checks the caller holds one of them: one dependency per request instead of three
    (extracting the header, verifying, checking the roles), which each cost a little on
    every request."""

    def __init__(self, roles: Iterable[str] | None = None) -> None:
        super().__init__(auto_error=False, description="Bearer JWT / 持有者令牌", scheme_name="HTTPBearer")
        self.allowed = frozenset(roles) if roles is not None else None
        if self.allowed is not None:
            # Read by jointcheck.openapi: the "who may call" of every route comes from here.
            self.allowed_roles = self.allowed

    async def __call__(self, request: Request) -> Principal:  # type: ignore[override]
        scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("a bearer token is required", detail_zh="请提供 Bearer 令牌")
        principal = await request.app.state.token_verifier.verify(token)
        request.state.principal = principal
        if self.allowed is not None and not principal.roles.intersection(self.allowed):
            raise Forbidden(
                f"this action needs one of the roles: {', '.join(sorted(self.allowed))}",
                detail_zh=f"此操作需要以下角色之一：{'、'.join(sorted(self.allowed))}",
                code="role_not_allowed",
            )
        return principal


current_user = BearerAuth()
"""Any authenticated caller."""

CurrentUser = Annotated[Principal, Depends(current_user)]


def require_roles(*roles: str) -> BearerAuth:
    """Dependency: the authenticated caller, who must hold one of ``roles`` (else 403)."""
    return BearerAuth(roles)


def actor_name(user: Principal) -> str:
    """How a person or service is recorded in histories: the subject, plus the department (``who@DEPT``)."""
    return f"{user.subject}@{user.dept}" if user.dept else user.subject


def access_rule(rule: str, rule_zh: str) -> dict[str, Any]:
    """``openapi_extra=`` of a route whose callers are narrowed beyond their role (a department
    rule, a filter, a date): said in English and Chinese, it is shown with the roles in the
    route's description and in its ``x-access``. Keep it equal to the route's ``scope`` in
    ``tests/security/authz_table.py`` (a test compares them)."""
    return {"x-access": {"rule": rule, "rule_zh": rule_zh}}


def ensure_department(user: Principal, *departments: str | None, action: str = "change") -> None:
    """Officers may act only on their own department's records (one of ``departments``);
    admins and services on all. Otherwise 403 ``department_scope``."""
    if user.may_act_for_department(*departments):
        return
    named = ", ".join(d for d in departments if d) or "no department"
    raise Forbidden(
        f"an officer of {user.dept or 'no department'} may not {action} records of department {named}",
        detail_zh=f"{user.dept or '无部门'} 的执法人员无权操作 {named} 部门的记录",
        code="department_scope",
    )


def ensure_can_read_department(user: Principal, *departments: str | None, what: str = "these records") -> None:
    """Readers of everything pass; officers only for their own department (403 ``department_scope``)."""
    if user.may_read_department(*departments):
        return
    named = ", ".join(d for d in departments if d) or "no department"
    raise Forbidden(
        f"an officer of {user.dept or 'no department'} may not read {what} of department {named}",
        detail_zh=f"{user.dept or '无部门'} 的执法人员无权查看 {named} 部门的记录",
        code="department_scope",
    )


Admin = Annotated[Principal, Depends(require_roles(Role.admin))]
Writer = Annotated[Principal, Depends(require_roles(Role.admin, Role.officer))]
Reader = Annotated[
    Principal, Depends(require_roles(Role.admin, Role.officer, Role.auditor, Role.inspector, Role.service))
]
ServiceCaller = Annotated[Principal, Depends(require_roles(Role.service, Role.admin))]
