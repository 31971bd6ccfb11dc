"""Issue 8 item 8: every error the code base can raise has a Chinese and an English text.

Walks every error code there is — the `DomainError` classes (imported from every package),
every `code=` given where one is raised (found in the source), the framework's HTTP codes —
and checks each has both titles, and that every raise giving an English detail gives the
Chinese one too (else a Chinese title sits over an English detail).
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

from jointcheck.errors import HTTP_CODES, HTTP_FALLBACK, DomainError

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["jointcheck", "registry", "planning", "sampling", "results", "audit", "gsxt_emulator"]
CJK = re.compile(r"[\u4e00-\u9fff]")
CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def _import_everything() -> None:
    for name in PACKAGES:
        package = importlib.import_module(name)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{name}."):
            if ".migrations" in info.name or info.name.endswith("__main__"):
                continue
            importlib.import_module(info.name)


def _error_classes() -> list[type[DomainError]]:
    _import_everything()
    found, todo = [], [DomainError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def _sources() -> list[Path]:
    roots = [ROOT / "shared" / "jointcheck", *(p for p in (ROOT / "services").glob("*/*") if p.is_dir())]
    return sorted(p for r in roots for p in r.rglob("*.py") if "migrations" not in p.parts)


def _raises(classes: set[str]) -> list[tuple[str, ast.Call]]:
    """Every construction of a domain error in the source, with where it is."""
    calls = []
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
                if name in classes:
                    calls.append((f"{path.relative_to(ROOT)}:{node.lineno}", node))
    return calls


def test_every_error_class_has_both_titles_and_a_stable_code():
    classes = _error_classes()
    assert len(classes) >= 12
    for cls in classes:
        assert CODE.match(cls.code), cls
        assert cls.title_en and not CJK.search(cls.title_en), cls
        assert CJK.search(cls.title_zh), cls


def test_every_raise_with_an_english_detail_gives_the_chinese_one():
    names = {c.__name__ for c in _error_classes()}
    missing, codes = [], {}
    for where, call in _raises(names):
        keywords = {k.arg: k.value for k in call.keywords}
        if None in keywords:  # **kw passed through: checked where the values come from
            continue
        detail = call.args[0] if call.args else keywords.get("detail")
        given = detail is not None and not (isinstance(detail, ast.Constant) and detail.value is None)
        if given and "detail_zh" not in keywords:
            missing.append(where)
        code = keywords.get("code")
        if isinstance(code, ast.Constant):
            codes.setdefault(code.value, where)
    assert not missing, "domain errors without detail_zh:\n" + "\n".join(missing)
    assert len(codes) >= 40  # the walk really sees the code base's codes
    bad = [c for c in codes if not CODE.match(c)]
    assert not bad, bad


def test_framework_http_errors_have_both_texts():
    for status, (code, en, zh_title, zh_detail) in {**HTTP_CODES, 0: HTTP_FALLBACK}.items():
        assert CODE.match(code) and en and not CJK.search(en), status
        assert CJK.search(zh_title) and CJK.search(zh_detail), status
