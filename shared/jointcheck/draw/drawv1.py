#!/usr/bin/env python3
"""draw-v1: the verifiable draw, and its standalone verifier.

This single file is both the project's only implementation of draw-v1 (imported as
``jointcheck.draw``) and the verifier anyone can download and run::

    python verify_draw.py BUNDLE.json      # or "-" to read the bundle from stdin

It prints ``OK`` and a one-line summary (exit status 0), or
``FAILED: <check>: <detail>`` (exit status 1).  It uses only the Python standard
library (3.9+).  The normative definition is docs/draw-spec.md; in short:

* ``u(s)`` UTF-8, ``lp(b)`` 4-byte big-endian length then ``b``, ``H`` SHA-256,
  ``HMAC`` HMAC-SHA256, hex lowercase.
* ``PRK = HMAC(H(announcement), lp(secret) || lp(u(entropy)))``,
  ``K_sample = HMAC(PRK, "sample" || 0x01)``, ``K_assign = HMAC(PRK, "assign" || 0x01)``.
* objects / experts: ``ticket = hex(HMAC(K_sample, lp(u(stratum)) || lp(u(id))))``;
  per stratum the ``n`` smallest ``(ticket, id)`` are selected, the next ``alternates``
  are alternates.
* teams: constrained, load-balanced assignment keyed by ``HMAC(K_assign, …)``.

Specification and binding test vectors: docs/draw-spec.md in the jointcheck repository.

Everything here is a pure function except :func:`main` and :func:`new_secret`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
import secrets
import sys
from fractions import Fraction
from itertools import islice, repeat
from operator import itemgetter, lt, ne

__all__ = [
    "ALGORITHM",
    "BUNDLE_FORMAT",
    "KINDS",
    "RULE_KEYS",
    "TEAM_KEYS",
    "DrawError",
    "assign_teams",
    "build_announcement",
    "canonical_json",
    "check_file",
    "commitment_of",
    "derive_keys",
    "draw_objects",
    "execute",
    "hmac_sha256",
    "lp",
    "main",
    "make_bundle",
    "make_file",
    "new_secret",
    "parse_file",
    "sample_size",
    "sha256_hex",
    "ticket",
    "u",
    "validate_rule",
    "validate_strata",
    "validate_team_rules",
    "verify_bundle",
]

ALGORITHM = "draw-v1"
BUNDLE_FORMAT = "draw-bundle/1"
KINDS = ("objects", "experts", "teams")
RULE_KEYS = frozenset({"ratio", "count", "min", "max", "alternates"})
TEAM_KEYS = frozenset({"required_departments", "team_size", "max_load"})

# input files per kind: name -> (announcement hash field, fields per line)
_INPUTS = {
    "objects": {"frame": ("frame_sha256", 2)},
    "experts": {"frame": ("frame_sha256", 2)},
    "teams": {
        "entities": ("entities_sha256", 1),
        "pool": ("pool_sha256", 2),
        "constraints": ("constraints_sha256", 3),
    },
}

_HEX64 = re.compile(r"[0-9a-f]{64}")
_RATIO = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_BAD_CHARS = ("\t", "\n", "\r")
_ALL = b"\xff" * 33  # a threshold above every 32-byte ticket


class DrawError(ValueError):
    """Invalid input to a draw. ``check`` names what is wrong (``frame``, ``strata``, …)."""

    def __init__(self, check: str, detail: str):
        super().__init__(f"{check}: {detail}")
        self.check = check
        self.detail = detail


# --------------------------------------------------------------------------- primitives


def u(s: str) -> bytes:
    """UTF-8 bytes of ``s`` (strict: lone surrogates are an error).

    In every Python 3, ``str.encode()`` and ``bytes.decode()`` without arguments are
    strict UTF-8; this file relies on that default throughout."""
    return s.encode()


def lp(b: bytes) -> bytes:
    """4-byte big-endian length of ``b``, then ``b``."""
    return len(b).to_bytes(4, "big") + b


def sha256_hex(data) -> str:
    """Lowercase hex SHA-256 of ``data`` (bytes, or str which is UTF-8 encoded)."""
    if isinstance(data, str):
        data = u(data)
    return hashlib.sha256(data).hexdigest()


def hmac_sha256(key: bytes, msg: bytes) -> bytes:
    return hmac.new(key, msg, hashlib.sha256).digest()


def _check_json_value(obj, path: str = "$") -> None:
    if obj is None or isinstance(obj, (bool, str)):
        if isinstance(obj, str):
            try:
                u(obj)
            except UnicodeEncodeError:
                raise ValueError(f"{path}: string is not valid Unicode (lone surrogate)") from None
        return
    if isinstance(obj, int):
        return
    if isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            _check_json_value(v, f"{path}[{i}]")
        return
    if isinstance(obj, dict):
        for k, v in obj.items():
            # RFC 8785 orders keys by UTF-16 code units; Python's sort_keys by code points.
            # The two agree unless a key holds a character beyond U+FFFF, so those are refused
            # (experts' strata are field names such as "危险化学品": BMP characters, fine).
            if not isinstance(k, str) or any(ord(ch) > 0xFFFF for ch in k):
                raise ValueError(f"{path}: object keys must be strings of BMP characters, got {k!r}")
            try:
                u(k)
            except UnicodeEncodeError:
                raise ValueError(f"{path}: key is not valid Unicode (lone surrogate)") from None
            _check_json_value(v, f"{path}.{k}")
        return
    raise ValueError(
        f"{path}: {type(obj).__name__} is not allowed in canonical JSON "
        "(only strings, integers, booleans, null, arrays and objects)"
    )


def canonical_json(obj) -> bytes:
    """RFC 8785 serialisation for the JSON subset draw-v1 uses (no floats; keys in the BMP)."""
    _check_json_value(obj)
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# --------------------------------------------------------------------------- files


def make_file(lines) -> str:
    """Build a draw-v1 file: each item is a line (str) or a sequence of fields joined by TAB.

    Lines are sorted by their UTF-8 bytes, duplicates dropped, each terminated by LF.
    """
    out = set()
    for item in lines:
        if isinstance(item, str):
            line = item
            if not line:
                raise ValueError("empty line")
            if "\n" in line or "\r" in line:
                raise ValueError(f"line {line!r} contains LF or CR")
        else:
            fields = list(item)
            if not fields:
                raise ValueError("line with no fields")
            for f in fields:
                if not isinstance(f, str):
                    raise ValueError(f"field {f!r} is not a string")
                if not f:
                    raise ValueError(f"empty field in {fields!r}")
                if any(c in f for c in _BAD_CHARS):
                    raise ValueError(f"field {f!r} contains TAB, LF or CR")
            line = "\t".join(fields)
        out.add(u(line))
    return b"".join(line + b"\n" for line in sorted(out)).decode()


def _to_bytes(text, name: str) -> bytes:
    if isinstance(text, str):
        try:
            return u(text)
        except UnicodeEncodeError as e:
            raise DrawError(name, f"not valid UTF-8 text ({e.reason} at offset {e.start})") from None
    if isinstance(text, (bytes, bytearray, memoryview)):
        b = bytes(text)
        try:
            if not b.isascii():  # ASCII is UTF-8: no decoded copy of a large frame
                b.decode()
        except UnicodeDecodeError as e:
            raise DrawError(name, f"not valid UTF-8 ({e.reason} at byte {e.start})") from None
        return b
    raise DrawError(name, f"must be a string, not {type(text).__name__}")


def _file_lines(text, name: str) -> tuple[bytes, list[bytes]]:
    """Validate the generic file format; return (bytes, lines without LF). Fast for big files."""
    b = _to_bytes(text, name)
    return b, _bytes_lines(b, name)


def _bytes_check(b: bytes, name: str) -> None:
    if b"\r" in b:
        _fail_line(name, b, b.index(b"\r"), "contains a CR character")
    if b and not b.endswith(b"\n"):
        raise DrawError(name, "does not end with LF (every line, including the last, must end with LF)")


def _bytes_lines(b: bytes, name: str, checked: bool = False) -> list[bytes]:
    if not checked:
        _bytes_check(b, name)
    if not b:
        return []
    lines = b.split(b"\n")
    lines.pop()
    if b"" in lines:
        raise DrawError(name, f"line {lines.index(b'') + 1} is empty")
    if not all(map(lt, lines, islice(lines, 1, None))):
        for i in range(1, len(lines)):
            if lines[i - 1] == lines[i]:
                raise DrawError(name, f"line {i + 1} duplicates line {i}")
            if lines[i - 1] > lines[i]:
                raise DrawError(name, f"line {i + 1} is not in ascending byte order (lines must be sorted)")
    return lines


# Large files are checked in whole-line chunks of about this many bytes, so that checking a
# ten-million-line frame never holds a list of ten million lines.
_CHUNK = 1 << 22
_IDS = re.compile(rb"^([^\t\n]*)\t", re.M)


def _chunks(b: bytes, start: int = 0, stop: int | None = None):
    """``b[start:stop]`` (whole lines) in slices of whole lines of about ``_CHUNK`` bytes."""
    stop = len(b) if stop is None else stop
    size = _CHUNK
    while start < stop:
        end = b.find(b"\n", min(start + size, stop - 1), stop) + 1 or stop
        yield b[start:end]
        start = end


def _lines_ok(b: bytes) -> int | None:
    """The line count if ``b`` is a well-formed draw-v1 file (what :func:`_bytes_lines` checks),
    else None; chunk by chunk, at C speed. None only means "not proven": the caller then takes
    the line-by-line path, which names the first bad line."""
    if b"\r" in b or (b and not b.endswith(b"\n")):
        return None
    n, last = 0, None
    for chunk in _chunks(b):
        lines = chunk.split(b"\n")
        lines.pop()
        if b"" in lines or not all(map(lt, lines, islice(lines, 1, None))):
            return None
        if last is not None and not last < lines[0]:
            return None
        last = lines[-1]
        n += len(lines)
    return n


def _frame_ok(b: bytes, strata: dict) -> int | None:
    """The line count if ``b`` is a frame :func:`build_announcement` accepts for ``strata``: a
    well-formed file, one TAB per line, no empty id or stratum, every stratum ruled, no id on
    two lines; else None (see :func:`_lines_ok`)."""
    if b"\r" not in b:
        n = b.count(b"\n")
        layout = _fixed_layout(b, n)
        if layout is not None:  # e.g. USCC frames: one pass instead of two
            return _fixed_frame_ok(b, n, layout, strata)
    n = _lines_ok(b)
    if n is None or not _frame_precheck(b, n):
        return None
    # one TAB per line (the precheck) and every line ending "<TAB><ruled stratum>LF"
    if sum(b.count(b"\t" + u(s) + b"\n") for s in strata) != n:
        return None
    last = None
    for chunk in _chunks(b):
        ids = _IDS.findall(chunk)
        if not all(map(lt, ids, islice(ids, 1, None))) or (last is not None and not last < ids[0]):
            return None
        last = ids[-1]
    return n


def _fixed_frame_ok(b: bytes, n: int, layout, strata: dict) -> int | None:
    """:func:`_frame_ok` for a frame whose every line is "<id of L bytes><TAB><1-byte stratum><LF>"
    (shape, TABs and LFs already checked by :func:`_fixed_layout`). With every id of one length,
    lines in strictly increasing order with no id twice is the same as ids in strictly increasing
    order: each chunk is copied with its stratum bytes blanked, which leaves the ids, and checked."""
    id_len, column = layout
    if sum(column.count(u(s)) for s in strata if len(u(s)) == 1) != n:
        return None
    width, last = id_len + 3, None
    for chunk in _chunks(b):
        ids = bytearray(chunk)
        ids[id_len + 1 :: width] = bytes(len(chunk) // width)
        lines = ids.split(b"\n")
        lines.pop()
        if not all(map(lt, lines, islice(lines, 1, None))) or (last is not None and not last < lines[0]):
            return None
        last = lines[-1]
    return n


def _frame_size_if_ok(b: bytes, strata) -> int | None:
    """:func:`_frame_ok` for rules not yet validated: None unless ``strata`` is a dict of names."""
    if not isinstance(strata, dict) or not all(isinstance(k, str) for k in strata):
        return None
    try:
        return _frame_ok(b, strata)
    except UnicodeEncodeError:  # a stratum name that is not UTF-8: validate_strata() says so
        return None


def _fail_line(name: str, b: bytes, offset: int, what: str):
    line_no = b[:offset].count(b"\n") + 1
    raise DrawError(name, f"line {line_no} {what}")


def _split_fields(lines: list[bytes], fields: int | None, name: str) -> list[list[str]]:
    out = []
    for n, line in enumerate(lines, 1):
        parts = line.decode().split("\t")
        if fields is not None and len(parts) != fields:
            raise DrawError(name, f"line {n} has {len(parts)} field(s), expected {fields}")
        if "" in parts:
            raise DrawError(name, f"line {n} has an empty field")
        out.append(parts)
    return out


def parse_file(text, fields: int | None = None, name: str = "file") -> list[list[str]]:
    """Check a draw-v1 file (str or UTF-8 bytes) and return its lines split on TAB.

    ``fields``: required number of fields per line (None: any).  Fields must not be empty.
    Raises DrawError (a ValueError) naming ``name`` and the first bad line."""
    _, lines = _file_lines(text, name)
    return _split_fields(lines, fields, name)


def check_file(text, fields: int | None = None, name: str = "file") -> None:
    """Raise DrawError (a ValueError) unless ``text`` is a well-formed draw-v1 file."""
    parse_file(text, fields, name)


# --------------------------------------------------------------------------- keys


def new_secret() -> bytes:
    """A fresh 32-byte secret from the OS CSPRNG."""
    return secrets.token_bytes(32)


def commitment_of(secret: bytes) -> str:
    return hashlib.sha256(secret).hexdigest()


def derive_keys(announcement_bytes: bytes, secret_bytes: bytes, entropy_str: str) -> tuple[bytes, bytes]:
    """(K_sample, K_assign): HKDF-SHA256 with salt H(announcement), IKM lp(s) || lp(u(E))."""
    prk = hmac_sha256(hashlib.sha256(announcement_bytes).digest(), lp(secret_bytes) + lp(u(entropy_str)))
    return hmac_sha256(prk, b"sample\x01"), hmac_sha256(prk, b"assign\x01")


# --------------------------------------------------------------------------- sample size


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def validate_rule(rule, where: str = "rule") -> None:
    """Raise DrawError('strata', …) unless ``rule`` is a valid sample-size rule."""

    def bad(msg):
        raise DrawError("strata", f"{where}: {msg}")

    if not isinstance(rule, dict):
        bad(f"must be an object, not {type(rule).__name__}")
    unknown = sorted(_show(k) for k in rule if k not in RULE_KEYS)
    if unknown:
        bad(f"unknown key(s) {', '.join(unknown)} (allowed: alternates, count, max, min, ratio)")
    if ("ratio" in rule) == ("count" in rule):
        bad("exactly one of 'ratio' and 'count' is required")
    if "ratio" in rule:
        r = rule["ratio"]
        if not isinstance(r, str) or len(r) > 40 or not _RATIO.fullmatch(r):
            bad(f'ratio must be a decimal string such as "0.05" (at most 40 characters), got {_show(r)}')
        if Fraction(r) > 1:
            bad(f"ratio must be between 0 and 1, got {_show(r)}")
    else:
        c = rule["count"]
        if not _is_int(c) or c < 0:
            bad(f"count must be an integer >= 0, got {_show(c)}")
    mn = rule.get("min", 0)
    if not _is_int(mn) or mn < 0:
        bad(f"min must be an integer >= 0, got {_show(mn)}")
    mx = rule.get("max")
    if mx is not None and (not _is_int(mx) or mx < 0):
        bad(f"max must be an integer >= 0 or null, got {_show(mx)}")
    if mx is not None and mn > mx:
        bad(f"min ({mn}) is greater than max ({mx})")
    if "alternates" in rule and (not _is_int(rule["alternates"]) or rule["alternates"] < 0):
        bad(f"alternates must be an integer >= 0, got {_show(rule['alternates'])}")


def _check_name(value, what: str, check: str) -> str:
    if not isinstance(value, str) or not value:
        raise DrawError(check, f"{what} must be a non-empty string, got {_show(value)}")
    if any(c in value for c in _BAD_CHARS):
        raise DrawError(check, f"{what} {_show(value)} contains TAB, LF or CR")
    try:
        u(value)
    except UnicodeEncodeError:
        raise DrawError(check, f"{what} {_show(value)} is not valid Unicode") from None
    return value


def validate_strata(strata) -> None:
    """Raise DrawError('strata', …) unless ``strata`` maps stratum names to valid rules."""
    if not isinstance(strata, dict):
        raise DrawError("strata", f"must be an object mapping stratum to rule, not {type(strata).__name__}")
    for name, rule in strata.items():
        _check_name(name, "stratum name", "strata")
        validate_rule(rule, f"stratum {_show(name)}")


def sample_size(rule: dict, population: int) -> int:
    """Sample size for a stratum of ``population`` items (spec: exact decimal, no floats)."""
    validate_rule(rule)
    if not _is_int(population) or population < 0:
        raise ValueError(f"population must be an integer >= 0, got {population!r}")
    if "count" in rule:
        n = rule["count"]
    else:
        r = Fraction(rule["ratio"])
        n = -((-r.numerator * population) // r.denominator)  # exact ceil
    n = max(n, rule.get("min", 0))
    if rule.get("max") is not None:
        n = min(n, rule["max"])
    return min(n, population)


# --------------------------------------------------------------------------- objects


def ticket(k_sample: bytes, id_: str, stratum: str) -> str:
    """hex(HMAC(K_sample, lp(u(stratum)) || lp(u(id))))."""
    return hmac.new(k_sample, lp(u(stratum)) + lp(u(id_)), hashlib.sha256).hexdigest()


def _pads(key: bytes):
    """Precomputed HMAC-SHA256 inner and outer hash states for ``key`` (RFC 2104)."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(x ^ 0x36 for x in key))
    outer = hashlib.sha256(bytes(x ^ 0x5C for x in key))
    return inner, outer


def _threshold(k: int, population: int) -> bytes:
    """A bound T such that, with overwhelming probability, at least ``k`` of ``population``
    uniformly random 32-byte tickets are < T.  Only a speed-up: a stratum with fewer
    than ``k`` tickets below T is recomputed in full, so the result never depends on T."""
    if k <= 0:
        return b""  # nothing is below b""
    want = k + 8 * math.isqrt(k) + 16
    if want >= population:
        return _ALL
    return ((want << 256) // population).to_bytes(32, "big")


def _scan(k_sample: bytes, lines: list, thresholds: dict, id_len):
    """Tickets for ``lines`` (b"id\\tstratum", sorted); keep those below their stratum's threshold.

    ``id_len``: the common byte length of every id, or None.  Returns
    (candidates [(stratum, ticket digest, id)], first line, last line, first id, last id,
    a duplicated id or None, bad) where ``bad`` means some line is not "id<TAB>ruled stratum"
    (the caller diagnoses it)."""
    inner, outer = _pads(k_sample)
    copies = {}
    for s in thresholds:
        st = inner.copy()
        st.update(lp(s) if id_len is None else lp(s) + id_len.to_bytes(4, "big"))
        copies[s] = st.copy
    tmax = max(thresholds.values(), default=b"")
    out = []
    app = out.append
    ocopy = outer.copy
    prev = dup = None
    try:
        if id_len is None:
            lps = [i.to_bytes(4, "big") for i in range(max(map(len, lines), default=0) + 1)]
            for d, _, s in map(bytes.partition, lines, repeat(b"\t")):
                i = copies[s]()
                i.update(lps[len(d)] + d)
                o = ocopy()
                o.update(i.digest())
                g = o.digest()
                if g < tmax and g < thresholds[s]:
                    app((s, g, d))
                if d == prev:
                    dup = d
                prev = d
        else:  # every id has id_len bytes: lp(id)'s length prefix is in the precomputed state
            for d, _, s in map(bytes.partition, lines, repeat(b"\t")):
                i = copies[s]()
                i.update(d)
                o = ocopy()
                o.update(i.digest())
                g = o.digest()
                if g < tmax and g < thresholds[s]:
                    app((s, g, d))
                if d == prev:
                    dup = d
                prev = d
    except KeyError:
        return out, None, None, None, None, None, True
    if not lines:
        return out, None, None, None, None, None, False
    return out, lines[0], lines[-1], lines[0].partition(b"\t")[0], prev, dup, False


def _scan_chunk(k_sample: bytes, chunk: bytes, thresholds: dict, id_len):
    """Split and check one chunk of whole frame lines, then _scan() it (runs in a worker)."""
    lines = chunk.split(b"\n")
    lines.pop()
    if b"" in lines or not all(map(lt, lines, islice(lines, 1, None))):
        return [], None, None, None, None, None, True
    return _scan(k_sample, lines, thresholds, id_len)


def _diagnose_frame(lines: list[bytes], rules: dict) -> None:
    """Slow path: name the first bad frame line (structure first, then missing rules)."""
    for n, line in enumerate(lines, 1):
        parts = line.split(b"\t")
        if len(parts) != 2:
            raise DrawError("frame", f"line {n} has {len(parts)} field(s), expected 2 (id<TAB>stratum)")
        if not parts[0] or not parts[1]:
            raise DrawError("frame", f"line {n} has an empty field")
    _check_frame_strata(lines, rules)
    raise DrawError("frame", "is malformed")  # pragma: no cover, no mutate - unreachable


def _check_frame_strata(lines: list[bytes], rules: dict) -> None:
    for n, line in enumerate(lines, 1):
        s = line.split(b"\t")[1].decode()  # lines have exactly two fields here
        if s not in rules:
            raise DrawError("strata", f"stratum {_show(s)} (frame line {n}) has no rule")


def _frame_precheck(b: bytes, n_lines: int) -> bool:
    """Cheap, C-speed structural checks of frame bytes: as many TABs as lines, no empty id
    or stratum.  (A line without TAB, or with two, is caught when its stratum is looked up.)"""
    return b.count(b"\t") == n_lines and not b.startswith(b"\t") and b"\n\t" not in b and b"\t\n" not in b


def _fixed_layout(b: bytes, n_lines: int):
    """If every line is exactly "<id of L bytes>\\t<1-byte stratum>\\n" (e.g. USCC frames),
    return (L, the column of stratum bytes); else None.  C-speed."""
    if not n_lines:
        return None
    id_len = b.find(b"\t")
    width = id_len + 3
    if id_len < 1 or len(b) != n_lines * width or b.count(b"\t") != n_lines:
        return None
    if b[id_len::width] != b"\t" * n_lines or b[width - 1 :: width] != b"\n" * n_lines:
        return None
    return id_len, b[id_len + 1 :: width]


def draw_objects(k_sample: bytes, frame_text, strata_rules: dict, *, workers: int = 1) -> dict:
    """Stratified sampling without replacement (kinds ``objects`` and ``experts``).

    ``frame_text``: the frame file (``id<TAB>stratum`` lines, str or UTF-8 bytes);
    ``strata_rules``: the announcement's ``strata``.  Returns the bundle ``result``:
    ``{"selected": [...], "alternates": [...], "sizes": {...}}``.
    ``workers > 1`` spreads ticket computation over that many processes (this one and
    ``workers - 1`` in a process pool); the result is identical.
    Raises DrawError (a ValueError) on a malformed frame or rules.
    """
    return _draw_objects(k_sample, _to_bytes(frame_text, "frame"), None, strata_rules, workers)


# below this many lines a process pool costs more than it saves
_PARALLEL_MIN_LINES = 100_000


def _draw_objects(k_sample: bytes, b: bytes, lines, rules: dict, workers: int = 1) -> dict:
    """``b``: the frame bytes; ``lines``: its already validated lines, or None."""
    if not isinstance(k_sample, (bytes, bytearray)):
        raise TypeError("k_sample must be bytes")
    k_sample = bytes(k_sample)
    validate_strata(rules)
    if not _is_int(workers) or workers < 1:
        raise ValueError("workers must be an integer >= 1")
    if lines is None:
        _bytes_check(b, "frame")
    n_lines = b.count(b"\n")

    def all_lines():
        return lines if lines is not None else _bytes_lines(b, "frame", checked=True)

    # populations, at C speed
    names = sorted(rules)
    bnames = {s: u(s) for s in names}
    pop = {}
    layout = _fixed_layout(b, n_lines)
    if layout is not None:
        id_len, column = layout
        for s in names:
            pop[s] = column.count(bnames[s]) if len(bnames[s]) == 1 else 0
        if sum(pop.values()) != n_lines:
            _diagnose_frame(all_lines(), rules)
    else:
        id_len = None
        if not _frame_precheck(b, n_lines):
            _diagnose_frame(all_lines(), rules)
        # each line has one TAB (a line with none or two fails the scan's stratum lookup)
        for s in names[:-1]:
            pop[s] = b.count(b"\t" + bnames[s] + b"\n")
        if names:
            pop[names[-1]] = n_lines - sum(pop.values())
    size, alt, thresholds = {}, {}, {}
    for s in names:
        size[s] = sample_size(rules[s], pop[s])
        alt[s] = min(rules[s].get("alternates", 0), pop[s] - size[s])
        thresholds[bnames[s]] = _threshold(size[s] + alt[s], pop[s])

    if workers > 1 and n_lines >= _PARALLEL_MIN_LINES:
        results = _scan_parallel(k_sample, b, thresholds, id_len, workers)
    elif lines is not None:
        results = [_scan(k_sample, lines, thresholds, id_len)]
    else:
        results = _scan_range(k_sample, b, 0, len(b), thresholds, id_len)

    # whole-frame checks: every chunk clean, sorted and without a repeated id across chunks
    nonempty = [r for r in results if r[1] is not None]
    pairs = list(zip(nonempty, nonempty[1:]))
    if any(r[6] for r in results) or not all(r[2] < nxt[1] for r, nxt in pairs):
        _diagnose_frame(all_lines(), rules)  # raises, naming the line
    dups = [r[5] for r in results if r[5] is not None] + [r[4] for r, nxt in pairs if r[4] == nxt[3]]
    if dups:
        raise DrawError("frame", f"id {_show(dups[0].decode('utf-8'))} appears on more than one line")

    cands = {bs: [] for bs in thresholds}
    for r in results:
        for s, g, d in r[0]:
            cands[s].append((g, d))
    sel, alts, sizes = [], [], {}
    for s in names:
        bs = bnames[s]
        k = size[s] + alt[s]
        c = cands[bs]
        if len(c) < k:  # threshold too tight (astronomically rare): recompute this stratum in full
            mine = [ln for ln in all_lines() if ln.partition(b"\t")[2] == bs]
            c = [(g, d) for _, g, d in _scan(k_sample, mine, {bs: _ALL}, None)[0]]
        c.sort()  # by (ticket, id): bytes order of the id = order of its UTF-8 bytes
        sel += [(g, s, d) for g, d in c[: size[s]]]
        alts += [(s, g, d) for g, d in c[size[s] : k]]
        sizes[s] = {"population": pop[s], "sample": size[s]}
    sel.sort()
    alts.sort()
    return {
        "selected": [{"id": d.decode(), "stratum": s, "ticket": g.hex()} for g, s, d in sel],
        "alternates": [{"id": d.decode(), "stratum": s, "ticket": g.hex()} for s, g, d in alts],
        "sizes": sizes,
    }


def _scan_parallel(k_sample: bytes, b: bytes, thresholds: dict, id_len, workers: int) -> list:
    """_scan_chunk() over ``workers`` chunks of whole lines: the first in this process,
    the others in a process pool.

    The frame reaches the pool processes as initializer arguments (inherited for free
    with fork; sent once, synchronously, at process start otherwise), never through the
    task queue, whose feeder thread would compete for the GIL with this process's scan."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # this process starts scanning sooner than a pool process: give it a slightly larger share
    own = min(1.0, 1.08 / workers)
    cuts = [0]
    for j in range(1, workers):
        pos = b.find(b"\n", int(len(b) * (own + (j - 1) * (1 - own) / (workers - 1))))
        cuts.append(len(b) if pos < 0 else pos + 1)
    cuts.append(len(b))
    try:
        ex = ProcessPoolExecutor(
            max_workers=workers - 1, initializer=_pool_init, initargs=(k_sample, b, thresholds, id_len)
        )
        futures = [ex.submit(_pool_scan, cuts[j], cuts[j + 1]) for j in range(1, workers)]
    except (OSError, NotImplementedError, ImportError):  # no process support here: stay single
        return [_scan_chunk(k_sample, b, thresholds, id_len)]
    try:
        results = _scan_range(k_sample, b, 0, cuts[1], thresholds, id_len)
        for j, f in enumerate(futures, 1):
            try:
                results += f.result()
            except BrokenProcessPool:  # a worker died (e.g. killed): do its share here
                results += _scan_range(k_sample, b, cuts[j], cuts[j + 1], thresholds, id_len)
    except BaseException:
        ex.shutdown(wait=False, cancel_futures=True)
        raise
    ex.shutdown(wait=True)
    return results


_pool_state = None


def _pool_init(k_sample: bytes, b: bytes, thresholds: dict, id_len) -> None:
    global _pool_state
    _pool_state = (k_sample, b, thresholds, id_len)


def _pool_scan(start: int, end: int):
    k_sample, b, thresholds, id_len = _pool_state
    return _scan_range(k_sample, b, start, end, thresholds, id_len)


def _scan_range(k_sample: bytes, b: bytes, start: int, end: int, thresholds: dict, id_len) -> list:
    """_scan_chunk() over the whole lines of ``b[start:end]``, a bounded chunk at a time (a list of
    its results, in order: the whole-frame checks compare neighbouring chunks)."""
    return [_scan_chunk(k_sample, chunk, thresholds, id_len) for chunk in _chunks(b, start, end)]


# --------------------------------------------------------------------------- teams


def validate_team_rules(team) -> None:
    """Raise DrawError('team', …) unless ``team`` is a valid teams rule object."""

    def bad(msg):
        raise DrawError("team", msg)

    if not isinstance(team, dict):
        bad(f"must be an object, not {type(team).__name__}")
    missing = sorted(TEAM_KEYS - set(team))
    if missing:
        bad(f"missing key(s) {', '.join(missing)}")
    unknown = sorted(_show(k) for k in team if k not in TEAM_KEYS)
    if unknown:
        bad(f"unknown key(s) {', '.join(unknown)}")
    req = team["required_departments"]
    if not isinstance(req, list) or not req:
        bad("required_departments must be a non-empty list of department codes")
    for d in req:
        _check_name(d, "department code", "team")
    if len(set(req)) != len(req):
        bad("required_departments lists a department twice")
    ts = team["team_size"]
    if not _is_int(ts) or ts < 2 or ts < len(req):
        bad(f"team_size must be an integer >= 2 and >= the number of required departments, got {_show(ts)}")
    ml = team["max_load"]
    if not _is_int(ml) or ml < 1:
        bad(f"max_load must be an integer >= 1, got {_show(ml)}")


def _h(key: bytes, *parts: str) -> str:
    return hmac.new(key, b"".join(lp(u(p)) for p in parts), hashlib.sha256).hexdigest()


def _parse_named(text, name: str, fields: int) -> list[list[str]]:
    _, lines = _file_lines(text, name)
    return _split_fields(lines, fields, name)


def assign_teams(k_assign: bytes, entities_text, pool_text, constraints_text, team_rules: dict) -> dict:
    """Constrained, load-balanced team assignment (kind ``teams``).

    Returns ``{"teams": [{"entity", "inspectors"}], "unassigned": [{"entity", "reason"}]}``.
    """
    if not isinstance(k_assign, (bytes, bytearray)):
        raise TypeError("k_assign must be bytes")
    k_assign = bytes(k_assign)
    validate_team_rules(team_rules)
    entities = [p[0] for p in _parse_named(entities_text, "entities", 1)]
    pool = _parse_named(pool_text, "pool", 2)
    dept = {}
    for ins, d in pool:
        if ins in dept:
            raise DrawError("pool", f"inspector {_show(ins)} is listed more than once")
        dept[ins] = d
    barred = {(ins, ent) for _reason, ins, ent in _parse_named(constraints_text, "constraints", 3)}

    required = team_rules["required_departments"]
    team_size = team_rules["team_size"]
    max_load = team_rules["max_load"]
    req_set = set(required)
    in_required = sorted(i for i in dept if dept[i] in req_set)

    eligible = {e: [i for i in in_required if (i, e) not in barred] for e in entities}
    order = sorted(entities, key=lambda e: (len(eligible[e]), _h(k_assign, "entity", e), e))
    load = dict.fromkeys(in_required, 0)
    teams, unassigned = [], []
    for e in order:

        def pick(cands, e=e):
            # min over (load, h("pick", e, i), i), hashing only the least loaded
            least = min(load[i] for i in cands)
            best = [i for i in cands if load[i] == least]
            return best[0] if len(best) == 1 else min(best, key=lambda i: (_h(k_assign, "pick", e, i), i))

        team: list[str] = []
        reason = None
        for d in required:
            cands = [i for i in eligible[e] if dept[i] == d and load[i] < max_load and i not in team]
            if not cands:
                reason = f"no eligible inspector from department {d}"
                break
            team.append(pick(cands))
        if reason is None:
            while len(team) < team_size:
                cands = [i for i in eligible[e] if load[i] < max_load and i not in team]
                if not cands:
                    reason = f"fewer than {team_size} eligible inspectors"
                    break
                team.append(pick(cands))
        if reason is None:
            for i in team:
                load[i] += 1
            teams.append({"entity": e, "inspectors": team})
        else:
            unassigned.append({"entity": e, "reason": reason})
    teams.sort(key=lambda t: u(t["entity"]))
    unassigned.sort(key=lambda t: u(t["entity"]))
    return {"teams": teams, "unassigned": unassigned}


# --------------------------------------------------------------------------- announcement & bundle


def _check_kind(kind) -> str:
    if not isinstance(kind, str) or kind not in KINDS:
        raise DrawError("kind", f"must be one of {', '.join(KINDS)}, got {_show(kind)}")
    return kind


def build_announcement(
    kind: str,
    commitment: str,
    inputs: dict,
    *,
    entropy_source: str,
    strata: dict | None = None,
    team: dict | None = None,
    context: dict | None = None,
) -> bytes:
    """Canonical announcement bytes for a draw (store them verbatim).

    ``inputs``: {"frame": text} for objects/experts, {"entities", "pool", "constraints"}
    for teams.  ``strata`` (objects/experts) or ``team`` (teams) are the rules.
    ``context``: extra top-level fields (task id, registry version, filter, …).
    Raises DrawError on any invalid input (e.g. a frame stratum without a rule).
    """
    _check_kind(kind)
    if not isinstance(commitment, str) or not _HEX64.fullmatch(commitment):
        raise DrawError("commitment", "must be 64 lowercase hex characters (hex(H(secret)))")
    _check_name(entropy_source, "entropy_source", "announcement")
    ann = {"algorithm": ALGORITHM, "kind": kind, "commitment": commitment, "entropy_source": entropy_source}
    expected = _INPUTS[kind]
    if not isinstance(inputs, dict) or set(inputs) != set(expected):
        raise DrawError("inputs", f"{kind} draw needs exactly the inputs {', '.join(sorted(expected))}")
    frame_size = None  # proven chunk by chunk (large frames), else counted below line by line
    for name, (field, _nf) in expected.items():
        if name == "frame" and kind != "teams":
            b = _to_bytes(inputs[name], name)
            frame_size = _frame_size_if_ok(b, strata)
            if frame_size is None:
                _file_lines(b, name)  # raises, naming the line, if the file is malformed
        else:
            b, _ = _file_lines(inputs[name], name)
        ann[field] = hashlib.sha256(b).hexdigest()
    if kind == "teams":
        if strata is not None:
            raise DrawError("strata", "a teams draw has no strata")
        validate_team_rules(team)
        for name, (_f, nf) in expected.items():
            _parse_named(inputs[name], name, nf)
        ann["team"] = team
    else:
        if team is not None:
            raise DrawError("team", f"an {kind} draw has no team rules")
        validate_strata(strata)
        if frame_size is None:
            b, lines = _file_lines(inputs["frame"], "frame")
            if not _frame_precheck(b, len(lines)):
                _diagnose_frame(lines, strata)
            parts = list(map(bytes.partition, lines, repeat(b"\t")))
            ruled = {u(s) for s in strata}
            if not set(map(itemgetter(2), parts)) <= ruled:  # catches lines with no TAB or two
                _diagnose_frame(lines, strata)
            ids = list(map(itemgetter(0), parts))
            if not all(map(ne, ids, islice(ids, 1, None))):  # same id => adjacent lines (sorted)
                dup = next(a for a, c in zip(ids, ids[1:]) if a == c)
                raise DrawError("frame", f"id {_show(dup.decode('utf-8'))} appears on more than one line")
            frame_size = len(lines)
        ann["frame_size"] = frame_size
        ann["strata"] = strata
    for k, v in (context or {}).items():
        if k in ann or k in ("frame_sha256", "frame_size", "strata", "team"):
            raise DrawError("announcement", f"context key {k!r} clashes with a draw-v1 field")
        ann[k] = v
    try:
        return canonical_json(ann)
    except ValueError as e:
        raise DrawError("announcement", str(e)) from None


def _loads(text: str):
    def pairs(items):
        d = {}
        for k, v in items:
            if k in d:
                raise ValueError(f"duplicate key {_show(k)}")
            d[k] = v
        return d

    def constant(name):
        raise ValueError(f"{name} is not valid JSON")

    return json.loads(text, object_pairs_hook=pairs, parse_constant=constant)


def _parse_announcement(announcement, kind=None) -> tuple[bytes, dict]:
    if isinstance(announcement, (bytes, bytearray)):
        ab = bytes(announcement)
        try:
            text = ab.decode()
        except UnicodeDecodeError:
            raise DrawError("announcement", "is not valid UTF-8") from None
    elif isinstance(announcement, str):
        text = announcement
        try:
            ab = u(text)
        except UnicodeEncodeError:
            raise DrawError("announcement", "is not valid Unicode (lone surrogate)") from None
    else:
        raise DrawError("announcement", f"must be a string, not {type(announcement).__name__}")
    try:
        ann = _loads(text)
    except Exception as e:
        raise DrawError("announcement", f"is not valid JSON: {e}") from None
    if not isinstance(ann, dict):
        raise DrawError("announcement", f"must be a JSON object, not {type(ann).__name__}")
    if ann.get("algorithm") != ALGORITHM:
        raise DrawError("announcement", f"algorithm must be {ALGORITHM!r}, got {_show(ann.get('algorithm'))}")
    if not isinstance(ann.get("kind"), str) or ann["kind"] not in KINDS:
        raise DrawError("announcement", f"kind must be one of {', '.join(KINDS)}, got {_show(ann.get('kind'))}")
    if kind is not None and ann["kind"] != kind:
        raise DrawError("kind", f"bundle kind {kind!r} differs from the announcement's kind {ann['kind']!r}")
    c = ann.get("commitment")
    if not isinstance(c, str) or not _HEX64.fullmatch(c):
        raise DrawError("announcement", f"commitment must be 64 lowercase hex characters, got {_show(c)}")
    es = ann.get("entropy_source")
    if not isinstance(es, str) or not es:
        raise DrawError("announcement", f"entropy_source must be a non-empty string, got {_show(es)}")
    return ab, ann


def _check_entropy(entropy, ann: dict) -> None:
    if not isinstance(entropy, str):
        raise DrawError("entropy", f"must be a string, not {type(entropy).__name__}")
    try:
        u(entropy)
    except UnicodeEncodeError:
        raise DrawError("entropy", "is not valid Unicode (lone surrogate)") from None
    if ann["entropy_source"] == "none" and entropy != "":
        raise DrawError("entropy", "the announcement says entropy_source 'none' but entropy is not empty")
    if ann["entropy_source"] != "none" and entropy == "":
        raise DrawError("entropy", f"empty, but the announcement names the source {_show(ann['entropy_source'])}")


def _check_inputs(kind: str, inputs, ann: dict) -> dict:
    """Well-formedness and hashes of the input files, then frame_size. Returns parsed files."""
    expected = _INPUTS[kind]
    if not isinstance(inputs, dict):
        raise DrawError("inputs", f"must be an object, not {type(inputs).__name__}")
    missing = [n for n in expected if n not in inputs]
    if missing:
        raise DrawError("inputs", f"missing input(s) {', '.join(missing)}")
    extra = sorted(_show(n) for n in inputs if n not in expected)
    if extra:
        raise DrawError("inputs", f"unexpected input(s) {', '.join(extra)} for a {kind} draw")
    parsed = {}
    for name, (field, nfields) in expected.items():
        if name == "frame":
            b = _to_bytes(inputs[name], name)
            n = _lines_ok(b)  # large frames: proven chunk by chunk, never split whole
            if n is not None and _frame_precheck(b, n):
                lines = None
            else:
                b, lines = _file_lines(b, name)
                if not _frame_precheck(b, len(lines)):
                    _diagnose_frame(lines, {})  # a failed precheck is structural: raised before any rule is read
        else:
            b, lines = _file_lines(inputs[name], name)
            _split_fields(lines, nfields, name)
        want = ann.get(field)
        if not isinstance(want, str) or not _HEX64.fullmatch(want):
            raise DrawError(field, f"the announcement's {field} must be 64 lowercase hex characters, got {_show(want)}")
        got = hashlib.sha256(b).hexdigest()
        if got != want:
            raise DrawError(field, f"{name} hashes to {got}, the announcement says {want}")
        parsed[name] = (b, lines)
    if kind != "teams":
        fs = ann.get("frame_size")
        b, lines = parsed["frame"]
        n = b.count(b"\n") if lines is None else len(lines)
        if not _is_int(fs):
            raise DrawError("frame_size", f"the announcement's frame_size must be an integer, got {_show(fs)}")
        if fs != n:
            raise DrawError("frame_size", f"the announcement says {fs} lines, the frame has {n}")
    return parsed


def _run(kind: str, ann: dict, k_sample: bytes, k_assign: bytes, parsed: dict, workers: int) -> dict:
    if kind == "teams":
        if "team" not in ann:
            raise DrawError("team", "the announcement has no team rules")
        validate_team_rules(ann["team"])
        return assign_teams(k_assign, parsed["entities"][0], parsed["pool"][0], parsed["constraints"][0], ann["team"])
    if "strata" not in ann:
        raise DrawError("strata", "the announcement has no strata rules")
    validate_strata(ann["strata"])
    b, lines = parsed["frame"]
    return _draw_objects(k_sample, b, lines, ann["strata"], workers)


def _secret_bytes(secret) -> bytes:
    if isinstance(secret, (bytes, bytearray)):
        return bytes(secret)
    if not isinstance(secret, str) or not _HEX64.fullmatch(secret):
        raise DrawError("secret", f"must be 64 lowercase hex characters, got {_show(secret)}")
    return bytes.fromhex(secret)


def execute(announcement, secret, entropy: str, inputs: dict, *, workers: int = 1) -> dict:
    """Run a committed draw: check everything a verifier checks, return the result.

    ``announcement``: the stored bytes (or str); ``secret``: 32 bytes or 64 hex chars."""
    ab, ann = _parse_announcement(announcement)
    s = _secret_bytes(secret)
    if hashlib.sha256(s).hexdigest() != ann["commitment"]:
        raise DrawError("commitment", "H(secret) does not match the announcement's commitment")
    _check_entropy(entropy, ann)
    parsed = _check_inputs(ann["kind"], inputs, ann)
    k_sample, k_assign = derive_keys(ab, s, entropy)
    return _run(ann["kind"], ann, k_sample, k_assign, parsed, workers)


def make_bundle(
    draw_id: str, announcement, secret, entropy: str, inputs: dict, *, result: dict | None = None, workers: int = 1
) -> dict:
    """Assemble a draw-bundle/1 object (computing the result unless given)."""
    ab, ann = _parse_announcement(announcement)
    if result is None:
        result = execute(ab, secret, entropy, inputs, workers=workers)
    s = _secret_bytes(secret)
    return {
        "format": BUNDLE_FORMAT,
        "draw_id": draw_id,
        "kind": ann["kind"],
        "announcement": ab.decode(),
        "secret": s.hex(),
        "entropy": entropy,
        "inputs": {k: v.decode() if isinstance(v, (bytes, bytearray)) else v for k, v in inputs.items()},
        "result": result,
    }


# --------------------------------------------------------------------------- verifier


def _show(v) -> str:
    """A short, printable rendering of an untrusted value for messages."""
    if isinstance(v, str):
        v = v[:100]
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) > 10**30:
        return "a very large integer"
    if isinstance(v, (str, int, float, bool, type(None))):
        r = json.dumps(v, ensure_ascii=False)
        if not r.isprintable():  # control and format characters, lone surrogates: escape them
            r = json.dumps(v)  # json's default: ASCII, \uXXXX escapes
    else:
        r = type(v).__name__
    return r if len(r) <= 90 else r[:87] + "..."


def _first_diff(expected, stored, path: str = ""):
    """Where ``stored`` first differs from ``expected`` (type-strict), or None."""
    if isinstance(expected, dict):
        if not isinstance(stored, dict):
            return f"{path or 'result'} should be an object, found {_show(stored)}"
        for k in expected:  # insertion order: selected before alternates, teams before unassigned
            if k not in stored:
                return f"{path}.{k} is missing" if path else f"{k} is missing"
            d = _first_diff(expected[k], stored[k], f"{path}.{k}" if path else k)
            if d:
                return d
        extra = sorted(str(k) for k in stored if k not in expected)
        if extra:
            return f"{path or 'result'} has unexpected key {_show(extra[0])}"
        return None
    if isinstance(expected, list):
        if not isinstance(stored, list):
            return f"{path} should be a list, found {_show(stored)}"
        for i, (e, s) in enumerate(zip(expected, stored)):
            d = _first_diff(e, s, f"{path}[{i}]")
            if d:
                return d
        if len(expected) != len(stored):
            return f"{path} has {len(stored)} entries, recomputation gives {len(expected)}"
        return None
    if type(stored) is not type(expected) or stored != expected:
        return f"{path} is {_show(stored)}, recomputation gives {_show(expected)}"
    return None


def _summary(bundle: dict, ann: dict, result: dict) -> str:
    did = bundle.get("draw_id")
    head = f"draw-v1 {bundle['kind']} draw" + (f" {did}" if isinstance(did, str) and did else "")
    if bundle["kind"] == "teams":
        return (
            f"{head}: {len(result['teams'])} team(s) assigned, {len(result['unassigned'])} unassigned; "
            f"commitment {ann['commitment'][:16]}… matches"
        )
    sizes = ", ".join(f"{s} {v['sample']}/{v['population']}" for s, v in sorted(result["sizes"].items()))
    return (
        f"{head}: {len(result['selected'])} selected, {len(result['alternates'])} alternate(s) "
        f"from {ann['frame_size']} ({sizes}); commitment {ann['commitment'][:16]}… matches"
    )


def _verify(bundle, workers: int) -> tuple[bool, str]:
    if isinstance(bundle, (bytes, bytearray, memoryview)):
        try:
            bundle = bytes(bundle).decode()
        except UnicodeDecodeError as e:
            raise DrawError("bundle", f"not valid UTF-8 ({e.reason} at byte {e.start})") from None
    if isinstance(bundle, str):
        try:
            bundle = _loads(bundle)
        except Exception as e:
            raise DrawError("bundle", f"not valid JSON: {e}") from None
    if not isinstance(bundle, dict):
        raise DrawError("bundle", f"must be a JSON object, not {type(bundle).__name__}")
    missing = [
        k for k in ("format", "kind", "announcement", "secret", "entropy", "inputs", "result") if k not in bundle
    ]
    if "format" in missing:
        raise DrawError("format", 'missing (expected "draw-bundle/1")')
    if bundle["format"] != BUNDLE_FORMAT:
        raise DrawError("format", f"expected {BUNDLE_FORMAT!r}, got {_show(bundle['format'])}")
    if missing:
        raise DrawError("bundle", f"missing key(s) {', '.join(missing)}")
    kind = bundle["kind"]
    if not isinstance(kind, str) or kind not in KINDS:
        raise DrawError("kind", f"must be one of {', '.join(KINDS)}, got {_show(kind)}")
    ab, ann = _parse_announcement(bundle["announcement"], kind)
    if not isinstance(bundle["secret"], str):
        raise DrawError("secret", f"must be a string of 64 lowercase hex characters, not {_show(bundle['secret'])}")
    s = _secret_bytes(bundle["secret"])
    if hashlib.sha256(s).hexdigest() != ann["commitment"]:
        raise DrawError(
            "commitment",
            f"H(secret) = {hashlib.sha256(s).hexdigest()}, the announcement commits to {ann['commitment']}",
        )
    _check_entropy(bundle["entropy"], ann)
    parsed = _check_inputs(kind, bundle["inputs"], ann)
    k_sample, k_assign = derive_keys(ab, s, bundle["entropy"])
    result = _run(kind, ann, k_sample, k_assign, parsed, workers)
    diff = _first_diff(result, bundle["result"])
    if diff:
        raise DrawError("result", diff)
    return True, _summary(bundle, ann, result)


def verify_bundle(bundle, *, workers: int = 1) -> tuple[bool, str]:
    """Verify a draw bundle (dict, or its JSON as str/bytes). Never raises.

    Returns (True, summary) or (False, "<check>: <detail>") naming the first failed check:
    bundle, format, kind, announcement, secret, commitment, entropy, inputs,
    <input file>, <input>_sha256, frame_size, strata / team, result."""
    try:
        return _verify(bundle, workers)
    except DrawError as e:
        return False, f"{e.check}: {e.detail}"
    except RecursionError:
        return False, "bundle: nested too deeply"
    except Exception as e:
        return False, f"internal: unexpected {type(e).__name__}: {e}"


def main(argv=None) -> int:
    """CLI: ``verify_draw.py [-j WORKERS] BUNDLE.json`` (``-`` reads stdin)."""
    args = list(sys.argv[1:] if argv is None else argv)
    workers = 1
    if len(args) == 3 and args[0] in ("-j", "--workers") and args[1].isdigit() and int(args[1]) >= 1:
        workers = int(args[1])
        args = args[2:]
    usage = (
        "usage: verify_draw.py [-j WORKERS] BUNDLE.json   (use - to read stdin)\n"
        "Verifies a draw-v1 bundle: prints OK and a summary (exit 0), "
        "or FAILED: <check>: <detail> (exit 1)."
    )
    if args in (["-h"], ["--help"]):
        print(usage)
        return 0
    if len(args) != 1:
        print(usage, file=sys.stderr)
        return 2
    try:
        if args[0] == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(args[0], "rb") as f:
                data = f.read()
    except OSError as e:
        _emit(f"FAILED: bundle: cannot read {args[0]}: {e.strerror or e}")
        return 1
    ok, message = verify_bundle(data, workers=workers)
    if ok:
        _emit("OK")
        _emit(message)
        return 0
    _emit(f"FAILED: {message}")
    return 1


def _emit(line: str) -> None:
    try:
        print(line)
    except UnicodeEncodeError:  # a terminal that cannot show the text: escape it
        print(line.encode("ascii", "backslashreplace").decode())


if __name__ == "__main__":
    sys.exit(main())
