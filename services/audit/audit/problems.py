"""Audit's problem types with members of their own (see ``jointcheck.errors.Problem``)."""

from __future__ import annotations

from typing import Literal

from jointcheck.errors import InvalidStateProblem, problem_examples


class DrawNotExecutedProblem(InvalidStateProblem):
    """409: only executed draws (or voided after executing) can be replayed. 只有已执行的抽取可以复核。"""

    model_config = problem_examples(
        {
            "type": "https://jointcheck.example.gov.cn/problems/draw_not_executed",
            "title": "当前状态不允许此操作",
            "status": 409,
            "code": "draw_not_executed",
            "detail": "draw 1c0e… is committed: only executed (or voided after executing) draws replay",
            "instance": "/v1/replays",
            "request_id": "5f0c6b1e9a2d4c7e",
            "current_state": "committed",
        }
    )

    code: Literal["draw_not_executed"]  # type: ignore[assignment]
