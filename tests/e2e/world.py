"""Builds what a draw needs, over the public HTTP APIs only (for the e2e suite).

Every call goes through the real services; each test tags its own entities, inspectors and
experts, so tests sharing the session's stack never see each other's data.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field

import httpx

from jointcheck.codes import make_uscc
from jointcheck.demo import departments

LEAD, COOPERATING = "SWJ", ["YJGL", "XFJY"]


@dataclass
class World:
    http: httpx.Client
    urls: dict[str, str]
    tokens: object
    tag: str = field(default_factory=lambda: f"e2e-{uuid.uuid4().hex[:8]}")
    lead: str = LEAD
    cooperating: list[str] = field(default_factory=lambda: list(COOPERATING))

    def __post_init__(self) -> None:
        self.rnd = random.Random(self.tag)
        self.short = self.tag[-6:].upper()

    def post(self, service: str, path: str, body: dict, headers: dict | None = None, expect: int = 201) -> dict:
        r = self.http.post(f"{self.urls[service]}{path}", json=body, headers=headers or self.tokens.admin)
        assert r.status_code == expect, f"{path}: {r.status_code} {r.text[:800]}"
        return r.json()

    def get(self, service: str, path: str, headers: dict | None = None, **params) -> dict:
        r = self.http.get(f"{self.urls[service]}{path}", params=params, headers=headers or self.tokens.admin)
        assert r.status_code == 200, f"{path}: {r.status_code} {r.text[:800]}"
        return r.json()

    def departments(self) -> None:
        for d in departments():
            r = self.http.post(
                f"{self.urls['registry']}/v1/departments",
                headers=self.tokens.admin,
                json={"code": d.code, "name": d.name, "short_name": d.short_name},
            )
            assert r.status_code in (201, 409), r.text

    def entities(self, classes: str) -> list[str]:
        """One active petrol station per character of ``classes`` (A/B/C/D, U = unclassified)."""
        out = []
        for n, c in enumerate(classes):
            uscc = make_uscc("91411523" + "".join(self.rnd.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9)))
            self.post(
                "registry",
                "/v1/entities",
                {
                    "uscc": uscc,
                    "name": f"新县第{n}加油站（{self.tag}）",
                    "entity_type": "enterprise",
                    "industry_code": "F5265",
                    "division_code": "411523",
                    "credit_class": None if c == "U" else c,
                    "departments": [self.lead, self.cooperating[0]],
                    "tags": [self.tag],
                },
            )
            out.append(uscc)
        return out

    def inspectors(self, per_department: int, depts: list[str] | None = None) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        made = self.__dict__.setdefault("inspectors_made", {})
        for dept in depts or [self.lead, *self.cooperating]:
            first = made.get(dept, 0)
            made[dept] = first + per_department
            for i in range(first, first + per_department):
                iid = f"{dept}-{self.short}-{i}"
                self.post(
                    "registry",
                    "/v1/inspectors",
                    {
                        "inspector_id": iid,
                        "name": f"执法{i}号",
                        "department": dept,
                        "certificate_no": f"{self.short}{dept}{i:04d}",
                        "specialties": [],
                        "region": "411523",
                    },
                )
                out.setdefault(dept, []).append(iid)
        return out

    def expert(self, field_name: str, n: int) -> list[str]:
        ids = []
        for i in range(n):
            eid = f"EXP-{self.short}-{i}"
            self.post(
                "registry",
                "/v1/experts",
                {"expert_id": eid, "name": f"专家{i}", "field": field_name, "organisation": "信阳市某研究院"},
            )
            ids.append(eid)
        return ids

    def publish_plan(self, plan: dict) -> None:
        """File and publish the plan (tasks are approved and drawn only under a published plan)."""
        for frm, to in (("draft", "filed"), ("filed", "published")):
            if plan["state"] == frm:
                plan = self.post(
                    "planning",
                    f"/v1/plans/{plan['id']}/transitions",
                    {"to": to},
                    headers=self.tokens.officer(self.lead),
                    expect=200,
                )

    def task(
        self,
        *,
        rules: dict,
        year: int,
        window: tuple[str, str],
        team_rules: dict | None = None,
        experts: dict | None = None,
        approve: bool = True,
        publish: bool = True,
    ) -> dict:
        self.tasks_made = getattr(self, "tasks_made", 0) + 1
        items = [
            self.post(
                "planning",
                "/v1/items",
                {
                    "department": dept,
                    "code": f"{dept}-{self.short}-{self.tasks_made}",
                    "name": f"{dept}检查事项",
                    "legal_basis": "相关法律法规",
                    "methods": ["on_site"],
                },
                headers=self.tokens.officer(dept),
            )
            for dept in [self.lead, *self.cooperating]
        ]
        checklist = self.post(
            "planning",
            "/v1/checklists",
            {
                "name": "加油站",
                "industry_codes": ["F5265"],
                "lead_department": self.lead,
                "cooperating_departments": self.cooperating,
                "items": [{"item_id": i["id"]} for i in items],
            },
            headers=self.tokens.officer(self.lead),
        )
        r = self.http.post(
            f"{self.urls['planning']}/v1/plans",
            headers=self.tokens.officer(self.lead),
            json={"year": year, "lead_department": self.lead, "name": f"{year}年度联合抽查计划"},
        )
        if r.status_code == 409:
            plan = self.get("planning", "/v1/plans", year=year, lead_department=self.lead)["items"][0]
        else:
            assert r.status_code == 201, r.text
            plan = r.json()
        if publish:
            self.publish_plan(plan)
        body = {
            "plan_id": plan["id"],
            "checklist_id": checklist["id"],
            "name": f"加油站联合抽查（{self.tag}）",
            "scope": {"industry_prefixes": ["F5265"], "tags": [self.tag]},
            "sampling_rules": rules,
            "inspection_start": window[0],
            "inspection_end": window[1],
            "experts": experts or {},
        }
        if team_rules:
            body["team_rules"] = team_rules
        task = self.post("planning", "/v1/tasks", body, headers=self.tokens.officer(self.lead))
        if approve:
            self.post(
                "planning",
                f"/v1/tasks/{task['id']}/transitions",
                {"to": "approved", "reason": "同意"},
                headers=self.tokens.officer(self.lead),
                expect=200,
            )
        return task

    def draw(
        self,
        task_id: str,
        kind: str = "objects",
        entropy: str | None = "witness dice: 3 1 4 1 5 9 2 6",
        **extra: object,
    ) -> dict:
        draw = self.post(
            "sampling",
            "/v1/draws",
            {"task_id": task_id, "kind": kind, "entropy_source": "witness dice"} | extra,
            headers=self.tokens.officer(self.lead),
        )
        if entropy is None:
            return draw
        return self.post(
            "sampling",
            f"/v1/draws/{draw['id']}/entropy",
            {"entropy": entropy},
            headers=self.tokens.officer(self.lead),
            expect=200,
        )
