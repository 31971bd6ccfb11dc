"""The verifier fails closed: every check, in process, with the exact check name and message.

tests/unit/test_verify_draw.py runs tools/verify_draw.py as the public does (a subprocess);
this file calls the same code in process so that a one-token change to any check is
noticed (make mutation runs it against every mutant of the verifier path, docs/mutation.md).
"""

from __future__ import annotations

import copy
import io
import json
import sys
from pathlib import Path

import pytest

from jointcheck.draw import (
    DrawError,
    build_announcement,
    drawv1,
    execute,
    make_bundle,
    make_file,
    verify_bundle,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_draw_vectors import (
    ANNOUNCEMENT,
    COMMITMENT,
    ENTROPY,
    SECRET,
    STRATA,
    TEAM_RULES,
    vector_bundle,
    vector_frame,
    vector_teams_inputs,
)

OTHER_SECRET = bytes(range(1, 33))
WRONG_HASH = "0" * 64
OBJECTS_OK = (
    "draw-v1 objects draw vector-objects: 8 selected, 1 alternate(s) from 20 "
    "(A 1/5, B 2/5, C 3/5, D 2/5); commitment 630dcd2966c43366… matches"
)
TEAMS_OK = "draw-v1 teams draw vector-teams: 4 team(s) assigned, 4 unassigned; commitment 630dcd2966c43366… matches"
_DELETE = object()


def objects_bundle() -> dict:
    return vector_bundle()


def teams_bundle() -> dict:
    inputs = vector_teams_inputs()
    ann = build_announcement("teams", COMMITMENT, inputs, entropy_source="witness dice", team=TEAM_RULES)
    return make_bundle("vector-teams", ann, SECRET, ENTROPY, inputs)


def announce(**changes):
    """A bundle change: set (or, with _DELETE, remove) announcement fields."""

    def change(b):
        ann = json.loads(b["announcement"])
        for k, v in changes.items():
            if v is _DELETE:
                ann.pop(k, None)
            else:
                ann[k] = v
        b["announcement"] = json.dumps(ann, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    return change


def setting(*path, value=_DELETE):
    """A bundle change: set (or delete) the value at ``path``."""

    def change(b):
        target = b
        for p in path[:-1]:
            target = target[p]
        if value is _DELETE:
            del target[path[-1]]
        else:
            target[path[-1]] = value

    return change


def frame_text(text: str):
    """Replace the frame and make the announcement's hash and size agree with it."""

    def change(b):
        b["inputs"]["frame"] = text
        announce(frame_sha256=drawv1.sha256_hex(text.encode("utf-8", "surrogatepass")), frame_size=text.count("\n"))(b)

    return change


def input_text(name: str, text: str):
    """Replace a teams input file and make the announcement's hash agree with it."""

    def change(b):
        b["inputs"][name] = text
        announce(**{f"{name}_sha256": drawv1.sha256_hex(text)})(b)

    return change


def raw(text_or_bytes):
    """A bundle change: replace the whole bundle (JSON text, bytes, or any value)."""

    def change(_b):
        return text_or_bytes

    return change


def then(*changes):
    def change(b):
        for c in changes:
            out = c(b)
            if out is not None:
                return out
        return None

    return change


FRAME = vector_frame()
LINES = FRAME.splitlines(keepends=True)

# (case id, base bundle, change, expected "check: detail")
OBJECTS_CASES = [
    # bundle
    ("not utf-8", raw(b'{"format": "\xff"}'), "bundle: not valid UTF-8 (invalid start byte at byte 12)"),
    ("not json", raw("not json"), "bundle: not valid JSON: Expecting value: line 1 column 1 (char 0)"),
    ("duplicate key", raw('{"format": 1, "format": 2}'), 'bundle: not valid JSON: duplicate key "format"'),
    ("NaN", raw('{"format": NaN}'), "bundle: not valid JSON: NaN is not valid JSON"),
    ("a list", raw([]), "bundle: must be a JSON object, not list"),
    ("a json list", raw("[1]"), "bundle: must be a JSON object, not list"),
    ("missing kind", setting("kind"), "bundle: missing key(s) kind"),
    ("missing secret and result", then(setting("secret"), setting("result")), "bundle: missing key(s) secret, result"),
    ("missing announcement", setting("announcement"), "bundle: missing key(s) announcement"),
    ("missing entropy", setting("entropy"), "bundle: missing key(s) entropy"),
    ("missing inputs", setting("inputs"), "bundle: missing key(s) inputs"),
    # format
    ("format missing", setting("format"), 'format: missing (expected "draw-bundle/1")'),
    (
        "format missing, others too",
        then(setting("format"), setting("kind")),
        'format: missing (expected "draw-bundle/1")',
    ),
    ("format 2", setting("format", value="draw-bundle/2"), "format: expected 'draw-bundle/1', got \"draw-bundle/2\""),
    # kind
    ("kind not a string", setting("kind", value=1), "kind: must be one of objects, experts, teams, got 1"),
    ("kind unknown", setting("kind", value="lottery"), 'kind: must be one of objects, experts, teams, got "lottery"'),
    (
        "kind differs",
        setting("kind", value="experts"),
        "kind: bundle kind 'experts' differs from the announcement's kind 'objects'",
    ),
    # announcement
    ("announcement a number", setting("announcement", value=5), "announcement: must be a string, not int"),
    (
        "announcement not json",
        setting("announcement", value="{"),
        "announcement: is not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
    ),
    ("announcement a list", setting("announcement", value="[]"), "announcement: must be a JSON object, not list"),
    (
        "announcement lone surrogate",
        setting("announcement", value='{"a":"\ud800"}'),
        "announcement: is not valid Unicode (lone surrogate)",
    ),
    ("algorithm", announce(algorithm="draw-v2"), "announcement: algorithm must be 'draw-v1', got \"draw-v2\""),
    ("algorithm missing", announce(algorithm=_DELETE), "announcement: algorithm must be 'draw-v1', got null"),
    ("announcement kind", announce(kind=7), "announcement: kind must be one of objects, experts, teams, got 7"),
    (
        "announcement kind unknown",
        announce(kind="x"),
        'announcement: kind must be one of objects, experts, teams, got "x"',
    ),
    (
        "commitment upper case",
        announce(commitment=COMMITMENT.upper()),
        f'announcement: commitment must be 64 lowercase hex characters, got "{COMMITMENT.upper()}"',
    ),
    (
        "commitment missing",
        announce(commitment=_DELETE),
        "announcement: commitment must be 64 lowercase hex characters, got null",
    ),
    (
        "entropy_source 42",
        announce(entropy_source=42),
        "announcement: entropy_source must be a non-empty string, got 42",
    ),
    (
        "entropy_source empty",
        announce(entropy_source=""),
        'announcement: entropy_source must be a non-empty string, got ""',
    ),
    (
        "entropy_source null",
        announce(entropy_source=None),
        "announcement: entropy_source must be a non-empty string, got null",
    ),
    (
        "entropy_source missing",
        announce(entropy_source=_DELETE),
        "announcement: entropy_source must be a non-empty string, got null",
    ),
    (
        "entropy_source a list",
        announce(entropy_source=["dice"]),
        "announcement: entropy_source must be a non-empty string, got list",
    ),
    # secret and commitment
    (
        "secret a number",
        setting("secret", value=123),
        "secret: must be a string of 64 lowercase hex characters, not 123",
    ),
    (
        "secret short",
        setting("secret", value="00" * 31),
        'secret: must be 64 lowercase hex characters, got "' + "00" * 31 + '"',
    ),
    (
        "secret upper case",
        setting("secret", value=SECRET.hex().upper()),
        f'secret: must be 64 lowercase hex characters, got "{SECRET.hex().upper()}"',
    ),
    (
        "secret does not match",
        setting("secret", value=OTHER_SECRET.hex()),
        f"commitment: H(secret) = {drawv1.commitment_of(OTHER_SECRET)}, the announcement commits to {COMMITMENT}",
    ),
    # entropy
    ("entropy a number", setting("entropy", value=3), "entropy: must be a string, not int"),
    ("entropy lone surrogate", setting("entropy", value="\ud800"), "entropy: is not valid Unicode (lone surrogate)"),
    (
        "entropy empty but a source is named",
        setting("entropy", value=""),
        'entropy: empty, but the announcement names the source "witness dice"',
    ),
    (
        "entropy after 'none'",
        announce(entropy_source="none"),
        "entropy: the announcement says entropy_source 'none' but entropy is not empty",
    ),
    # inputs
    ("inputs a string", setting("inputs", value="x"), "inputs: must be an object, not str"),
    ("inputs missing frame", setting("inputs", "frame"), "inputs: missing input(s) frame"),
    ("inputs extra", setting("inputs", "pool", value=""), 'inputs: unexpected input(s) "pool" for a objects draw'),
    (
        "inputs extra two",
        then(setting("inputs", "pool", value=""), setting("inputs", "a", value="")),
        'inputs: unexpected input(s) "a", "pool" for a objects draw',
    ),
    ("frame a number", setting("inputs", "frame", value=5), "frame: must be a string, not int"),
    (
        "frame lone surrogate",
        setting("inputs", "frame", value="x\ud800\tA\n"),
        "frame: not valid UTF-8 text (surrogates not allowed at offset 1)",
    ),
    (
        "frame without final LF",
        setting("inputs", "frame", value=FRAME[:-1]),
        "frame: does not end with LF (every line, including the last, must end with LF)",
    ),
    (
        "frame with CR",
        setting("inputs", "frame", value=LINES[0] + LINES[1].replace("\n", "\r\n") + "".join(LINES[2:])),
        "frame: line 2 contains a CR character",
    ),
    (
        "frame empty line",
        setting("inputs", "frame", value=LINES[0] + "\n" + "".join(LINES[1:])),
        "frame: line 2 is empty",
    ),
    (
        "frame duplicate line",
        setting("inputs", "frame", value=LINES[0] + "".join(LINES)),
        "frame: line 2 duplicates line 1",
    ),
    (
        "frame unsorted",
        setting("inputs", "frame", value=LINES[1] + LINES[0] + "".join(LINES[2:])),
        "frame: line 2 is not in ascending byte order (lines must be sorted)",
    ),
    (
        "frame unsorted at the end",
        setting("inputs", "frame", value="".join(LINES[:-2]) + LINES[-1] + LINES[-2]),
        "frame: line 20 is not in ascending byte order (lines must be sorted)",
    ),
    (
        "frame CR after an empty first line",
        setting("inputs", "frame", value="\n" + LINES[0].replace("\n", "\r\n")),
        "frame: line 2 contains a CR character",
    ),
    # structure is reported before the hash: these frames also hash wrongly
    (
        "frame empty id after a control-character id",
        setting("inputs", "frame", value="\x01\tA\n\tA\n" + FRAME),
        "frame: line 2 has an empty field",
    ),
    (
        "frame empty stratum mid-file",
        setting("inputs", "frame", value=LINES[0] + LINES[1].split("\t")[0] + "\t\n" + "".join(LINES[2:])),
        "frame: line 2 has an empty field",
    ),
    (
        "frame three fields",
        frame_text(LINES[0][:-1] + "\tX\n" + "".join(LINES[1:])),
        "frame: line 1 has 3 field(s), expected 2 (id<TAB>stratum)",
    ),
    ("frame empty id", frame_text("\tA\n" + FRAME), "frame: line 1 has an empty field"),
    (
        "frame empty stratum",
        frame_text(LINES[0].split("\t")[0] + "\t\n" + "".join(LINES[1:])),
        "frame: line 1 has an empty field",
    ),
    (
        "frame stratum without a rule",
        frame_text(FRAME.replace("\tD\n", "\tE\n", 1)),
        'strata: stratum "E" (frame line 4) has no rule',
    ),
    (
        "frame duplicate id",
        frame_text(LINES[0] + LINES[0].replace("\tA", "\tB") + "".join(LINES[1:])),
        f'frame: id "{LINES[0].split(chr(9))[0]}" appears on more than one line',
    ),
    (
        "frame_sha256 mismatch",
        setting("inputs", "frame", value="".join(LINES[1:])),
        f"frame_sha256: frame hashes to {drawv1.sha256_hex(''.join(LINES[1:]))}, "
        "the announcement says b5fb21efae7a1a94a5d246154b31021a448a5f3e767f334cb43c7fbfbcbda7df",
    ),
    (
        "frame_sha256 malformed",
        announce(frame_sha256="abc"),
        'frame_sha256: the announcement\'s frame_sha256 must be 64 lowercase hex characters, got "abc"',
    ),
    (
        "frame_sha256 missing",
        announce(frame_sha256=_DELETE),
        "frame_sha256: the announcement's frame_sha256 must be 64 lowercase hex characters, got null",
    ),
    (
        "frame_size float",
        announce(frame_size=20.0),
        "frame_size: the announcement's frame_size must be an integer, got 20.0",
    ),
    (
        "frame_size true",
        announce(frame_size=True),
        "frame_size: the announcement's frame_size must be an integer, got true",
    ),
    (
        "frame_size string",
        announce(frame_size="20"),
        'frame_size: the announcement\'s frame_size must be an integer, got "20"',
    ),
    (
        "frame_size missing",
        announce(frame_size=_DELETE),
        "frame_size: the announcement's frame_size must be an integer, got null",
    ),
    ("frame_size wrong", announce(frame_size=19), "frame_size: the announcement says 19 lines, the frame has 20"),
    # strata
    ("strata missing", announce(strata=_DELETE), "strata: the announcement has no strata rules"),
    ("strata a list", announce(strata=[]), "strata: must be an object mapping stratum to rule, not list"),
    (
        "strata empty name",
        announce(strata={**STRATA, "": {"count": 1}}),
        'strata: stratum name must be a non-empty string, got ""',
    ),
    (
        "strata name with TAB",
        announce(strata={**STRATA, "A\tB": {"count": 1}}),
        'strata: stratum name "A\\tB" contains TAB, LF or CR',
    ),
    ("rule not an object", announce(strata={**STRATA, "A": 1}), 'strata: stratum "A": must be an object, not int'),
    (
        "rule unknown key",
        announce(strata={**STRATA, "A": {"ratio": "0.2", "weight": 2, "bias": 1}}),
        'strata: stratum "A": unknown key(s) "bias", "weight" (allowed: alternates, count, max, min, ratio)',
    ),
    (
        "rule ratio and count",
        announce(strata={**STRATA, "A": {"ratio": "0.2", "count": 1}}),
        "strata: stratum \"A\": exactly one of 'ratio' and 'count' is required",
    ),
    (
        "rule neither",
        announce(strata={**STRATA, "A": {}}),
        "strata: stratum \"A\": exactly one of 'ratio' and 'count' is required",
    ),
    (
        "ratio a number",
        announce(strata={**STRATA, "A": {"ratio": 0}}),
        'strata: stratum "A": ratio must be a decimal string such as "0.05" (at most 40 characters), got 0',
    ),
    (
        "ratio too long",
        announce(strata={**STRATA, "A": {"ratio": "0." + "1" * 39}}),
        'strata: stratum "A": ratio must be a decimal string such as "0.05" (at most 40 characters), got "0.'
        + "1" * 39
        + '"',
    ),
    (
        "ratio above one",
        announce(strata={**STRATA, "A": {"ratio": "1.5"}}),
        'strata: stratum "A": ratio must be between 0 and 1, got "1.5"',
    ),
    (
        "count negative",
        announce(strata={**STRATA, "A": {"count": -1}}),
        'strata: stratum "A": count must be an integer >= 0, got -1',
    ),
    (
        "count true",
        announce(strata={**STRATA, "A": {"count": True}}),
        'strata: stratum "A": count must be an integer >= 0, got true',
    ),
    (
        "min negative",
        announce(strata={**STRATA, "A": {"count": 1, "min": -1}}),
        'strata: stratum "A": min must be an integer >= 0, got -1',
    ),
    (
        "min a string",
        announce(strata={**STRATA, "A": {"count": 1, "min": "1"}}),
        'strata: stratum "A": min must be an integer >= 0, got "1"',
    ),
    (
        "max negative",
        announce(strata={**STRATA, "A": {"count": 1, "max": -1}}),
        'strata: stratum "A": max must be an integer >= 0 or null, got -1',
    ),
    (
        "max a string",
        announce(strata={**STRATA, "A": {"count": 1, "max": "2"}}),
        'strata: stratum "A": max must be an integer >= 0 or null, got "2"',
    ),
    (
        "min above max",
        announce(strata={**STRATA, "A": {"count": 1, "min": 3, "max": 2}}),
        'strata: stratum "A": min (3) is greater than max (2)',
    ),
    (
        "alternates negative",
        announce(strata={**STRATA, "A": {"count": 1, "alternates": -1}}),
        'strata: stratum "A": alternates must be an integer >= 0, got -1',
    ),
    (
        "alternates null",
        announce(strata={**STRATA, "A": {"count": 1, "alternates": None}}),
        'strata: stratum "A": alternates must be an integer >= 0, got null',
    ),
    # result (a malformed or tampered result never verifies)
    ("result empty", setting("result", value={}), "result: selected is missing"),
    ("result a list", setting("result", value=[]), "result: result should be an object, found list"),
    ("result null", setting("result", value=None), "result: result should be an object, found null"),
    ("selected missing", setting("result", "selected"), "result: selected is missing"),
    ("alternates missing", setting("result", "alternates"), "result: alternates is missing"),
    ("sizes missing", setting("result", "sizes"), "result: sizes is missing"),
    (
        "selected a string",
        setting("result", "selected", value="91411523MA0000004J"),
        'result: selected should be a list, found "91411523MA0000004J"',
    ),
    (
        "selected entry a string",
        setting("result", "selected", 0, value="x"),
        'result: selected[0] should be an object, found "x"',
    ),
    ("ticket missing", setting("result", "selected", 0, "ticket"), "result: selected[0].ticket is missing"),
    ("id missing", setting("result", "selected", 3, "id"), "result: selected[3].id is missing"),
    (
        "ticket altered",
        setting("result", "selected", 0, "ticket", value="0" * 64),
        'result: selected[0].ticket is "'
        + "0" * 64
        + '", recomputation gives "105aee53c3d81e0b74f736e2a446e0452fc45ae83696281f44490bec87eac7f9"',
    ),
    ("extra key", setting("result", "selected", 1, "note", value="x"), 'result: selected[1] has unexpected key "note"'),
    ("extra result key", setting("result", "comment", value="x"), 'result: result has unexpected key "comment"'),
    (
        "selected truncated",
        lambda b: b["result"]["selected"].pop() and None,
        "result: selected has 7 entries, recomputation gives 8",
    ),
    (
        "alternate added",
        lambda b: b["result"]["alternates"].append(copy.deepcopy(b["result"]["selected"][0])),
        "result: alternates has 2 entries, recomputation gives 1",
    ),
    (
        "size as a float",
        setting("result", "sizes", "A", "sample", value=1.0),
        "result: sizes.A.sample is 1.0, recomputation gives 1",
    ),
    (
        "size as true",
        setting("result", "sizes", "A", "sample", value=True),
        "result: sizes.A.sample is true, recomputation gives 1",
    ),
    (
        "size wrong",
        setting("result", "sizes", "D", "population", value=4),
        "result: sizes.D.population is 4, recomputation gives 5",
    ),
]

TEAMS_CASES = [
    ("team missing", announce(team=_DELETE), "team: the announcement has no team rules"),
    ("team a list", announce(team=[]), "team: must be an object, not list"),
    ("team keys missing", announce(team={"team_size": 3}), "team: missing key(s) max_load, required_departments"),
    ("team unknown key", announce(team={**TEAM_RULES, "lead": "SCJG"}), 'team: unknown key(s) "lead"'),
    (
        "team unknown keys",
        announce(team={**TEAM_RULES, "lead": "SCJG", "chief": 1}),
        'team: unknown key(s) "chief", "lead"',
    ),
    (
        "required not a list",
        announce(team={**TEAM_RULES, "required_departments": "SCJG"}),
        "team: required_departments must be a non-empty list of department codes",
    ),
    (
        "required empty",
        announce(team={**TEAM_RULES, "required_departments": []}),
        "team: required_departments must be a non-empty list of department codes",
    ),
    (
        "required twice",
        announce(team={**TEAM_RULES, "required_departments": ["SCJG", "SCJG"]}),
        "team: required_departments lists a department twice",
    ),
    (
        "required a number",
        announce(team={**TEAM_RULES, "required_departments": [5]}),
        "team: department code must be a non-empty string, got 5",
    ),
    (
        "team_size 1",
        announce(team={**TEAM_RULES, "team_size": 1}),
        "team: team_size must be an integer >= 2 and >= the number of required departments, got 1",
    ),
    (
        "team_size below required",
        announce(team={**TEAM_RULES, "required_departments": ["SCJG", "YJGL", "XFJY"], "team_size": 2}),
        "team: team_size must be an integer >= 2 and >= the number of required departments, got 2",
    ),
    (
        "team_size a float",
        announce(team={**TEAM_RULES, "team_size": 3.0}),
        "team: team_size must be an integer >= 2 and >= the number of required departments, got 3.0",
    ),
    ("max_load 0", announce(team={**TEAM_RULES, "max_load": 0}), "team: max_load must be an integer >= 1, got 0"),
    (
        "max_load true",
        announce(team={**TEAM_RULES, "max_load": True}),
        "team: max_load must be an integer >= 1, got true",
    ),
    ("inputs missing pool", setting("inputs", "pool"), "inputs: missing input(s) pool"),
    (
        "inputs missing two",
        then(setting("inputs", "pool"), setting("inputs", "entities")),
        "inputs: missing input(s) entities, pool",
    ),
    ("inputs extra", setting("inputs", "frame", value=""), 'inputs: unexpected input(s) "frame" for a teams draw'),
    ("pool one field", input_text("pool", "INS000\n"), "pool: line 1 has 1 field(s), expected 2"),
    (
        "pool one field, hash wrong too",
        setting("inputs", "pool", value="INS000\n"),
        "pool: line 1 has 1 field(s), expected 2",
    ),
    ("constraints empty field", input_text("constraints", "conflict\t\tX\n"), "constraints: line 1 has an empty field"),
    ("entities two fields", input_text("entities", "a\tb\n"), "entities: line 1 has 2 field(s), expected 1"),
    (
        "pool_sha256 mismatch",
        setting("inputs", "pool", value="INS000\tSCJG\n"),
        "pool_sha256: pool hashes to "
        + drawv1.sha256_hex("INS000\tSCJG\n")
        + ", the announcement says "
        + drawv1.sha256_hex(vector_teams_inputs()["pool"]),
    ),
    (
        "constraints tampered",
        setting("inputs", "constraints", value=""),
        "constraints_sha256: constraints hashes to "
        + drawv1.sha256_hex("")
        + ", the announcement says "
        + drawv1.sha256_hex(vector_teams_inputs()["constraints"]),
    ),
    ("teams result empty", setting("result", value={}), "result: teams is missing"),
    ("unassigned missing", setting("result", "unassigned"), "result: unassigned is missing"),
    ("teams a string", setting("result", "teams", value="all"), 'result: teams should be a list, found "all"'),
    (
        "inspectors reordered",
        lambda b: b["result"]["teams"][0]["inspectors"].reverse(),
        'result: teams[0].inspectors[0] is "INS001", recomputation gives "INS006"',
    ),
    (
        "reason altered",
        setting("result", "unassigned", 0, "reason", value="x"),
        'result: unassigned[0].reason is "x", recomputation gives "no eligible inspector from department SCJG"',
    ),
]


def _apply(base, change):
    b = copy.deepcopy(base)
    out = change(b)
    return b if out is None else out


_OBJECTS = objects_bundle()
_TEAMS = teams_bundle()


@pytest.mark.parametrize(("change", "expected"), [c[1:] for c in OBJECTS_CASES], ids=[c[0] for c in OBJECTS_CASES])
def test_objects_bundle_check_fails_closed(change, expected):
    ok, message = verify_bundle(_apply(_OBJECTS, change))
    assert (ok, message) == (False, expected)


@pytest.mark.parametrize(("change", "expected"), [c[1:] for c in TEAMS_CASES], ids=[c[0] for c in TEAMS_CASES])
def test_teams_bundle_check_fails_closed(change, expected):
    ok, message = verify_bundle(_apply(_TEAMS, change))
    assert (ok, message) == (False, expected)


def test_untouched_bundles_verify_with_their_summary():
    assert verify_bundle(copy.deepcopy(_OBJECTS)) == (True, OBJECTS_OK)
    assert verify_bundle(json.dumps(_OBJECTS)) == (True, OBJECTS_OK)
    assert verify_bundle(json.dumps(_OBJECTS).encode()) == (True, OBJECTS_OK)
    assert verify_bundle(bytearray(json.dumps(_OBJECTS).encode())) == (True, OBJECTS_OK)
    assert verify_bundle(copy.deepcopy(_TEAMS)) == (True, TEAMS_OK)
    no_id = copy.deepcopy(_OBJECTS)
    no_id["draw_id"] = ""
    assert verify_bundle(no_id) == (True, OBJECTS_OK.replace(" vector-objects", ""))
    no_id["draw_id"] = 7
    assert verify_bundle(no_id) == (True, OBJECTS_OK.replace(" vector-objects", ""))


def test_entropy_source_none_with_empty_entropy_verifies():
    frame = vector_frame()
    ann = build_announcement("objects", COMMITMENT, {"frame": frame}, entropy_source="none", strata=STRATA)
    bundle = make_bundle("internal", ann, SECRET, "", {"frame": frame})
    ok, message = verify_bundle(bundle)
    assert ok, message
    bundle["entropy"] = "a re-roll"
    assert verify_bundle(bundle) == (
        False,
        "entropy: the announcement says entropy_source 'none' but entropy is not empty",
    )


def test_experts_kind_verifies():
    frame = make_file([("E%02d" % n, ["危险化学品", "消防"][n % 2]) for n in range(10)])
    strata = {"危险化学品": {"count": 2}, "消防": {"count": 1, "alternates": 1}}
    ann = build_announcement("experts", COMMITMENT, {"frame": frame}, entropy_source="dice", strata=strata)
    bundle = make_bundle("x", ann, SECRET, "4", {"frame": frame})
    ok, message = verify_bundle(bundle)
    assert ok, message
    assert message == (
        "draw-v1 experts draw x: 3 selected, 1 alternate(s) from 10 (危险化学品 2/5, 消防 1/5); "
        "commitment 630dcd2966c43366… matches"
    )


def test_internal_errors_are_failures_never_success(monkeypatch):
    def boom(bundle, workers):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(drawv1, "_verify", boom)
    assert verify_bundle({}) == (False, "internal: unexpected RuntimeError: disk on fire")

    def deep(bundle, workers):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(drawv1, "_verify", deep)
    assert verify_bundle({}) == (False, "bundle: nested too deeply")


def test_deeply_nested_json_is_reported():
    assert verify_bundle(b"[" * 100_000 + b"]" * 100_000)[0] is False


def test_in_process_bytes_announcement_and_secret():
    b = copy.deepcopy(_OBJECTS)
    b["announcement"] = ANNOUNCEMENT.decode()
    assert verify_bundle(b) == (True, OBJECTS_OK)
    # bytes are not JSON: a bundle's secret is always its hex string
    b["secret"] = SECRET
    assert verify_bundle(b) == (False, "secret: must be a string of 64 lowercase hex characters, not bytes")


# --------------------------------------------------------------------------- execute (the service path)


def test_execute_refuses_a_secret_that_does_not_match_the_commitment():
    with pytest.raises(DrawError) as info:
        execute(ANNOUNCEMENT, OTHER_SECRET, ENTROPY, {"frame": vector_frame()})
    assert (info.value.check, info.value.detail) == (
        "commitment",
        "H(secret) does not match the announcement's commitment",
    )
    with pytest.raises(DrawError) as info:
        execute(ANNOUNCEMENT, OTHER_SECRET.hex(), ENTROPY, {"frame": vector_frame()})
    assert info.value.check == "commitment"
    with pytest.raises(DrawError) as info:
        execute(ANNOUNCEMENT, "nothex", ENTROPY, {"frame": vector_frame()})
    assert info.value.check == "secret"


def test_execute_refuses_entropy_that_contradicts_the_announcement():
    with pytest.raises(DrawError) as info:
        execute(ANNOUNCEMENT, SECRET, "", {"frame": vector_frame()})
    assert (info.value.check, info.value.detail) == (
        "entropy",
        'empty, but the announcement names the source "witness dice"',
    )
    none = build_announcement("objects", COMMITMENT, {"frame": vector_frame()}, entropy_source="none", strata=STRATA)
    with pytest.raises(DrawError) as info:
        execute(none, SECRET, "dice chosen after the commitment", {"frame": vector_frame()})
    assert info.value.check == "entropy"
    assert execute(none, SECRET, "", {"frame": vector_frame()})["sizes"]["C"] == {"population": 5, "sample": 3}


def test_execute_checks_inputs_against_the_announcement():
    with pytest.raises(DrawError) as info:
        execute(ANNOUNCEMENT, SECRET, ENTROPY, {"frame": "".join(LINES[1:])})
    assert info.value.check == "frame_sha256"
    result = execute(ANNOUNCEMENT.decode(), SECRET.hex(), ENTROPY, {"frame": vector_frame()})
    assert result == vector_bundle()["result"]


def test_announcement_keeps_its_context():
    inputs = {"frame": vector_frame()}
    ann = build_announcement(
        "objects",
        COMMITMENT,
        inputs,
        entropy_source="witness dice",
        strata=STRATA,
        context={"task_id": "T-2027-001", "registry_version": 42, "filter": {"county": "411523"}},
    )
    parsed = json.loads(ann)
    assert parsed["task_id"] == "T-2027-001" and parsed["registry_version"] == 42
    assert parsed["filter"] == {"county": "411523"}
    assert ann == drawv1.canonical_json(parsed)
    # context changes the announcement, hence the keys, hence every ticket
    assert execute(ann, SECRET, ENTROPY, inputs) != execute(ANNOUNCEMENT, SECRET, ENTROPY, inputs)
    ok, message = verify_bundle(make_bundle("ctx", ann, SECRET, ENTROPY, inputs))
    assert ok, message
    for clash in ("kind", "strata", "frame_size", "commitment", "team"):
        with pytest.raises(DrawError) as info:
            build_announcement("objects", COMMITMENT, inputs, entropy_source="x", strata=STRATA, context={clash: 1})
        assert (info.value.check, info.value.detail) == (
            "announcement",
            f"context key {clash!r} clashes with a draw-v1 field",
        )


# --------------------------------------------------------------------------- the command line, in process


def _write(tmp_path, data) -> str:
    path = tmp_path / "bundle.json"
    path.write_bytes(data if isinstance(data, bytes) else json.dumps(data).encode())
    return str(path)


def test_cli_ok_and_failed(tmp_path, capsys):
    assert drawv1.main([_write(tmp_path, _OBJECTS)]) == 0
    assert capsys.readouterr().out == f"OK\n{OBJECTS_OK}\n"
    assert drawv1.main(["-j", "2", _write(tmp_path, _OBJECTS)]) == 0
    assert capsys.readouterr().out == f"OK\n{OBJECTS_OK}\n"
    bad = copy.deepcopy(_OBJECTS)
    bad["result"] = {}
    assert drawv1.main([_write(tmp_path, bad)]) == 1
    assert capsys.readouterr().out == "FAILED: result: selected is missing\n"


def test_cli_reads_stdin(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(json.dumps(_OBJECTS).encode())))
    assert drawv1.main(["-"]) == 0
    assert capsys.readouterr().out.startswith("OK\n")


def test_cli_usage(tmp_path, capsys, monkeypatch):
    assert drawv1.main(["-h"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: verify_draw.py [-j WORKERS] BUNDLE.json   (use - to read stdin)\nVerifies")
    assert drawv1.main(["--help"]) == 0 and "usage:" in capsys.readouterr().out
    for args in ([], ["a", "b"], ["-j", "0", "x"], ["-j", "two", "x"], ["-x", "2", "x"]):
        assert drawv1.main(args) == 2, args
        captured = capsys.readouterr()
        assert captured.err.startswith("usage: ") and captured.out == ""
    monkeypatch.setattr(sys, "argv", ["verify_draw.py", _write(tmp_path, _TEAMS)])
    assert drawv1.main() == 0
    assert capsys.readouterr().out == f"OK\n{TEAMS_OK}\n"


def test_cli_unreadable_file(tmp_path, capsys):
    missing = tmp_path / "nope.json"
    assert drawv1.main([str(missing)]) == 1
    assert capsys.readouterr().out == f"FAILED: bundle: cannot read {missing}: No such file or directory\n"


def test_cli_escapes_what_the_terminal_cannot_show(tmp_path, monkeypatch):
    bad = copy.deepcopy(_OBJECTS)
    bad["kind"] = "抽查"
    out = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(out, encoding="ascii", errors="strict"))
    assert drawv1.main([_write(tmp_path, bad)]) == 1
    sys.stdout.flush()
    assert out.getvalue() == (b'FAILED: kind: must be one of objects, experts, teams, got "\\u62bd\\u67e5"\n')


def test_team_rule_boundaries_are_accepted():
    drawv1.validate_team_rules({"required_departments": ["SCJG"], "team_size": 2, "max_load": 1})
    drawv1.validate_team_rules({"required_departments": ["SCJG", "YJGL", "XFJY"], "team_size": 3, "max_load": 1})


def test_execute_refuses_an_announcement_that_is_not_utf8():
    with pytest.raises(DrawError) as info:
        execute(b'{"a":"\xff"}', SECRET, ENTROPY, {"frame": vector_frame()})
    assert (info.value.check, info.value.detail) == ("announcement", "is not valid UTF-8")


def test_cli_honours_the_worker_count(tmp_path, capsys, monkeypatch):
    seen = []
    real = drawv1._draw_objects

    def spy(k_sample, b, lines, rules, workers=1):
        seen.append(workers)
        return real(k_sample, b, lines, rules, workers)

    monkeypatch.setattr(drawv1, "_draw_objects", spy)
    path = _write(tmp_path, _OBJECTS)
    for args, workers in ((["-j", "3"], 3), (["--workers", "2"], 2), (["-j", "1"], 1), ([], 1)):
        assert drawv1.main([*args, path]) == 0, args
        assert capsys.readouterr().out == f"OK\n{OBJECTS_OK}\n"
        assert seen.pop() == workers, args


def test_cli_usage_text(capsys):
    assert drawv1.main(["-h"]) == 0
    assert capsys.readouterr().out == (
        "usage: verify_draw.py [-j WORKERS] BUNDLE.json   (use - to read stdin)\n"
        "Verifies a draw-v1 bundle: prints OK and a summary (exit 0), or FAILED: <check>: <detail> (exit 1).\n"
    )


def test_cli_reports_a_file_that_is_not_utf8(tmp_path, capsys):
    assert drawv1.main([_write(tmp_path, b'{"format": "\xff"}')]) == 1
    assert capsys.readouterr().out == "FAILED: bundle: not valid UTF-8 (invalid start byte at byte 12)\n"


# --------------------------------------------------------------------------- how untrusted values are shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("abc", '"abc"'),
        ("抽查", '"抽查"'),  # printable: as is
        ("a\u2028b", '"a\\u2028b"'),  # a line separator would break the one-line report: escaped
        ("\ud800", '"\\ud800"'),  # a lone surrogate cannot be printed: escaped
        ("x" * 88, '"' + "x" * 88 + '"'),  # 90 characters: whole
        ("x" * 89, '"' + "x" * 86 + "..."),  # 91: cut to 87 and marked
        ("x" * 10_000, '"' + "x" * 86 + "..."),
        ("\u2028" * 30, '"' + "\\u2028" * 14 + "\\u" + "..."),
        (10**30, "1" + "0" * 30),
        (-(10**30), "-1" + "0" * 30),
        (10**30 + 1, "a very large integer"),
        (-(10**30) - 1, "a very large integer"),
        (301, "301"),
        (True, "true"),
        (None, "null"),
        (20.0, "20.0"),
        ([1], "list"),
        ({"a": 1}, "dict"),
        (b"x", "bytes"),
    ],
)
def test_untrusted_values_are_shown_short_and_printable(value, shown):
    assert drawv1._show(value) == shown


def test_rule_boundaries_are_accepted():
    for rule in (
        {"count": 0},
        {"count": 0, "max": 0},
        {"ratio": "0", "min": 2, "max": 2},
        {"ratio": "1", "alternates": 0},
        {"ratio": "0." + "1" * 38},
        {"count": 1, "min": 0, "max": None},
    ):
        drawv1.validate_rule(rule)
    with pytest.raises(DrawError) as info:
        drawv1.validate_rule({})
    assert str(info.value) == "strata: rule: exactly one of 'ratio' and 'count' is required"


def test_malformed_bytes_and_names_are_reported_with_their_check():
    k = bytes(32)
    with pytest.raises(DrawError) as info:
        drawv1.draw_objects(k, b"x\tA\n\xff\tA\n", {"A": {"count": 1}})
    assert (info.value.check, info.value.detail) == ("frame", "not valid UTF-8 (invalid start byte at byte 4)")
    with pytest.raises(DrawError) as info:
        drawv1.draw_objects(k, b"a\tA\nb\tA\r\nc\tA\r\n", {"A": {"count": 1}})
    assert (info.value.check, info.value.detail) == ("frame", "line 2 contains a CR character")
    with pytest.raises(DrawError) as info:  # an id may hold a space; the stratum is what follows the TAB
        drawv1.draw_objects(k, b"a b\tE\n", {"A": {"count": 1}})
    assert (info.value.check, info.value.detail) == ("strata", 'stratum "E" (frame line 1) has no rule')
    with pytest.raises(DrawError) as info:
        drawv1.validate_strata({"\ud800": {"count": 1}})
    assert (info.value.check, info.value.detail) == ("strata", 'stratum name "\\ud800" is not valid Unicode')


def test_in_process_verification_uses_one_process_by_default(monkeypatch):
    seen = []
    real = drawv1._draw_objects

    def spy(k_sample, b, lines, rules, workers=1):
        seen.append(workers)
        return real(k_sample, b, lines, rules, workers)

    monkeypatch.setattr(drawv1, "_draw_objects", spy)
    assert verify_bundle(copy.deepcopy(_OBJECTS)) == (True, OBJECTS_OK)
    assert verify_bundle(copy.deepcopy(_OBJECTS), workers=4) == (True, OBJECTS_OK)
    assert seen == [1, 4]
