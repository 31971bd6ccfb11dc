"""draw-v1 binding test vectors (docs/draw-spec.md, "Test vectors (binding)")."""

from __future__ import annotations

import hashlib

import pytest

from jointcheck.draw import (
    assign_teams,
    build_announcement,
    commitment_of,
    derive_keys,
    draw_objects,
    make_bundle,
    make_file,
    sha256_hex,
    ticket,
    verify_bundle,
)

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def make(prefix17: str) -> str:
    """USCC with its GB 32100 check character."""
    total = sum(ALPHABET.index(c) * w for c, w in zip(prefix17, WEIGHTS))
    return prefix17 + ALPHABET[(31 - total % 31) % 31]


SECRET = bytes.fromhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
ENTROPY = "witness dice: 3 1 4 1 5 9 2 6"
COMMITMENT = "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd"
FRAME_SHA256 = "b5fb21efae7a1a94a5d246154b31021a448a5f3e767f334cb43c7fbfbcbda7df"
ANNOUNCEMENT = (
    b'{"algorithm":"draw-v1","commitment":"630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd",'
    b'"entropy_source":"witness dice","frame_sha256":"b5fb21efae7a1a94a5d246154b31021a448a5f3e767f334cb43c7fbfbcbda7df",'
    b'"frame_size":20,"kind":"objects","strata":{"A":{"ratio":"0.2"},"B":{"min":2,"ratio":"0.2"},'
    b'"C":{"count":3},"D":{"alternates":1,"max":2,"ratio":"1"}}}'
)
H_ANNOUNCEMENT = "dd269c572b8ddb5322cc06c253c8887f70202433f8190e3f7e08dce6297b3c78"
K_SAMPLE = "5c0ea8e0ade6ddaa4451eb4de962828496da2fd81a8add05ed94ee1ca4c2ef60"
K_ASSIGN = "67e1b20a19bfddcf187d51fb8a102ea2af49abdf636397ec45da0ec214c5d94f"
STRATA = {
    "A": {"ratio": "0.2"},
    "B": {"min": 2, "ratio": "0.2"},
    "C": {"count": 3},
    "D": {"alternates": 1, "max": 2, "ratio": "1"},
}
SIZES = {
    "A": {"population": 5, "sample": 1},
    "B": {"population": 5, "sample": 2},
    "C": {"population": 5, "sample": 3},
    "D": {"population": 5, "sample": 2},
}
SELECTED = [
    ("91411523MA0000004J", "A", "105aee53c3d81e0b74f736e2a446e0452fc45ae83696281f44490bec87eac7f9"),
    ("91411523MA0000006Q", "C", "16cc9eacfd2c7c31b20a829f0702b9d6e1cea08565ec853154fb61eb59df800c"),
    ("91411523MA0000005M", "B", "372466890b6a3f605aa6fcaa46caf9c2b1b457e79072e6438b740c9766be7c92"),
    ("91411523MA0000015N", "D", "386d2842e2c2e9d4fae2a5611bbbc31017c4cf70b6bd9c75551e6fa8b7225038"),
    ("91411523MA0000013G", "B", "6f182207ba5f28eb823816aae64933ac946172f7876d979f15bb44b43a5c1ae5"),
    ("91411523MA0000011A", "D", "7aeb072fbbce15fe0f0643588dfac55c753bfd2589bc38e436d69ef48c6bf283"),
    ("91411523MA00000180", "C", "90702f15490c2c229cb95b0b5f1c8f56dac3054f7600d39831b042e75f156ee2"),
    ("91411523MA0000014K", "C", "a0e857b9363c27e0d0f76cd58ce02a44c9e453b12fd71346ee8f6a21ab33741a"),
]
ALTERNATE = ("91411523MA0000007U", "D", "b4f2e3e7c28ec34a1caaa183b9ed4ca5d47062becac0c6f2e5dac400fd01ee94")
TEAMS = [
    ("91411523MA0000004J", ["INS006", "INS004", "INS001"]),
    ("91411523MA0000006Q", ["INS006", "INS001", "INS000"]),
    ("91411523MA0000013G", ["INS000", "INS007", "INS003"]),
    ("91411523MA0000015N", ["INS003", "INS004", "INS007"]),
]
UNASSIGNED = ["91411523MA0000005M", "91411523MA0000011A", "91411523MA0000014K", "91411523MA00000180"]
TEAM_RULES = {"required_departments": ["SCJG", "YJGL"], "team_size": 3, "max_load": 2}


def vector_frame() -> str:
    return make_file([(make("91411523MA%07d" % n), "ABCD"[n % 4]) for n in range(20)])


def vector_teams_inputs() -> dict[str, str]:
    return {
        "entities": make_file([row[0] for row in SELECTED]),
        "pool": make_file([("INS%03d" % n, ["SCJG", "YJGL", "XFJY"][n % 3]) for n in range(9)]),
        "constraints": make_file(
            [
                ("conflict", "INS000", "91411523MA0000004J"),
                ("previous", "INS003", "91411523MA0000004J"),
            ]
        ),
    }


def vector_bundle() -> dict:
    return make_bundle("vector-objects", ANNOUNCEMENT, SECRET, ENTROPY, {"frame": vector_frame()})


def test_uscc_check_character():
    assert make("91110000600037341") == "91110000600037341L"
    assert make("91411523MA0000004") == "91411523MA0000004J"


def test_commitment():
    assert commitment_of(SECRET) == COMMITMENT
    assert hashlib.sha256(SECRET).hexdigest() == COMMITMENT


def test_frame_sha256():
    frame = vector_frame()
    assert frame.count("\n") == 20 and frame.endswith("\n")
    assert sha256_hex(frame) == FRAME_SHA256


def test_announcement_bytes_exact():
    ann = build_announcement(
        "objects", COMMITMENT, {"frame": vector_frame()}, entropy_source="witness dice", strata=STRATA
    )
    assert ann == ANNOUNCEMENT
    assert sha256_hex(ann) == H_ANNOUNCEMENT


def test_keys():
    k_sample, k_assign = derive_keys(ANNOUNCEMENT, SECRET, ENTROPY)
    assert k_sample.hex() == K_SAMPLE
    assert k_assign.hex() == K_ASSIGN


@pytest.mark.parametrize("workers", [1, 2])
def test_objects_result(workers, monkeypatch):
    from jointcheck.draw import drawv1

    monkeypatch.setattr(drawv1, "_PARALLEL_MIN_LINES", 1)  # exercise the process pool on 20 lines
    result = draw_objects(bytes.fromhex(K_SAMPLE), vector_frame(), STRATA, workers=workers)
    assert result["sizes"] == SIZES
    assert [(x["id"], x["stratum"], x["ticket"]) for x in result["selected"]] == SELECTED
    assert [(x["id"], x["stratum"], x["ticket"]) for x in result["alternates"]] == [ALTERNATE]
    assert set(result) == {"selected", "alternates", "sizes"}
    for x in result["selected"]:
        assert set(x) == {"id", "stratum", "ticket"}


def test_single_ticket_definition():
    for id_, stratum, t in SELECTED + [ALTERNATE]:
        assert ticket(bytes.fromhex(K_SAMPLE), id_, stratum) == t


def test_teams_result():
    inp = vector_teams_inputs()
    result = assign_teams(bytes.fromhex(K_ASSIGN), inp["entities"], inp["pool"], inp["constraints"], TEAM_RULES)
    assert [(t["entity"], t["inspectors"]) for t in result["teams"]] == TEAMS
    assert result["unassigned"] == [
        {"entity": e, "reason": "no eligible inspector from department SCJG"} for e in UNASSIGNED
    ]


def test_vector_bundle_verifies():
    bundle = vector_bundle()
    assert bundle["format"] == "draw-bundle/1"
    assert bundle["secret"] == SECRET.hex()
    assert bundle["announcement"].encode() == ANNOUNCEMENT
    assert bundle["result"] == {
        "selected": [{"id": i, "stratum": s, "ticket": t} for i, s, t in SELECTED],
        "alternates": [{"id": ALTERNATE[0], "stratum": ALTERNATE[1], "ticket": ALTERNATE[2]}],
        "sizes": SIZES,
    }
    ok, message = verify_bundle(bundle)
    assert ok, message
    assert "8 selected" in message
    import json

    ok, _ = verify_bundle(json.dumps(bundle).encode())
    assert ok


def test_teams_bundle_verifies():
    inputs = vector_teams_inputs()
    ann = build_announcement(
        "teams", COMMITMENT, inputs, entropy_source="witness dice", team=TEAM_RULES, context={"task_id": "T-1"}
    )
    bundle = make_bundle("vector-teams", ann, SECRET, ENTROPY, inputs)
    ok, message = verify_bundle(bundle)
    assert ok, message
    k_assign = derive_keys(ann, SECRET, ENTROPY)[1]
    assert bundle["result"] == assign_teams(
        k_assign, inputs["entities"], inputs["pool"], inputs["constraints"], TEAM_RULES
    )
