"""Two implementations that agree: the JavaScript verifier in headless Chromium and
tools/verify_draw.py give the same verdict — the same message, word for word — and recompute the
same result, on random bundles of every kind and on bundles tampered with in every way a verifier
checks (and some it must merely survive). JSON syntax errors are the one place the wording may
differ (each parser words its own): there the failing check and its first words must agree.
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from jcdev.browser import verify_in_page
from jointcheck.codes import make_uscc
from jointcheck.draw import drawv1, make_file, verify_bundle

KINDS = ("objects", "experts", "teams")
INPUTS = {kind: list(files) for kind, files in drawv1._INPUTS.items()}
FIELD = {name: field for files in drawv1._INPUTS.values() for name, (field, _n) in files.items()}
CASES_PER_SEED = 80
SEEDS = range(12)  # 960 bundles: each tampering about 40 times, one bundle in six left alone


def _id(rnd: random.Random, n: int) -> str:
    kind = rnd.random()
    if kind < 0.5:
        return make_uscc("91411523" + "".join(rnd.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9)))
    if kind < 0.7:
        return f"E{n:04d}"
    if kind < 0.8:
        return rnd.choice(["新县", "企业", "加油站", "𝔘𝔫𝔦", "é", "a b", "Zz", "ÿ", "\u4e00\u9fff"]) + str(n)
    return "".join(rnd.choice("abcXYZ09-_.") for _ in range(rnd.randint(1, 12)))


STRATA_SETS = [list("ABCDU"), ["危险化学品", "消防", "电气"], ["9", "10", "x"], ["A", "é", "𝔘", "\uffff"]]
RATIOS = ["0", "0.05", "0.2", "0.5", "1", "0.333", "1.0", "0.10", "0.0001", "1.00000"]


def _rule(rnd: random.Random) -> dict[str, Any]:
    rule: dict[str, Any] = {"ratio": rnd.choice(RATIOS)} if rnd.random() < 0.7 else {"count": rnd.randint(0, 8)}
    if rnd.random() < 0.4:
        rule["min"] = rnd.randint(0, 4)
    if rnd.random() < 0.3:
        rule["max"] = None if rnd.random() < 0.3 else rule.get("min", 0) + rnd.randint(0, 4)
    if rnd.random() < 0.4:
        rule["alternates"] = rnd.randint(0, 3)
    return rule


def _entropy(rnd: random.Random) -> tuple[str, str]:
    if rnd.random() < 0.1:
        return "none", ""
    return rnd.choice(["witness dice", "双色球 第2026123期", "beacon"]), rnd.choice(
        ["witness dice: 3 1 4 1 5 9 2 6", "6 6 2 1", '引号 "x" \\ 反斜杠', "emoji 🎲 🎲", "line\nbreak\ttab", " "]
    )


def forge(
    kind: str,
    inputs: dict[str, Any],
    rules: Any,
    *,
    secret: bytes,
    entropy: Any,
    source: str,
    result: Any = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A bundle whose announcement states exactly these inputs (hashes, frame size) and rules,
    whatever they are — so a malformed input or rule reaches the check that should catch it."""
    ann: dict[str, Any] = {
        "algorithm": "draw-v1",
        "kind": kind,
        "commitment": hashlib.sha256(secret).hexdigest(),
        "entropy_source": source,
        "task_id": str(uuid.UUID(int=len(str(inputs)))),
        "registry_version": 7,
    }
    for name in INPUTS[kind]:
        text = inputs.get(name)
        if isinstance(text, str):
            ann[FIELD[name]] = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    if kind == "teams":
        ann["team"] = rules
    else:
        ann["frame_size"] = inputs["frame"].count("\n") if isinstance(inputs.get("frame"), str) else 0
        ann["strata"] = rules
    ann.update(extra or {})
    text = json.dumps(ann, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if result is None:
        try:
            result = drawv1.execute(text.encode("utf-8", "surrogatepass"), secret, entropy, inputs)
        except Exception:
            result = {}
    return {
        "format": "draw-bundle/1",
        "draw_id": str(uuid.uuid4()),
        "kind": kind,
        "announcement": text,
        "secret": secret.hex(),
        "entropy": entropy,
        "inputs": inputs,
        "result": result,
    }


def random_bundle(rnd: random.Random) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(kind, inputs, rules) of a valid random draw, and its bundle."""
    kind = rnd.choice(KINDS)
    secret = rnd.randbytes(32)
    source, entropy = _entropy(rnd)
    if kind == "teams":
        entities = list(dict.fromkeys(_id(rnd, n) for n in range(rnd.randint(0, 12))))
        depts = ["SCJG", "YJGL", "XFJY", "SWJ", "消防"]
        names = [f"INS{n:03d}" if rnd.random() < 0.8 else f"执法{n}" for n in range(rnd.randint(0, 12))]
        pool = [(i, rnd.choice(depts)) for i in names]
        reasons = ["conflict", "previous", "load cap reached in round 1", "亲属关系"]
        constraints = {
            (rnd.choice(reasons), i, e) for i in names for e in entities if rnd.random() < 0.15
        }  # a pair may be barred for two reasons
        required = rnd.sample(depts[:4], rnd.randint(1, 3))
        rules: Any = {
            "required_departments": required,
            "team_size": max(2, len(required)) + rnd.randint(0, 2),
            "max_load": rnd.randint(1, 3),
        }
        inputs = {"entities": make_file(entities), "pool": make_file(pool), "constraints": make_file(constraints)}
    else:
        names = rnd.choice(STRATA_SETS)
        frame = make_file((_id(rnd, n), rnd.choice(names)) for n in range(rnd.randint(0, 40)))
        present = {line.split("\t")[1] for line in frame.splitlines()}
        rules = {s: _rule(rnd) for s in names if s in present or rnd.random() < 0.3}
        for s in present:
            rules.setdefault(s, _rule(rnd))
        inputs = {"frame": frame}
    return kind, inputs, forge(kind, inputs, rules, secret=secret, entropy=entropy, source=source)


# ---------------------------------------------------------------------------- tampering
# Each takes (rnd, bundle) and returns the tampered bundle as a dict (serialised by the caller) or bytes.

Tamper = Callable[[random.Random, dict[str, Any]], Any]
TAMPERS: dict[str, Tamper] = {}


def tamper(fn: Tamper) -> Tamper:
    TAMPERS[fn.__name__] = fn
    return fn


def _ann(b: dict[str, Any]) -> dict[str, Any]:
    return json.loads(b["announcement"])


def _reforge(b: dict[str, Any], *, inputs: Any = None, rules: Any = None, result: Any = None, **extra: Any):
    """The same draw with other inputs or rules, consistently announced (hashes, frame size)."""
    ann = _ann(b)
    kind = b["kind"]
    keep = {"task_id", "registry_version"}
    source = extra.pop("entropy_source", ann["entropy_source"])
    return forge(
        kind,
        b["inputs"] if inputs is None else inputs,
        (ann.get("team") if kind == "teams" else ann.get("strata")) if rules is None else rules,
        secret=bytes.fromhex(b["secret"]),
        entropy=b["entropy"],
        source=source,
        result=result,
        extra={k: v for k, v in ann.items() if k in keep} | extra,
    )


def _text(b: dict[str, Any]) -> bytes:
    return json.dumps(b, ensure_ascii=False).encode("utf-8", "surrogatepass")


@tamper
def not_json(rnd, b):
    return rnd.choice([b"{not json", b"", b"   ", b'{"format": "draw-bundle/1",}', b"[1, 2", b"nul", b"-", b"01"])


@tamper
def bom(rnd, b):
    return b"\xef\xbb\xbf" + _text(b)


@tamper
def bad_utf8(rnd, b):
    data = _text(b)
    at = data.index(b'"draw_id"') + 2
    bad = rnd.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xe0\x80\x80", b"\xf4\x90\x80\x80", b"\xe2\x82"])
    return data[:at] + bad + data[at:] if rnd.random() < 0.8 else data + b"\xe2\x82"


@tamper
def not_an_object(rnd, b):
    return rnd.choice([b"[]", b'"draw-bundle/1"', b"42", b"null", b"1.5"])


@tamper
def missing_key(rnd, b):
    del b[rnd.choice(["format", "kind", "announcement", "secret", "entropy", "inputs", "result"])]
    if rnd.random() < 0.3:
        del b[rnd.choice([k for k in b if k != "format"] or ["format"])]
    return b


@tamper
def wrong_format(rnd, b):
    b["format"] = rnd.choice(["draw-bundle/2", 1, None, ["draw-bundle/1"], "DRAW-BUNDLE/1"])
    return b


@tamper
def wrong_kind(rnd, b):
    b["kind"] = rnd.choice(["objectz", 1, None, [b["kind"]], *(k for k in KINDS if k != b["kind"])])
    return b


@tamper
def duplicate_key(rnd, b):
    data = _text(b)
    return data[:-1] + rnd.choice([b', "kind": "teams"}', b', "secret": "00"}', b', "format": "draw-bundle/1"}'])


@tamper
def constants_and_garbage(rnd, b):
    data = _text(b)
    return rnd.choice(
        [data[:-1] + b', "x": NaN}', data[:-1] + b', "x": -Infinity}', data + b" x", data + b"\n\n", b" \t" + data]
    )


@tamper
def odd_numbers(rnd, b):
    """Values Python's json and JavaScript's would read differently: big integers, 1.0, -0."""
    data = _text(b)
    value = rnd.choice([b"1" + b"0" * 40, b"1.0", b"-0", b"1e400", b"1E2", b"-0.0", b"9007199254740993"])
    key = rnd.choice([b'"draw_id"', b'"x"'])
    return data[:-1] + b", " + key + b": " + value + b"}"


@tamper
def deep_nesting(rnd, b):
    depth = rnd.choice([50, 5000])
    b["draw_id"] = "PLACEHOLDER"
    return _text(b).replace(b'"PLACEHOLDER"', b"[" * depth + b"]" * depth)


@tamper
def announcement_value(rnd, b):
    b["announcement"] = rnd.choice(
        [5, None, [], {}, "{", "[]", '{"a":1,"a":2}', "", "\ud800{}", b["announcement"] + " x", b["announcement"][:-1]]
    )
    return b


@tamper
def announcement_field(rnd, b):
    ann = _ann(b)
    key, value = rnd.choice(
        [
            ("algorithm", "draw-v2"),
            ("algorithm", None),
            ("kind", rnd.choice([k for k in KINDS if k != b["kind"]])),
            ("kind", "objectz"),
            ("commitment", ann["commitment"].upper()),
            ("commitment", ann["commitment"][:-1]),
            ("entropy_source", ""),
            ("entropy_source", 3),
            ("frame_size", ann.get("frame_size", 0) + 1),
            ("frame_size", "20"),
            ("frame_size", 1.0),
            ("frame_size", True),
            ("frame_size", 10**40),
            (FIELD[INPUTS[b["kind"]][0]], "0" * 64),
            (FIELD[INPUTS[b["kind"]][-1]], None),
        ]
    )
    if rnd.random() < 0.3:
        ann.pop(key, None)
    else:
        ann[key] = value
    b["announcement"] = json.dumps(ann, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return b


@tamper
def secret(rnd, b):
    s = b["secret"]
    b["secret"] = rnd.choice(
        [s[:-1] + ("0" if s[-1] != "0" else "1"), s.upper(), s[:-1], 123, None, 1.5, "x" * 64, s + "00"]
    )
    return b


@tamper
def entropy(rnd, b):
    b["entropy"] = rnd.choice(["", "other dice", 7, None, "\ud800", b["entropy"] + " ", "dice\udfff"])
    return b


@tamper
def entropy_against_source(rnd, b):
    """An announced source with no entropy, or "none" with some: re-announced, so only that differs."""
    if rnd.random() < 0.5:
        b["entropy"] = ""
        return _reforge(b, entropy_source="witness dice")
    b["entropy"] = rnd.choice(["x", " ", "🎲"])
    return _reforge(b, entropy_source="none")


@tamper
def inputs_shape(rnd, b):
    choice = rnd.random()
    if choice < 0.25:
        b["inputs"] = rnd.choice([[], "frame", None, 3])
    elif choice < 0.5:
        b["inputs"].pop(rnd.choice(list(b["inputs"])))
    elif choice < 0.75:
        b["inputs"][rnd.choice(["notes", "exclusions", "𝔘"])] = ""
    else:
        b["inputs"][rnd.choice(list(b["inputs"]))] = rnd.choice([3, None, ["a"], {"a": 1}])
    return b


def _edit_file(rnd: random.Random, text: str, fields: int) -> str:
    lines = text.split("\n")[:-1]
    row = "\t".join(["Q"] * fields)
    edits = [
        lambda: text.replace("\n", "\r\n", 1) if text else "a\r\n",
        lambda: text[:-1] if text else "x",
        lambda: text + "\n" if text else "\n",
        lambda: "".join(line + "\n" for line in reversed(lines)) if len(set(lines)) > 1 else row + "\n" + row + "\n",
        lambda: text + (lines[-1] + "\n" if lines else row + "\n" + row + "\n"),
        lambda: text + "\uffff" + "\t".join(["x"] * (fields + 1)) + "\n",
        lambda: text + "\uffff" + "\t".join(["x"] * (fields - 1)) + "\n" if fields > 1 else text + "\uffff\t\n",
        lambda: text + "\uffff" + "\t" * (fields - 1) + "\n",
        lambda: text + "\uffff\ud800\t" * (fields - 1) + "z\n",
        lambda: text + "\ufffe" + "\tz" * (fields - 1) + "\n",  # well-formed, only the hash breaks
    ]
    return rnd.choice(edits)()


@tamper
def input_file(rnd, b):
    """A malformed or altered input file; announced consistently or not."""
    name = rnd.choice(INPUTS[b["kind"]])
    fields = drawv1._INPUTS[b["kind"]][name][1]
    b["inputs"][name] = _edit_file(rnd, b["inputs"][name], fields)
    return _reforge(b) if rnd.random() < 0.6 and "\ud800" not in b["inputs"][name] else b


@tamper
def frame_beyond_the_precheck(rnd, b):
    """Frames whose fault only the draw itself finds: a line with no TAB beside one with two, an
    unruled stratum, an id on two lines (all consistently announced)."""
    if b["kind"] == "teams":
        return pool_twice(rnd, b)
    frame = b["inputs"]["frame"]
    rules = _ann(b)["strata"]
    ruled = sorted(rules) or ["A"]
    one, other = ruled[0], ruled[-1] if len(ruled) > 1 else ruled[0] + "z"
    rules = dict(rules) | {other: rules.get(other, {"count": 1})}
    extra = rnd.choice(
        [
            ["0no-tab", "0two\t\ttabs"],
            ["0two\ttabs\there", "0zz"],
            [f"ZZZ\t{one}", f"ZZZ\t{other}"],
            [f"0new\tunruled-{rnd.randint(0, 9)}"],
            [f"0x\t{one}", f"0x\t{other}", f"0y\t{one}", f"0y\t{other}"],
            [f"\t{one}", f"ZZZ\t{one}"],
        ]
    )
    lines = sorted({*frame.split("\n")[:-1], *extra}, key=lambda s: s.encode())
    b["inputs"]["frame"] = "".join(line + "\n" for line in lines)
    if rnd.random() < 0.3 and rules:
        rules = dict(rules)
        rules[f"unruled-{rnd.randint(0, 9)}"] = {"count": 1}
    return _reforge(b, rules=rules)


def pool_twice(rnd, b):
    pool = b["inputs"]["pool"].split("\n")[:-1] + ["ZZ-INS\tSCJG", "ZZ-INS\tYJGL"]
    b["inputs"]["pool"] = make_file(pool)
    return _reforge(b)


BAD_RULES = [
    [],
    "rules",
    {"ratio": 0.5},
    {"ratio": "1.5"},
    {"ratio": "1e-2"},
    {"ratio": ".5"},
    {"ratio": "0.5 "},
    {"ratio": "١"},
    {"ratio": "0." + "1" * 39},
    {"ratio": "0.5", "count": 1},
    {},
    {"count": -1},
    {"count": 1.0},
    {"count": True},
    {"count": "3"},
    {"count": 10**40},
    {"count": -(10**40)},
    {"count": 10**31, "min": 2},
    {"count": 2, "min": 3, "max": 1},
    {"count": 2, "min": None},
    {"count": 2, "max": None},
    {"count": 2, "max": -1},
    {"count": 2, "alternates": 1.5},
    {"count": 2, "alternates": 10**40},
    {"count": 2, "extra": 1, "Extra": 2},
    {"count": 2, "𝔘": 1},
]


@tamper
def bad_strata(rnd, b):
    if b["kind"] == "teams":
        return bad_team(rnd, b)
    rules = _ann(b)["strata"]
    choice = rnd.random()
    if choice < 0.15:
        new: Any = rnd.choice([[], "A", None, 1])
    elif choice < 0.3:
        new = dict(rules) | {rnd.choice(["", "A\tB", "x\ny"]): {"count": 1}}
    else:
        new = dict(rules)
        new[rnd.choice(list(new) or ["A"])] = rnd.choice(BAD_RULES)
    return _reforge(b, rules=new)


@tamper
def bad_team(rnd, b):
    if b["kind"] != "teams":
        return bad_strata(rnd, b)
    team = dict(_ann(b)["team"])
    key, value = rnd.choice(
        [
            ("required_departments", []),
            ("required_departments", "SCJG"),
            ("required_departments", [1]),
            ("required_departments", ["SCJG", "SCJG"]),
            ("required_departments", [""]),
            ("required_departments", ["A\tB"]),
            ("team_size", 1),
            ("team_size", 1.0),
            ("team_size", True),
            ("team_size", 10**30),
            ("team_size", -(10**31)),
            ("max_load", 0),
            ("max_load", "2"),
            ("max_load", 10**40),
            ("extra", 1),
        ]
    )
    if rnd.random() < 0.2:
        team.pop(rnd.choice(list(team)))
    elif rnd.random() < 0.2:
        team["required_departments"] = [*team["required_departments"], team["required_departments"][0]]
    else:
        team[key] = value
    return _reforge(b, rules=rnd.choice([team, team, [], "team"]))


@tamper
def result(rnd, b):
    r = b["result"]
    if not isinstance(r, dict) or not r:
        b["result"] = rnd.choice([[], None, {"selected": []}])
        return b
    key = rnd.choice(list(r))
    value = r[key]
    choice = rnd.random()
    if choice < 0.1:
        r.pop(key)
    elif choice < 0.2:
        r["extra"] = 1
    elif isinstance(value, list) and value and choice < 0.7:
        i = rnd.randrange(len(value))
        entry = value[i]
        mutate = rnd.choice(["drop", "dup", "swap", "field", "type", "extra"])
        if mutate == "drop":
            value.pop(i)
        elif mutate == "dup":
            value.insert(i, entry)
        elif mutate == "swap" and len(value) > 1:
            value[0], value[-1] = value[-1], value[0]
        elif mutate == "extra":
            entry["note"] = "x"
        else:
            f = rnd.choice(list(entry))
            entry[f] = rnd.choice([entry[f] + "0" if isinstance(entry[f], str) else 0, 1, None, [entry[f]]])
    elif isinstance(value, dict) and value:
        s = rnd.choice(list(value))
        value[s] = rnd.choice(
            [
                {"population": str(value[s]["population"]), "sample": value[s]["sample"]},
                {"population": float(value[s]["population"]), "sample": value[s]["sample"]},
                {"population": value[s]["population"], "sample": True},
                {"population": value[s]["population"]},
                [],
            ]
        )
    else:
        r[key] = rnd.choice([{}, "x", 1, [1]])
    return b


@tamper
def nothing(rnd, b):
    return b


def cases(seed: int) -> list[tuple[str, bytes]]:
    rnd = random.Random(seed)
    out = []
    names = sorted(TAMPERS)
    for n in range(CASES_PER_SEED):
        _kind, _inputs, b = random_bundle(rnd)
        name = "nothing" if n % 6 == 0 else names[(n + seed) % len(names)]
        tampered = TAMPERS[name](rnd, b)
        if isinstance(tampered, dict):
            tampered = json.dumps(tampered, ensure_ascii=rnd.random() < 0.5).encode("utf-8", "surrogatepass")
        out.append((name, tampered))
    return out


def python_result(data: bytes) -> Any:
    """What Python recomputes for a bundle that reaches the result check."""
    b = json.loads(data)
    return drawv1.execute(b["announcement"], b["secret"], b["entropy"], b["inputs"])


def _agree(python: str, js: str) -> bool:
    if python == js:
        return True
    # JSON syntax errors: each parser words its own; the check and its first words agree
    for prefix in ("bundle: not valid JSON: ", "announcement: is not valid JSON: "):
        if python.startswith(prefix) and js.startswith(prefix):
            p, j = python[len(prefix) :], js[len(prefix) :]
            return p.split(":")[0] == j.split(":")[0] or ("recursion" in p and "recursion" in j)
    return False


@pytest.mark.parametrize("seed", SEEDS)
def test_same_verdicts_and_results_as_python(verifier_page, seed):
    batch = cases(seed)
    verdicts = verify_in_page(verifier_page, [data for _name, data in batch])
    disagreements = []
    for (name, data), js in zip(batch, verdicts):
        ok, message = verify_bundle(data)
        if ok != js["ok"] or not _agree(message, js["message"]):
            disagreements.append(f"{name}: python {message!r} / javascript {js['message']!r}")
            continue
        if ok or message.startswith("result: "):
            assert js["result"] == python_result(data), name
    assert disagreements == []


def test_every_kind_of_tampering_is_exercised_and_caught():
    """The generator produces what the comparison needs: every tampering, every kind, and
    failures at every check the verifier has."""
    seen_checks, seen_tampers, seen_kinds, ok, messages = set(), set(), set(), 0, ""
    for seed in SEEDS:
        for name, data in cases(seed):
            seen_tampers.add(name)
            good, message = verify_bundle(data)
            ok += good
            if not good:
                seen_checks.add(message.split(":")[0])
                messages += message + "\n"
            try:
                seen_kinds.add(json.loads(data)["kind"])
            except Exception:
                pass
    assert seen_tampers == set(TAMPERS)
    assert set(KINDS) <= seen_kinds
    assert ok >= 50
    expected = {
        "bundle",
        "format",
        "kind",
        "announcement",
        "secret",
        "commitment",
        "entropy",
        "inputs",
        "frame",
        "entities",
        "pool",
        "constraints",
        "frame_sha256",
        "frame_size",
        "strata",
        "team",
        "result",
    }
    assert expected <= seen_checks, expected - seen_checks
    deep = [
        "appears on more than one line",
        "is listed more than once",
        "has no rule",
        "has an empty field",
        "entropy_source 'none'",
        "empty, but the announcement names the source",
        "the announcement says",
        "is greater than max",
        "missing key(s)",
        "lists a department twice",
        "surrogates not allowed",
        "duplicate key",
        "maximum recursion",
        "Unexpected UTF-8 BOM",
        "a very large integer",
    ]
    assert [d for d in deep if d not in messages] == []


@pytest.mark.parametrize("scale", [1, 0.001])
def test_larger_frames_and_the_ticket_bound(verifier_page, scale):
    """Frames where the bound on tickets filters (thousands of entities), and a bound so tight
    that every stratum is scanned again: the result is Python's either way."""
    rnd = random.Random(2026)
    frame = make_file((make_uscc("91411523" + "%09d" % n), rnd.choice("ABCDU")) for n in range(4000))
    rules = {"A": {"ratio": "0.03"}, "B": {"ratio": "0.1", "alternates": 3}, "C": {"count": 7}, "D": {"ratio": "0"}}
    rules["U"] = {"ratio": "0.5", "max": 40}
    bundle = forge("objects", {"frame": frame}, rules, secret=rnd.randbytes(32), entropy="dice 4 4", source="dice")
    data = json.dumps(bundle).encode()
    verifier_page.execute_script("DrawV1.setBoundScale(arguments[0])", scale)
    try:
        [js] = verify_in_page(verifier_page, [data])
    finally:
        verifier_page.execute_script("DrawV1.setBoundScale(1)")
    assert js["ok"], js["message"]
    assert js["message"] == verify_bundle(data)[1]
    assert js["result"] == python_result(data)
