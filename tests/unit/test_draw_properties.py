"""Property tests for draw-v1 (jointcheck.draw): sampling, sample sizes, teams, files."""

from __future__ import annotations

import decimal
import hashlib
import hmac
import math
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from jointcheck.draw import (
    DrawError,
    assign_teams,
    canonical_json,
    check_file,
    derive_keys,
    draw_objects,
    drawv1,
    lp,
    make_file,
    parse_file,
    sample_size,
    ticket,
    validate_rule,
    validate_team_rules,
)

FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
QUICK = settings(max_examples=250, deadline=None)

keys = st.binary(min_size=32, max_size=32)
# ids: no TAB/LF/CR; include non-ASCII so byte order vs code point order matters
id_chars = st.sampled_from("0123456789ABCDEFGHJKLMNPQRTUWXYabcé中\U0001f600 -_")
ids = st.text(id_chars, min_size=1, max_size=8)
STRATA_NAMES = ["A", "B", "C", "D", "U", "环境"]


@st.composite
def rules(draw, allow_min_max=True):
    rule = {}
    if draw(st.booleans()):
        rule["ratio"] = draw(
            st.sampled_from(["0", "0.0", "0.03", "0.1", "0.2", "0.25", "0.333", "0.5", "0.99", "1", "1.0", "1.000"])
        )
    else:
        rule["count"] = draw(st.integers(0, 12))
    if allow_min_max and draw(st.booleans()):
        rule["min"] = draw(st.integers(0, 8))
    if allow_min_max and draw(st.booleans()):
        rule["max"] = draw(st.one_of(st.none(), st.integers(rule.get("min", 0), 10)))
    if draw(st.booleans()):
        rule["alternates"] = draw(st.integers(0, 4))
    return rule


@st.composite
def frames(draw, max_size=40):
    rows = draw(st.dictionaries(ids, st.sampled_from(STRATA_NAMES), max_size=max_size))
    strata = {s: draw(rules()) for s in sorted(set(rows.values()) | set(draw(st.sets(st.sampled_from(STRATA_NAMES)))))}
    return rows, strata


def ref_sample_size(rule, population):
    if "count" in rule:
        n = rule["count"]
    else:
        with decimal.localcontext() as ctx:
            ctx.prec = 100
            n = int((decimal.Decimal(rule["ratio"]) * population).to_integral_value(rounding=decimal.ROUND_CEILING))
    n = max(n, rule.get("min", 0))
    if rule.get("max") is not None:
        n = min(n, rule["max"])
    return min(n, population)


def ref_ticket(k, id_, stratum):
    return hmac.new(k, lp(stratum.encode()) + lp(id_.encode()), hashlib.sha256).hexdigest()


def ref_draw(k, rows, strata):
    """Straight from the spec: sort each stratum by (ticket, id), take n, then alternates."""
    by = defaultdict(list)
    for id_, s in rows.items():
        by[s].append((ref_ticket(k, id_, s), id_.encode(), id_))
    selected, alternates, sizes = [], [], {}
    for s, rule in strata.items():
        items = sorted(by[s])
        n = ref_sample_size(rule, len(items))
        a = rule.get("alternates", 0)
        selected += [{"id": i, "stratum": s, "ticket": t} for t, _, i in items[:n]]
        alternates += [{"id": i, "stratum": s, "ticket": t} for t, _, i in items[n : n + a]]
        sizes[s] = {"population": len(items), "sample": n}
    selected.sort(key=lambda x: x["ticket"])
    alternates.sort(key=lambda x: (x["stratum"], x["ticket"]))
    return {"selected": selected, "alternates": alternates, "sizes": sizes}


def frame_text(rows):
    return make_file(list(rows.items()))


# --------------------------------------------------------------------------- objects


@FAST
@given(keys, frames())
def test_objects_matches_reference_and_is_deterministic(k, frame):
    rows, strata = frame
    text = frame_text(rows)
    result = draw_objects(k, text, strata)
    assert result == ref_draw(k, rows, strata)
    assert draw_objects(k, text.encode(), strata) == result


@FAST
@given(keys, frames())
def test_objects_sizes_and_ticket_order(k, frame):
    rows, strata = frame
    result = draw_objects(k, frame_text(rows), strata)
    sel = defaultdict(list)
    alt = defaultdict(list)
    for x in result["selected"]:
        sel[x["stratum"]].append(x)
    for x in result["alternates"]:
        alt[x["stratum"]].append(x)
    assert set(result["sizes"]) == set(strata)
    for s, rule in strata.items():
        members = [i for i, st_ in rows.items() if st_ == s]
        n = sample_size(rule, len(members))
        assert result["sizes"][s] == {"population": len(members), "sample": n}
        assert len(sel[s]) == n
        assert len(alt[s]) == min(rule.get("alternates", 0), len(members) - n)
        chosen = {x["id"] for x in sel[s]} | {x["id"] for x in alt[s]}
        assert len(chosen) == len(sel[s]) + len(alt[s])
        rest = [ticket(k, i, s) for i in members if i not in chosen]
        for x in sel[s]:
            assert x["ticket"] == ticket(k, x["id"], s)
            assert all(x["ticket"] < t for t in rest)
            assert all(x["ticket"] < a["ticket"] for a in alt[s])
        for a in alt[s]:
            assert all(a["ticket"] < t for t in rest)
    tickets = [x["ticket"] for x in result["selected"]]
    assert tickets == sorted(tickets)
    assert [(x["stratum"], x["ticket"]) for x in result["alternates"]] == sorted(
        (x["stratum"], x["ticket"]) for x in result["alternates"]
    )


@FAST
@given(keys, frames(), st.integers(0, 2**256))
def test_threshold_is_only_a_speedup(k, frame, bound):
    """Whatever the pre-filter threshold (even far too tight), the result is the spec's."""
    rows, strata = frame
    text = frame_text(rows)
    expected = draw_objects(k, text, strata)
    original = drawv1._threshold
    try:
        drawv1._threshold = lambda kk, n: min(bound, 2**256 - 1).to_bytes(32, "big") if kk else b""
        assert draw_objects(k, text, strata) == expected
    finally:
        drawv1._threshold = original


@FAST
@given(keys, frames())
def test_stratum_result_depends_only_on_its_own_lines(k, frame):
    rows, strata = frame
    assume(len(set(rows.values())) >= 2)
    full = draw_objects(k, frame_text(rows), strata)
    s = sorted(set(rows.values()))[0]
    only = {i: st_ for i, st_ in rows.items() if st_ == s}
    part = draw_objects(k, frame_text(only), {s: strata[s]})
    assert [x for x in full["selected"] if x["stratum"] == s] == part["selected"]
    assert [x for x in full["alternates"] if x["stratum"] == s] == part["alternates"]


def test_parallel_identical(monkeypatch):
    monkeypatch.setattr(drawv1, "_PARALLEL_MIN_LINES", 1)
    rows = {"91411523MA%08d" % n: "ABCDU"[n * 7 % 5] for n in range(3000)}
    strata = {c: {"ratio": "0.03", "alternates": 2} for c in "ABCDU"}
    strata["U"] = {"count": 7, "min": 9}
    text = frame_text(rows)
    k = bytes(range(32))
    one = draw_objects(k, text, strata)
    assert one == ref_draw(k, rows, strata)
    for w in (2, 3):
        assert draw_objects(k, text, strata, workers=w) == one


def test_duplicate_ids_found_across_chunk_boundaries(monkeypatch):
    monkeypatch.setattr(drawv1, "_PARALLEL_MIN_LINES", 1)
    rules = {"A": {"count": 1}, "B": {"count": 1}}
    base = ["id%02d" % n for n in range(12)]
    for pos in range(len(base)):
        rows = [(i, "A") for i in base] + [(base[pos], "B")]
        text = make_file(rows)
        for workers in (1, 2, 3):
            with pytest.raises(DrawError, match="appears on more than one line"):
                draw_objects(bytes(32), text, rules, workers=workers)
    text = make_file([(i, "A") for i in base])
    assert draw_objects(bytes(32), text, rules, workers=3) == draw_objects(bytes(32), text, rules)


def test_objects_rejects_bad_frames():
    k = bytes(32)
    rules = {"A": {"count": 1}, "B": {"count": 1}}
    cases = {
        "x\tA\ny\tC\n": "strata",  # stratum without a rule
        "x\tA\nx\tB\n": "frame",  # same id twice
        "x\tA\ny\n": "frame",  # missing field
        "x\tA\ny\tA\tB\n": "frame",  # extra field
        "y\tA\nx\tA\n": "frame",  # unsorted
        "x\tA\nx\tA\n": "frame",  # duplicate line
        "x\tA": "frame",  # no final LF
        "x\tA\r\n": "frame",
        "\tA\n": "frame",  # empty id
        "x\t\n": "frame",  # empty stratum
        "x\tA\n\ny\tA\n": "frame",
    }
    for text, check in cases.items():
        with pytest.raises(DrawError) as e:
            draw_objects(k, text, rules)
        assert e.value.check == check, (text, e.value)
    with pytest.raises(DrawError):
        draw_objects(k, b"x\xff\tA\n", rules)
    with pytest.raises(DrawError):
        draw_objects(k, "x\ud800\tA\n", rules)
    with pytest.raises(DrawError):
        draw_objects(k, "x\tA\n", {"A": {"ratio": 0.5}})


def test_empty_frame():
    result = draw_objects(bytes(32), "", {"A": {"ratio": "0.5", "min": 3}})
    assert result == {"selected": [], "alternates": [], "sizes": {"A": {"population": 0, "sample": 0}}}


# --------------------------------------------------------------------------- sample size


@QUICK
@given(rules(), st.integers(0, 10_000))
def test_sample_size_matches_decimal_reference(rule, population):
    n = sample_size(rule, population)
    assert n == ref_sample_size(rule, population)
    assert 0 <= n <= population


@QUICK
@given(st.integers(0, 10**6), st.integers(0, 10**6), st.integers(1, 10**7))
def test_sample_size_ratio_is_exact_ceiling(num, population, den):
    assume(num <= den)
    ratio = str(decimal.Decimal(num) / decimal.Decimal(den).scaleb(0))
    assume("E" not in ratio and "e" not in ratio)
    n = sample_size({"ratio": ratio}, population)
    from fractions import Fraction

    assert n == math.ceil(Fraction(ratio) * population)


def test_sample_size_edge_cases():
    assert sample_size({"ratio": "0"}, 100) == 0
    assert sample_size({"ratio": "0.000"}, 100) == 0
    assert sample_size({"ratio": "0", "min": 3}, 100) == 3
    assert sample_size({"ratio": "1"}, 100) == 100
    assert sample_size({"ratio": "1.0"}, 0) == 0
    assert sample_size({"ratio": "0.03"}, 100) == 3
    assert sample_size({"ratio": "0.03"}, 101) == 4  # ceil(3.03)
    assert sample_size({"ratio": "0.1"}, 30) == 3  # exact, although 0.1 * 30 > 3 in binary floating point
    assert sample_size({"ratio": "0.07"}, 100) == 7  # 0.07 * 100 = 7.000000000000001 as a float
    assert sample_size({"count": 50}, 10) == 10  # count > N
    assert sample_size({"count": 0}, 10) == 0
    assert sample_size({"count": 2, "min": 20}, 10) == 10  # min > N
    assert sample_size({"count": 2, "min": 5}, 10) == 5
    assert sample_size({"ratio": "0.5", "max": 3}, 100) == 3
    assert sample_size({"ratio": "0.5", "max": None}, 100) == 50
    assert sample_size({"ratio": "0.5", "max": 0}, 100) == 0
    assert sample_size({"count": 9, "min": 4, "max": 6}, 100) == 6
    assert sample_size({"count": 1, "min": 4, "max": 6}, 100) == 4
    assert sample_size({"count": 1, "min": 4, "max": 6}, 2) == 2
    assert sample_size({"count": 1, "alternates": 5}, 3) == 1


@pytest.mark.parametrize(
    "rule, fragment",
    [
        ({}, "exactly one"),
        ({"ratio": "0.1", "count": 1}, "exactly one"),
        ({"ratio": 0.1}, "decimal string"),
        ({"ratio": "1.5"}, "between 0 and 1"),
        ({"ratio": "-0.1"}, "decimal string"),
        ({"ratio": "1e-2"}, "decimal string"),
        ({"ratio": ".5"}, "decimal string"),
        ({"ratio": "NaN"}, "decimal string"),
        ({"ratio": " 0.5"}, "decimal string"),
        ({"ratio": "٠.٥"}, "decimal string"),  # non-ASCII digits
        ({"count": -1}, "count"),
        ({"count": True}, "count"),
        ({"count": 1.0}, "count"),
        ({"count": "3"}, "count"),
        ({"count": 1, "min": -1}, "min"),
        ({"count": 1, "max": -1}, "max"),
        ({"count": 1, "max": "3"}, "max"),
        ({"count": 1, "min": 5, "max": 4}, "greater than max"),
        ({"count": 1, "alternates": -1}, "alternates"),
        ({"count": 1, "alternates": None}, "alternates"),
        ({"count": 1, "weight": 2}, "unknown key"),
        ([("count", 1)], "object"),
    ],
)
def test_rule_validation(rule, fragment):
    with pytest.raises(ValueError, match=fragment):
        validate_rule(rule)
    with pytest.raises(ValueError):
        sample_size(rule, 10)


def test_sample_size_rejects_bad_population():
    with pytest.raises(ValueError):
        sample_size({"count": 1}, -1)
    with pytest.raises(ValueError):
        sample_size({"count": 1}, 1.5)


# --------------------------------------------------------------------------- teams

DEPTS = ["SCJG", "YJGL", "XFJY", "ZRZY"]


@st.composite
def team_cases(draw):
    entities = draw(st.sets(st.text("ABCDEFGHJK0123456789", min_size=3, max_size=5), max_size=12))
    inspectors = draw(
        st.dictionaries(
            st.text("0123456789", min_size=2, max_size=3).map(lambda s: "INS" + s), st.sampled_from(DEPTS), max_size=14
        )
    )
    ents, insp = sorted(entities), sorted(inspectors)
    barred = set()
    if ents and insp:
        barred = draw(st.sets(st.tuples(st.sampled_from(insp), st.sampled_from(ents)), max_size=15))
    required = draw(st.lists(st.sampled_from(DEPTS), min_size=1, max_size=3, unique=True))
    team_size = draw(st.integers(max(2, len(required)), 5))
    max_load = draw(st.integers(1, 4))
    reasons = {b: draw(st.sampled_from(["conflict", "previous", "recusal"])) for b in barred}
    return {
        "entities": make_file(ents),
        "pool": make_file(list(inspectors.items())),
        "constraints": make_file([(reasons[b], b[0], b[1]) for b in barred]),
        "rules": {"required_departments": required, "team_size": team_size, "max_load": max_load},
        "ents": ents,
        "dept": inspectors,
        "barred": barred,
    }


def ref_assign(k, case):
    """The spec's algorithm, written out independently of the implementation."""

    def h(*parts):
        return hmac.new(k, b"".join(lp(p.encode()) for p in parts), hashlib.sha256).hexdigest()

    rules = case["rules"]
    req = rules["required_departments"]
    elig = {
        e: sorted(i for i, d in case["dept"].items() if d in req and (i, e) not in case["barred"]) for e in case["ents"]
    }
    load = defaultdict(int)
    teams, unassigned = {}, {}
    for e in sorted(case["ents"], key=lambda e: (len(elig[e]), h("entity", e), e)):
        team, reason = [], None
        for d in req:
            c = [i for i in elig[e] if case["dept"][i] == d and load[i] < rules["max_load"] and i not in team]
            if not c:
                reason = f"no eligible inspector from department {d}"
                break
            team.append(min(c, key=lambda i: (load[i], h("pick", e, i), i)))
        while reason is None and len(team) < rules["team_size"]:
            c = [i for i in elig[e] if load[i] < rules["max_load"] and i not in team]
            if not c:
                reason = f"fewer than {rules['team_size']} eligible inspectors"
                break
            team.append(min(c, key=lambda i: (load[i], h("pick", e, i), i)))
        if reason is None:
            for i in team:
                load[i] += 1
            teams[e] = team
        else:
            unassigned[e] = reason
    return {
        "teams": [{"entity": e, "inspectors": teams[e]} for e in sorted(teams)],
        "unassigned": [{"entity": e, "reason": unassigned[e]} for e in sorted(unassigned)],
    }


@FAST
@given(keys, team_cases())
def test_teams_invariants(k, case):
    rules = case["rules"]
    result = assign_teams(k, case["entities"], case["pool"], case["constraints"], rules)
    assert result == assign_teams(k, case["entities"], case["pool"], case["constraints"], rules)
    assert result == ref_assign(k, case)
    req = rules["required_departments"]
    load = defaultdict(int)
    seen = set()
    for t in result["teams"]:
        e, members = t["entity"], t["inspectors"]
        assert len(members) == rules["team_size"]
        assert len(set(members)) == len(members)
        assert [case["dept"][i] for i in members[: len(req)]] == req  # required departments, lead first
        for i in members:
            assert case["dept"][i] in req
            assert (i, e) not in case["barred"]
            load[i] += 1
        seen.add(e)
    assert all(v <= rules["max_load"] for v in load.values())
    for x in result["unassigned"]:
        assert x["entity"] not in seen
        seen.add(x["entity"])
        r = x["reason"]
        assert r in {f"no eligible inspector from department {d}" for d in req} | {
            f"fewer than {rules['team_size']} eligible inspectors"
        }
        eligible = [i for i, d in case["dept"].items() if d in req and (i, x["entity"]) not in case["barred"]]
        free = [i for i in eligible if load[i] < rules["max_load"]]  # loads only grow
        if r.startswith("no eligible inspector from department "):
            d = r.rsplit(" ", 1)[1]
            assert not [i for i in free if case["dept"][i] == d]
        else:
            assert len(free) < rules["team_size"]
        if len(eligible) < rules["team_size"]:
            assert x["entity"] not in {t["entity"] for t in result["teams"]}
    assert seen == set(case["ents"])
    ents = [t["entity"] for t in result["teams"]]
    assert ents == sorted(ents)
    un = [t["entity"] for t in result["unassigned"]]
    assert un == sorted(un)


def test_teams_reasons_exact():
    k = bytes(32)
    pool = make_file([("I1", "SCJG"), ("I2", "YJGL"), ("I3", "XFJY")])
    rules = {"required_departments": ["SCJG", "YJGL"], "team_size": 3, "max_load": 1}
    # only 2 inspectors from required departments: team of 3 impossible
    r = assign_teams(k, make_file(["E1"]), pool, "", rules)
    assert r == {"teams": [], "unassigned": [{"entity": "E1", "reason": "fewer than 3 eligible inspectors"}]}
    # I2 barred from E1: no YJGL for it
    r = assign_teams(
        k,
        make_file(["E1"]),
        pool,
        make_file([("recusal", "I2", "E1")]),
        {"required_departments": ["SCJG", "YJGL"], "team_size": 2, "max_load": 1},
    )
    assert r["unassigned"] == [{"entity": "E1", "reason": "no eligible inspector from department YJGL"}]
    # max_load 1: the second entity finds everybody busy; unassigned entities change no load
    r = assign_teams(
        k, make_file(["E1", "E2"]), pool, "", {"required_departments": ["SCJG", "YJGL"], "team_size": 2, "max_load": 1}
    )
    assert len(r["teams"]) == 1 and r["teams"][0]["inspectors"] == ["I1", "I2"]
    assert r["unassigned"][0]["reason"] == "no eligible inspector from department SCJG"


@pytest.mark.parametrize(
    "team",
    [
        {"required_departments": ["A"], "team_size": 1, "max_load": 1},
        {"required_departments": ["A", "B", "C"], "team_size": 2, "max_load": 1},
        {"required_departments": ["A"], "team_size": 2, "max_load": 0},
        {"required_departments": [], "team_size": 2, "max_load": 1},
        {"required_departments": ["A", "A"], "team_size": 2, "max_load": 1},
        {"required_departments": "A", "team_size": 2, "max_load": 1},
        {"required_departments": [""], "team_size": 2, "max_load": 1},
        {"required_departments": ["A"], "team_size": 2.0, "max_load": 1},
        {"required_departments": ["A"], "team_size": True, "max_load": 1},
        {"required_departments": ["A"], "team_size": 2},
        {"required_departments": ["A"], "team_size": 2, "max_load": 1, "extra": 1},
        None,
    ],
)
def test_team_rule_validation(team):
    with pytest.raises(DrawError) as e:
        validate_team_rules(team)
    assert e.value.check == "team"


def test_teams_rejects_bad_inputs():
    k = bytes(32)
    rules = {"required_departments": ["A"], "team_size": 2, "max_load": 1}
    with pytest.raises(DrawError, match="pool"):
        assign_teams(k, "E\n", "I1\tA\nI1\tB\n", "", rules)
    with pytest.raises(DrawError, match="constraints"):
        assign_teams(k, "E\n", "I1\tA\n", "I1\tE\n", rules)
    with pytest.raises(DrawError, match="entities"):
        assign_teams(k, "E\tX\n", "I1\tA\n", "", rules)


# --------------------------------------------------------------------------- files & primitives

line_text = st.text(st.characters(blacklist_characters="\t\n\r", blacklist_categories=("Cs",)), min_size=1, max_size=6)


@QUICK
@given(st.lists(st.tuples(line_text, line_text), max_size=20))
def test_file_roundtrip(rows):
    text = make_file(rows)
    check_file(text)
    parsed = parse_file(text, 2)
    # Files sort by line bytes, which is not the order of the field tuples when a field
    # holds a character below TAB; the byte order is checked just below.
    assert set(map(tuple, parsed)) == set(rows)
    blines = [ln.encode() for ln in text.split("\n")[:-1]] if text else []
    assert blines == sorted(set(blines))
    assert make_file(parsed) == text
    assert make_file(list(reversed(rows)) + rows) == text
    assert text == "" or text.endswith("\n")


@QUICK
@given(st.lists(line_text, min_size=2, max_size=10, unique=True))
def test_file_checks_detect_damage(lines):
    text = make_file(lines)
    rows = text.split("\n")[:-1]
    with pytest.raises(ValueError):
        check_file(text[:-1])  # no final LF
    with pytest.raises(ValueError):
        check_file(text + rows[0] + "\n")  # duplicate / out of order
    with pytest.raises(ValueError):
        check_file("\n".join(reversed(rows)) + "\n")
    with pytest.raises(ValueError):
        check_file(text.replace("\n", "\r\n"))
    with pytest.raises(ValueError):
        check_file(text + "\n")  # empty line


def test_file_helpers_examples():
    assert make_file([]) == ""
    check_file("")
    assert parse_file("") == []
    # bytes order, not code point order of a locale: "Z" < "a" < "é" < "中"
    assert make_file(["中", "é", "a", "Z", "a"]) == "Z\na\né\n中\n"
    assert make_file([("b", "1"), ("a", "2")]) == "a\t2\nb\t1\n"
    for bad in (["a\tb\n"], [("a\tb", "c")], [("",)], [""], [("a", 1)]):
        with pytest.raises(ValueError):
            make_file(bad)
    with pytest.raises(ValueError, match="field"):
        parse_file("a\tb\n", 3)
    with pytest.raises(ValueError):
        parse_file("a\t\n")


def test_primitives():
    assert lp(b"") == b"\x00\x00\x00\x00"
    assert lp(b"abc") == b"\x00\x00\x00\x03abc"
    assert canonical_json({"b": [1, True, None], "a": "中"}) == '{"a":"中","b":[1,true,null]}'.encode()
    with pytest.raises(ValueError):
        canonical_json({"a": 1.5})
    # BMP keys (experts' strata are Chinese field names) sort the same by code point and by
    # UTF-16 unit, as RFC 8785 requires; keys beyond U+FFFF would not, and are refused.
    assert canonical_json({"乙": 1, "甲": 2, "A": 0}) == '{"A":0,"乙":1,"甲":2}'.encode()
    with pytest.raises(ValueError):
        canonical_json({"\U0001f600": 1})
    k_sample, k_assign = derive_keys(b"{}", b"s", "")
    assert len(k_sample) == len(k_assign) == 32 and k_sample != k_assign
    assert derive_keys(b"{}", b"s", "x") != (k_sample, k_assign)
