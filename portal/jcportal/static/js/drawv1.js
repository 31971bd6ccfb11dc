/*
 * draw-v1 in the browser: the verifier of tools/verify_draw.py, written again from
 * docs/draw-spec.md (the normative page, with its binding test vectors).
 *
 * It checks a draw bundle exactly as the Python verifier does: the same checks in the same
 * order, the same verdict, the same first failure with the same name (the test suite runs both
 * on the spec's vectors and on random and tampered bundles). It needs nothing but this file:
 * SHA-256 and HMAC-SHA256 are implemented below (FIPS 180-4, RFC 2104) because the draw hashes
 * one ticket per entity, a million small messages, which a synchronous function does far faster
 * than one asynchronous WebCrypto call each; the tests compare them with WebCrypto.
 *
 * JSON is read by a parser of its own that keeps what Python's json keeps apart (integers and
 * floats, integers beyond 2^53, object key order, duplicate keys refused, NaN refused), so that a
 * bundle means the same thing to both verifiers.
 *
 * Exposed as DrawV1 (a global in a page, module.exports under Node).
 */
(function (root, factory) {
  "use strict";
  const api = factory();
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.DrawV1 = api;
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  const ALGORITHM = "draw-v1";
  const BUNDLE_FORMAT = "draw-bundle/1";
  const KINDS = ["objects", "experts", "teams"];
  const RULE_KEYS = new Set(["ratio", "count", "min", "max", "alternates"]);
  const TEAM_KEYS = new Set(["required_departments", "team_size", "max_load"]);
  // input files per kind: [name, announcement hash field, fields per line]
  const INPUTS = {
    objects: [["frame", "frame_sha256", 2]],
    experts: [["frame", "frame_sha256", 2]],
    teams: [
      ["entities", "entities_sha256", 1],
      ["pool", "pool_sha256", 2],
      ["constraints", "constraints_sha256", 3],
    ],
  };
  const HEX64 = /^[0-9a-f]{64}$/;
  const RATIO = /^[0-9]+(?:\.[0-9]+)?$/;
  const MAX_DEPTH = 900; // Python's json gives up near its recursion limit (1000 frames)

  class DrawError extends Error {
    constructor(check, detail) {
      super(`${check}: ${detail}`);
      this.check = check;
      this.detail = detail;
    }
  }

  // ------------------------------------------------------------------ Python's values
  // JSON values as Python's json.loads gives them: null, booleans, strings, integers (a JS
  // number when safe, else a BigInt), floats (PyFloat), lists (Array), objects (Map, in order).

  class PyFloat {
    constructor(value) {
      this.value = value;
    }
  }

  const isStr = (v) => typeof v === "string";
  const isInt = (v) => (typeof v === "number" && Number.isInteger(v)) || typeof v === "bigint";
  const isDict = (v) => v instanceof Map;
  const isList = (v) => Array.isArray(v);
  const big = (v) => (typeof v === "bigint" ? v : BigInt(v));

  function typeName(v) {
    if (v === null || v === undefined) return "NoneType";
    if (typeof v === "boolean") return "bool";
    if (typeof v === "string") return "str";
    if (isInt(v)) return "int";
    if (v instanceof PyFloat) return "float";
    if (isList(v)) return "list";
    if (isDict(v)) return "dict";
    if (v instanceof Uint8Array) return "bytes";
    return typeof v;
  }

  /** Compare strings by code point (Python's str order, which is UTF-8 byte order). */
  function cmpStr(a, b) {
    if (a === b) return 0;
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      let x = a.charCodeAt(i);
      let y = b.charCodeAt(i);
      if (x !== y) {
        if (x >= 0xd800 && y >= 0xd800) {
          // UTF-16 puts surrogates (astral characters) below U+E000..U+FFFF; code points do not
          x += x >= 0xe000 ? -0x800 : 0x2000;
          y += y >= 0xe000 ? -0x800 : 0x2000;
        }
        return x - y;
      }
    }
    return a.length - b.length;
  }

  const cmpAscii = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

  function codePoints(s, limit) {
    const out = [];
    for (const ch of s) {
      if (out.length >= limit) break;
      out.push(ch);
    }
    return out;
  }

  const cpLength = (s) => {
    let n = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d < 0xe000) i++;
      }
      n++;
    }
    return n;
  };

  const ESC = { '"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f" };

  /** json.dumps(s, ensure_ascii=asciiOnly) for a string. */
  function dumpsStr(s, asciiOnly) {
    let out = '"';
    for (let i = 0; i < s.length; i++) {
      const ch = s[i];
      const c = s.charCodeAt(i);
      if (ESC[ch]) out += ESC[ch];
      else if (c < 0x20 || (asciiOnly && c > 0x7e)) out += "\\u" + c.toString(16).padStart(4, "0");
      else out += ch;
    }
    return out + '"';
  }

  /** repr() of a Python float (shortest round trip), as json.dumps writes it. */
  function floatRepr(x) {
    if (Number.isNaN(x)) return "NaN";
    if (x === Infinity) return "Infinity";
    if (x === -Infinity) return "-Infinity";
    if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
    const [mant, expText] = Math.abs(x).toExponential().split("e");
    const exp = Number(expText);
    const digits = mant.replace(".", "");
    const sign = x < 0 ? "-" : "";
    if (exp < -4 || exp >= 16) {
      const m = digits.length > 1 ? digits[0] + "." + digits.slice(1) : digits;
      const e = Math.abs(exp).toString().padStart(2, "0");
      return `${sign}${m}e${exp < 0 ? "-" : "+"}${e}`;
    }
    if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
    if (digits.length <= exp + 1) return `${sign}${digits}${"0".repeat(exp + 1 - digits.length)}.0`;
    return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  }

  // characters str.isprintable() refuses: other (Cc Cf Cs Co Cn) and separators but the space
  const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]|(?! )\p{Zs}/u;
  const TOO_BIG = 10n ** 30n;

  /** A short, printable rendering of an untrusted value for messages (drawv1._show). */
  function show(v) {
    if (isStr(v)) v = codePoints(v, 100).join("");
    if (isInt(v)) {
      const b = big(v);
      if (b > TOO_BIG || b < -TOO_BIG) return "a very large integer";
    }
    let r;
    if (isStr(v)) {
      r = dumpsStr(v, false);
      if (NOT_PRINTABLE.test(r)) r = dumpsStr(v, true);
    } else if (isInt(v)) r = String(v);
    else if (v instanceof PyFloat) r = floatRepr(v.value);
    else if (v === true) r = "true";
    else if (v === false) r = "false";
    else if (v === null || v === undefined) r = "null";
    else r = typeName(v);
    if (cpLength(r) <= 90) return r;
    return codePoints(r, 87).join("") + "...";
  }

  /** Python's repr() of a str made of printable ASCII (the only kind this file needs). */
  const repr = (s) => (s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`);

  // ------------------------------------------------------------------ JSON (Python's json.loads)

  class JsonError extends Error {}

  function lineCol(text, pos) {
    let line = 1;
    let last = -1;
    for (let i = 0; i < pos; i++) if (text.charCodeAt(i) === 10) (line += 1), (last = i);
    return `line ${line} column ${pos - last} (char ${pos})`;
  }

  const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/y;

  /** json.loads with object_pairs_hook refusing duplicate keys and parse_constant refusing NaN. */
  function loads(text) {
    let i = 0;
    const n = text.length;
    const fail = (msg, at = i) => {
      throw new JsonError(`${msg}: ${lineCol(text, at)}`);
    };
    const ws = () => {
      while (i < n) {
        const c = text.charCodeAt(i);
        if (c === 32 || c === 9 || c === 10 || c === 13) i++;
        else break;
      }
    };
    const str = () => {
      const start = i; // at the opening quote
      let j = i + 1;
      let end;
      for (;;) {
        end = text.indexOf('"', j);
        if (end < 0) fail("Unterminated string starting at", start);
        let k = end - 1;
        while (text.charCodeAt(k) === 92) k--;
        if ((end - 1 - k) % 2 === 0) break;
        j = end + 1;
      }
      const raw = text.slice(start + 1, end);
      let value;
      if (raw.indexOf("\\") < 0) {
        const bad = raw.search(/[\x00-\x1f]/);
        if (bad >= 0) fail("Invalid control character at", start + 1 + bad);
        value = raw;
      } else {
        try {
          value = JSON.parse(text.slice(start, end + 1));
        } catch (e) {
          fail(/[\x00-\x1f]/.test(raw) ? "Invalid control character at" : "Invalid \\escape", start + 1);
        }
      }
      i = end + 1;
      return value;
    };
    const value = (depth) => {
      if (depth > MAX_DEPTH) throw new JsonError("maximum recursion depth exceeded while decoding a JSON document");
      const c = text[i];
      if (c === '"') return str();
      if (c === "{") {
        i++;
        const pairs = [];
        ws();
        if (text[i] === "}") {
          i++;
        } else {
          for (;;) {
            if (text[i] !== '"') fail("Expecting property name enclosed in double quotes");
            const key = str();
            ws();
            if (text[i] !== ":") fail("Expecting ':' delimiter");
            i++;
            ws();
            pairs.push([key, value(depth + 1)]);
            ws();
            if (text[i] === "}") {
              i++;
              break;
            }
            if (text[i] !== ",") fail("Expecting ',' delimiter");
            i++;
            ws();
          }
        }
        const d = new Map();
        for (const [k, v] of pairs) {
          if (d.has(k)) throw new JsonError(`duplicate key ${show(k)}`);
          d.set(k, v);
        }
        return d;
      }
      if (c === "[") {
        i++;
        const out = [];
        ws();
        if (text[i] === "]") {
          i++;
          return out;
        }
        for (;;) {
          out.push(value(depth + 1));
          ws();
          if (text[i] === "]") {
            i++;
            return out;
          }
          if (text[i] !== ",") fail("Expecting ',' delimiter");
          i++;
          ws();
        }
      }
      if (c === "n" && text.startsWith("null", i)) return (i += 4), null;
      if (c === "t" && text.startsWith("true", i)) return (i += 4), true;
      if (c === "f" && text.startsWith("false", i)) return (i += 5), false;
      if (c === "N" && text.startsWith("NaN", i)) throw new JsonError("NaN is not valid JSON");
      if (c === "I" && text.startsWith("Infinity", i)) throw new JsonError("Infinity is not valid JSON");
      if (c === "-" && text.startsWith("-Infinity", i)) throw new JsonError("-Infinity is not valid JSON");
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m) fail("Expecting value");
      i += m[0].length;
      if (m[1] !== undefined || m[2] !== undefined) return new PyFloat(Number(m[0]));
      const digits = m[0].replace("-", "").length;
      if (digits > 4300) {
        throw new JsonError(
          `Exceeds the limit (4300 digits) for integer string conversion: value has ${digits} digits; ` +
            "use sys.set_int_max_str_digits() to increase the limit",
        );
      }
      const num = Number(m[0]);
      return Number.isSafeInteger(num) ? num + 0 : BigInt(m[0]);
    };
    if (text.charCodeAt(0) === 0xfeff) fail("Unexpected UTF-8 BOM (decode using utf-8-sig)", 0);
    ws();
    if (i >= n) fail("Expecting value");
    const v = value(0);
    ws();
    if (i !== n) fail("Extra data");
    return v;
  }

  // ------------------------------------------------------------------ UTF-8

  const encoder = new TextEncoder();
  const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

  /** Index (in code points) of the first lone surrogate of s, or -1. */
  function loneSurrogate(s) {
    if (typeof s.isWellFormed === "function" && s.isWellFormed()) return -1;
    let cp = 0;
    for (let i = 0; i < s.length; i++, cp++) {
      const c = s.charCodeAt(i);
      if (c >= 0xd800 && c < 0xdc00) {
        const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
        if (d >= 0xdc00 && d < 0xe000) i++;
        else return cp;
      } else if (c >= 0xdc00 && c < 0xe000) return cp;
    }
    return -1;
  }

  const isCont = (b) => b >= 0x80 && b < 0xc0;

  /** Where and why CPython's strict UTF-8 decoder stops: [reason, start byte]. */
  function utf8Error(b) {
    const n = b.length;
    for (let i = 0; i < n; ) {
      const c = b[i];
      if (c < 0x80) {
        i++;
        continue;
      }
      if (c < 0xc2 || c > 0xf4) return ["invalid start byte", i];
      const need = c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;
      const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
      const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
      for (let k = 1; k <= need; k++) {
        if (i + k >= n) return ["unexpected end of data", i];
        const x = b[i + k];
        if (k === 1 ? x < lo || x > hi : !isCont(x)) return ["invalid continuation byte", i];
      }
      i += need + 1;
    }
    return null;
  }

  function encodeUtf8(text, name) {
    const bad = loneSurrogate(text);
    if (bad >= 0) throw new DrawError(name, `not valid UTF-8 text (surrogates not allowed at offset ${bad})`);
    return encoder.encode(text);
  }

  const concat = (...parts) => {
    const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of parts) out.set(p, o), (o += p.length);
    return out;
  };

  function lp(bytes) {
    const out = new Uint8Array(4 + bytes.length);
    new DataView(out.buffer).setUint32(0, bytes.length);
    out.set(bytes, 4);
    return out;
  }

  // ------------------------------------------------------------------ SHA-256, HMAC-SHA256

  const K = new Int32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
    0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
    0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
    0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
  ]);
  const IV = new Int32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  const W = new Int32Array(64);

  /** One SHA-256 compression of W[0..15] into state st (FIPS 180-4, 6.2.2). */
  function compress(st) {
    const w = W;
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15];
      const y = w[i - 2];
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    let a = st[0], b = st[1], c = st[2], d = st[3], e = st[4], f = st[5], g = st[6], h = st[7]; // prettier-ignore
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    st[0] = (st[0] + a) | 0;
    st[1] = (st[1] + b) | 0;
    st[2] = (st[2] + c) | 0;
    st[3] = (st[3] + d) | 0;
    st[4] = (st[4] + e) | 0;
    st[5] = (st[5] + f) | 0;
    st[6] = (st[6] + g) | 0;
    st[7] = (st[7] + h) | 0;
  }

  const TAIL = new Uint8Array(128);

  /**
   * Finish SHA-256 from state st (already holding `prefix` bytes, a multiple of 64) over
   * data[off, off + len): st is updated in place and holds the digest words.
   */
  function finish(st, prefix, data, off, len) {
    let p = off;
    const end = off + len;
    for (; p + 64 <= end; p += 64) {
      for (let j = 0; j < 16; j++) {
        const q = p + 4 * j;
        W[j] = (data[q] << 24) | (data[q + 1] << 16) | (data[q + 2] << 8) | data[q + 3];
      }
      compress(st);
    }
    const rest = end - p;
    TAIL.fill(0);
    for (let j = 0; j < rest; j++) TAIL[j] = data[p + j];
    TAIL[rest] = 0x80;
    const blocks = rest + 9 > 64 ? 2 : 1;
    const bits = (prefix + len) * 8;
    const at = blocks * 64 - 8;
    const hi = Math.floor(bits / 0x100000000);
    TAIL[at] = hi >>> 24;
    TAIL[at + 1] = hi >>> 16;
    TAIL[at + 2] = hi >>> 8;
    TAIL[at + 3] = hi;
    TAIL[at + 4] = bits >>> 24;
    TAIL[at + 5] = bits >>> 16;
    TAIL[at + 6] = bits >>> 8;
    TAIL[at + 7] = bits;
    for (let k = 0; k < blocks; k++) {
      for (let j = 0; j < 16; j++) {
        const q = 64 * k + 4 * j;
        W[j] = (TAIL[q] << 24) | (TAIL[q + 1] << 16) | (TAIL[q + 2] << 8) | TAIL[q + 3];
      }
      compress(st);
    }
  }

  const wordsToBytes = (st) => {
    const out = new Uint8Array(32);
    for (let j = 0; j < 8; j++) {
      out[4 * j] = st[j] >>> 24;
      out[4 * j + 1] = st[j] >>> 16;
      out[4 * j + 2] = st[j] >>> 8;
      out[4 * j + 3] = st[j];
    }
    return out;
  };

  const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
  const hex = (bytes) => {
    let s = "";
    for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]];
    return s;
  };
  const wordsHex = (w) => {
    let s = "";
    for (let j = 0; j < 8; j++) {
      const x = w[j];
      s += HEX[(x >>> 24) & 255] + HEX[(x >>> 16) & 255] + HEX[(x >>> 8) & 255] + HEX[x & 255];
    }
    return s;
  };
  const fromHex = (s) => Uint8Array.from(s.match(/../g) || [], (x) => parseInt(x, 16));

  function sha256(bytes) {
    const st = IV.slice();
    finish(st, 0, bytes, 0, bytes.length);
    return wordsToBytes(st);
  }

  /** Precomputed inner and outer states of HMAC-SHA256 for a key (RFC 2104). */
  function hmacPads(key) {
    if (key.length > 64) key = sha256(key);
    const pad = new Uint8Array(64);
    const inner = IV.slice();
    const outer = IV.slice();
    pad.fill(0x36);
    for (let i = 0; i < key.length; i++) pad[i] ^= key[i];
    finish64(inner, pad);
    pad.fill(0x5c);
    for (let i = 0; i < key.length; i++) pad[i] ^= key[i];
    finish64(outer, pad);
    return { inner, outer };
  }

  function finish64(st, block) {
    for (let j = 0; j < 16; j++) W[j] = (block[4 * j] << 24) | (block[4 * j + 1] << 16) | (block[4 * j + 2] << 8) | block[4 * j + 3];
    compress(st);
  }

  /** HMAC of data[off, off+len) with precomputed pads; the 8 digest words land in out. */
  function hmacWords(pads, data, off, len, out) {
    out.set(pads.inner);
    finish(out, 64, data, off, len);
    for (let j = 0; j < 8; j++) W[j] = out[j];
    W[8] = 0x80000000;
    for (let j = 9; j < 15; j++) W[j] = 0;
    W[15] = (64 + 32) * 8;
    out.set(pads.outer);
    compress(out);
  }

  const BLOCK = new Uint8Array(64);

  /** hmacWords for a message of at most 55 bytes (one block after the key's): the tickets' case. */
  function hmacShort(pads, msg, len, out) {
    const blk = BLOCK;
    blk.set(msg.subarray(0, len));
    blk[len] = 0x80;
    blk.fill(0, len + 1, 60);
    const bits = (64 + len) * 8;
    blk[60] = bits >>> 24;
    blk[61] = bits >>> 16;
    blk[62] = bits >>> 8;
    blk[63] = bits;
    for (let j = 0; j < 16; j++) W[j] = (blk[4 * j] << 24) | (blk[4 * j + 1] << 16) | (blk[4 * j + 2] << 8) | blk[4 * j + 3];
    out.set(pads.inner);
    compress(out);
    for (let j = 0; j < 8; j++) W[j] = out[j];
    W[8] = 0x80000000;
    for (let j = 9; j < 15; j++) W[j] = 0;
    W[15] = (64 + 32) * 8;
    out.set(pads.outer);
    compress(out);
  }

  function hmacSha256(key, msg) {
    const out = new Int32Array(8);
    hmacWords(hmacPads(key), msg, 0, msg.length, out);
    return wordsToBytes(out);
  }

  const sha256Hex = (data) => hex(sha256(typeof data === "string" ? encodeUtf8(data, "data") : data));

  /** (K_sample, K_assign): HKDF-SHA256 with salt H(announcement), IKM lp(s) || lp(u(E)). */
  function deriveKeys(announcementBytes, secretBytes, entropy) {
    const prk = hmacSha256(sha256(announcementBytes), concat(lp(secretBytes), lp(encoder.encode(entropy))));
    return [hmacSha256(prk, encoder.encode("sample\x01")), hmacSha256(prk, encoder.encode("assign\x01"))];
  }

  // ------------------------------------------------------------------ files

  /** The lines of file bytes [start, end) offsets (without LF), after the generic checks. */
  function fileLines(b, name) {
    const cr = b.indexOf(13);
    if (cr >= 0) {
      let line = 1;
      for (let i = 0; i < cr; i++) if (b[i] === 10) line++;
      throw new DrawError(name, `line ${line} contains a CR character`);
    }
    if (b.length && b[b.length - 1] !== 10) {
      throw new DrawError(name, "does not end with LF (every line, including the last, must end with LF)");
    }
    const starts = [];
    for (let p = 0; p < b.length; ) {
      starts.push(p);
      p = b.indexOf(10, p) + 1;
    }
    const count = starts.length;
    const s = Int32Array.from(starts);
    const e = new Int32Array(count);
    for (let i = 0; i < count; i++) e[i] = (i + 1 < count ? s[i + 1] : b.length) - 1;
    for (let i = 0; i < count; i++) if (e[i] === s[i]) throw new DrawError(name, `line ${i + 1} is empty`);
    let unsorted = -1;
    for (let i = 1; i < count && unsorted < 0; i++) if (cmpBytes(b, s[i - 1], e[i - 1], s[i], e[i]) >= 0) unsorted = i;
    if (unsorted >= 0) {
      for (let i = 1; i < count; i++) {
        const c = cmpBytes(b, s[i - 1], e[i - 1], s[i], e[i]);
        if (c === 0) throw new DrawError(name, `line ${i + 1} duplicates line ${i}`);
        if (c > 0) throw new DrawError(name, `line ${i + 1} is not in ascending byte order (lines must be sorted)`);
      }
    }
    return { bytes: b, starts: s, ends: e, count };
  }

  function cmpBytes(b, s1, e1, s2, e2) {
    const n = Math.min(e1 - s1, e2 - s2);
    for (let k = 0; k < n; k++) {
      const d = b[s1 + k] - b[s2 + k];
      if (d) return d;
    }
    return e1 - s1 - (e2 - s2);
  }

  function toBytes(text, name) {
    if (!isStr(text)) throw new DrawError(name, `must be a string, not ${typeName(text)}`);
    return encodeUtf8(text, name);
  }

  function lineText(f, i) {
    return strictDecoder.decode(f.bytes.subarray(f.starts[i], f.ends[i]));
  }

  function splitFields(f, fields, name) {
    const out = [];
    for (let i = 0; i < f.count; i++) {
      const parts = lineText(f, i).split("\t");
      if (fields !== null && parts.length !== fields) {
        throw new DrawError(name, `line ${i + 1} has ${parts.length} field(s), expected ${fields}`);
      }
      if (parts.includes("")) throw new DrawError(name, `line ${i + 1} has an empty field`);
      out.push(parts);
    }
    return out;
  }

  /** As drawv1._frame_precheck: as many TABs as lines, no empty first or last field. */
  function framePrecheck(b, count) {
    let tabs = 0;
    for (let i = 0; i < b.length; i++) {
      if (b[i] === 9) {
        tabs++;
        if (i === 0 || b[i - 1] === 10 || b[i + 1] === 10) return false;
      }
    }
    return tabs === count;
  }

  /** The first frame line that is not "id<TAB>stratum" (drawv1._diagnose_frame's first loop). */
  function frameStructure(f) {
    const b = f.bytes;
    for (let i = 0; i < f.count; i++) {
      let tabs = 0;
      let first = -1;
      for (let p = f.starts[i]; p < f.ends[i]; p++) {
        if (b[p] === 9) {
          tabs++;
          if (first < 0) first = p;
        }
      }
      if (tabs !== 1) return new DrawError("frame", `line ${i + 1} has ${tabs + 1} field(s), expected 2 (id<TAB>stratum)`);
      if (first === f.starts[i] || first === f.ends[i] - 1) return new DrawError("frame", `line ${i + 1} has an empty field`);
    }
    return null;
  }

  // ------------------------------------------------------------------ rules

  function checkName(value, what, check) {
    if (!isStr(value) || !value) throw new DrawError(check, `${what} must be a non-empty string, got ${show(value)}`);
    if (/[\t\n\r]/.test(value)) throw new DrawError(check, `${what} ${show(value)} contains TAB, LF or CR`);
    if (loneSurrogate(value) >= 0) throw new DrawError(check, `${what} ${show(value)} is not valid Unicode`);
    return value;
  }

  function ratioFraction(r) {
    const [whole, frac = ""] = r.split(".");
    return [BigInt(whole + frac), 10n ** BigInt(frac.length)];
  }

  function validateRule(rule, where) {
    const bad = (msg) => {
      throw new DrawError("strata", `${where}: ${msg}`);
    };
    if (!isDict(rule)) bad(`must be an object, not ${typeName(rule)}`);
    const unknown = [...rule.keys()].filter((k) => !RULE_KEYS.has(k)).map(show).sort(cmpStr);
    if (unknown.length) bad(`unknown key(s) ${unknown.join(", ")} (allowed: alternates, count, max, min, ratio)`);
    if (rule.has("ratio") === rule.has("count")) bad("exactly one of 'ratio' and 'count' is required");
    if (rule.has("ratio")) {
      const r = rule.get("ratio");
      if (!isStr(r) || cpLength(r) > 40 || !RATIO.test(r)) {
        bad(`ratio must be a decimal string such as "0.05" (at most 40 characters), got ${show(r)}`);
      }
      const [num, den] = ratioFraction(r);
      if (num > den) bad(`ratio must be between 0 and 1, got ${show(r)}`);
    } else {
      const c = rule.get("count");
      if (!isInt(c) || c < 0) bad(`count must be an integer >= 0, got ${show(c)}`);
    }
    const mn = rule.has("min") ? rule.get("min") : 0;
    if (!isInt(mn) || mn < 0) bad(`min must be an integer >= 0, got ${show(mn)}`);
    const mx = rule.has("max") ? rule.get("max") : null;
    if (mx !== null && (!isInt(mx) || mx < 0)) bad(`max must be an integer >= 0 or null, got ${show(mx)}`);
    if (mx !== null && big(mn) > big(mx)) bad(`min (${mn}) is greater than max (${mx})`);
    if (rule.has("alternates")) {
      const a = rule.get("alternates");
      if (!isInt(a) || a < 0) bad(`alternates must be an integer >= 0, got ${show(a)}`);
    }
  }

  function validateStrata(strata) {
    if (!isDict(strata)) {
      throw new DrawError("strata", `must be an object mapping stratum to rule, not ${typeName(strata)}`);
    }
    for (const [name, rule] of strata) {
      checkName(name, "stratum name", "strata");
      validateRule(rule, `stratum ${show(name)}`);
    }
  }

  /** Sample size of a stratum of `population` (exact: BigInt, never floating point). */
  function sampleSize(rule, population) {
    const N = BigInt(population);
    let n;
    if (rule.has("count")) n = big(rule.get("count"));
    else {
      const [num, den] = ratioFraction(rule.get("ratio"));
      n = (num * N + den - 1n) / den; // ceil
    }
    const mn = rule.has("min") ? big(rule.get("min")) : 0n;
    if (n < mn) n = mn;
    const mx = rule.has("max") ? rule.get("max") : null;
    if (mx !== null && n > big(mx)) n = big(mx);
    if (n > N) n = N;
    return Number(n);
  }

  function validateTeamRules(team) {
    const bad = (msg) => {
      throw new DrawError("team", msg);
    };
    if (!isDict(team)) bad(`must be an object, not ${typeName(team)}`);
    const missing = [...TEAM_KEYS].filter((k) => !team.has(k)).sort(cmpStr);
    if (missing.length) bad(`missing key(s) ${missing.join(", ")}`);
    const unknown = [...team.keys()].filter((k) => !TEAM_KEYS.has(k)).map(show).sort(cmpStr);
    if (unknown.length) bad(`unknown key(s) ${unknown.join(", ")}`);
    const req = team.get("required_departments");
    if (!isList(req) || !req.length) bad("required_departments must be a non-empty list of department codes");
    for (const d of req) checkName(d, "department code", "team");
    if (new Set(req).size !== req.length) bad("required_departments lists a department twice");
    const ts = team.get("team_size");
    if (!isInt(ts) || ts < 2 || ts < req.length) {
      bad(`team_size must be an integer >= 2 and >= the number of required departments, got ${show(ts)}`);
    }
    const ml = team.get("max_load");
    if (!isInt(ml) || ml < 1) bad(`max_load must be an integer >= 1, got ${show(ml)}`);
  }

  // ------------------------------------------------------------------ objects and experts

  /** Keeps the k smallest (ticket, id) pairs seen, in a max-heap. */
  class Smallest {
    constructor(k, bytes) {
      this.k = k;
      this.bytes = bytes;
      this.items = []; // {w: Int32Array(8), s, e} (ticket words; id bytes [s, e) of the frame)
    }
    less(x, y) {
      // (ticket, id) of x < (ticket, id) of y
      for (let j = 0; j < 8; j++) {
        const a = x.w[j] >>> 0;
        const b = y.w[j] >>> 0;
        if (a !== b) return a < b;
      }
      return cmpBytes(this.bytes, x.s, x.e, y.s, y.e) < 0;
    }
    offer(w, s, e) {
      const items = this.items;
      if (items.length < this.k) {
        items.push({ w: w.slice(), s, e });
        let i = items.length - 1;
        while (i > 0) {
          const p = (i - 1) >> 1;
          if (!this.less(items[p], items[i])) break;
          [items[p], items[i]] = [items[i], items[p]];
          i = p;
        }
        return;
      }
      const top = items[0];
      const w0 = w[0] >>> 0;
      const t0 = top.w[0] >>> 0;
      if (w0 > t0) return; // the common case: larger than the largest kept
      const cand = { w, s, e };
      if (!this.less(cand, top)) return;
      top.w.set(w);
      top.s = s;
      top.e = e;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && this.less(items[m], items[l])) m = l;
        if (r < items.length && this.less(items[m], items[r])) m = r;
        if (m === i) break;
        [items[m], items[i]] = [items[i], items[m]];
        i = m;
      }
    }
    sorted() {
      return this.items.slice().sort((x, y) => (this.less(x, y) ? -1 : this.less(y, x) ? 1 : 0));
    }
  }

  let boundScale = 1; // tests narrow the bound to exercise the full rescan

  const latin1 = (b, s, e) => String.fromCharCode.apply(null, b.subarray(s, e));

  /**
   * Stratified sampling without replacement over a checked frame (kinds objects and experts):
   * drawv1._draw_objects. `tick` (optional, async) is awaited now and then with the progress.
   */
  async function drawObjectsChecked(kSample, f, rules, tick) {
    validateStrata(rules);
    const b = f.bytes;
    const names = [...rules.keys()].sort(cmpStr);
    const index = new Map(names.map((s, i) => [latin1(encoder.encode(s), 0, encoder.encode(s).length), i]));
    const byByte = new Int32Array(256).fill(-1); // strata of one byte (A, B, C, D, U): no string made
    for (const [key, i] of index) if (key.length === 1) byByte[key.charCodeAt(0)] = i;
    const pop = new Array(names.length).fill(0);
    const stratumOf = new Int32Array(f.count);
    const tabOf = new Int32Array(f.count);
    // 1. structure, rules, populations, repeated ids (the errors come in drawv1's order)
    const structural = frameStructure(f);
    if (structural) throw structural;
    let lastDup = -1;
    for (let i = 0; i < f.count; i++) {
      const s = f.starts[i];
      const e = f.ends[i];
      const t = b.indexOf(9, s);
      const idx = e - t === 2 ? byByte[b[t + 1]] : index.has(latin1(b, t + 1, e)) ? index.get(latin1(b, t + 1, e)) : -1;
      if (idx < 0) {
        const stratum = strictDecoder.decode(b.subarray(t + 1, e));
        throw new DrawError("strata", `stratum ${show(stratum)} (frame line ${i + 1}) has no rule`);
      }
      pop[idx]++;
      stratumOf[i] = idx;
      tabOf[i] = t;
      if (i > 0 && cmpBytes(b, f.starts[i - 1], tabOf[i - 1], s, t) === 0) lastDup = i;
    }
    if (lastDup >= 0) {
      const id = strictDecoder.decode(b.subarray(f.starts[lastDup], tabOf[lastDup]));
      throw new DrawError("frame", `id ${show(id)} appears on more than one line`);
    }
    // 2. sample sizes, then the tickets: HMAC(K_sample, lp(u(stratum)) || lp(u(id)))
    const size = names.map((s, i) => sampleSize(rules.get(s), pop[i]));
    const alt = names.map((s, i) => {
      const rule = rules.get(s);
      const a = rule.has("alternates") ? big(rule.get("alternates")) : 0n;
      const room = BigInt(pop[i] - size[i]);
      return Number(a < room ? a : room);
    });
    const heaps = names.map((s, i) => new Smallest(size[i] + alt[i], b));
    const prefixes = names.map((s) => lp(encoder.encode(s)));
    // Only a speed-up, as drawv1._threshold: a ticket whose first 32 bits reach a stratum's
    // bound cannot be among its smallest unless fewer than k tickets fall below the bound, in
    // which case that stratum is scanned again without one. The result never depends on it.
    const bound = heaps.map((heap, i) => {
      const want = heap.k + 8 * Math.floor(Math.sqrt(heap.k)) + 16;
      return want >= pop[i] ? 0x100000000 : Math.floor((want * 0x100000000 * boundScale) / pop[i]);
    });
    const pads = hmacPads(kSample);
    const w = new Int32Array(8);
    const scan = async (only, bounded) => {
      let msg = new Uint8Array(256);
      for (let i = 0; i < f.count; i++) {
        const idx = stratumOf[i];
        const heap = heaps[idx];
        if (heap.k === 0 || (only >= 0 && idx !== only)) continue;
        const s = f.starts[i];
        const t = tabOf[i];
        const pre = prefixes[idx];
        const idLen = t - s;
        const len = pre.length + 4 + idLen;
        if (len > msg.length) msg = new Uint8Array(2 * len);
        msg.set(pre, 0);
        let o = pre.length;
        msg[o] = idLen >>> 24;
        msg[o + 1] = idLen >>> 16;
        msg[o + 2] = idLen >>> 8;
        msg[o + 3] = idLen;
        o += 4;
        for (let p = s; p < t; p++) msg[o++] = b[p];
        if (len <= 55) hmacShort(pads, msg, len, w);
        else hmacWords(pads, msg, 0, len, w);
        if (!bounded || w[0] >>> 0 < bound[idx]) heap.offer(w, s, t);
        if (tick && (i & 0xffff) === 0xffff) await tick(i + 1, f.count);
      }
    };
    await scan(-1, true);
    for (let i = 0; i < names.length; i++) {
      if (heaps[i].items.length < heaps[i].k) {
        heaps[i].items = [];
        await scan(i, false);
      }
    }
    if (tick) await tick(f.count, f.count);
    const sel = [];
    const alts = [];
    const sizes = new Map();
    names.forEach((s, i) => {
      const kept = heaps[i].sorted().map((x) => ({
        ticket: wordsHex(x.w),
        stratum: s,
        id: strictDecoder.decode(b.subarray(x.s, x.e)),
        idStart: x.s,
        idEnd: x.e,
      }));
      sel.push(...kept.slice(0, size[i]));
      alts.push(...kept.slice(size[i]));
      sizes.set(s, new Map([["population", pop[i]], ["sample", size[i]]]));
    });
    const byId = (x, y) => cmpBytes(b, x.idStart, x.idEnd, y.idStart, y.idEnd);
    sel.sort((x, y) => cmpAscii(x.ticket, y.ticket) || cmpStr(x.stratum, y.stratum) || byId(x, y));
    alts.sort((x, y) => cmpStr(x.stratum, y.stratum) || cmpAscii(x.ticket, y.ticket) || byId(x, y));
    const entry = (x) => new Map([["id", x.id], ["stratum", x.stratum], ["ticket", x.ticket]]);
    return new Map([
      ["selected", sel.map(entry)],
      ["alternates", alts.map(entry)],
      ["sizes", sizes],
    ]);
  }

  // ------------------------------------------------------------------ teams

  function h(pads, ...parts) {
    const msg = concat(...parts.map((p) => lp(encoder.encode(p))));
    const out = new Int32Array(8);
    hmacWords(pads, msg, 0, msg.length, out);
    return wordsHex(out);
  }

  /** Constrained, load-balanced team assignment (kind teams): drawv1.assign_teams. */
  function assignTeamsChecked(kAssign, files, team) {
    validateTeamRules(team);
    const entities = splitFields(files.entities, 1, "entities").map((p) => p[0]);
    const pool = splitFields(files.pool, 2, "pool");
    const dept = new Map();
    for (const [ins, d] of pool) {
      if (dept.has(ins)) throw new DrawError("pool", `inspector ${show(ins)} is listed more than once`);
      dept.set(ins, d);
    }
    const barred = new Set(splitFields(files.constraints, 3, "constraints").map(([, ins, ent]) => `${ins}\t${ent}`));
    const pads = hmacPads(kAssign);
    const required = team.get("required_departments");
    const teamSize = team.get("team_size");
    const maxLoad = team.get("max_load");
    const reqSet = new Set(required);
    const inRequired = [...dept.keys()].filter((i) => reqSet.has(dept.get(i))).sort(cmpStr);
    const eligible = new Map(entities.map((e) => [e, inRequired.filter((i) => !barred.has(`${i}\t${e}`))]));
    const hEntity = new Map(entities.map((e) => [e, h(pads, "entity", e)]));
    const order = entities
      .slice()
      .sort(
        (a, c) =>
          eligible.get(a).length - eligible.get(c).length || cmpAscii(hEntity.get(a), hEntity.get(c)) || cmpStr(a, c),
      );
    const load = new Map(inRequired.map((i) => [i, 0]));
    const teams = [];
    const unassigned = [];
    for (const e of order) {
      const pick = (cands) => {
        const least = Math.min(...cands.map((i) => load.get(i)));
        const best = cands.filter((i) => load.get(i) === least);
        if (best.length === 1) return best[0];
        const keyed = best.map((i) => [h(pads, "pick", e, i), i]);
        keyed.sort((x, y) => cmpAscii(x[0], y[0]) || cmpStr(x[1], y[1]));
        return keyed[0][1];
      };
      const members = [];
      let reason = null;
      for (const d of required) {
        const cands = eligible.get(e).filter((i) => dept.get(i) === d && load.get(i) < maxLoad && !members.includes(i));
        if (!cands.length) {
          reason = `no eligible inspector from department ${d}`;
          break;
        }
        members.push(pick(cands));
      }
      if (reason === null) {
        while (members.length < teamSize) {
          const cands = eligible.get(e).filter((i) => load.get(i) < maxLoad && !members.includes(i));
          if (!cands.length) {
            reason = `fewer than ${teamSize} eligible inspectors`;
            break;
          }
          members.push(pick(cands));
        }
      }
      if (reason === null) {
        for (const i of members) load.set(i, load.get(i) + 1);
        teams.push(new Map([["entity", e], ["inspectors", members]]));
      } else unassigned.push(new Map([["entity", e], ["reason", reason]]));
    }
    const byEntity = (x, y) => cmpStr(x.get("entity"), y.get("entity"));
    teams.sort(byEntity);
    unassigned.sort(byEntity);
    return new Map([
      ["teams", teams],
      ["unassigned", unassigned],
    ]);
  }

  // ------------------------------------------------------------------ the verifier

  function parseAnnouncement(announcement, kind) {
    if (!isStr(announcement)) throw new DrawError("announcement", `must be a string, not ${typeName(announcement)}`);
    if (loneSurrogate(announcement) >= 0) throw new DrawError("announcement", "is not valid Unicode (lone surrogate)");
    const ab = encoder.encode(announcement);
    let ann;
    try {
      ann = loads(announcement);
    } catch (e) {
      throw new DrawError("announcement", `is not valid JSON: ${e.message}`);
    }
    if (!isDict(ann)) throw new DrawError("announcement", `must be a JSON object, not ${typeName(ann)}`);
    if (ann.get("algorithm") !== ALGORITHM) {
      throw new DrawError("announcement", `algorithm must be 'draw-v1', got ${show(ann.get("algorithm"))}`);
    }
    if (!isStr(ann.get("kind")) || !KINDS.includes(ann.get("kind"))) {
      throw new DrawError("announcement", `kind must be one of ${KINDS.join(", ")}, got ${show(ann.get("kind"))}`);
    }
    if (kind !== null && ann.get("kind") !== kind) {
      throw new DrawError("kind", `bundle kind ${repr(kind)} differs from the announcement's kind ${repr(ann.get("kind"))}`);
    }
    const c = ann.get("commitment");
    if (!isStr(c) || !HEX64.test(c)) {
      throw new DrawError("announcement", `commitment must be 64 lowercase hex characters, got ${show(c)}`);
    }
    const es = ann.get("entropy_source");
    if (!isStr(es) || !es) throw new DrawError("announcement", `entropy_source must be a non-empty string, got ${show(es)}`);
    return [ab, ann];
  }

  function checkEntropy(entropy, ann) {
    if (!isStr(entropy)) throw new DrawError("entropy", `must be a string, not ${typeName(entropy)}`);
    if (loneSurrogate(entropy) >= 0) throw new DrawError("entropy", "is not valid Unicode (lone surrogate)");
    const source = ann.get("entropy_source");
    if (source === "none" && entropy !== "") {
      throw new DrawError("entropy", "the announcement says entropy_source 'none' but entropy is not empty");
    }
    if (source !== "none" && entropy === "") {
      throw new DrawError("entropy", `empty, but the announcement names the source ${show(source)}`);
    }
  }

  function checkInputs(kind, inputs, ann) {
    const expected = INPUTS[kind];
    if (!isDict(inputs)) throw new DrawError("inputs", `must be an object, not ${typeName(inputs)}`);
    const missing = expected.map((x) => x[0]).filter((n) => !inputs.has(n));
    if (missing.length) throw new DrawError("inputs", `missing input(s) ${missing.join(", ")}`);
    const known = new Set(expected.map((x) => x[0]));
    const extra = [...inputs.keys()].filter((n) => !known.has(n)).map(show).sort(cmpStr);
    if (extra.length) throw new DrawError("inputs", `unexpected input(s) ${extra.join(", ")} for a ${kind} draw`);
    const parsed = {};
    const hashes = {};
    for (const [name, field, nfields] of expected) {
      const f = fileLines(toBytes(inputs.get(name), name), name);
      if (name === "frame") {
        if (!framePrecheck(f.bytes, f.count)) {
          const structural = frameStructure(f);
          if (structural) throw structural;
          const first = strictDecoder.decode(f.bytes.subarray(f.bytes.indexOf(9) + 1, f.ends[0]));
          throw new DrawError("strata", `stratum ${show(first)} (frame line 1) has no rule`);
        }
      } else splitFields(f, nfields, name);
      const want = ann.has(field) ? ann.get(field) : null;
      if (!isStr(want) || !HEX64.test(want)) {
        throw new DrawError(field, `the announcement's ${field} must be 64 lowercase hex characters, got ${show(want)}`);
      }
      const got = hex(sha256(f.bytes));
      if (got !== want) throw new DrawError(field, `${name} hashes to ${got}, the announcement says ${want}`);
      parsed[name] = f;
      hashes[field] = got;
    }
    if (kind !== "teams") {
      const fs = ann.has("frame_size") ? ann.get("frame_size") : null;
      const n = parsed.frame.count;
      if (!isInt(fs)) throw new DrawError("frame_size", `the announcement's frame_size must be an integer, got ${show(fs)}`);
      if (fs !== n) throw new DrawError("frame_size", `the announcement says ${fs} lines, the frame has ${n}`);
    }
    return { parsed, hashes };
  }

  function firstDiff(expected, stored, path) {
    if (isDict(expected)) {
      if (!isDict(stored)) return `${path || "result"} should be an object, found ${show(stored)}`;
      for (const [k, v] of expected) {
        const sub = path ? `${path}.${k}` : k;
        if (!stored.has(k)) return `${sub} is missing`;
        const d = firstDiff(v, stored.get(k), sub);
        if (d) return d;
      }
      const extra = [...stored.keys()].filter((k) => !expected.has(k)).sort(cmpStr);
      if (extra.length) return `${path || "result"} has unexpected key ${show(extra[0])}`;
      return null;
    }
    if (isList(expected)) {
      if (!isList(stored)) return `${path} should be a list, found ${show(stored)}`;
      const n = Math.min(expected.length, stored.length);
      for (let i = 0; i < n; i++) {
        const d = firstDiff(expected[i], stored[i], `${path}[${i}]`);
        if (d) return d;
      }
      if (expected.length !== stored.length) {
        return `${path} has ${stored.length} entries, recomputation gives ${expected.length}`;
      }
      return null;
    }
    const same = typeName(stored) === typeName(expected) && (isInt(expected) ? big(stored) === big(expected) : stored === expected);
    return same ? null : `${path} is ${show(stored)}, recomputation gives ${show(expected)}`;
  }

  function summary(bundle, ann, result, kind) {
    const did = bundle.get("draw_id");
    const head = `draw-v1 ${kind} draw` + (isStr(did) && did ? ` ${did}` : "");
    const c = ann.get("commitment").slice(0, 16);
    if (kind === "teams") {
      return `${head}: ${result.get("teams").length} team(s) assigned, ${result.get("unassigned").length} unassigned; commitment ${c}… matches`;
    }
    const sizes = [...result.get("sizes").entries()]
      .sort((x, y) => cmpStr(x[0], y[0]))
      .map(([s, v]) => `${s} ${v.get("sample")}/${v.get("population")}`)
      .join(", ");
    return (
      `${head}: ${result.get("selected").length} selected, ${result.get("alternates").length} alternate(s) ` +
      `from ${ann.get("frame_size")} (${sizes}); commitment ${c}… matches`
    );
  }

  /** Map/Array/PyFloat/BigInt → plain JSON-able values (for pages and tests). */
  function plain(v) {
    if (isDict(v)) return Object.fromEntries([...v].map(([k, x]) => [k, plain(x)]));
    if (isList(v)) return v.map(plain);
    if (v instanceof PyFloat) return v.value;
    if (typeof v === "bigint") return v.toString();
    return v;
  }

  /** Map-based values from plain JSON objects (for calling the algorithms directly). */
  function fromPlain(v) {
    if (isList(v)) return v.map(fromPlain);
    if (v !== null && typeof v === "object" && !(v instanceof PyFloat)) {
      return new Map(Object.entries(v).map(([k, x]) => [k, fromPlain(x)]));
    }
    return v;
  }

  /** The phases of a verification, in order; each Python check name belongs to the phase it fails in. */
  const PHASES = ["bundle", "commitment", "entropy", "inputs", "result"];

  /**
   * Verify a bundle (bytes: Uint8Array/ArrayBuffer; or its JSON text) as tools/verify_draw.py
   * does. Never throws. Resolves to {ok, message, check, detail, phase, summary, result, bundle}:
   * message is the Python verifier's ("<check>: <detail>" on failure, the summary on success);
   * phase the step that failed; result the recomputed result (when it got that far).
   * opts.onPhase(phase, "running"|"ok"|"failed") and opts.onProgress(done, total) report progress;
   * opts.yield (async) is awaited now and then during long computations.
   */
  async function verifyBundle(input, opts = {}) {
    const onPhase = opts.onPhase || (() => {});
    const report = { ok: false, phase: "bundle", result: null, announcement: null, kind: null, hashes: null, drawId: null };
    let phase = "bundle";
    const enter = (p) => {
      if (phase !== p) onPhase(phase, "ok");
      phase = p;
      report.phase = p;
      onPhase(p, "running");
    };
    const tick = async (done, total) => {
      if (opts.onProgress) opts.onProgress(done, total);
      if (opts.yield) await opts.yield();
    };
    try {
      onPhase("bundle", "running");
      let text = input;
      if (input instanceof ArrayBuffer) input = new Uint8Array(input);
      if (input instanceof Uint8Array) {
        try {
          text = strictDecoder.decode(input);
        } catch (e) {
          const [reason, at] = utf8Error(input) || ["invalid data", 0];
          throw new DrawError("bundle", `not valid UTF-8 (${reason} at byte ${at})`);
        }
      }
      let bundle;
      try {
        bundle = loads(text);
      } catch (e) {
        throw new DrawError("bundle", `not valid JSON: ${e.message}`);
      }
      if (!isDict(bundle)) throw new DrawError("bundle", `must be a JSON object, not ${typeName(bundle)}`);
      report.bundle = bundle;
      const missing = ["format", "kind", "announcement", "secret", "entropy", "inputs", "result"].filter((k) => !bundle.has(k));
      if (missing.includes("format")) throw new DrawError("format", 'missing (expected "draw-bundle/1")');
      if (bundle.get("format") !== BUNDLE_FORMAT) {
        throw new DrawError("format", `expected 'draw-bundle/1', got ${show(bundle.get("format"))}`);
      }
      if (missing.length) throw new DrawError("bundle", `missing key(s) ${missing.join(", ")}`);
      const kind = bundle.get("kind");
      if (!isStr(kind) || !KINDS.includes(kind)) throw new DrawError("kind", `must be one of ${KINDS.join(", ")}, got ${show(kind)}`);
      const [ab, ann] = parseAnnouncement(bundle.get("announcement"), kind);
      report.kind = kind;
      report.announcement = ann;
      report.announcementText = bundle.get("announcement");
      report.announcementSha256 = hex(sha256(ab));
      report.drawId = isStr(bundle.get("draw_id")) ? bundle.get("draw_id") : null;
      enter("commitment");
      const secret = bundle.get("secret");
      if (!isStr(secret)) throw new DrawError("secret", `must be a string of 64 lowercase hex characters, not ${show(secret)}`);
      if (!HEX64.test(secret)) throw new DrawError("secret", `must be 64 lowercase hex characters, got ${show(secret)}`);
      const s = fromHex(secret);
      const hs = hex(sha256(s));
      report.commitment = hs;
      if (hs !== ann.get("commitment")) {
        throw new DrawError("commitment", `H(secret) = ${hs}, the announcement commits to ${ann.get("commitment")}`);
      }
      enter("entropy");
      checkEntropy(bundle.get("entropy"), ann);
      enter("inputs");
      const { parsed, hashes } = checkInputs(kind, bundle.get("inputs"), ann);
      report.hashes = hashes;
      enter("result");
      const [kSample, kAssign] = deriveKeys(ab, s, bundle.get("entropy"));
      let result;
      if (kind === "teams") {
        if (!ann.has("team")) throw new DrawError("team", "the announcement has no team rules");
        validateTeamRules(ann.get("team"));
        result = assignTeamsChecked(kAssign, parsed, ann.get("team"));
      } else {
        if (!ann.has("strata")) throw new DrawError("strata", "the announcement has no strata rules");
        validateStrata(ann.get("strata"));
        result = await drawObjectsChecked(kSample, parsed.frame, ann.get("strata"), tick);
      }
      report.result = plain(result);
      const diff = firstDiff(result, bundle.get("result"), "");
      if (diff) throw new DrawError("result", diff);
      onPhase("result", "ok");
      report.ok = true;
      report.summary = summary(bundle, ann, result, kind);
      report.message = report.summary;
    } catch (e) {
      if (e instanceof DrawError) {
        report.check = e.check;
        report.detail = e.detail;
      } else if (e instanceof RangeError && /call stack/i.test(e.message)) {
        report.check = "bundle";
        report.detail = "nested too deeply";
      } else {
        report.check = "internal";
        report.detail = `unexpected ${e && e.name}: ${e && e.message}`;
      }
      report.message = `${report.check}: ${report.detail}`;
      onPhase(phase, "failed");
    }
    report.announcement = report.announcement ? plain(report.announcement) : null;
    delete report.bundle;
    return report;
  }

  // ------------------------------------------------------------------ direct access (vectors, tests)

  async function drawObjects(kSample, frameText, strata) {
    const f = fileLines(encodeUtf8(frameText, "frame"), "frame");
    return plain(await drawObjectsChecked(kSample, f, fromPlain(strata), null));
  }

  function assignTeams(kAssign, entities, pool, constraints, team) {
    const files = {
      entities: fileLines(encodeUtf8(entities, "entities"), "entities"),
      pool: fileLines(encodeUtf8(pool, "pool"), "pool"),
      constraints: fileLines(encodeUtf8(constraints, "constraints"), "constraints"),
    };
    return plain(assignTeamsChecked(kAssign, files, fromPlain(team)));
  }

  return {
    ALGORITHM,
    BUNDLE_FORMAT,
    KINDS,
    PHASES,
    DrawError,
    verifyBundle,
    deriveKeys,
    drawObjects,
    assignTeams,
    sha256,
    sha256Hex,
    hmacSha256,
    hex,
    fromHex,
    loads,
    plain,
    show,
    utf8: (s) => encoder.encode(s),
    /** Tests only: scale the ticket bound (below 1 forces the rescan that keeps results exact). */
    setBoundScale: (x) => (boundScale = x),
  };
});
