"""The default result-category dictionary (domain: what GSXT's records carry), seeded when the
dictionary is empty; operators change it through the API afterwards."""

from __future__ import annotations

SEED_KEYS = ("code", "parent", "label_zh", "label_en", "names_department", "exclusive", "problem")
SEED = [
    ("no_problem", None, "未发现问题", "No problem found", False, True, False),
    (
        "info_not_published",
        None,
        "未按规定公示应当公示的信息",
        "Required information not published",
        False,
        False,
        True,
    ),
    ("info_false", None, "公示信息隐瞒真实情况、弄虚作假", "Published information false", False, False, True),
    (
        "unreachable",
        None,
        "通过登记的住所（经营场所）无法联系",
        "Cannot be reached at the registered address",
        False,
        False,
        True,
    ),
    ("corrected", None, "发现问题已责令改正", "Problem found, ordered corrected and corrected", False, False, True),
    ("pending_followup", None, "发现问题待后续处理", "Problem found, pending follow-up", True, False, True),
    ("refused", None, "不配合检查情节严重", "Serious refusal to cooperate", False, False, True),
    ("no_activity", None, "未发现开展本次抽查涉及的经营活动", "No such business activity found", False, False, False),
    ("closed", None, "已关闭停业或正在组织清算", "Closed or in liquidation", False, False, False),
    ("status", None, "登记状态", "Registration status", False, False, False),
    ("deregistered", "status", "注销", "Deregistered", False, False, False),
    ("revoked", "status", "被吊销", "Licence revoked", False, False, False),
    ("cancelled", "status", "被撤销", "Registration cancelled", False, False, False),
    ("moved_out", "status", "迁出", "Moved out", False, False, False),
]
