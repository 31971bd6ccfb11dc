"""The ordered checks of a replay: pure functions over the evidence the audit service gathered.

Nothing here trusts what sampling says about itself. The evidence is the bundle sampling
serves, the announcement audit registered (with its chain entry), the registry's own answer
for the frame as of the recorded registry version, and results' record of recent
inspections. :func:`verify` runs the checks in :data:`CHECKS` order and names the first that
fails; later checks are reported as not run.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jointcheck import draw as drawv1

CHECKS = ("announcement", "entropy_time", "commitment", "input_hashes", "result", "registry_frame", "exclusions")

#: The input files of each kind: name → announcement hash field.
INPUT_FIELDS = {
    "objects": {"frame": "frame_sha256"},
    "experts": {"frame": "frame_sha256"},
    "teams": {"entities": "entities_sha256", "pool": "pool_sha256", "constraints": "constraints_sha256"},
}


@dataclass(frozen=True)
class Registration:
    """An announcement as audit registered it, with what its own hash chain says about it."""

    announcement: str
    announcement_sha256: str
    registered_at: datetime
    chain_sha256: str | None  # data.announcement_sha256 of the chain entry at chain_seq (None: no entry)
    chain_recorded_at: datetime | None


@dataclass(frozen=True)
class Evidence:
    draw_id: str
    bundle: Any  # the parsed bundle, unvalidated
    registrations: tuple[Registration, ...]
    entropy_at: datetime | None = None  # when sampling says the entropy was accepted
    registry: dict[str, str] | None = None  # the registry's own files as of the recorded version
    recently_inspected: frozenset[str] | None = None  # objects: results' record since the exclusion date
    objects_selected: tuple[str, ...] | None = None  # teams: the selected ids of the objects draw's bundle


@dataclass(frozen=True)
class Outcome:
    check: str
    ok: bool | None  # None: not run (an earlier check failed)
    detail: str | None = None


@dataclass(frozen=True)
class Verdict:
    ok: bool
    failed_check: str | None
    detail: str | None
    checks: tuple[Outcome, ...]


@dataclass
class _State:
    """What one check establishes for the next ones."""

    registration: Registration | None = None
    ann: dict[str, Any] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)


class Failed(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def _lines(text: str) -> list[str]:
    return text.split("\n")[:-1]  # "" gives [] too


_BLOCK = 1 << 16


def _common_prefix(a: str, b: str) -> int:
    """Length of the common prefix of ``a`` and ``b`` (binary search on slice equality: C speed)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def sorted_difference(registry: str, frozen: str) -> tuple[list[str], list[str]]:
    """(lines of ``frozen`` not in ``registry``, lines of ``registry`` not in ``frozen``) for two
    LF-terminated files sorted by bytes without repeats (draw-v1 files).

    A merge that skips identical stretches a block at a time: a ten-million-line frame equal to
    the registry's but for some exclusions costs a few hundred block comparisons plus a few per
    difference, and no list or set of its lines. (A frozen frame that is not sorted has failed the
    ``result`` check before this runs.)"""
    foreign: list[str] = []
    removed: list[str] = []
    # registry[i0:i] == frozen[j0:j], where i0 and j0 start a line (blocks are not line-aligned)
    i = j = i0 = j0 = 0
    n, m = len(registry), len(frozen)
    while i < n and j < m:
        a, b = registry[i : i + _BLOCK], frozen[j : j + _BLOCK]
        if a == b:
            i, j = i + len(a), j + len(b)
            continue
        d = _common_prefix(a, b)
        if i + d >= n or j + d >= m:  # one file ended (at a line end): the rest of the other differs
            i, j = i + d, j + d
            break
        # the line holding the first difference starts at the same offset from i0 and j0
        start = max(i0, registry.rfind("\n", i0, i + d) + 1)
        i, j = start, j0 + (start - i0)
        r_end, f_end = registry.index("\n", i), frozen.index("\n", j)
        r, f = registry[i:r_end], frozen[j:f_end]
        if r < f:
            removed.append(r)
            i = r_end + 1
        else:
            foreign.append(f)
            j = f_end + 1
        i0, j0 = i, j
    removed += _lines(registry[i:])
    foreign += _lines(frozen[j:])
    return foreign, removed


def _first(items: list[str], limit: int = 3) -> str:
    shown = ", ".join(repr(i) for i in items[:limit])
    return shown + (f" (and {len(items) - limit} more)" if len(items) > limit else "")


# ------------------------------------------------------------------ the checks, in order


def check_announcement(e: Evidence, st: _State) -> None:
    """The bundle's announcement is byte-identical to one audit registered for this draw, intact in the chain."""
    b = e.bundle
    if not isinstance(b, dict) or not isinstance(b.get("announcement"), str):
        raise Failed("the bundle is not a JSON object with an announcement string")
    if b.get("draw_id") != e.draw_id:
        raise Failed(f"the bundle names draw {b.get('draw_id')!r}, not {e.draw_id}")
    if not e.registrations:
        raise Failed(f"audit holds no announcement registered for draw {e.draw_id}")
    matching = [r for r in e.registrations if r.announcement == b["announcement"]]
    if not matching:
        got = drawv1.sha256_hex(b["announcement"])
        raise Failed(
            f"the bundle's announcement (SHA-256 {got}) differs from the one registered with audit "
            f"({', '.join(r.announcement_sha256 for r in e.registrations)})"
        )
    reg = matching[0]
    if drawv1.sha256_hex(reg.announcement) != reg.announcement_sha256:
        raise Failed("the registered announcement's bytes do not match the SHA-256 recorded at registration")
    if reg.chain_sha256 != reg.announcement_sha256:
        raise Failed("the audit chain entry of the registration does not name this announcement")
    if reg.chain_recorded_at != reg.registered_at:
        raise Failed("the receipt time differs from the time of its audit chain entry")
    st.registration = reg


def check_entropy_time(e: Evidence, st: _State) -> None:
    """The entropy was accepted after audit's receipt time."""
    assert st.registration is not None
    if e.entropy_at is None:
        raise Failed("no time of entropy is known for this draw")
    if e.entropy_at <= st.registration.registered_at:
        raise Failed(
            f"the entropy was accepted at {e.entropy_at.isoformat()}, not after the receipt time "
            f"{st.registration.registered_at.isoformat()}"
        )


def check_commitment(e: Evidence, st: _State) -> None:
    """The announcement is a draw-v1 announcement of the bundle's kind and commits to the revealed secret."""
    b = e.bundle
    try:
        ann = json.loads(b["announcement"])
    except ValueError:
        raise Failed("the announcement is not JSON") from None
    if not isinstance(ann, dict) or ann.get("algorithm") != drawv1.ALGORITHM:
        raise Failed("the announcement does not announce a draw-v1 draw")
    if ann.get("kind") != b.get("kind") or b.get("kind") not in INPUT_FIELDS:
        raise Failed(f"the announcement's kind {ann.get('kind')!r} is not the bundle's kind {b.get('kind')!r}")
    secret = b.get("secret")
    if not isinstance(secret, str) or len(secret) != 64 or any(c not in "0123456789abcdef" for c in secret):
        raise Failed("the secret is not 64 lowercase hexadecimal characters")
    if drawv1.commitment_of(bytes.fromhex(secret)) != ann.get("commitment"):
        raise Failed("SHA-256 of the revealed secret is not the announced commitment")
    st.ann = ann


def check_input_hashes(e: Evidence, st: _State) -> None:
    """Every input file hashes to the announced value (and the frame has the announced size)."""
    kind, inputs = e.bundle["kind"], e.bundle.get("inputs")
    wanted = INPUT_FIELDS[kind]
    if not isinstance(inputs, dict) or set(inputs) != set(wanted):
        got = sorted(inputs) if isinstance(inputs, dict) else type(inputs).__name__
        raise Failed(f"a {kind} draw has the inputs {sorted(wanted)}, the bundle has {got}")
    for name, hash_field in wanted.items():
        text = inputs[name]
        if not isinstance(text, str):
            raise Failed(f"input {name} is not text")
        if drawv1.sha256_hex(text) != st.ann.get(hash_field):
            raise Failed(f"input {name} does not hash to the announced {hash_field}")
    if "frame" in wanted and inputs["frame"].count("\n") != st.ann.get("frame_size"):
        raise Failed(
            f"the frame has {inputs['frame'].count(chr(10))} lines, the announcement says {st.ann.get('frame_size')}"
        )


def check_result(e: Evidence, st: _State, *, workers: int = 1) -> None:
    """draw-v1, run again on the announcement, secret, entropy and inputs, gives exactly the stored result."""
    ok, message = drawv1.verify_bundle(e.bundle, workers=workers)
    if not ok:
        raise Failed(f"draw-v1 does not reproduce the draw: {message}")


def check_registry_frame(e: Evidence, st: _State) -> None:
    """The frozen inputs are the registry's own answer as of the recorded registry version."""
    ann, inputs, kind = st.ann, e.bundle["inputs"], e.bundle["kind"]
    version = ann.get("registry_version")
    if e.registry is None:
        raise Failed(f"the registry gave no frame as of version {version}")
    where = f"the registry's answer as of version {version}"
    if kind == "experts":
        if inputs["frame"] != e.registry.get("frame"):
            raise Failed(f"the frozen expert frame is not {where}")
        return
    if kind == "teams":
        _check_teams_inputs(e, inputs, where, st.ann)
        return
    foreign, removed_lines = sorted_difference(e.registry.get("frame", ""), inputs["frame"])
    if foreign:
        raise Failed(f"{len(foreign)} line(s) of the frozen frame are not in {where}: {_first(foreign)}")
    removed = [line.split("\t", 1)[0] for line in removed_lines]
    exclusion = ann.get("exclusion") if isinstance(ann.get("exclusion"), dict) else {}
    if len(removed) != exclusion.get("count") or drawv1.sha256_hex(drawv1.make_file(removed)) != exclusion.get(
        "sha256"
    ):
        raise Failed(
            f"{where} holds {len(removed)} entities the frozen frame lacks ({_first(removed)}), "
            f"which are not the {exclusion.get('count')} announced exclusions"
        )
    st.removed = removed


def _check_teams_inputs(e: Evidence, inputs: dict[str, str], where: str, ann: dict) -> None:
    assert e.registry is not None
    if inputs["pool"] != e.registry.get("pool"):
        raise Failed(f"the frozen inspector pool is not {where}")
    # A supplementary round (round > 1) also bars the inspectors its announcement names, each with its reason.
    barred = {
        (b.get("reason"), b.get("inspector_id")) for b in ann.get("barred_inspectors") or [] if isinstance(b, dict)
    }
    recusals = {
        line
        for line in _lines(inputs["constraints"])
        if not line.startswith("previous\t") and tuple(line.split("\t")[:2]) not in barred
    }
    registry_recusals = set(_lines(e.registry.get("recusals", "")))
    if recusals != registry_recusals:
        missing, added = sorted(registry_recusals - recusals), sorted(recusals - registry_recusals)
        raise Failed(
            f"the frozen recusals are not {where}: missing {_first(missing) or 'none'}, "
            f"not in the registry {_first(added) or 'none'}"
        )
    if e.objects_selected is None:
        raise Failed("the entities are not those selected by the task's objects draw")
    if int(ann.get("round") or 1) > 1:  # a supplementary round: some of the selected (those left without a team)
        if not set(_lines(inputs["entities"])) <= set(e.objects_selected):
            raise Failed("the entities of the supplementary round are not among those selected by the objects draw")
    elif inputs["entities"] != drawv1.make_file(e.objects_selected):
        raise Failed("the entities are not those selected by the task's objects draw")


def check_exclusions(e: Evidence, st: _State) -> None:
    """Entities left out of the frame are those results recorded as inspected recently (objects);
    the 'previous inspector' constraints are as many as announced (teams)."""
    kind = e.bundle["kind"]
    if kind == "objects":
        since = (st.ann.get("exclusion") or {}).get("since")
        if st.removed and e.recently_inspected is None:
            raise Failed("results' record of recent inspections is not available")
        unjustified = [u for u in st.removed if u not in (e.recently_inspected or frozenset())]
        if unjustified:
            raise Failed(
                f"{len(unjustified)} excluded entities were not inspected since {since} "
                f"according to results: {_first(unjustified)}"
            )
    elif kind == "teams":
        previous = sum(1 for line in _lines(e.bundle["inputs"]["constraints"]) if line.startswith("previous\t"))
        if previous != st.ann.get("previous_pairs"):
            raise Failed(
                f"{previous} 'previous inspector' constraints, the announcement says {st.ann.get('previous_pairs')}"
            )


_ORDER: tuple[tuple[str, Callable[..., None]], ...] = (
    ("announcement", check_announcement),
    ("entropy_time", check_entropy_time),
    ("commitment", check_commitment),
    ("input_hashes", check_input_hashes),
    ("result", check_result),
    ("registry_frame", check_registry_frame),
    ("exclusions", check_exclusions),
)


def verify(e: Evidence, *, workers: int = 1) -> Verdict:
    """Run every check in order; the verdict names the first that fails. Never raises."""
    st = _State()
    outcomes: list[Outcome] = []
    failed: Outcome | None = None
    for name, check in _ORDER:
        if failed is not None:
            outcomes.append(Outcome(name, None))
            continue
        try:
            if check is check_result:
                check(e, st, workers=workers)
            else:
                check(e, st)
        except Failed as exc:
            failed = Outcome(name, False, exc.detail)
        except Exception as exc:
            failed = Outcome(name, False, f"malformed evidence: {type(exc).__name__}: {exc}")
        outcomes.append(failed or Outcome(name, True))
    if failed is None:
        return Verdict(True, None, None, tuple(outcomes))
    return Verdict(False, failed.check, failed.detail, tuple(outcomes))
