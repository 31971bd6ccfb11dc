/*
 * The verification panel: runs DrawV1.verifyBundle on a bundle (downloaded, or a dropped file)
 * and shows each check as it passes or fails, naming the first failure. Besides the checks of
 * tools/verify_draw.py it asks this server, when it can, whether the audit service registered
 * the bundle's announcement before the entropy was accepted (the "receipt" step); offline that
 * step is reported as not checked.
 */
(function (root) {
  "use strict";
  const { h, fields, getJSON, ApiError, time, code, size } = root.Portal;
  const { t } = root.I18N;
  const STEPS = ["bundle", "commitment", "entropy", "inputs", "receipt", "result"];
  const SHOWN = 100; // rows of a long result shown on the page

  /** Microseconds since the epoch of an ISO 8601 time with up to 6 fractional digits. */
  function micros(iso) {
    const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(.*)$/.exec(iso || "");
    if (!m) return null;
    const base = Date.parse(m[1] + (m[3] || "Z"));
    if (Number.isNaN(base)) return null;
    return BigInt(base) * 1000n + BigInt((m[2] || "").padEnd(6, "0").slice(0, 6));
  }

  /** Yield to the browser (a task, not a timer: no 4 ms clamp) so the page stays live. */
  const channel = typeof MessageChannel !== "undefined" ? new MessageChannel() : null;
  const waiting = [];
  if (channel) channel.port1.onmessage = () => waiting.shift()();
  const yieldToPage = () =>
    new Promise((resolve) => {
      if (!channel) return setTimeout(resolve, 0);
      waiting.push(resolve);
      channel.port2.postMessage(0);
    });

  class VerifyPanel {
    constructor(container) {
      this.container = container;
      this.reset();
    }

    reset() {
      this.steps = Object.fromEntries(STEPS.map((s) => [s, { status: "pending", note: "" }]));
      this.report = null;
      this.busy = false;
      this.source = null;
      this.error = null;
      this.elapsed = null;
      this.progress = null;
    }

    /** Download a bundle from this server and verify it. */
    async verifyUrl(url) {
      this.reset();
      this.busy = true;
      this.source = { url, fetching: true };
      this.render();
      let bytes;
      try {
        const r = await fetch(url, { headers: { Accept: "application/json" } });
        if (!r.ok) {
          const problem = await r.json().catch(() => null);
          throw new ApiError(r.status, problem, (problem && problem.detail) || `HTTP ${r.status}`);
        }
        bytes = new Uint8Array(await r.arrayBuffer());
      } catch (e) {
        this.busy = false;
        this.error = e instanceof ApiError ? e : new ApiError(0, null, t("error.network"));
        this.render();
        return null;
      }
      this.source = { url, size: bytes.length };
      return this.verifyBytes(bytes, this.source);
    }

    /** Verify a File (drag and drop, file input): read locally, nothing is uploaded. */
    async verifyFile(file) {
      this.reset();
      this.busy = true;
      this.source = { name: file.name, size: file.size };
      this.render();
      const bytes = new Uint8Array(await file.arrayBuffer());
      return this.verifyBytes(bytes, this.source);
    }

    async verifyBytes(bytes, source) {
      this.busy = true;
      this.source = source || this.source;
      this.render();
      const started = performance.now();
      const report = await root.DrawV1.verifyBundle(bytes, {
        onPhase: (phase, status) => {
          this.steps[phase].status = status;
          this.renderSteps();
        },
        onProgress: (done, total) => {
          this.progress = [done, total];
          const note = this.container.querySelector('[data-step="result"] .progress');
          if (note) note.textContent = t("verify.progress", { done: done.toLocaleString(), total: total.toLocaleString() });
        },
        yield: yieldToPage,
      });
      this.report = report;
      const failedAt = report.ok ? STEPS.length : STEPS.indexOf(report.phase);
      for (const s of STEPS) {
        if (s === "receipt") continue;
        const i = STEPS.indexOf(s);
        if (i < failedAt) this.steps[s].status = "ok";
        else if (i === failedAt) (this.steps[s].status = "failed"), (this.steps[s].note = report.message);
        else this.steps[s].status = "notrun";
      }
      this.render();
      await this.checkReceipt(report);
      this.elapsed = (performance.now() - started) / 1000;
      this.busy = false;
      this.render();
      return this.verdict();
    }

    /** Did the audit service register this announcement before the entropy came? (online only) */
    async checkReceipt(report) {
      const step = this.steps.receipt;
      const fail = (msg) => Object.assign(step, { status: "failed", note: `receipt: ${msg}` });
      const skip = (note) => Object.assign(step, { status: "skipped", note });
      if (!report.announcementText || !STEPS.slice(0, 4).every((s) => this.steps[s].status === "ok")) {
        step.status = "notrun";
        return;
      }
      if (!report.drawId) return skip(t("receipt.no_draw_id"));
      step.status = "running";
      this.renderSteps();
      let draw, audit;
      try {
        draw = await getJSON(`../public/draws/${encodeURIComponent(report.drawId)}`);
      } catch (e) {
        return skip(e.status === 0 ? t("receipt.offline") : t("receipt.unknown_draw", { id: report.drawId }));
      }
      try {
        audit = await getJSON(`../public/announcements/${report.announcementSha256}`);
      } catch (e) {
        if (e.status === 0) return skip(t("receipt.offline"));
        return fail(`the audit service has no registration of this announcement (SHA-256 ${report.announcementSha256})`);
      }
      if (audit.announcement !== report.announcementText) return fail("the announcement audit registered differs from the bundle's");
      if (audit.draw_id !== report.drawId) return fail(`audit registered this announcement for draw ${audit.draw_id}, not ${report.drawId}`);
      if (draw.announcement_sha256 !== report.announcementSha256) return fail("the draw's public record names another announcement");
      const registered = micros(audit.registered_at);
      const entropy = micros(draw.entropy_at);
      if (entropy === null) return fail("the draw has no entropy time");
      if (registered === null || !(registered < entropy)) {
        return fail(`entropy accepted at ${draw.entropy_at}, not after audit's receipt at ${audit.registered_at}`);
      }
      step.status = "ok";
      step.receipt = { registered: audit.registered_at, seq: audit.chain_seq, entropy: draw.entropy_at };
    }

    /** {ok, check, message}: the first failure in the order shown, or OK. */
    verdict() {
      const failed = STEPS.find((s) => this.steps[s].status === "failed");
      if (!failed) return { ok: !!(this.report && this.report.ok), check: null, message: this.report && this.report.message };
      return { ok: false, step: failed, message: this.steps[failed].note };
    }

    stepLabel(s) {
      if (s !== "result") return t(`step.${s}`);
      const kind = this.report && this.report.kind;
      return t(kind ? `step.result.${kind}` : "step.result");
    }

    renderSteps() {
      const list = this.container.querySelector("ol.checks");
      if (!list) return;
      list.replaceChildren(...STEPS.map((s) => this.stepItem(s)));
    }

    stepItem(s) {
      const st = this.steps[s];
      let note = st.note;
      if (s === "receipt" && st.status === "ok" && st.receipt) {
        note = t("receipt.ok", { registered: st.receipt.registered, seq: st.receipt.seq, entropy: st.receipt.entropy });
      }
      const status = t(`status.${st.status === "notrun" ? "pending" : st.status}`);
      return h(
        "li",
        { class: `check ${st.status}`, dataset: { step: s, status: st.status } },
        h("span", { class: "mark", "aria-hidden": "true" }, { ok: "✓", failed: "✗", running: "…", skipped: "–" }[st.status] || "○"),
        h("span", { class: "label" }, this.stepLabel(s)),
        h("span", { class: "state" }, status),
        s === "result" && st.status === "running" ? h("span", { class: "progress" }) : null,
        note ? h("div", { class: "note" }, note) : null,
      );
    }

    render() {
      const r = this.report;
      const v = r && !this.busy ? this.verdict() : null;
      const src = this.source;
      this.container.replaceChildren(
        h(
          "section",
          { class: "verify-panel", "aria-live": "polite" },
          src
            ? h(
                "p",
                { class: "source" },
                src.name ? t("verify.file", { name: src.name, size: size(src.size) }) : src.fetching ? t("verify.fetching") : src.url,
              )
            : null,
          this.error ? h("p", { class: "error", role: "alert" }, t("error.load", { detail: this.error.message })) : null,
          this.busy && r === null && !this.error && !(src && src.fetching) ? h("p", {}, t("verify.running")) : null,
          h("ol", { class: "checks" }, STEPS.map((s) => this.stepItem(s))),
          v
            ? h(
                "div",
                { class: `verdict ${v.ok ? "ok" : "failed"}`, dataset: { verdict: v.ok ? "ok" : "failed" }, role: "status" },
                h("strong", {}, v.ok ? t("verify.ok") : t("verify.failed")),
                v.ok ? h("div", { class: "summary" }, r.summary) : h("div", { class: "first-failure" }, t("verify.first_failure"), h("code", {}, v.message)),
                !v.ok && r && !r.ok ? h("div", { class: "python" }, t("verify.python_says"), h("code", {}, `FAILED: ${r.message}`)) : null,
                this.elapsed !== null ? h("div", { class: "elapsed" }, t("verify.time", { s: this.elapsed.toFixed(2) })) : null,
              )
            : null,
          r && r.result && !this.busy ? this.resultView(r) : null,
        ),
      );
    }

    resultView(r) {
      const res = r.result;
      const more = (n) => (n > SHOWN ? h("p", { class: "more-rows" }, `… ${(n - SHOWN).toLocaleString()}`) : null);
      if (res.teams) {
        return h(
          "details",
          { class: "result" },
          h("summary", {}, t("verify.show_result")),
          h("h4", {}, t("verify.teams"), ` (${res.teams.length})`),
          h("ul", { class: "rows" }, res.teams.slice(0, SHOWN).map((x) => h("li", {}, code(x.entity), " → ", x.inspectors.join(", ")))),
          more(res.teams.length),
          h("h4", {}, t("verify.unassigned"), ` (${res.unassigned.length})`),
          h("ul", { class: "rows" }, res.unassigned.slice(0, SHOWN).map((x) => h("li", {}, code(x.entity), " — ", x.reason))),
          more(res.unassigned.length),
        );
      }
      const row = (x) => h("li", {}, code(x.id), ` ${x.stratum} `, h("code", { class: "hash ticket" }, x.ticket));
      return h(
        "details",
        { class: "result" },
        h("summary", {}, t("verify.show_result")),
        h("h4", {}, t("verify.selected"), ` (${res.selected.length})`),
        h("ul", { class: "rows" }, res.selected.slice(0, SHOWN).map(row)),
        more(res.selected.length),
        h("h4", {}, t("verify.alternates"), ` (${res.alternates.length})`),
        h("ul", { class: "rows" }, res.alternates.slice(0, SHOWN).map(row)),
        more(res.alternates.length),
        fields(Object.entries(res.sizes).map(([s, v]) => [s, `${v.sample} / ${v.population}`])),
      );
    }
  }

  root.VerifyPanel = VerifyPanel;
})(typeof self !== "undefined" ? self : this);
