"""Sampling's problem types with members of their own (see ``jointcheck.errors.Problem``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from jointcheck.errors import InvalidStateProblem, Problem, problem_examples

_TYPE = "https://jointcheck.example.gov.cn/problems/"
_ID = "1c0e7a52-7f3b-4d8e-9b61-2a4c5d6e7f80"


def _example(code: str, status: int, title: str, detail: str, instance: str, **members: object) -> dict:
    return {
        "type": _TYPE + code,
        "title": title,
        "status": status,
        "code": code,
        "detail": detail,
        "instance": instance,
        "request_id": "5f0c6b1e9a2d4c7e",
        **members,
    }


class DrawStateProblem(InvalidStateProblem):
    """409: the draw (or its task) is not in a state that allows this step. `current_state` names it.
    抽取或任务当前状态不允许此操作。"""

    model_config = problem_examples(
        _example(
            "draw_state",
            409,
            "当前状态不允许此操作",
            "a executed draw cannot become committed",
            f"/v1/draws/{_ID}/register",
            current_state="executed",
        )
    )

    code: Literal[  # type: ignore[assignment]
        "draw_state", "task_state", "not_registered", "objects_draw_missing", "no_result"
    ]


class TaskStartedProblem(InvalidStateProblem):
    """409: the task's inspections have started, so its executed draw can no longer be voided.
    检查已开始，不能再作废抽取。"""

    model_config = problem_examples(
        _example(
            "task_started",
            409,
            "当前状态不允许此操作",
            "task … is in_progress: its inspections have started",
            f"/v1/draws/{_ID}/void",
            current_state="in_progress",
            task_state="in_progress",
        )
    )

    code: Literal["task_started"]  # type: ignore[assignment]
    task_state: str = Field(description="the task's state in planning / 任务状态")


class ActiveDrawProblem(Problem):
    """409: another active draw stands in the way (one per task, kind and round; later rounds and the
    teams draw are voided first). `draw_id` names it. 已有有效抽取。"""

    answers = (409,)
    model_config = problem_examples(
        _example(
            "draw_exists",
            409,
            "与当前状态冲突",
            "task … already has an active objects draw …; void it with a reason first",
            "/v1/draws",
            draw_id=_ID,
        )
    )

    code: Literal["draw_exists", "teams_draw_active", "later_round_active"]
    draw_id: str | None = Field(None, description="the draw in the way / 有效的抽取")
    round: int | None = Field(None, description="its round (later_round_active) / 轮次")


class NotLatestRoundProblem(Problem):
    """409: a supplementary round completes only the task's latest active teams round. 不是最近一轮。"""

    answers = (409,)
    model_config = problem_examples(
        _example(
            "not_latest_round",
            409,
            "与当前状态冲突",
            "draw … is not the latest active teams round of task …",
            "/v1/draws",
            latest_draw_id=_ID,
        )
    )

    code: Literal["not_latest_round"]
    latest_draw_id: str | None = Field(description="the latest active teams round, if any / 最近一轮")


class DrawCheckProblem(Problem):
    """422: a draw-v1 check refused the draw's inputs or entropy; `check` names it. 抽取校验未通过。"""

    answers = (422,)
    model_config = problem_examples(
        _example(
            "invalid_entropy",
            422,
            "数据校验未通过",
            "entropy rejected: entropy must hold at least 1 character",
            f"/v1/draws/{_ID}/entropy",
            check="entropy",
        )
    )

    code: Literal["invalid_entropy", "draw_invalid"]
    check: str = Field(description="the draw-v1 check that failed / 未通过的校验项")


class EntropyAlreadyAcceptedProblem(Problem):
    """409: entropy is final; only the value already accepted can complete the draw. 随机值已被接受。"""

    answers = (409,)
    model_config = problem_examples(
        _example(
            "entropy_already_accepted",
            409,
            "与当前状态冲突",
            "entropy was already accepted for this draw at 2026-04-01T09:30:00+00:00",
            f"/v1/draws/{_ID}/entropy",
            entropy="witness dice: 3 1 4 1 5 9 2 6",
            entropy_at="2026-04-01T09:30:00+00:00",
        )
    )

    code: Literal["entropy_already_accepted"]
    entropy: str = Field(description="the value accepted / 已接受的随机值")
    entropy_at: str | None = Field(description="when (RFC 3339) / 接受时间")


class BundleNotPublicProblem(Problem):
    """403: the public sees a draw's bundle from the day after the task's inspection window.
    抽取包自检查期结束次日起公开。"""

    answers = (403,)
    model_config = problem_examples(
        _example(
            "bundle_not_public_yet",
            403,
            "无权执行此操作",
            "the bundle is public from 2026-10-01",
            f"/public/draws/{_ID}/bundle",
            public_from="2026-10-01",
        )
    )

    code: Literal["bundle_not_public_yet"]
    public_from: str = Field(description="the first day it is public (China time) / 公开日期")
