/*
 * The portal's two languages: Chinese (the default) and English. A page marks static text with
 * data-i18n="key" (and data-i18n-placeholder / data-i18n-title for attributes); scripts call
 * I18N.t(key, {name: value}). The choice is kept in localStorage; ?lang=en|zh overrides it.
 */
(function (root) {
  "use strict";
  const TEXTS = {
    "site.name": ["双随机、一公开 · 公示门户", "Double random, one public · Public portal"],
    "site.tagline": [
      "“一业一查”部门联合抽查：抽查计划、随机抽取与检查结果公开，抽取过程可在浏览器中自行校验",
      "Joint “one industry, one inspection” checks: plans, random draws and results made public — and every draw checkable in your own browser",
    ],
    "nav.plans": ["抽查计划", "Plans"],
    "nav.results": ["结果查询", "Results"],
    "nav.verify": ["校验抽取包", "Verify a bundle"],
    "lang.switch": ["English", "中文"],
    "lang.switch.title": ["Switch to English", "切换为中文"],
    "loading": ["加载中…", "Loading…"],
    "error.load": ["无法加载：{detail}", "Could not load: {detail}"],
    "error.network": ["网络错误，无法连接服务器", "Network error: the server cannot be reached"],
    "footer.note": [
      "本门户只调用公开接口（/public/…），不需要登录。抽取校验完全在您的浏览器中进行。",
      "This portal calls the public routes (/public/…) only; no sign-in. Draw verification runs entirely in your browser.",
    ],
    "more": ["加载更多", "Load more"],
    "none": ["无", "None"],
    "yes": ["是", "Yes"],
    "no": ["否", "No"],
    "back": ["返回", "Back"],
    "copy": ["复制", "Copy"],

    "plans.title": ["已公布的年度抽查计划", "Published annual inspection plans"],
    "plans.year": ["年度", "Year"],
    "plans.all_years": ["全部年度", "All years"],
    "plans.empty": ["暂无已公布的计划。", "No plan has been published yet."],
    "plans.tasks": ["{n} 项任务", "{n} task(s)"],
    "plans.lead": ["牵头部门", "Lead department"],
    "plans.published_at": ["公布时间", "Published"],

    "plan.title": ["抽查计划", "Inspection plan"],
    "plan.tasks": ["联合抽查任务", "Joint inspection tasks"],
    "plan.no_tasks": ["该计划暂无公开的任务。", "This plan has no public task yet."],
    "plan.description": ["说明", "Description"],

    "task.title": ["联合抽查任务", "Joint inspection task"],
    "task.plan": ["所属计划", "Plan"],
    "task.industry": ["行业", "Industry"],
    "task.industry_codes": ["行业代码", "Industry codes"],
    "task.departments": ["参加部门", "Departments"],
    "task.lead": ["牵头部门", "Lead department"],
    "task.scope": ["抽查对象范围", "Objects in scope"],
    "task.draw_type": ["抽查类型", "Draw type"],
    "task.draw_type.directed": ["定向", "Directed"],
    "task.draw_type.undirected": ["不定向", "Undirected"],
    "task.ratios": ["抽取比例（按信用风险分类）", "Sampling by credit-risk class"],
    "task.frequency": ["每年频次", "Times per year"],
    "task.window": ["检查时间", "Inspection window"],
    "task.executing_body": ["实施主体", "Executing body"],
    "task.items": ["检查事项", "Check items"],
    "task.item.basis": ["依据", "Legal basis"],
    "task.item.methods": ["方式", "Methods"],
    "task.cancelled": ["已取消", "Cancelled"],
    "task.cancel_reason": ["取消理由", "Reason for cancelling"],
    "task.draws": ["随机抽取（每一轮，含已作废）", "Draws (every round, voided ones included)"],
    "task.no_draws": ["尚无公开的抽取。", "No public draw yet."],
    "task.view_draw": ["查看抽取", "View draw"],
    "task.item_cancelled": ["（已取消）", "(cancelled)"],
    "class.A": ["A类（低风险）", "A (low risk)"],
    "class.B": ["B类（一般风险）", "B (general risk)"],
    "class.C": ["C类（较高风险）", "C (fairly high risk)"],
    "class.D": ["D类（高风险）", "D (high risk)"],
    "class.U": ["未分类", "Unclassified"],
    "rule.ratio": ["比例 {v}", "ratio {v}"],
    "rule.count": ["数量 {v}", "count {v}"],
    "rule.min": ["至少 {v}", "at least {v}"],
    "rule.max": ["至多 {v}", "at most {v}"],
    "rule.alternates": ["候补 {v}", "{v} alternate(s)"],
    "method.on_site": ["现场检查", "on site"],
    "method.documentary": ["书面检查", "documentary"],
    "method.online": ["网络监测", "online monitoring"],
    "method.testing": ["抽样检测", "testing"],
    "method.expert": ["专家评审", "expert opinion"],
    "method.remote": ["远程检查", "remote"],

    "kind.objects": ["检查对象抽取", "Objects (entities) draw"],
    "kind.teams": ["执法检查人员选派", "Inspector teams draw"],
    "kind.experts": ["专家抽取", "Experts draw"],
    "status.committed": ["已承诺，待随机值", "Committed, awaiting entropy"],
    "status.executed": ["已执行", "Executed"],
    "status.voided": ["已作废", "Voided"],
    "status.frozen": ["已冻结", "Frozen"],
    "draw.round": ["第 {n} 轮", "Round {n}"],
    "draw.supplementary": ["补充轮，接续 {id}", "Supplementary round, completing {id}"],
    "draw.title": ["随机抽取", "Draw"],
    "draw.task": ["所属任务", "Task"],
    "draw.status": ["状态", "Status"],
    "draw.void_reason": ["作废理由", "Reason for voiding"],
    "draw.voided_at": ["作废时间", "Voided at"],
    "draw.announcement": ["抽取公告", "Announcement"],
    "draw.announcement.raw": ["公告原文（登记的字节）", "Announcement text (the registered bytes)"],
    "draw.ann.algorithm": ["算法", "Algorithm"],
    "draw.ann.entropy_source": ["随机值来源", "Entropy source"],
    "draw.ann.frame_size": ["抽取名录条数", "Frame size (entities)"],
    "draw.ann.strata": ["分层规则", "Rules per stratum"],
    "draw.ann.team": ["组队规则", "Team rules"],
    "draw.ann.team.required": ["必须参加的部门", "Required departments"],
    "draw.ann.team.size": ["每组人数", "Team size"],
    "draw.ann.team.max_load": ["每人最多检查户数", "Most entities per inspector"],
    "draw.ann.registry_version": ["名录库版本", "Registry version"],
    "draw.ann.window": ["检查时间", "Inspection window"],
    "draw.ann.exclusion": ["排除近期已检查的主体", "Recently inspected entities left out"],
    "draw.ann.exclusion.value": ["{count} 户（自 {since} 起已检查）", "{count} (inspected since {since})"],
    "draw.ann.fields": ["专家领域与人数", "Expert fields and numbers"],
    "draw.ann.barred": ["本轮回避的执法人员", "Inspectors barred in this round"],
    "draw.ann.earlier_loads": ["此前轮次的任务量", "Loads of earlier rounds"],
    "draw.ann.previous_pairs": ["上次检查人员回避对数", "Previous-inspector pairs barred"],
    "draw.hashes": ["哈希值", "Hashes"],
    "draw.hash.announcement": ["公告 SHA-256", "Announcement SHA-256"],
    "draw.hash.commitment": ["承诺值 H(秘密值)", "Commitment H(secret)"],
    "draw.receipt": ["审计回执", "Audit receipt"],
    "draw.receipt.registered_at": ["公告登记时间", "Registered at"],
    "draw.receipt.id": ["回执编号", "Receipt id"],
    "draw.receipt.audit": ["审计服务的记录", "The audit service's record"],
    "draw.receipt.chain": ["审计链位置", "Position in the audit chain"],
    "draw.receipt.matches": ["审计服务登记的公告与本抽取公告一致", "The announcement audit registered is this draw's"],
    "draw.receipt.differs": ["审计服务登记的公告与本抽取公告不一致！", "The announcement audit registered differs from this draw's!"],
    "draw.receipt.unavailable": ["无法查询审计服务：{detail}", "The audit service could not be asked: {detail}"],
    "draw.entropy": ["公开随机值", "Public entropy"],
    "draw.entropy.value": ["随机值（原文）", "Entropy (verbatim)"],
    "draw.entropy.at": ["随机值提供时间", "Entropy accepted at"],
    "draw.entropy.none": ["尚未提供随机值", "No entropy supplied yet"],
    "draw.entropy.after_receipt": ["随机值晚于审计回执", "Entropy came after the audit receipt"],
    "draw.entropy.before_receipt": ["随机值早于审计回执！", "Entropy came before the audit receipt!"],
    "draw.executed_at": ["执行时间", "Executed at"],
    "draw.bundle": ["抽取包", "Bundle"],
    "draw.bundle.public_from": [
      "抽取包（秘密值、输入名录与结果）自 {date} 起公开（检查期结束后），以免被检查对象提前知晓。",
      "The bundle (secret, inputs and result) is public from {date}, after the inspection window, so no entity learns in advance that it was drawn.",
    ],
    "draw.bundle.download": ["下载抽取包（JSON）", "Download the bundle (JSON)"],
    "draw.bundle.verify": ["在本浏览器中校验", "Verify in this browser"],
    "draw.bundle.python": [
      "也可用 Python 标准库校验：python tools/verify_draw.py bundle.json",
      "Or with nothing but Python: python tools/verify_draw.py bundle.json",
    ],

    "verify.title": ["校验抽取包", "Verify a draw bundle"],
    "verify.intro": [
      "抽取包包含秘密值、公开随机值、冻结的输入名录和抽取结果。校验在您的浏览器中按 draw-v1 规范重新计算，与 tools/verify_draw.py 的检查完全相同；文件不会上传。",
      "A bundle holds the secret, the public entropy, the frozen inputs and the result. Your browser recomputes the draw by the draw-v1 specification, with exactly the checks of tools/verify_draw.py; the file is not uploaded.",
    ],
    "verify.drop": ["将抽取包文件拖放到这里，或", "Drop a bundle file here, or"],
    "verify.choose": ["选择文件", "choose a file"],
    "verify.offline": ["离线可用：页面加载后无需网络即可校验文件。", "Works offline: once this page is loaded, a file needs no network."],
    "verify.file": ["文件：{name}（{size}）", "File: {name} ({size})"],
    "verify.fetching": ["正在下载抽取包…", "Downloading the bundle…"],
    "verify.running": ["正在校验…", "Verifying…"],
    "verify.ok": ["校验通过", "Verified: OK"],
    "verify.failed": ["校验未通过", "Verification FAILED"],
    "verify.first_failure": ["首个未通过的检查：", "First failed check: "],
    "verify.python_says": ["与 Python 校验工具相同的结论：", "The Python verifier's words: "],
    "verify.time": ["用时 {s} 秒", "took {s} s"],
    "verify.progress": ["{done} / {total}", "{done} / {total}"],
    "verify.selected": ["抽中的检查对象", "Selected"],
    "verify.alternates": ["候补", "Alternates"],
    "verify.teams": ["检查组", "Teams"],
    "verify.unassigned": ["未能组队", "Left without a team"],
    "verify.show_result": ["重新计算的结果", "The recomputed result"],
    "step.bundle": ["抽取包格式与公告", "Bundle and announcement well-formed"],
    "step.commitment": ["承诺：H(秘密值) 等于公告的承诺值", "Commitment: H(secret) equals the announced commitment"],
    "step.entropy": ["随机值与公告的来源一致", "Entropy agrees with the announced source"],
    "step.inputs": ["输入文件格式、哈希与名录条数", "Input files: format, hashes, frame size"],
    "step.receipt": ["审计回执早于随机值", "Audit receipt before the entropy"],
    "step.result.objects": ["重新计算抽取结果（检查对象）", "Recompute the selection"],
    "step.result.experts": ["重新计算抽取结果（专家）", "Recompute the selection of experts"],
    "step.result.teams": ["重新计算检查组", "Recompute the teams"],
    "step.result": ["重新计算结果", "Recompute the result"],
    "status.pending": ["等待", "pending"],
    "status.running": ["进行中", "running"],
    "status.ok": ["通过", "OK"],
    "status.failed": ["未通过", "FAILED"],
    "status.skipped": ["未检查", "not checked"],
    "receipt.offline": ["未核对：无法连接服务器（离线校验）", "Not checked: no connection to the server (offline)"],
    "receipt.unknown_draw": ["未核对：本服务器没有抽取 {id}", "Not checked: this server has no draw {id}"],
    "receipt.no_draw_id": ["未核对：抽取包没有 draw_id", "Not checked: the bundle has no draw_id"],
    "receipt.ok": ["审计服务于 {registered} 登记该公告（审计链第 {seq} 条），随机值于 {entropy} 提供", "Audit registered this announcement at {registered} (chain entry {seq}); entropy came at {entropy}"],

    "results.title": ["检查结果公示查询", "Published inspection results"],
    "results.query": ["统一社会信用代码或市场主体名称", "Unified social credit code or entity name"],
    "results.search": ["查询", "Search"],
    "results.hint": ["输入 18 位统一社会信用代码按代码查询，否则按名称查询。", "An 18-character unified social credit code searches by code; anything else by name."],
    "results.empty": ["没有找到已公示的检查结果。", "No published result found."],
    "results.unavailable": [
      "检查结果公示查询暂未开放：结果服务尚未提供 /public/results。",
      "Published results cannot be searched yet: the results service does not offer /public/results.",
    ],
    "results.uscc": ["统一社会信用代码", "Unified social credit code"],
    "results.entity": ["市场主体名称", "Entity"],
    "results.task": ["抽查任务", "Task"],
    "results.plan": ["抽查计划", "Plan"],
    "results.departments": ["检查部门", "Departments"],
    "results.date": ["检查日期", "Inspection date"],
    "results.categories": ["检查结果", "Results"],
    "results.follow_up": ["后续处置", "Follow-up"],
    "results.completed": ["抽查完成日期", "Completed"],
    "results.published_at": ["公示时间", "Published"],
  };

  const LANGS = ["zh", "en"];
  const KEY = "jc-portal-lang";

  function initial() {
    const q = new URLSearchParams(root.location ? root.location.search : "").get("lang");
    if (LANGS.includes(q)) return q;
    try {
      const saved = root.localStorage.getItem(KEY);
      if (LANGS.includes(saved)) return saved;
    } catch (e) {
      /* storage unavailable (a file:// page in some browsers): Chinese */
    }
    return "zh";
  }

  let lang = initial();
  const listeners = [];

  function t(key, params) {
    const entry = TEXTS[key];
    let text = entry ? entry[lang === "en" ? 1 : 0] : key;
    if (params) for (const [k, v] of Object.entries(params)) text = text.split(`{${k}}`).join(String(v));
    return text;
  }

  function apply(scope) {
    const doc = scope || root.document;
    doc.documentElement && (doc.documentElement.lang = lang === "en" ? "en" : "zh-CN");
    for (const el of doc.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
    for (const el of doc.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
    for (const el of doc.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
  }

  function set(next) {
    if (!LANGS.includes(next) || next === lang) return;
    lang = next;
    try {
      root.localStorage.setItem(KEY, lang);
    } catch (e) {
      /* not kept: fine */
    }
    apply();
    for (const fn of listeners) fn(lang);
  }

  root.I18N = {
    t,
    apply,
    set,
    get lang() {
      return lang;
    },
    onChange: (fn) => listeners.push(fn),
    has: (key) => key in TEXTS,
  };
})(typeof self !== "undefined" ? self : this);
