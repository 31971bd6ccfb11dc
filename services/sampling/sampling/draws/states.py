"""A draw's kind and status, and the only moves its status may make.

``frozen → committed → executed``; any of them → ``voided`` (with a reason, kept forever).
A frozen draw waits for its audit receipt; a committed one for its entropy; once entropy
is accepted it is recorded on the (still committed) draw before executing, so the first
accepted value is final whatever happens next.
"""

from __future__ import annotations

from enum import StrEnum

from jointcheck.errors import InvalidState


class DrawKind(StrEnum):
    objects = "objects"  # 检查对象
    teams = "teams"  # 执法人员（检查组）
    experts = "experts"  # 专家


class DrawStatus(StrEnum):
    frozen = "frozen"  # 输入已冻结，待审计登记
    committed = "committed"  # 公告已登记，待随机值
    executed = "executed"  # 已执行
    voided = "voided"  # 已作废


TRANSITIONS: dict[DrawStatus, frozenset[DrawStatus]] = {
    DrawStatus.frozen: frozenset({DrawStatus.committed, DrawStatus.voided}),
    DrawStatus.committed: frozenset({DrawStatus.executed, DrawStatus.voided}),
    DrawStatus.executed: frozenset({DrawStatus.voided}),
    DrawStatus.voided: frozenset(),
}

#: The task state planning must be in for a draw of each kind.
REQUIRED_TASK_STATE: dict[DrawKind, tuple[str, ...]] = {
    DrawKind.objects: ("approved",),
    DrawKind.teams: ("objects_drawn",),
    DrawKind.experts: ("objects_drawn", "teams_assigned"),
}

#: Voiding an executed draw moves the task back one step; planning accepts it only from these
#: states (the first: the draw's own event not delivered yet, or already moved back).
VOIDABLE_IN_TASK_STATE: dict[DrawKind, tuple[str, ...]] = {
    DrawKind.objects: ("approved", "objects_drawn"),
    DrawKind.teams: ("objects_drawn", "teams_assigned"),
}


def can_move(frm: str, to: DrawStatus) -> bool:
    return to in TRANSITIONS[DrawStatus(frm)]


def ensure_can_move(
    frm: str, to: DrawStatus, *, detail: str | None = None, detail_zh: str | None = None, code: str = "draw_state"
) -> None:
    """409 naming the current status unless ``frm → to`` is in the table."""
    if not can_move(frm, to):
        raise InvalidState(
            detail or f"a {frm} draw cannot become {to}",
            detail_zh=detail_zh or f"抽取当前状态为 {frm}，不能变为 {to}",
            current_state=frm,
            code=code,
        )
