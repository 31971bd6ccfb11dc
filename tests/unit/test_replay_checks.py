"""The replay's ordered checks (audit.replays.checks): a valid draw of each kind passes, and a
table of alterations — one or more per check — each fails at exactly the check it should."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from audit.replays import checks
from audit.replays.checks import CHECKS, Evidence, Registration
from jointcheck import draw as drawv1

T0 = datetime(2031, 3, 1, 9, 0, tzinfo=UTC)
SECRET = bytes(range(32))
ENTROPY = "witness dice: 3 1 4 1 5 9 2 6"
REGISTRY_FRAME = drawv1.make_file([(f"91411523MA{n:07d}X", "ABCD"[n % 4]) for n in range(24)])
EXCLUDED = ["91411523MA0000003X", "91411523MA0000010X"]
RECENT = frozenset([*EXCLUDED, "91411523MA9999999X"])
STRATA = {
    "A": {"ratio": "0.5"},
    "B": {"count": 2},
    "C": {"ratio": "0.2", "min": 1},
    "D": {"ratio": "1", "max": 2, "alternates": 1},
}


def _registration(announcement: bytes, at: datetime = T0) -> Registration:
    sha = drawv1.sha256_hex(announcement)
    return Registration(
        announcement=announcement.decode(),
        announcement_sha256=sha,
        registered_at=at,
        chain_sha256=sha,
        chain_recorded_at=at,
    )


def objects_evidence() -> Evidence:
    frame = "".join(line + "\n" for line in REGISTRY_FRAME.splitlines() if line.split("\t")[0] not in EXCLUDED)
    exclusions = drawv1.make_file(EXCLUDED)
    context = {
        "task_id": "task-1",
        "registry_version": 7,
        "scope": {"tags": ["x"]},
        "exclusion": {"since": "2030-03-01", "days": 365, "count": 2, "sha256": drawv1.sha256_hex(exclusions)},
    }
    ann = drawv1.build_announcement(
        "objects",
        drawv1.commitment_of(SECRET),
        {"frame": frame},
        entropy_source="witness dice",
        strata=STRATA,
        context=context,
    )
    bundle = drawv1.make_bundle("draw-1", ann, SECRET, ENTROPY, {"frame": frame})
    return Evidence(
        draw_id="draw-1",
        bundle=bundle,
        registrations=(_registration(ann),),
        entropy_at=T0 + timedelta(minutes=5),
        registry={"frame": REGISTRY_FRAME},
        recently_inspected=RECENT,
    )


SELECTED = tuple(f"91411523MA{n:07d}X" for n in range(4))
POOL = drawv1.make_file([(f"INS{n:03d}", ["SCJG", "YJGL", "XFJY"][n % 3]) for n in range(9)])
RECUSALS = drawv1.make_file([("conflict", "INS000", SELECTED[0])])


def teams_evidence() -> Evidence:
    constraints = drawv1.make_file([("conflict", "INS000", SELECTED[0]), ("previous", "INS003", SELECTED[1])])
    inputs = {"entities": drawv1.make_file(SELECTED), "pool": POOL, "constraints": constraints}
    context = {
        "task_id": "task-1",
        "registry_version": 9,
        "objects_draw_id": "draw-0",
        "recusals_on": "2031-04-01",
        "previous_pairs": 1,
    }
    ann = drawv1.build_announcement(
        "teams",
        drawv1.commitment_of(SECRET),
        inputs,
        entropy_source="witness dice",
        team={"required_departments": ["SCJG", "YJGL"], "team_size": 3, "max_load": 2},
        context=context,
    )
    bundle = drawv1.make_bundle("draw-2", ann, SECRET, ENTROPY, inputs)
    return Evidence(
        draw_id="draw-2",
        bundle=bundle,
        registrations=(_registration(ann),),
        entropy_at=T0 + timedelta(1),
        registry={"pool": POOL, "recusals": RECUSALS},
        objects_selected=SELECTED,
    )


EXPERTS = drawv1.make_file([(f"EXP{n}", "危险化学品" if n % 2 else "特种设备") for n in range(6)])


def experts_evidence() -> Evidence:
    ann = drawv1.build_announcement(
        "experts",
        drawv1.commitment_of(SECRET),
        {"frame": EXPERTS},
        entropy_source="none",
        strata={"危险化学品": {"count": 1}, "特种设备": {"count": 2}},
        context={"registry_version": 3, "fields": {"危险化学品": 1, "特种设备": 2}},
    )
    bundle = drawv1.make_bundle("draw-3", ann, SECRET, "", {"frame": EXPERTS})
    return Evidence(
        draw_id="draw-3",
        bundle=bundle,
        registrations=(_registration(ann),),
        entropy_at=T0 + timedelta(1),
        registry={"frame": EXPERTS},
    )


def with_bundle(e: Evidence, change: Callable[[dict], None]) -> Evidence:
    b = copy.deepcopy(e.bundle)
    change(b)
    return replace(e, bundle=b)


def reannounce(e: Evidence, change: Callable[[dict], None], *, redraw: bool = False) -> Evidence:
    """Change the announcement and register the changed bytes too (so only later checks can catch it);
    ``redraw``: recompute the result under the changed announcement (so only checks after ``result`` can)."""
    b = copy.deepcopy(e.bundle)
    ann = json.loads(b["announcement"])
    change(ann)
    b["announcement"] = drawv1.canonical_json(ann).decode()
    if redraw:
        b = drawv1.make_bundle(b["draw_id"], b["announcement"].encode(), b["secret"], b["entropy"], b["inputs"])
    return replace(e, bundle=b, registrations=(_registration(b["announcement"].encode()),))


def _set_result_first_id(b: dict) -> None:
    b["result"]["selected"][0]["id"] = b["result"]["alternates"][0]["id"]


def _drop_frame_line(b: dict) -> None:
    b["inputs"]["frame"] = "".join(b["inputs"]["frame"].splitlines(keepends=True)[1:])


OBJECTS_CASES: list[tuple[str, str, Callable[[Evidence], Evidence]]] = [
    ("announcement", "not an object", lambda e: replace(e, bundle=[1, 2])),
    ("announcement", "another draw's bundle", lambda e: replace(e, draw_id="draw-9")),
    ("announcement", "nothing registered", lambda e: replace(e, registrations=())),
    (
        "announcement",
        "bundle announcement altered",
        lambda e: with_bundle(e, lambda b: b.update(announcement=b["announcement"].replace('"task-1"', '"task-2"'))),
    ),
    (
        "announcement",
        "registered row altered",
        lambda e: replace(
            e, registrations=(replace(e.registrations[0], announcement=e.registrations[0].announcement + " "),)
        ),
    ),
    (
        "announcement",
        "row altered with bundle to match",
        lambda e: with_bundle(
            replace(
                e, registrations=(replace(e.registrations[0], announcement=e.registrations[0].announcement + " "),)
            ),
            lambda b: b.update(announcement=b["announcement"] + " "),
        ),
    ),
    (
        "announcement",
        "chain entry names another announcement",
        lambda e: replace(e, registrations=(replace(e.registrations[0], chain_sha256="0" * 64),)),
    ),
    (
        "announcement",
        "receipt time moved",
        lambda e: replace(e, registrations=(replace(e.registrations[0], registered_at=T0 - timedelta(days=1)),)),
    ),
    ("entropy_time", "no entropy time", lambda e: replace(e, entropy_at=None)),
    ("entropy_time", "entropy before the receipt", lambda e: replace(e, entropy_at=T0 - timedelta(seconds=1))),
    ("entropy_time", "entropy at the receipt", lambda e: replace(e, entropy_at=T0)),
    ("commitment", "another secret", lambda e: with_bundle(e, lambda b: b.update(secret="ab" * 32))),
    ("commitment", "secret not hex", lambda e: with_bundle(e, lambda b: b.update(secret="zz" * 32))),
    ("commitment", "secret too short", lambda e: with_bundle(e, lambda b: b.update(secret="ab"))),
    ("commitment", "kind differs", lambda e: with_bundle(e, lambda b: b.update(kind="experts"))),
    ("commitment", "not draw-v1", lambda e: reannounce(e, lambda a: a.update(algorithm="draw-v0"))),
    (
        "commitment",
        "announcement not JSON",
        lambda e: (
            reannounce(e, lambda a: None)
            and with_bundle(
                replace(e, registrations=(_registration(b"{not json"),)), lambda b: b.update(announcement="{not json")
            )
        ),
    ),
    ("input_hashes", "frame line dropped", lambda e: with_bundle(e, _drop_frame_line)),
    ("input_hashes", "inputs of another kind", lambda e: with_bundle(e, lambda b: b.update(inputs={"pool": ""}))),
    ("input_hashes", "frame not text", lambda e: with_bundle(e, lambda b: b["inputs"].update(frame=5))),
    (
        "input_hashes",
        "frame size announced wrong",
        lambda e: reannounce(e, lambda a: a.update(frame_size=a["frame_size"] + 1)),
    ),
    ("result", "stored result altered", lambda e: with_bundle(e, _set_result_first_id)),
    (
        "result",
        "ticket altered",
        lambda e: with_bundle(e, lambda b: b["result"]["selected"][0].update(ticket="0" * 64)),
    ),
    ("result", "entropy altered", lambda e: with_bundle(e, lambda b: b.update(entropy="witness dice: 1"))),
    ("registry_frame", "registry has no answer", lambda e: replace(e, registry=None)),
    (
        "registry_frame",
        "registry rewrote a class",
        lambda e: replace(
            e, registry={"frame": REGISTRY_FRAME.replace("91411523MA0000001X\tB", "91411523MA0000001X\tA")}
        ),
    ),
    (
        "registry_frame",
        "registry lost an entity",
        lambda e: replace(e, registry={"frame": "".join(REGISTRY_FRAME.splitlines(keepends=True)[:-1])}),
    ),
    (
        "registry_frame",
        "registry has one entity more",
        lambda e: replace(
            e, registry={"frame": drawv1.make_file([*REGISTRY_FRAME.splitlines(), "91411523MA7777777X\tA"])}
        ),
    ),
    (
        "registry_frame",
        "exclusion count announced wrong",
        lambda e: reannounce(e, lambda a: a["exclusion"].update(count=3), redraw=True),
    ),
    ("exclusions", "results has no record", lambda e: replace(e, recently_inspected=frozenset())),
    ("exclusions", "results not available", lambda e: replace(e, recently_inspected=None)),
    ("exclusions", "one exclusion unjustified", lambda e: replace(e, recently_inspected=frozenset(EXCLUDED[:1]))),
]


#: The exact verdict detail of each case (a changed message is a changed test, on purpose).
DETAILS = {
    "not an object": "the bundle is not a JSON object with an announcement string",
    "another draw's bundle": "the bundle names draw 'draw-1', not draw-9",
    "nothing registered": "audit holds no announcement registered for draw draw-1",
    "bundle announcement altered": "the bundle's announcement (SHA-256 428c312da14832641a776dede496c85e85d2653a70462dd48ea6e21669e74f66) differs from the one registered with audit (f1807a9743580242786dd1afe97fd432dc26b87b3e3a2977b158d23ae6178737)",
    "registered row altered": "the bundle's announcement (SHA-256 f1807a9743580242786dd1afe97fd432dc26b87b3e3a2977b158d23ae6178737) differs from the one registered with audit (f1807a9743580242786dd1afe97fd432dc26b87b3e3a2977b158d23ae6178737)",
    "row altered with bundle to match": "the registered announcement's bytes do not match the SHA-256 recorded at registration",
    "chain entry names another announcement": "the audit chain entry of the registration does not name this announcement",
    "receipt time moved": "the receipt time differs from the time of its audit chain entry",
    "no entropy time": "no time of entropy is known for this draw",
    "entropy before the receipt": "the entropy was accepted at 2031-03-01T08:59:59+00:00, not after the receipt time 2031-03-01T09:00:00+00:00",
    "entropy at the receipt": "the entropy was accepted at 2031-03-01T09:00:00+00:00, not after the receipt time 2031-03-01T09:00:00+00:00",
    "another secret": "SHA-256 of the revealed secret is not the announced commitment",
    "secret not hex": "the secret is not 64 lowercase hexadecimal characters",
    "secret too short": "the secret is not 64 lowercase hexadecimal characters",
    "kind differs": "the announcement's kind 'objects' is not the bundle's kind 'experts'",
    "not draw-v1": "the announcement does not announce a draw-v1 draw",
    "announcement not JSON": "the announcement is not JSON",
    "frame line dropped": "input frame does not hash to the announced frame_sha256",
    "inputs of another kind": "a objects draw has the inputs ['frame'], the bundle has ['pool']",
    "frame not text": "input frame is not text",
    "frame size announced wrong": "the frame has 22 lines, the announcement says 23",
    "stored result altered": 'draw-v1 does not reproduce the draw: result: selected[0].id is "91411523MA0000019X", recomputation gives "91411523MA0000018X"',
    "ticket altered": 'draw-v1 does not reproduce the draw: result: selected[0].ticket is "0000000000000000000000000000000000000000000000000000000000000000", recomputation gives "12634a5c3752d122e93985ef73b1b68a598dbbbf706a9634714e89a4a261cf63"',
    "entropy altered": 'draw-v1 does not reproduce the draw: result: selected[0].id is "91411523MA0000018X", recomputation gives "91411523MA0000014X"',
    "registry has no answer": "the registry gave no frame as of version 7",
    "registry rewrote a class": "1 line(s) of the frozen frame are not in the registry's answer as of version 7: '91411523MA0000001X\\tB'",
    "registry lost an entity": "1 line(s) of the frozen frame are not in the registry's answer as of version 7: '91411523MA0000023X\\tD'",
    "registry has one entity more": "the registry's answer as of version 7 holds 3 entities the frozen frame lacks ('91411523MA0000003X', '91411523MA0000010X', '91411523MA7777777X'), which are not the 2 announced exclusions",
    "exclusion count announced wrong": "the registry's answer as of version 7 holds 2 entities the frozen frame lacks ('91411523MA0000003X', '91411523MA0000010X'), which are not the 3 announced exclusions",
    "results has no record": "2 excluded entities were not inspected since 2030-03-01 according to results: '91411523MA0000003X', '91411523MA0000010X'",
    "results not available": "results' record of recent inspections is not available",
    "one exclusion unjustified": "1 excluded entities were not inspected since 2030-03-01 according to results: '91411523MA0000010X'",
    "a team changed": 'draw-v1 does not reproduce the draw: result: teams[0].inspectors[0] is "INS004", recomputation gives "INS003"',
    "pool differs": "the frozen inspector pool is not the registry's answer as of version 9",
    "a recusal missing": "the frozen recusals are not the registry's answer as of version 9: missing 'conflict\\tINS001\\t91411523MA0000001X', not in the registry none",
    "a recusal too many": "the frozen recusals are not the registry's answer as of version 9: missing none, not in the registry 'conflict\\tINS000\\t91411523MA0000000X'",
    "entities not the objects draw's": "the entities are not those selected by the task's objects draw",
    "objects draw unknown": "the entities are not those selected by the task's objects draw",
    "previous pairs announced wrong": "1 'previous inspector' constraints, the announcement says 2",
}


def test_valid_draws_of_every_kind_pass_every_check():
    for evidence in (objects_evidence(), teams_evidence(), experts_evidence()):
        verdict = checks.verify(evidence)
        assert verdict.ok, verdict
        assert verdict.failed_check is None and verdict.detail is None
        assert [o.check for o in verdict.checks] == list(CHECKS)
        assert all(o.ok is True for o in verdict.checks)


@pytest.mark.parametrize(("check", "case", "alter"), OBJECTS_CASES, ids=[f"{c}:{n}" for c, n, _ in OBJECTS_CASES])
def test_each_alteration_fails_at_its_check(check, case, alter):
    verdict = checks.verify(alter(objects_evidence()))
    assert not verdict.ok
    assert verdict.failed_check == check, (case, verdict.detail)
    assert verdict.detail == DETAILS[case]
    position = CHECKS.index(check)
    assert [o.check for o in verdict.checks] == list(CHECKS)
    assert [o.ok for o in verdict.checks] == [True] * position + [False] + [None] * (len(CHECKS) - position - 1)
    assert verdict.checks[position].detail == verdict.detail
    assert all(o.detail is None for o in verdict.checks if o.ok is not False)


def test_every_check_has_a_failing_case():
    assert {c for c, _, _ in OBJECTS_CASES} == set(CHECKS)


TEAMS_CASES: list[tuple[str, str, Callable[[Evidence], Evidence]]] = [
    ("result", "a team changed", lambda e: with_bundle(e, lambda b: b["result"]["teams"][0]["inspectors"].reverse())),
    (
        "registry_frame",
        "pool differs",
        lambda e: replace(e, registry={"pool": POOL.replace("INS008\tXFJY", "INS008\tSCJG"), "recusals": RECUSALS}),
    ),
    (
        "registry_frame",
        "a recusal missing",
        lambda e: replace(
            e,
            registry={
                "pool": POOL,
                "recusals": drawv1.make_file(
                    [("conflict", "INS000", SELECTED[0]), ("conflict", "INS001", SELECTED[1])]
                ),
            },
        ),
    ),
    ("registry_frame", "a recusal too many", lambda e: replace(e, registry={"pool": POOL, "recusals": ""})),
    ("registry_frame", "entities not the objects draw's", lambda e: replace(e, objects_selected=SELECTED[:3])),
    ("registry_frame", "objects draw unknown", lambda e: replace(e, objects_selected=None)),
    (
        "exclusions",
        "previous pairs announced wrong",
        lambda e: reannounce(e, lambda a: a.update(previous_pairs=2), redraw=True),
    ),
]


@pytest.mark.parametrize(("check", "case", "alter"), TEAMS_CASES, ids=[f"{c}:{n}" for c, n, _ in TEAMS_CASES])
def test_teams_alterations(check, case, alter):
    verdict = checks.verify(alter(teams_evidence()))
    assert (verdict.ok, verdict.failed_check) == (False, check), (case, verdict.detail)
    assert verdict.detail == DETAILS[case]


def test_experts_frame_must_be_the_registrys():
    e = experts_evidence()
    verdict = checks.verify(replace(e, registry={"frame": EXPERTS.replace("EXP0", "EXP00")}))
    assert (verdict.failed_check, verdict.detail) == (
        "registry_frame",
        "the frozen expert frame is not the registry's answer as of version 3",
    )
    verdict = checks.verify(replace(e, registry=None))
    assert (verdict.failed_check, verdict.detail) == ("registry_frame", "the registry gave no frame as of version 3")
    # experts have no exclusions: results' record is not consulted
    assert checks.verify(replace(e, recently_inspected=frozenset())).ok


def test_exclusions_not_needed_when_nothing_was_excluded():
    e = objects_evidence()
    frame_all = REGISTRY_FRAME
    empty = drawv1.make_file([])
    context = {
        "registry_version": 7,
        "exclusion": {"since": "2030-03-01", "days": 365, "count": 0, "sha256": drawv1.sha256_hex(empty)},
    }
    ann = drawv1.build_announcement(
        "objects",
        drawv1.commitment_of(SECRET),
        {"frame": frame_all},
        entropy_source="witness dice",
        strata=STRATA,
        context=context,
    )
    bundle = drawv1.make_bundle("draw-1", ann, SECRET, ENTROPY, {"frame": frame_all})
    e = replace(e, bundle=bundle, registrations=(_registration(ann),), recently_inspected=None)
    assert checks.verify(e).ok


def test_a_later_registration_of_the_same_draw_is_found():
    e = objects_evidence()
    other = _registration(b'{"algorithm":"draw-v1","commitment":"x"}', at=T0 - timedelta(hours=1))
    assert checks.verify(replace(e, registrations=(other, *e.registrations))).ok


def test_malformed_evidence_is_a_failed_check_never_a_crash():
    e = objects_evidence()
    verdict = checks.verify(with_bundle(e, lambda b: b.update(inputs={"frame": "\ud800\n"})))
    assert not verdict.ok and verdict.failed_check == "input_hashes"
    assert verdict.detail.startswith("malformed evidence: UnicodeEncodeError: ")
    verdict = checks.verify(replace(e, registry={"frame": 5}))
    assert (verdict.ok, verdict.failed_check) == (False, "registry_frame")
    assert verdict.detail == "malformed evidence: TypeError: object of type 'int' has no len()"
    assert [o.ok for o in verdict.checks] == [True] * 5 + [False, None]


def test_what_the_checks_read_when_evidence_is_missing_or_odd():
    e = objects_evidence()
    # an announcement that is not a string
    verdict = checks.verify(with_bundle(e, lambda b: b.update(announcement=5)))
    assert verdict.detail == "the bundle is not a JSON object with an announcement string"
    # the registry answered without a frame: every frozen line is foreign, named with how many more
    verdict = checks.verify(replace(e, registry={}))
    assert verdict.failed_check == "registry_frame"
    assert verdict.detail == (
        "22 line(s) of the frozen frame are not in the registry's answer as of version 7: "
        "'91411523MA0000000X\\tA', '91411523MA0000001X\\tB', '91411523MA0000002X\\tC' (and 19 more)"
    )
    # an announcement without exclusions: the frame must then be the registry's whole frame
    verdict = checks.verify(reannounce(e, lambda a: a.pop("exclusion"), redraw=True))
    assert verdict.detail == (
        "the registry's answer as of version 7 holds 2 entities the frozen frame lacks "
        "('91411523MA0000003X', '91411523MA0000010X'), which are not the None announced exclusions"
    )
    # teams: a registry answer without recusals means none
    t = teams_evidence()
    verdict = checks.verify(replace(t, registry={"pool": POOL}))
    assert verdict.detail == (
        "the frozen recusals are not the registry's answer as of version 9: missing none, "
        "not in the registry 'conflict\\tINS000\\t91411523MA0000000X'"
    )
    # four unjustified exclusions: three named, and how many more
    four = [f"91411523MA{n:07d}X" for n in (3, 10, 1, 2)]
    assert checks._first(four) == "'91411523MA0000003X', '91411523MA0000010X', '91411523MA0000001X' (and 1 more)"
    assert checks._first(four[:3]) == "'91411523MA0000003X', '91411523MA0000010X', '91411523MA0000001X'"
    assert checks._first([]) == ""
    assert checks._lines("") == [] and checks._lines("a\nb\n") == ["a", "b"]
