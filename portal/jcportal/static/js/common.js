/*
 * What every page of the portal shares: building DOM safely (text only, never HTML from data),
 * calling the public JSON routes on this origin, formatting, the language switch.
 */
(function (root) {
  "use strict";
  const { t } = root.I18N;

  /** h("p", {class: "x", onclick: fn}, "text", child…): an element; strings become text nodes. */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
      else if (k === "dataset") Object.assign(el.dataset, v);
      else el.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  /** A definition list of [label, value] rows (rows with an empty value are left out). */
  function fields(rows) {
    return h(
      "dl",
      { class: "fields" },
      rows
        .filter((r) => r && r[1] !== null && r[1] !== undefined && r[1] !== "")
        .map(([label, value, attrs]) => h("div", Object.assign({ class: "field" }, attrs || {}), h("dt", {}, label), h("dd", {}, value))),
    );
  }

  class ApiError extends Error {
    constructor(status, problem, message) {
      super(message);
      this.status = status;
      this.problem = problem;
    }
  }

  /** GET a public route on this origin; JSON back, or an ApiError with the problem document. */
  async function getJSON(path) {
    let r;
    try {
      r = await fetch(path, { headers: { Accept: "application/json", "Accept-Language": root.I18N.lang === "en" ? "en" : "zh-CN" } });
    } catch (e) {
      throw new ApiError(0, null, t("error.network"));
    }
    const type = r.headers.get("content-type") || "";
    const body = type.includes("json") ? await r.json().catch(() => null) : null;
    if (!r.ok) {
      const detail = (body && (body.detail || body.title)) || `HTTP ${r.status}`;
      throw new ApiError(r.status, body, detail);
    }
    return body;
  }

  function errorBox(err) {
    return h("p", { class: "error", role: "alert" }, t("error.load", { detail: err.message }), err.problem && err.problem.code ? ` (${err.problem.code})` : "");
  }

  function param(name) {
    return new URLSearchParams(root.location.search).get(name);
  }

  /** A link to another page of the portal, keeping nothing but the given query. */
  function link(page, query, ...children) {
    const qs = new URLSearchParams(query || {}).toString();
    return h("a", { href: page + (qs ? `?${qs}` : "") }, ...children);
  }

  /** A time in China (the regime's time zone), with the exact ISO value as its title. */
  function time(iso) {
    if (!iso) return null;
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return iso;
    const text = d.toLocaleString(root.I18N.lang === "en" ? "en-GB" : "zh-CN", {
      timeZone: "Asia/Shanghai",
      hour12: false,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    return h("time", { datetime: iso, title: iso }, text + (root.I18N.lang === "en" ? " (Beijing)" : "（北京时间）"));
  }

  function code(text) {
    return h("code", { class: "hash" }, text);
  }

  function size(bytes) {
    if (bytes < 1024) return `${bytes} B`;
    if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
    return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  }

  /** The page's main element, emptied and filled with the given children. */
  function fill(...children) {
    const main = document.getElementById("main");
    main.replaceChildren(...children.flat(Infinity).filter(Boolean));
    return main;
  }

  /** Start a page: apply the language, wire the switch, render (and render again on a switch). */
  function start(render) {
    root.I18N.apply();
    const button = document.getElementById("lang-switch");
    if (button) button.addEventListener("click", () => root.I18N.set(root.I18N.lang === "en" ? "zh" : "en"));
    root.I18N.onChange(() => render());
    render();
  }

  root.Portal = { h, fields, getJSON, ApiError, errorBox, param, link, time, code, size, fill, start };
})(typeof self !== "undefined" ? self : this);
