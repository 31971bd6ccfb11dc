"""Planning's problem types with members of their own (see ``jointcheck.errors.Problem``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from jointcheck.errors import InvalidStateProblem, Problem, problem_examples
from planning.tasks.schemas import TeamCapacityRead

_TYPE = "https://jointcheck.example.gov.cn/problems/"


class ItemDrawnProblem(Problem):
    """409: tasks inspecting the item have been drawn; it can no longer be cancelled. 已有任务完成抽取。"""

    answers = (409,)
    model_config = problem_examples(
        {
            "type": _TYPE + "item_drawn",
            "title": "与当前状态冲突",
            "status": 409,
            "code": "item_drawn",
            "detail": "tasks inspecting item SCJG-001 have been drawn already",
            "instance": "/v1/items/0b6f6c55-2f7a-4a53-9d7e-3f7f2b1c9a10/cancel",
            "request_id": "5f0c6b1e9a2d4c7e",
            "task_ids": ["6a1f7c1e-52f4-4e0e-8a4f-0d1b7e2c9a33"],
        }
    )

    code: Literal["item_drawn"]
    task_ids: list[str] = Field(description="the drawn tasks / 已抽取的任务")


class InsufficientCapacityProblem(Problem):
    """409 at approval: the inspector pool cannot staff every expected entity. 执法人员力量不足。"""

    answers = (409,)
    model_config = problem_examples(
        {
            "type": _TYPE + "insufficient_capacity",
            "title": "与当前状态冲突",
            "status": 409,
            "code": "insufficient_capacity",
            "detail": "the inspector pool cannot staff the 12 expected entities (short: XFJY 4)",
            "instance": "/v1/tasks/6a1f7c1e-52f4-4e0e-8a4f-0d1b7e2c9a33/transitions",
            "request_id": "5f0c6b1e9a2d4c7e",
            "shortfall": {"XFJY": 4},
            "seat_shortfall": 0,
            "capacity": {
                "expected_entities": 12,
                "team_size": 2,
                "max_load": 4,
                "seats_needed": 24,
                "seats_available": 32,
                "seat_shortfall": 0,
                "inspectors_short_of_one_team": 0,
                "by_department": [
                    {"department": "SCJG", "eligible_inspectors": 4, "capacity": 16, "needed": 12, "shortfall": 0},
                    {"department": "XFJY", "eligible_inspectors": 2, "capacity": 8, "needed": 12, "shortfall": 4},
                ],
                "sufficient": False,
                "tight": True,
                "registry_version": 42,
            },
        }
    )

    code: Literal["insufficient_capacity"]
    shortfall: dict[str, int] = Field(description="entities short, by department / 各部门缺口（户）")
    seat_shortfall: int = Field(description="team seats short / 人次缺口")
    capacity: TeamCapacityRead


class PlanNotPublishedProblem(InvalidStateProblem):
    """409 at approval: the task's plan is not published yet. 年度计划尚未公开。"""

    model_config = problem_examples(
        {
            "type": _TYPE + "plan_not_published",
            "title": "当前状态不允许此操作",
            "status": 409,
            "code": "plan_not_published",
            "detail": "the task's plan is filed; publish it before approving its tasks",
            "instance": "/v1/tasks/6a1f7c1e-52f4-4e0e-8a4f-0d1b7e2c9a33/transitions",
            "request_id": "5f0c6b1e9a2d4c7e",
            "current_state": "draft",
            "plan_state": "filed",
        }
    )

    code: Literal["plan_not_published"]  # type: ignore[assignment]
    plan_state: str = Field(description="the plan's state / 年度计划状态")


class TaskRoundProblem(InvalidStateProblem):
    """409 on a draw's event: the round named is not the task's latest teams round. 不是最后一轮。"""

    model_config = problem_examples(
        {
            "type": _TYPE + "not_active_draw",
            "title": "当前状态不允许此操作",
            "status": 409,
            "code": "not_active_draw",
            "detail": "task.draw_voided: round 1 is not the task's last teams round",
            "instance": "/internal/events",
            "request_id": "5f0c6b1e9a2d4c7e",
            "current_state": "objects_drawn",
        }
    )

    code: Literal["not_active_draw"]  # type: ignore[assignment]
