/*
 * The portal's pages. Each page (its <body data-page="…">) fetches what it shows from the public
 * routes once, then renders — again whenever the language changes.
 */
(function (root) {
  "use strict";
  const P = root.Portal;
  const { h, fields, getJSON, errorBox, param, link, time, code, fill } = P;
  const { t } = root.I18N;
  const API = "../public";
  const CLASSES = ["A", "B", "C", "D", "U"];

  const loading = () => fill(h("p", { class: "loading" }, t("loading")));

  function ruleText(rule) {
    const parts = [];
    if (rule.ratio !== undefined) parts.push(t("rule.ratio", { v: rule.ratio }));
    if (rule.count !== undefined) parts.push(t("rule.count", { v: rule.count }));
    if (rule.min) parts.push(t("rule.min", { v: rule.min }));
    if (rule.max !== undefined && rule.max !== null) parts.push(t("rule.max", { v: rule.max }));
    if (rule.alternates) parts.push(t("rule.alternates", { v: rule.alternates }));
    return parts.join(root.I18N.lang === "en" ? ", " : "，");
  }

  const classLabel = (c) => (root.I18N.has(`class.${c}`) ? t(`class.${c}`) : c);
  const methodLabel = (m) => (root.I18N.has(`method.${m}`) ? t(`method.${m}`) : m);
  const kindLabel = (k) => t(`kind.${k}`);
  const statusBadge = (s) => h("span", { class: `badge ${s}`, dataset: { status: s } }, t(`status.${s}`));

  function ratiosView(ratios) {
    const rank = (c) => (CLASSES.includes(c) ? CLASSES.indexOf(c) : CLASSES.length);
    const keys = Object.keys(ratios || {}).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1));
    return h("ul", { class: "inline" }, keys.map((c) => h("li", {}, h("b", {}, classLabel(c)), " ", ruleText(ratios[c]))));
  }

  // ------------------------------------------------------------------ plans

  function plansPage() {
    const state = { items: null, next: null, error: null, year: param("year") || "" };
    async function load(more) {
      try {
        const qs = new URLSearchParams({ limit: "50" });
        if (state.year) qs.set("year", state.year);
        if (more && state.next) qs.set("cursor", state.next);
        const page = await getJSON(`${API}/plans?${qs}`);
        state.items = (more ? state.items : []).concat(page.items);
        state.next = page.next_cursor;
      } catch (e) {
        state.error = e;
      }
      render();
    }
    function render() {
      if (state.error) return fill(h("h1", {}, t("plans.title")), errorBox(state.error));
      if (state.items === null) return loading();
      const years = [...new Set(state.items.map((p) => p.year))].sort((a, b) => b - a);
      fill(
        h("p", { class: "tagline" }, t("site.tagline")),
        h("h1", {}, t("plans.title")),
        state.items.length === 0
          ? h("p", { class: "empty" }, t("plans.empty"))
          : h(
              "ul",
              { class: "cards", id: "plans" },
              state.items.map((p) =>
                h(
                  "li",
                  { class: "card", dataset: { plan: p.id } },
                  h("h2", {}, link("plan.html", { id: p.id }, p.name)),
                  fields([
                    [t("plans.year"), String(p.year)],
                    [t("plans.lead"), p.lead_department],
                    [t("plans.published_at"), time(p.published_at)],
                  ]),
                  h("p", { class: "meta" }, t("plans.tasks", { n: p.task_count })),
                ),
              ),
            ),
        state.next ? h("button", { type: "button", class: "more", onclick: () => load(true) }, t("more")) : null,
        years.length > 1 && !state.year ? h("p", { class: "meta" }, years.map((y) => [link("index.html", { year: y }, String(y)), " "])) : null,
      );
    }
    load(false);
    return render;
  }

  // ------------------------------------------------------------------ one plan

  function taskCard(task, withLink) {
    return h(
      "article",
      { class: `card task${task.cancelled ? " cancelled" : ""}`, dataset: { task: task.id } },
      h("h2", {}, withLink ? link("task.html", { id: task.id }, task.name) : task.name, task.cancelled ? h("span", { class: "badge voided" }, t("task.cancelled")) : null),
      fields([
        [t("task.industry"), `${task.industry}（${task.industry_codes.join("、")}）`],
        [t("task.lead"), task.lead_department],
        [t("task.departments"), task.departments.join("、")],
        [t("task.scope"), task.scope_summary],
        [t("task.draw_type"), root.I18N.has(`task.draw_type.${task.draw_type}`) ? t(`task.draw_type.${task.draw_type}`) : task.draw_type],
        [t("task.ratios"), ratiosView(task.sampling_ratios)],
        [t("task.frequency"), String(task.frequency_per_year)],
        [t("task.window"), `${task.inspection_start} — ${task.inspection_end}`],
        [t("task.executing_body"), task.executing_body],
        task.cancelled ? [t("task.cancel_reason"), [task.cancel_reason || "", " ", time(task.cancelled_at)]] : null,
      ]),
      h(
        "details",
        { class: "items" },
        h("summary", {}, t("task.items"), ` (${task.items.length})`),
        h(
          "ul",
          {},
          task.items.map((i) =>
            h(
              "li",
              { class: i.cancelled ? "cancelled" : "" },
              h("b", {}, i.name),
              i.cancelled ? t("task.item_cancelled") : "",
              ` · ${i.department} · ${t("task.item.basis")}：${i.legal_basis} · ${t("task.item.methods")}：${i.methods.map(methodLabel).join("、")}`,
            ),
          ),
        ),
      ),
    );
  }

  function planPage() {
    const id = param("id");
    const state = { plan: null, error: null };
    getJSON(`${API}/plans/${encodeURIComponent(id || "")}`)
      .then((p) => (state.plan = p))
      .catch((e) => (state.error = e))
      .finally(render);
    function render() {
      if (state.error) return fill(h("h1", {}, t("plan.title")), errorBox(state.error));
      if (!state.plan) return loading();
      const p = state.plan;
      fill(
        h("p", { class: "crumbs" }, link("index.html", {}, t("nav.plans")), " › ", String(p.year)),
        h("h1", {}, p.name),
        fields([
          [t("plans.year"), String(p.year)],
          [t("plans.lead"), p.lead_department],
          [t("plans.published_at"), time(p.published_at)],
          [t("plan.description"), p.description],
        ]),
        h("h2", {}, t("plan.tasks")),
        p.tasks.length ? h("div", { class: "cards", id: "tasks" }, p.tasks.map((task) => taskCard(task, true))) : h("p", { class: "empty" }, t("plan.no_tasks")),
      );
    }
    return render;
  }

  // ------------------------------------------------------------------ one task and its draws

  function drawRow(d) {
    return h(
      "li",
      { class: `card draw ${d.status}`, dataset: { draw: d.id, status: d.status } },
      h("h3", {}, link("draw.html", { id: d.id }, kindLabel(d.kind), d.kind === "teams" ? ` · ${t("draw.round", { n: d.round })}` : ""), " ", statusBadge(d.status)),
      fields([
        [t("draw.receipt.registered_at"), time(d.registered_at)],
        [t("draw.entropy.at"), time(d.entropy_at)],
        [t("draw.executed_at"), time(d.executed_at)],
        d.status === "voided" ? [t("draw.void_reason"), d.void_reason, { class: "field void-reason" }] : null,
        d.status === "voided" ? [t("draw.voided_at"), time(d.voided_at)] : null,
        d.completes_draw_id ? ["", t("draw.supplementary", { id: d.completes_draw_id.slice(0, 8) })] : null,
      ]),
    );
  }

  function taskPage() {
    const id = param("id");
    const state = { task: null, draws: null, error: null, drawsError: null };
    getJSON(`${API}/plans/tasks/${encodeURIComponent(id || "")}`)
      .then((x) => (state.task = x))
      .catch((e) => (state.error = e))
      .finally(render);
    getJSON(`${API}/draws?task_id=${encodeURIComponent(id || "")}`)
      .then((x) => (state.draws = x))
      .catch((e) => (state.drawsError = e))
      .finally(render);
    function render() {
      if (state.error) return fill(h("h1", {}, t("task.title")), errorBox(state.error));
      if (!state.task) return loading();
      const task = state.task;
      const order = { objects: 0, experts: 1, teams: 2 };
      const draws = (state.draws || []).slice().sort((a, b) => order[a.kind] - order[b.kind] || a.round - b.round || (a.registered_at || "").localeCompare(b.registered_at || ""));
      fill(
        h("p", { class: "crumbs" }, link("index.html", {}, t("nav.plans")), " › ", link("plan.html", { id: task.plan.id }, task.plan.name)),
        h("h1", {}, t("task.title")),
        taskCard(task, false),
        h("h2", {}, t("task.draws")),
        state.drawsError ? errorBox(state.drawsError) : state.draws === null ? h("p", { class: "loading" }, t("loading")) : draws.length ? h("ul", { class: "cards", id: "draws" }, draws.map(drawRow)) : h("p", { class: "empty" }, t("task.no_draws")),
      );
    }
    return render;
  }

  // ------------------------------------------------------------------ one draw

  function announcementView(ann) {
    const rows = [
      [t("draw.ann.algorithm"), ann.algorithm],
      [t("draw.ann.entropy_source"), ann.entropy_source],
      [t("draw.ann.registry_version"), ann.registry_version !== undefined ? String(ann.registry_version) : null],
      [t("draw.ann.window"), Array.isArray(ann.inspection_window) ? ann.inspection_window.join(" — ") : null],
      [t("draw.ann.frame_size"), ann.frame_size !== undefined ? Number(ann.frame_size).toLocaleString() : null],
    ];
    if (ann.strata) rows.push([t("draw.ann.strata"), ratiosView(ann.strata)]);
    if (ann.exclusion) rows.push([t("draw.ann.exclusion"), t("draw.ann.exclusion.value", { count: ann.exclusion.count, since: ann.exclusion.since })]);
    if (ann.fields) rows.push([t("draw.ann.fields"), Object.entries(ann.fields).map(([f, n]) => `${f} ${n}`).join("、")]);
    if (ann.team) {
      rows.push([t("draw.ann.team.required"), (ann.team.required_departments || []).join("、")]);
      rows.push([t("draw.ann.team.size"), String(ann.team.team_size)]);
      rows.push([t("draw.ann.team.max_load"), String(ann.team.max_load)]);
    }
    if (ann.previous_pairs !== undefined) rows.push([t("draw.ann.previous_pairs"), String(ann.previous_pairs)]);
    if (ann.barred_inspectors && ann.barred_inspectors.length) {
      rows.push([t("draw.ann.barred"), h("ul", {}, ann.barred_inspectors.map((b) => h("li", {}, `${b.inspector_id}: ${b.reason}`)))]);
    }
    return fields(rows);
  }

  function drawPage() {
    const id = param("id");
    const state = { draw: null, error: null, task: null, audit: null, auditError: null, panel: null };
    getJSON(`${API}/draws/${encodeURIComponent(id || "")}`)
      .then((d) => {
        state.draw = d;
        getJSON(`${API}/plans/tasks/${encodeURIComponent(d.task_id)}`).then((x) => ((state.task = x), render())).catch(() => {});
        getJSON(`${API}/announcements/${d.announcement_sha256}`)
          .then((x) => (state.audit = x))
          .catch((e) => (state.auditError = e))
          .finally(render);
      })
      .catch((e) => (state.error = e))
      .finally(render);

    function verify() {
      const box = document.getElementById("verification");
      state.panel = new root.VerifyPanel(box);
      state.panel.verifyUrl(`${API}/draws/${encodeURIComponent(state.draw.id)}/bundle`);
    }

    function render() {
      if (state.error) return fill(h("h1", {}, t("draw.title")), errorBox(state.error));
      if (!state.draw) return loading();
      const d = state.draw;
      let ann = {};
      try {
        ann = root.DrawV1.plain(root.DrawV1.loads(d.announcement));
      } catch (e) {
        /* shown raw below */
      }
      const audit = state.audit;
      const receiptOk = audit && audit.announcement === d.announcement;
      const afterReceipt = audit && d.entropy_at ? Date.parse(audit.registered_at) <= Date.parse(d.entropy_at) : null;
      const verification = document.getElementById("verification") || h("div", { id: "verification" });
      fill(
        h(
          "p",
          { class: "crumbs" },
          link("index.html", {}, t("nav.plans")),
          state.task ? [" › ", link("plan.html", { id: state.task.plan.id }, state.task.plan.name), " › ", link("task.html", { id: d.task_id }, state.task.name)] : [" › ", link("task.html", { id: d.task_id }, t("draw.task"))],
        ),
        h("h1", {}, kindLabel(d.kind), d.kind === "teams" ? ` · ${t("draw.round", { n: d.round })}` : "", " ", statusBadge(d.status)),
        fields([
          [t("draw.task"), link("task.html", { id: d.task_id }, state.task ? state.task.name : d.task_id)],
          d.completes_draw_id ? ["", link("draw.html", { id: d.completes_draw_id }, t("draw.supplementary", { id: d.completes_draw_id.slice(0, 8) }))] : null,
          d.status === "voided" ? [t("draw.void_reason"), d.void_reason, { class: "field void-reason" }] : null,
          d.status === "voided" ? [t("draw.voided_at"), time(d.voided_at)] : null,
        ]),
        h("section", { id: "announcement" }, h("h2", {}, t("draw.announcement")), announcementView(ann), h("details", {}, h("summary", {}, t("draw.announcement.raw")), h("pre", { class: "raw" }, d.announcement))),
        h(
          "section",
          { id: "hashes" },
          h("h2", {}, t("draw.hashes")),
          fields([
            [t("draw.hash.announcement"), code(d.announcement_sha256)],
            [t("draw.hash.commitment"), code(d.commitment)],
            ...Object.entries(d.input_hashes || {}).map(([k, v]) => [k, code(String(v))]),
          ]),
        ),
        h(
          "section",
          { id: "receipt" },
          h("h2", {}, t("draw.receipt")),
          fields([
            [t("draw.receipt.registered_at"), time(d.registered_at)],
            [t("draw.receipt.id"), d.receipt_id ? code(d.receipt_id) : null],
            audit ? [t("draw.receipt.chain"), `#${audit.chain_seq} · ${audit.chain_hash.slice(0, 16)}…`] : null,
          ]),
          audit ? h("p", { class: receiptOk ? "good" : "bad" }, receiptOk ? `✓ ${t("draw.receipt.matches")}` : `✗ ${t("draw.receipt.differs")}`) : null,
          state.auditError ? h("p", { class: "error" }, t("draw.receipt.unavailable", { detail: state.auditError.message })) : null,
        ),
        h(
          "section",
          { id: "entropy" },
          h("h2", {}, t("draw.entropy")),
          d.entropy === null || d.entropy === undefined
            ? h("p", {}, t("draw.entropy.none"))
            : fields([
                [t("draw.ann.entropy_source"), d.entropy_source],
                [t("draw.entropy.value"), h("code", { class: "entropy" }, d.entropy)],
                [t("draw.entropy.at"), time(d.entropy_at)],
                [t("draw.executed_at"), time(d.executed_at)],
              ]),
          afterReceipt === null ? null : h("p", { class: afterReceipt ? "good" : "bad" }, afterReceipt ? `✓ ${t("draw.entropy.after_receipt")}` : `✗ ${t("draw.entropy.before_receipt")}`),
        ),
        h(
          "section",
          { id: "bundle" },
          h("h2", {}, t("draw.bundle")),
          d.bundle_available
            ? [
                h(
                  "p",
                  { class: "actions" },
                  h("button", { type: "button", id: "verify-button", class: "primary", onclick: verify }, t("draw.bundle.verify")),
                  " ",
                  h("a", { href: `${API}/draws/${encodeURIComponent(d.id)}/bundle`, download: `draw-${d.id}.json`, id: "bundle-download" }, t("draw.bundle.download")),
                ),
                h("p", { class: "meta" }, t("draw.bundle.python")),
              ]
            : h("p", { class: "meta", id: "bundle-later" }, t("draw.bundle.public_from", { date: d.public_from })),
          verification,
        ),
      );
      if (state.panel) state.panel.render();
    }
    return render;
  }

  // ------------------------------------------------------------------ verify a file

  function verifyPage() {
    const state = { panel: null };
    function render() {
      const box = document.getElementById("verification") || h("div", { id: "verification" });
      const input = h("input", {
        type: "file",
        id: "bundle-file",
        accept: ".json,application/json",
        onchange: (e) => e.target.files[0] && panel().verifyFile(e.target.files[0]),
      });
      const zone = h(
        "label",
        {
          class: "dropzone",
          id: "dropzone",
          ondragover: (e) => (e.preventDefault(), zone.classList.add("over")),
          ondragleave: () => zone.classList.remove("over"),
          ondrop: (e) => {
            e.preventDefault();
            zone.classList.remove("over");
            const file = e.dataTransfer.files[0];
            if (file) panel().verifyFile(file);
          },
        },
        h("span", {}, t("verify.drop"), " "),
        h("span", { class: "button" }, t("verify.choose")),
        input,
      );
      fill(h("h1", {}, t("verify.title")), h("p", {}, t("verify.intro")), zone, h("p", { class: "meta" }, t("verify.offline")), box);
      if (state.panel) state.panel.render();
    }
    function panel() {
      state.panel = new root.VerifyPanel(document.getElementById("verification"));
      return state.panel;
    }
    const draw = param("draw");
    render();
    if (draw) panel().verifyUrl(`${API}/draws/${encodeURIComponent(draw)}/bundle`);
    return render;
  }

  // ------------------------------------------------------------------ published results

  const USCC = /^[0-9A-HJ-NPQRTUWXY]{18}$/;

  function resultsPage() {
    const state = { q: param("q") || "", items: null, next: null, error: null, unavailable: false, busy: false };
    async function search(more) {
      const q = state.q.trim();
      if (!q) return;
      state.busy = true;
      render();
      const qs = new URLSearchParams(USCC.test(q.toUpperCase()) ? { uscc: q.toUpperCase() } : { name: q });
      qs.set("limit", "50");
      if (more && state.next) qs.set("cursor", state.next);
      try {
        const page = await getJSON(`${API}/results?${qs}`);
        const items = Array.isArray(page) ? page : page.items || [];
        state.items = (more ? state.items : []).concat(items);
        state.next = Array.isArray(page) ? null : page.next_cursor || null;
        state.error = null;
        state.unavailable = false;
      } catch (e) {
        state.items = null;
        state.unavailable = e.status === 404;
        state.error = e.status === 404 ? null : e;
      }
      state.busy = false;
      render();
    }
    const pick = (r, ...keys) => keys.map((k) => r[k]).find((v) => v !== undefined && v !== null);
    const label = (x) => {
      if (typeof x !== "object" || x === null) return String(x);
      const name = x.name || x.label || x.code || JSON.stringify(x);
      return x.department ? `${name}（${x.department}）` : name;
    };
    const list = (v) => (Array.isArray(v) ? v.map(label).join("、") : v);
    function record(r) {
      const taskId = pick(r, "task_id");
      const planId = pick(r, "plan_id");
      return h(
        "li",
        { class: "card result-record" },
        h("h3", {}, pick(r, "entity_name", "name") || "", " ", code(pick(r, "uscc") || "")),
        fields([
          [t("results.date"), pick(r, "inspection_date", "inspected_on", "date")],
          [t("results.departments"), list(pick(r, "departments", "inspecting_departments"))],
          [t("results.categories"), list(pick(r, "result_categories", "categories", "results"))],
          [t("results.follow_up"), list(pick(r, "follow_up_measure", "follow_up"))],
          [t("results.task"), taskId ? link("task.html", { id: taskId }, pick(r, "task_name") || taskId) : null],
          [t("results.plan"), planId ? link("plan.html", { id: planId }, pick(r, "plan_name") || planId) : null],
          [t("results.completed"), pick(r, "completion_date")],
          [t("results.published_at"), time(pick(r, "published_at"))],
        ]),
        Array.isArray(r.items) && r.items.length
          ? h(
              "details",
              { class: "items" },
              h("summary", {}, t("task.items"), ` (${r.items.length})`),
              h("ul", {}, r.items.map((i) => h("li", {}, [i.name || i.code, i.department, i.outcome, i.method && methodLabel(i.method)].filter(Boolean).join(" · ")))),
            )
          : null,
      );
    }
    function render() {
      const input = h("input", { type: "search", id: "results-query", name: "q", value: state.q, placeholder: t("results.query"), "aria-label": t("results.query"), oninput: (e) => (state.q = e.target.value) });
      fill(
        h("h1", {}, t("results.title")),
        h(
          "form",
          {
            class: "search",
            id: "results-form",
            onsubmit: (e) => {
              e.preventDefault();
              history.replaceState(null, "", `?q=${encodeURIComponent(state.q)}`);
              search(false);
            },
          },
          input,
          h("button", { type: "submit", class: "primary" }, t("results.search")),
        ),
        h("p", { class: "meta" }, t("results.hint")),
        state.busy ? h("p", { class: "loading" }, t("loading")) : null,
        state.unavailable ? h("p", { class: "notice", id: "results-unavailable", role: "status" }, t("results.unavailable")) : null,
        state.error ? errorBox(state.error) : null,
        state.items ? (state.items.length ? h("ul", { class: "cards", id: "results" }, state.items.map(record)) : h("p", { class: "empty" }, t("results.empty"))) : null,
        state.next ? h("button", { type: "button", class: "more", onclick: () => search(true) }, t("more")) : null,
      );
    }
    if (state.q) search(false);
    return render;
  }

  const PAGES = { plans: plansPage, plan: planPage, task: taskPage, draw: drawPage, verify: verifyPage, results: resultsPage };

  document.addEventListener("DOMContentLoaded", () => {
    const page = PAGES[document.body.dataset.page];
    P.start(page ? page() : () => {});
  });
})(typeof self !== "undefined" ? self : this);
