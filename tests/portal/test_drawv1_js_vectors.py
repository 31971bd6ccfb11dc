"""The JavaScript draw-v1 (portal/jcportal/static/js/drawv1.js), in headless Chromium, reproduces the
binding test vectors of docs/draw-spec.md byte for byte — read from the specification itself —
and its SHA-256 and HMAC-SHA256 agree with WebCrypto and Python's hashlib."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import re
from pathlib import Path

from jcdev.browser import verify_in_page
from jointcheck.codes.uscc import USCC_ALPHABET, USCC_WEIGHTS
from jointcheck.draw import make_bundle, make_file, verify_bundle

ROOT = Path(__file__).resolve().parents[2]
SPEC = (ROOT / "docs" / "draw-spec.md").read_text(encoding="utf-8")


def _value(name: str) -> str:
    return re.search(rf"\| {re.escape(name)} \| `([^`]+)` \|", SPEC).group(1)


def _rows(after: str, columns: int) -> list[list[str]]:
    """The body rows of the first table after the line ``after``."""
    tail = SPEC[SPEC.index(after) :]
    rows = []
    for line in tail.splitlines()[1:]:
        if not line.startswith("|"):
            if rows:
                break
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == columns and not set(cells[0]) <= {"-", " "} and cells[0] not in ("id", "entity"):
            rows.append(cells)
    return rows


def _uscc(prefix: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(prefix, USCC_WEIGHTS))
    return prefix + USCC_ALPHABET[(31 - total % 31) % 31]


SECRET = _value("secret")
ENTROPY = _value("entropy")
ANNOUNCEMENT = next(line for line in SPEC.splitlines() if line.startswith('{"algorithm":"draw-v1"'))
FRAME = make_file([(_uscc("91411523MA%07d" % n), "ABCD"[n % 4]) for n in range(20)])
SELECTED = [{"id": i, "stratum": s, "ticket": t} for i, s, t in _rows("Selected, in ticket order:", 3)]
ALTERNATES = [{"id": i, "stratum": s, "ticket": t} for i, s, t in _rows("Alternate:", 3)]
SIZES = {
    s: {"population": int(p), "sample": int(n)}
    for s, p, n in re.findall(r"([A-D]) (\d+) → (\d+)", SPEC[SPEC.index("Sizes (population → sample)") :][:80])
}
TEAMS = [{"entity": e, "inspectors": team.split(", ")} for e, team in _rows("| entity | team (pick order) |", 2)]
UNASSIGNED_REASON = re.search(r"Unassigned, each with the reason `([^`]+)`", SPEC).group(1)
UNASSIGNED = re.search(r"Unassigned, each with the reason `[^`]+`:\s*([^.]+)\.", SPEC).group(1)
TEAM_INPUTS = {
    "entities": make_file([r["id"] for r in SELECTED]),
    "pool": make_file([("INS%03d" % n, ["SCJG", "YJGL", "XFJY"][n % 3]) for n in range(9)]),
    "constraints": make_file(
        [("conflict", "INS000", "91411523MA0000004J"), ("previous", "INS003", "91411523MA0000004J")]
    ),
    "team": {"required_departments": ["SCJG", "YJGL"], "team_size": 3, "max_load": 2},
}

VECTORS_SCRIPT = """
const done = arguments[arguments.length - 1];
const [secretHex, entropy, announcement, frame, teams] = arguments;
(async () => {
  const D = DrawV1;
  const secret = D.fromHex(secretHex);
  const [kSample, kAssign] = D.deriveKeys(D.utf8(announcement), secret, entropy);
  return {
    commitment: D.hex(D.sha256(secret)),
    frame_sha256: D.sha256Hex(frame),
    h_announcement: D.sha256Hex(announcement),
    k_sample: D.hex(kSample),
    k_assign: D.hex(kAssign),
    objects: await D.drawObjects(kSample, frame, JSON.parse(announcement).strata),
    teams: D.assignTeams(kAssign, teams.entities, teams.pool, teams.constraints, teams.team),
  };
})().then(done, (e) => done({error: String(e && e.stack || e)}));
"""


def test_the_spec_tables_were_read():
    assert len(SELECTED) == 8 and len(ALTERNATES) == 1 and len(TEAMS) == 4 and len(SIZES) == 4
    assert json.loads(ANNOUNCEMENT)["commitment"] == _value("commitment")


def test_javascript_reproduces_the_binding_vectors(verifier_page):
    got = verifier_page.execute_async_script(VECTORS_SCRIPT, SECRET, ENTROPY, ANNOUNCEMENT, FRAME, TEAM_INPUTS)
    assert "error" not in got, got.get("error")
    assert got["commitment"] == _value("commitment")
    assert got["frame_sha256"] == _value("frame_sha256")
    assert got["h_announcement"] == _value("H(announcement)")
    assert got["k_sample"] == _value("K_sample")
    assert got["k_assign"] == _value("K_assign")
    assert got["objects"] == {"selected": SELECTED, "alternates": ALTERNATES, "sizes": SIZES}
    assert got["teams"]["teams"] == TEAMS
    assert [u["entity"] for u in got["teams"]["unassigned"]] == UNASSIGNED.replace("\n", " ").split(", ")
    assert {u["reason"] for u in got["teams"]["unassigned"]} == {UNASSIGNED_REASON}


def test_the_vector_bundle_verifies_in_the_browser_as_in_python(verifier_page):
    bundle = make_bundle(
        "spec-vector",
        ANNOUNCEMENT,
        bytes.fromhex(SECRET),
        ENTROPY,
        {"frame": FRAME},
        result={"selected": SELECTED, "alternates": ALTERNATES, "sizes": SIZES},
    )
    data = json.dumps(bundle, ensure_ascii=False).encode()
    ok, message = verify_bundle(data)
    [js] = verify_in_page(verifier_page, [data])
    assert ok and js["ok"] and js["message"] == message
    assert js["result"] == bundle["result"]
    bundle["result"]["selected"][3]["ticket"] = "0" * 64  # one ticket altered: both name the same entry
    [js] = verify_in_page(verifier_page, [json.dumps(bundle).encode()])
    assert not js["ok"] and js["message"] == verify_bundle(json.dumps(bundle))[1]
    assert js["message"].startswith("result: selected[3].ticket is ")


SUBTLE_SCRIPT = """
const done = arguments[arguments.length - 1];
const [messages, keys] = arguments;
(async () => {
  const D = DrawV1;
  if (!crypto.subtle) return {error: "no WebCrypto on this origin"};
  const out = [];
  for (let i = 0; i < messages.length; i++) {
    const m = D.fromHex(messages[i]);
    const k = D.fromHex(keys[i]);
    const digest = D.hex(new Uint8Array(await crypto.subtle.digest("SHA-256", m)));
    const key = await crypto.subtle.importKey("raw", k.length ? k : new Uint8Array(1), {name: "HMAC", hash: "SHA-256"}, false, ["sign"]);
    const mac = k.length ? D.hex(new Uint8Array(await crypto.subtle.sign("HMAC", key, m))) : null;
    out.push({ours: D.hex(D.sha256(m)), subtle: digest, ourMac: D.hex(D.hmacSha256(k, m)), subtleMac: mac});
  }
  return out;
})().then(done, (e) => done({error: String(e && e.stack || e)}));
"""


def test_sha256_and_hmac_agree_with_webcrypto_and_hashlib(verifier_page):
    rnd = random.Random(15)
    # every length around the block and padding boundaries, keys shorter and longer than a block
    lengths = [*range(140), 1000, 4096, 65_537]
    messages = [rnd.randbytes(n) for n in lengths]
    keys = [rnd.randbytes(rnd.choice([1, 16, 32, 63, 64, 65, 100])) for _ in lengths]
    got = verifier_page.execute_async_script(SUBTLE_SCRIPT, [m.hex() for m in messages], [k.hex() for k in keys])
    assert not isinstance(got, dict), got
    for m, k, g in zip(messages, keys, got):
        assert g["ours"] == g["subtle"] == hashlib.sha256(m).hexdigest()
        assert g["ourMac"] == g["subtleMac"] == hmac.new(k, m, hashlib.sha256).hexdigest()
