"""The registry's problem types with members of their own (see ``jointcheck.errors.Problem``).

Each is in the registry's OpenAPI document; a route names the ones it answers with
``problem_responses(..., problems=(...))``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from jointcheck.errors import Problem, problem_examples
from registry.entities.schemas import RowError

_TYPE = "https://jointcheck.example.gov.cn/problems/"


class ImportRejectedProblem(Problem):
    """422: an all-or-nothing import found bad rows; nothing was imported. Each bad row is listed by
    its line in the file (the header is line 1). 文件中有错误行，未导入任何数据。"""

    answers = (422,)
    model_config = problem_examples(
        {
            "type": _TYPE + "import_rejected",
            "title": "数据校验未通过",
            "status": 422,
            "code": "import_rejected",
            "detail": "2 行中有 1 行有误，未导入任何数据",
            "instance": "/v1/entities/import",
            "request_id": "5f0c6b1e9a2d4c7e",
            "rows": 2,
            "rejected": 1,
            "errors": [
                {
                    "line": 3,
                    "field": "统一社会信用代码",
                    "value": "91411523MA0000000X",
                    "reason": "check character mismatch",
                    "reason_zh": "校验码错误",
                }
            ],
            "errors_total": 1,
        }
    )

    code: Literal["import_rejected"]
    rows: int = Field(description="data rows in the file / 数据行数")
    rejected: int = Field(description="rows rejected / 被拒绝的行数")
    errors: list[RowError] = Field(  # type: ignore[assignment]
        description="the first row errors by line (the header is line 1) / 按行号排列的错误（表头为第 1 行）"
    )
    errors_total: int = Field(description="how many row errors there were in all / 错误总数")


class ImportLimitExceededProblem(Problem):
    """422: the file passes one of the import limits (`REGISTRY_IMPORT_*`); reading stopped. 文件超出导入限制。"""

    answers = (422,)
    model_config = problem_examples(
        {
            "type": _TYPE + "import_limit_exceeded",
            "title": "数据校验未通过",
            "status": 422,
            "code": "import_limit_exceeded",
            "detail": "the file exceeds the import limit on rows (rows)",
            "instance": "/v1/entities/import",
            "request_id": "5f0c6b1e9a2d4c7e",
            "limit": "rows",
        }
    )

    code: Literal["import_limit_exceeded"]
    limit: Literal["rows", "record_chars", "cell_chars", "seconds", "xlsx_uncompressed_bytes"] | str = Field(
        description="which limit / 超出的限制"
    )


class DepartmentScopeProblem(Problem):
    """403: an officer acted on entities their department may not change. 超出本部门的操作范围。"""

    answers = (403,)
    model_config = problem_examples(
        {
            "type": _TYPE + "department_scope",
            "title": "无权执行此操作",
            "status": 403,
            "code": "department_scope",
            "detail": "update: SCJG does not supervise this entity in its current record",
            "instance": "/v1/entities/91411523MA00000018",
            "request_id": "5f0c6b1e9a2d4c7e",
            "reason": "not_supervised",
        }
    )

    code: Literal["department_scope"]
    reason: Literal["not_supervised", "own_department_required", "other_departments"] | None = Field(
        None, description="which department rule (single entity) / 违反的部门规则"
    )
    usccs: list[str] | None = Field(
        None, description="entities the department does not supervise (credit classes; first 1,000) / 无权操作的主体"
    )


class PlatformOwnedFieldProblem(Problem):
    """409: the fields belong to the collaborative platform's feed for this entity; change them there.
    该字段由协同监管平台维护，不能在本地修改。"""

    answers = (409,)
    model_config = problem_examples(
        {
            "type": _TYPE + "platform_owned_field",
            "title": "与当前状态冲突",
            "status": 409,
            "code": "platform_owned_field",
            "detail": "name of entity 91411523MA00000018 come from the collaborative supervision platform",
            "instance": "/v1/entities/91411523MA00000018",
            "request_id": "5f0c6b1e9a2d4c7e",
            "source": "platform",
            "fields": ["name"],
        }
    )

    code: Literal["platform_owned_field"]
    source: Literal["platform"] = Field(description="who owns the fields / 字段来源")
    fields: list[str] = Field(description="the fields refused / 被拒绝修改的字段")
