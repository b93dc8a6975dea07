// <csguide-search>: tip search for intranet pages. No dependencies; served at /widget.js.
//
//   <script type="module" src="https://csguide.intranet/widget.js"></script>
//   <csguide-search api-base="https://csguide.intranet" lang="lv" limit="5"></csguide-search>
//
// Attributes: api-base (default: where widget.js came from), lang (default: the page's
// <html lang>, then the browser's language), api-key, limit (1-50, default 5), placeholder.
// Opening a result (showing its original) and the agent's "Helpful?" vote on it are sent to
// POST {api-base}/v1/events for the search analytics; best-effort, never shown as an error.
// Theme with CSS custom properties on the element: --csguide-accent, --csguide-bg,
// --csguide-text, --csguide-muted, --csguide-mark, --csguide-font, --csguide-radius.

const SUPPORTED = ["lv", "it", "zh", "ru", "en"];
const SCRIPT_ORIGIN = new URL(import.meta.url).origin;

const STRINGS = {
  en: {
    label: "Search customer-service tips", placeholder: "Search tips…", search: "Search",
    loading: "Searching…", empty: "No tips found for this search.",
    results: (n) => (n === 1 ? "1 tip found" : `${n} tips found`),
    showOriginal: "Show original", hideOriginal: "Hide original", from: "From",
    article: "Article", machine: "Machine translation", outdated: "Translation may be outdated",
    untranslated: "Not translated yet",
    invalid: (d) => `Please check your search: ${d}`, unauthorized: "This page's access key was not accepted by the tips service.",
    limited: (s) => `Too many searches right now; try again in ${s} seconds.`,
    unpublished: "No tips have been published yet.", failed: (s) => `The search failed (error ${s}). Please try again.`,
    offline: "The tips service could not be reached. Check your connection and try again.",
    didYouMean: "Did you mean",
    helpful: "Helpful?", yes: "Yes", no: "No", thanks: "Thanks for your feedback!",
  },
  lv: {
    label: "Meklēt klientu apkalpošanas padomus", placeholder: "Meklēt padomus…", search: "Meklēt",
    loading: "Meklē…", empty: "Šim meklējumam padomu nav.",
    results: (n) => (n % 10 === 1 && n % 100 !== 11 ? `Atrasts ${n} padoms` : `Atrasti ${n} padomi`),
    showOriginal: "Rādīt oriģinālu", hideOriginal: "Slēpt oriģinālu", from: "Oriģinālvaloda",
    article: "Raksts", machine: "Mašīntulkojums", outdated: "Tulkojums var būt novecojis",
    untranslated: "Vēl nav iztulkots",
    invalid: (d) => `Lūdzu, pārbaudiet meklējumu: ${d}`, unauthorized: "Padomu serviss nepieņēma šīs lapas piekļuves atslēgu.",
    limited: (s) => `Pārāk daudz meklējumu; mēģiniet vēlreiz pēc ${s} sekundēm.`,
    unpublished: "Padomi vēl nav publicēti.", failed: (s) => `Meklēšana neizdevās (kļūda ${s}). Lūdzu, mēģiniet vēlreiz.`,
    offline: "Neizdevās sazināties ar padomu servisu. Pārbaudiet savienojumu un mēģiniet vēlreiz.",
    didYouMean: "Vai domājāt",
    helpful: "Vai noderēja?", yes: "Jā", no: "Nē", thanks: "Paldies par atsauksmi!",
  },
  it: {
    label: "Cerca consigli per il servizio clienti", placeholder: "Cerca consigli…", search: "Cerca",
    loading: "Ricerca in corso…", empty: "Nessun consiglio trovato per questa ricerca.",
    results: (n) => (n === 1 ? "1 consiglio trovato" : `${n} consigli trovati`),
    showOriginal: "Mostra l'originale", hideOriginal: "Nascondi l'originale", from: "Lingua originale",
    article: "Articolo", machine: "Traduzione automatica", outdated: "La traduzione potrebbe non essere aggiornata",
    untranslated: "Non ancora tradotto",
    invalid: (d) => `Controlla la ricerca: ${d}`, unauthorized: "Il servizio dei consigli non ha accettato la chiave di accesso di questa pagina.",
    limited: (s) => `Troppe ricerche in questo momento; riprova tra ${s} secondi.`,
    unpublished: "Non è ancora stato pubblicato alcun consiglio.", failed: (s) => `La ricerca non è riuscita (errore ${s}). Riprova.`,
    offline: "Impossibile raggiungere il servizio dei consigli. Controlla la connessione e riprova.",
    didYouMean: "Forse cercavi",
    helpful: "Ti è stato utile?", yes: "Sì", no: "No", thanks: "Grazie per il feedback!",
  },
  zh: {
    label: "搜索客户服务建议", placeholder: "搜索建议…", search: "搜索",
    loading: "正在搜索…", empty: "没有找到相关建议。",
    results: (n) => `找到 ${n} 条建议`,
    showOriginal: "查看原文", hideOriginal: "隐藏原文", from: "原文语言",
    article: "文章", machine: "机器翻译", outdated: "译文可能已过时",
    untranslated: "尚未翻译",
    invalid: (d) => `请检查搜索内容：${d}`, unauthorized: "建议服务未接受本页面的访问密钥。",
    limited: (s) => `搜索过于频繁，请在 ${s} 秒后重试。`,
    unpublished: "尚未发布任何建议。", failed: (s) => `搜索失败（错误 ${s}），请重试。`,
    offline: "无法连接建议服务，请检查网络连接后重试。",
    didYouMean: "您是不是要找",
    helpful: "有帮助吗？", yes: "有", no: "没有", thanks: "感谢您的反馈！",
  },
  ru: {
    label: "Поиск советов по обслуживанию клиентов", placeholder: "Найти советы…", search: "Найти",
    loading: "Идёт поиск…", empty: "По этому запросу советов не найдено.",
    results: (n) => {
      const d = n % 10, h = n % 100;
      if (d === 1 && h !== 11) return `Найден ${n} совет`;
      if (d >= 2 && d <= 4 && (h < 12 || h > 14)) return `Найдено ${n} совета`;
      return `Найдено ${n} советов`;
    },
    showOriginal: "Показать оригинал", hideOriginal: "Скрыть оригинал", from: "Язык оригинала",
    article: "Статья", machine: "Машинный перевод", outdated: "Перевод может быть устаревшим",
    untranslated: "Ещё не переведено",
    invalid: (d) => `Проверьте запрос: ${d}`, unauthorized: "Сервис советов не принял ключ доступа этой страницы.",
    limited: (s) => `Слишком много запросов; повторите через ${s} с.`,
    unpublished: "Советы ещё не опубликованы.", failed: (s) => `Поиск не удался (ошибка ${s}). Попробуйте ещё раз.`,
    offline: "Не удалось связаться с сервисом советов. Проверьте подключение и попробуйте ещё раз.",
    didYouMean: "Возможно, вы имели в виду",
    helpful: "Полезно?", yes: "Да", no: "Нет", thanks: "Спасибо за отзыв!",
  },
};

const LANGUAGE_NAMES = { lv: "Latviešu", it: "Italiano", zh: "中文", ru: "Русский", en: "English" };

const STYLE = `
:host {
  --_accent: var(--csguide-accent, #0b5cad);
  --_bg: var(--csguide-bg, #ffffff);
  --_text: var(--csguide-text, #1d2430);
  --_muted: var(--csguide-muted, #5b6472);
  --_mark: var(--csguide-mark, #fff1a8);
  --_radius: var(--csguide-radius, 8px);
  display: block;
  max-width: 100%;
  font: 16px/1.5 var(--csguide-font, system-ui, -apple-system, "Segoe UI", "Noto Sans", sans-serif);
  color: var(--_text);
}
* { box-sizing: border-box; }
form { display: flex; gap: 8px; flex-wrap: wrap; }
input {
  flex: 1 1 14em; min-width: 0; padding: 10px 12px; font: inherit; color: inherit;
  background: var(--_bg); border: 1px solid var(--_muted); border-radius: var(--_radius);
}
input:focus-visible, button:focus-visible, li:focus-visible {
  outline: 3px solid var(--_accent); outline-offset: 2px;
}
button {
  padding: 10px 16px; font: inherit; border-radius: var(--_radius); cursor: pointer;
  border: 1px solid var(--_accent); background: var(--_accent); color: #fff;
}
.status { margin: 10px 2px; color: var(--_muted); min-height: 1.5em; }
.status.error { color: #a4161a; }
.status .suggestion { font: inherit; color: var(--_accent); background: none; border: 0;
  padding: 0; text-decoration: underline; cursor: pointer; }
ul { list-style: none; margin: 0; padding: 0; display: grid; gap: 10px; }
li {
  padding: 12px 14px; border: 1px solid #d9dee6; border-radius: var(--_radius);
  background: var(--_bg);
}
li[aria-selected="true"] { border-color: var(--_accent); }
h3 { margin: 0 0 4px; font-size: 1.05em; }
.text { margin: 0; overflow-wrap: anywhere; white-space: pre-line; }
table.tip-table { border-collapse: collapse; margin: 2px 0; font-size: .95em; }
.tip-table th, .tip-table td { border: 1px solid #d9dee6; padding: 3px 8px; text-align: left;
  vertical-align: top; }
.tip-table th { background: #f3f5f8; }
mark { background: var(--_mark); color: inherit; padding: 0 1px; border-radius: 2px; }
.meta { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin-top: 8px;
        font-size: .85em; color: var(--_muted); }
.badge { padding: 1px 8px; border-radius: 999px; border: 1px solid currentColor; }
.badge.machine { color: #6a3fb5; }
.badge.outdated { color: #a35200; }
.badge.none { color: var(--_muted); }
.toggle { margin-left: auto; padding: 2px 10px; background: transparent; color: var(--_accent); }
.original { margin-top: 8px; padding: 8px 10px; border-left: 3px solid var(--_accent);
            background: rgba(11, 92, 173, .05); font-size: .95em; }
.original[hidden] { display: none; }
.original h4 { margin: 0 0 4px; font-size: 1em; }
.original p { margin: 0 0 4px; overflow-wrap: anywhere; }
.original .article { color: var(--_muted); font-size: .9em; }
.feedback { margin-top: 6px; font-size: .85em; color: var(--_muted); }
.feedback[hidden] { display: none; }
.votes { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.votes button { flex: none; padding: 0 10px; background: transparent; color: var(--_accent); }
@media (max-width: 480px) { :host { font-size: 15px; } button { flex: 1 1 100%; } }
`;

function supported(tag) {
  if (!tag) return null;
  const primary = String(tag).toLowerCase().replace("_", "-").split("-")[0];
  return SUPPORTED.includes(primary) ? primary : null;
}

// A table tip comes with its header and rows (in the answer language): shown as a table.
function renderTable(table) {
  const row = (tag, cells) => element("tr", {}, ...cells.map((cell) => element(tag, {}, cell)));
  return element("table", { class: "tip-table" },
    table.header.length ? element("thead", {}, row("th", table.header)) : null,
    element("tbody", {}, ...table.rows.map((cells) => row("td", cells))));
}

// The API sends highlights as HTML-escaped text with <mark> around matches. Build DOM nodes
// from it instead of assigning innerHTML, so nothing but text and <mark> can ever appear.
function highlighted(source) {
  const fragment = document.createDocumentFragment();
  const unescape = (s) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'").replace(/&amp;/g, "&");
  const parts = String(source).split(/(<mark>.*?<\/mark>)/s);
  for (const part of parts) {
    if (!part) continue;
    const match = /^<mark>(.*)<\/mark>$/s.exec(part);
    if (match) {
      const mark = document.createElement("mark");
      mark.textContent = unescape(match[1]);
      fragment.append(mark);
    } else {
      fragment.append(unescape(part));
    }
  }
  return fragment;
}

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "class") node.className = value;
    else node.setAttribute(name, value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

let instances = 0;

class CsguideSearch extends HTMLElement {
  static observedAttributes = ["lang", "placeholder", "limit", "api-base", "api-key"];

  constructor() {
    super();
    this.uid = `csguide-${++instances}`;
    this.timer = null;
    this.controller = null;
    this.lastQuery = "";
    const root = this.attachShadow({ mode: "open" });
    const style = element("style");
    style.textContent = STYLE;
    this.input = element("input", {
      type: "search", autocomplete: "off", spellcheck: "false", maxlength: "500",
      "aria-controls": `${this.uid}-results`, "aria-describedby": `${this.uid}-status`,
    });
    this.button = element("button", { type: "submit" });
    this.form = element("form", { role: "search" }, this.input, this.button);
    this.status = element("div", { class: "status", id: `${this.uid}-status`, role: "status",
                                   "aria-live": "polite" });
    this.list = element("ul", { id: `${this.uid}-results`, role: "listbox" });
    root.append(style, this.form, this.status, this.list);

    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.search(this.input.value, { now: true });
    });
    this.input.addEventListener("input", () => this.search(this.input.value));
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown") { event.preventDefault(); this.focusResult(0); }
      if (event.key === "Escape") { this.input.value = ""; this.clear(); }
    });
    this.list.addEventListener("keydown", (event) => this.onListKey(event));
  }

  connectedCallback() { this.applyStrings(); }

  attributeChangedCallback(name) {
    this.applyStrings();
    if (name === "lang" && this.lastQuery) this.search(this.lastQuery, { now: true, force: true });
  }

  get language() {
    return supported(this.getAttribute("lang")) || supported(document.documentElement.lang)
      || supported(navigator.language) || "en";
  }

  get strings() { return STRINGS[this.language]; }

  get apiBase() { return (this.getAttribute("api-base") || SCRIPT_ORIGIN).replace(/\/+$/, ""); }

  get limit() {
    const value = Number.parseInt(this.getAttribute("limit") || "5", 10);
    return Number.isFinite(value) ? Math.min(50, Math.max(1, value)) : 5;
  }

  applyStrings() {
    const t = this.strings;
    this.input.placeholder = this.getAttribute("placeholder") || t.placeholder;
    this.input.setAttribute("aria-label", t.label);
    this.list.setAttribute("aria-label", t.label);
    this.button.textContent = t.search;
  }

  clear() {
    if (this.controller) this.controller.abort();
    this.lastQuery = "";
    this.list.replaceChildren();
    this.setStatus("");
  }

  setStatus(text, kind = "") {
    this.status.textContent = text;
    this.status.className = `status ${kind}`.trim();
    this.status.setAttribute("role", kind === "error" ? "alert" : "status");
  }

  search(value, { now = false, force = false } = {}) {
    const query = value.trim();
    clearTimeout(this.timer);
    if (!query) { this.clear(); return; }
    if (query === this.lastQuery && !force) return;
    const run = () => this.fetchResults(query);
    if (now) run(); else this.timer = setTimeout(run, 250);  // debounce typing
  }

  async fetchResults(query) {
    if (this.controller) this.controller.abort();  // only the latest search may answer
    const controller = new AbortController();
    this.controller = controller;
    this.lastQuery = query;
    const t = this.strings;
    const base = this.apiBase;  // events about these results go where they came from
    const url = new URL(`${base}/v1/search`);
    url.search = new URLSearchParams({ q: query, lang: this.language, limit: String(this.limit) });
    const headers = { Accept: "application/json" };
    const key = this.getAttribute("api-key");
    if (key) headers["X-API-Key"] = key;
    this.setStatus(t.loading);
    this.list.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(url, { headers, signal: controller.signal });
      const body = await response.json().catch(() => ({}));
      if (controller.signal.aborted) return;
      if (!response.ok) { this.showProblem(response, body); return; }
      this.showResults(body, { base, headers });
    } catch (error) {
      if (error.name === "AbortError") return;
      this.list.replaceChildren();
      this.setStatus(t.offline, "error");
    } finally {
      if (this.controller === controller) this.list.removeAttribute("aria-busy");
    }
  }

  showProblem(response, problem) {
    const t = this.strings;
    const kind = String(problem.type || "").split("/").pop();
    let message;
    if (kind === "invalid-parameter") message = t.invalid(problem.detail || "");
    else if (kind === "unauthorized") message = t.unauthorized;
    else if (kind === "rate-limited") message = t.limited(response.headers.get("Retry-After") || "60");
    else if (kind === "not-published") message = t.unpublished;
    else message = t.failed(response.status);
    this.list.replaceChildren();
    this.setStatus(message, "error");
  }

  showResults(body, { base, headers } = {}) {
    const t = this.strings;
    const results = body.results || [];
    // The search these results came from: what the agent does with them is reported against it.
    const origin = body.search_id ? { searchId: body.search_id, base, headers } : null;
    this.list.replaceChildren(...results.map((tip, index) => this.renderTip(tip, index, origin)));
    this.setStatus(results.length ? t.results(body.total) : t.empty);
    if (!results.length && body.suggestion) this.offer(body.suggestion);
  }

  offer(suggestion) {  // "Did you mean …?": the nearest query that finds tips
    const t = this.strings;
    const link = element("button", { type: "button", class: "suggestion" }, suggestion);
    link.addEventListener("click", () => {
      this.input.value = suggestion;
      this.search(suggestion, { now: true });
      this.input.focus();
    });
    this.status.append(" ", `${t.didYouMean} `, link, "?");
  }

  // Tell the service what the agent did with a result (search analytics). Best-effort: a
  // failure (offline, 4xx, 5xx) is ignored, and nothing is sent without a search_id.
  sendEvent(origin, type, tipId, position) {
    if (!origin?.searchId || !origin.base) return;
    const body = JSON.stringify({ search_id: origin.searchId, type, tip_id: tipId, position });
    try {
      fetch(`${origin.base}/v1/events`, {
        method: "POST", keepalive: true, body,
        headers: { ...origin.headers, "Content-Type": "application/json" },
      }).catch(() => {});
    } catch { /* a fetch that cannot even start: events are optional */ }
  }

  // "Helpful? Yes / No" under an opened result: one vote per result per search, then thanks.
  renderFeedback(id, origin, tip, position) {
    const t = this.strings;
    const question = element("span", { id: `${id}-helpful` }, t.helpful);
    const vote = (type, text) => {
      const button = element("button", { type: "button", class: `vote ${type}` }, text);
      button.addEventListener("click", (event) => {
        event.stopPropagation();
        this.sendEvent(origin, type, tip.id, position);
        const item = feedback.closest("li");
        feedback.replaceChildren(element("span", { class: "thanks" }, t.thanks));
        item?.focus();  // the pressed button is gone: keep keyboard users on their result
      });
      return button;
    };
    const group = element("div", { class: "votes", role: "group", "aria-labelledby": `${id}-helpful` },
                          question, vote("helpful", t.yes), vote("not_helpful", t.no));
    // A live region from the start, so the thanks that replaces the buttons is announced.
    const feedback = element("div", { class: "feedback", id: `${id}-feedback`, lang: this.language,
                                      "aria-live": "polite", hidden: "" }, group);
    return feedback;
  }

  renderTip(tip, index, origin = null) {
    const t = this.strings;
    const id = `${this.uid}-tip-${index}`;
    const position = index + 1;  // its place in the list shown, from 1
    const provenance = tip.translation.provenance;
    const badges = [];
    if (provenance === "machine") badges.push(element("span", { class: "badge machine" }, t.machine));
    if (tip.translation.outdated) badges.push(element("span", { class: "badge outdated" }, t.outdated));
    if (provenance === "none") badges.push(element("span", { class: "badge none" }, t.untranslated));
    const showsOriginal = tip.lang === tip.source.lang && provenance !== "none";
    const original = element(
      "div", { class: "original", id: `${id}-original`, lang: tip.source.lang, hidden: "" },
      element("h4", {}, tip.source.title),
      element("p", { class: "text" }, tip.source.text),
      element("p", { class: "article" }, `${t.article}: ${tip.source.article}`),
    );
    // Votes only where the service records them (a search_id) and the result can be opened.
    const feedback = origin && !showsOriginal ? this.renderFeedback(id, origin, tip, position) : null;
    const toggle = showsOriginal ? null : element(
      "button", { type: "button", class: "toggle", "aria-expanded": "false",
                  "aria-controls": feedback ? `${id}-original ${id}-feedback` : `${id}-original` },
      t.showOriginal);
    let opened = false;  // "open" is sent once per result per search
    if (toggle) {
      toggle.addEventListener("click", (event) => {
        event.stopPropagation();
        const open = original.hidden;
        original.hidden = !open;
        if (feedback) feedback.hidden = !open;
        toggle.setAttribute("aria-expanded", String(open));
        toggle.textContent = open ? t.hideOriginal : t.showOriginal;
        if (open && !opened) {
          opened = true;
          this.sendEvent(origin, "open", tip.id, position);
        }
      });
    }
    const item = element(
      "li", { role: "option", id, tabindex: "-1", "aria-selected": "false", lang: tip.lang },
      element("h3", {}, tip.title),
      tip.table ? renderTable(tip.table)
                : element("p", { class: "text" }, highlighted(tip.highlight || tip.text)),
      element("div", { class: "meta" },
        element("span", { class: "from" }, `${t.from}: ${LANGUAGE_NAMES[tip.source.lang] || tip.source.lang}`),
        ...badges, toggle),
      toggle ? original : null,
      feedback,
    );
    item.addEventListener("focus", () => this.select(item));
    return item;
  }

  select(item) {
    for (const other of this.list.children) other.setAttribute("aria-selected", String(other === item));
    this.input.setAttribute("aria-activedescendant", item.id);
  }

  focusResult(index) {
    const items = this.list.children;
    if (!items.length) return;
    const target = items[Math.max(0, Math.min(items.length - 1, index))];
    target.focus();
  }

  onListKey(event) {
    const items = [...this.list.children];
    const current = items.indexOf(this.shadowRoot.activeElement?.closest?.("li") ?? null);
    if (event.key === "ArrowDown") { event.preventDefault(); this.focusResult(current + 1); }
    else if (event.key === "ArrowUp") {
      event.preventDefault();
      if (current <= 0) this.input.focus(); else this.focusResult(current - 1);
    } else if (event.key === "Home") { event.preventDefault(); this.focusResult(0); }
    else if (event.key === "End") { event.preventDefault(); this.focusResult(items.length - 1); }
    else if ((event.key === "Enter" || event.key === " ") && event.target.tagName === "LI") {
      event.preventDefault();
      event.target.querySelector(".toggle")?.click();
    } else if (event.key === "Escape") { this.input.focus(); }
  }
}

if (!customElements.get("csguide-search")) customElements.define("csguide-search", CsguideSearch);
