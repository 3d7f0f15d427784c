// The dashboard: the tenant's report for a period (GET /api/v1/analytics, the JSON of `chatbot report
// --format json`) as key figures and charts: conversions by bot, revenue by source, the lead funnel,
// handoffs, CSAT, and credits with ROI. Amounts arrive as exact decimal strings, kept per currency.
"use strict";

(() => {
  const C = window.ChatbotConsole;
  const A = C.admin;
  const { el, charts } = C;
  const $ = (id) => document.getElementById(id);
  const panel = $("panel-dashboard");
  const DAY_MS = 24 * 60 * 60 * 1000;
  const CSAT_COLOURS = ["#b91c1c", "#ea580c", "#ca8a04", "#65a30d", "#15803d"];

  const count = (n) => Number(n || 0).toLocaleString();
  const sum = (values) => values.reduce((total, v) => total + v, 0);

  function localDate(date) {
    const pad = (n) => String(n).padStart(2, "0");
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  }

  function plot(id, ...content) {
    $(id).querySelector(".plot").replaceChildren(...content.filter(Boolean));
  }

  function kpi(name, value, note) {
    return el("li", { class: "kpi" }, el("span", { class: "kpi-name" }, name), el("span", { class: "kpi-value" }, value),
      note ? el("span", { class: "kpi-note" }, note) : null);
  }

  function renderKpis(report) {
    const handled = sum(report.bots.map((b) => b.handled_conversations));
    const attributed = sum(report.bots.map((b) => b.purchases));
    const h = report.handoffs;
    const csat = report.csat;
    $("dash-kpis").replaceChildren(
      kpi("Purchases", count(report.purchases), `${count(sum(report.bots.map((b) => b.visits)))} link visits`),
      kpi("Revenue", A.money(report.revenue),
        Object.keys(report.unattributed_revenue || {}).length ? `${A.money(report.unattributed_revenue)} not from a bot turn` : null),
      kpi("Conversion rate", handled ? A.percent(attributed / handled) : "–", `${count(handled)} conversations handled`),
      kpi("Handoff rate", A.percent(h.handoff_rate), `${count(h.handed_off_conversations)} handed to a person`),
      kpi("Contained", A.percent(report.containment.containment_rate), `of ${count(report.containment.ended_conversations)} ended`),
      kpi("CSAT", typeof csat.mean_rating === "number" ? `${csat.mean_rating.toFixed(1)} / 5` : "–", `${count(csat.responses)} ratings`),
      kpi("Credits used", count(report.usage.credits_used), `${A.formatMoney(report.usage.credit_cost_usd, "USD")} at list price`),
    );
  }

  function renderConversions(report) {
    plot("chart-conversions", charts.bars(
      report.bots.map((b) => ({
        label: b.name,
        values: [b.handled_conversations, b.visits, b.purchases],
        texts: [count(b.handled_conversations), count(b.visits),
          `${count(b.purchases)}${typeof b.conversion_rate === "number" ? ` (${A.percent(b.conversion_rate)})` : ""}`],
      })),
      {
        series: ["Conversations handled", "Link visits", "Purchases"],
        summary: report.bots.map((b) => `${b.name}: ${b.handled_conversations} conversations, ${b.visits} visits, ${b.purchases} purchases`).join("; ") || "No bots",
      },
    ));
  }

  // One chart per currency: amounts in different currencies are never added or compared.
  function renderRevenue(report) {
    const lines = report.revenue_by_source || [];
    const currencies = [...new Set(lines.flatMap((line) => Object.keys(line.revenue)))].sort();
    if (!currencies.length) {
      plot("chart-revenue", charts.nothing("No revenue in this period."));
      return;
    }
    plot("chart-revenue", ...currencies.map((currency) => {
      const rows = lines
        .filter((line) => currency in line.revenue)
        .map((line) => ({
          label: line.label,
          values: [Number(line.revenue[currency])],
          texts: [A.formatMoney(line.revenue[currency], currency)],
        }))
        .sort((a, b) => b.values[0] - a.values[0]);
      return el("div", { class: "per-currency" },
        currencies.length > 1 ? el("p", { class: "chart-sub" }, currency) : null,
        charts.bars(rows, { summary: `Revenue by source in ${currency}: ${rows.map((r) => `${r.label} ${r.texts[0]}`).join(", ")}` }));
    }));
  }

  function renderFunnel(report) {
    const stages = report.funnel || [];
    plot("chart-funnel", charts.funnel(stages, {
      summary: `Lead funnel: ${stages.map((s) => `${s.stage} ${s.customers}`).join(", ")}`,
    }));
  }

  function seconds(value) {
    if (typeof value !== "number") return "–";
    return value < 90 ? `${Math.round(value)} s` : `${Math.round(value / 60)} min`;
  }

  function renderHandoffs(report) {
    const h = report.handoffs;
    const bot = h.handled_conversations - h.handed_off_conversations;
    const rows = [
      { label: "Bot only", values: [bot], texts: [`${count(bot)}`] },
      { label: "Handed to a person", values: [h.handed_off_conversations], texts: [`${count(h.handed_off_conversations)} (${A.percent(h.handoff_rate)})`] },
      ...Object.entries(h.by_trigger || {}).map(([trigger, n]) => ({
        label: `· ${trigger.replaceAll("_", " ")}`, values: [n], texts: [count(n)],
      })),
    ];
    plot("chart-handoffs",
      h.handled_conversations
        ? charts.bars(rows, { summary: `Handoff rate ${A.percent(h.handoff_rate)} of ${h.handled_conversations} conversations` })
        : charts.nothing("No conversations handled in this period."),
      el("p", { class: "chart-note" },
        `${count(h.claimed)} of ${count(h.requested)} requests claimed; time to claim: median ${seconds(h.claim_seconds_median)}, 90% within ${seconds(h.claim_seconds_p90)}.`));
  }

  function renderCsat(report) {
    const csat = report.csat;
    const items = [1, 2, 3, 4, 5].map((rating) => ({
      label: `${rating} ★`, value: Number((csat.distribution || {})[rating] || 0), colour: CSAT_COLOURS[rating - 1],
    }));
    plot("chart-csat",
      charts.columns(items, { summary: `CSAT: ${items.map((i) => `${i.value} rated ${i.label}`).join(", ")}` }),
      typeof csat.mean_rating === "number"
        ? el("p", { class: "chart-note" }, `Mean ${csat.mean_rating.toFixed(2)} from ${count(csat.responses)} ratings.`)
        : null);
  }

  function roiText(roi) {
    if (!roi || !Object.keys(roi).length) return "no credits used";
    return Object.entries(roi).map(([currency, ratio]) => `${Number(ratio).toFixed(1)}× in ${currency}`).join(", ");
  }

  function renderCredits(report) {
    const u = report.usage;
    plot("chart-credits",
      report.bots.length && u.credits_used
        ? charts.bars(report.bots.map((b) => ({
          label: b.name,
          values: [b.credits_used],
          texts: [`${count(b.credits_used)} · ${A.formatMoney(b.credit_cost_usd, "USD")}`],
        })), { summary: `Credits used: ${report.bots.map((b) => `${b.name} ${b.credits_used}`).join(", ")}` })
        : charts.nothing("No credits used in this period."),
      el("table", { class: "roi" },
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Bot"), el("th", { scope: "col" }, "Revenue"), el("th", { scope: "col" }, "ROI"))),
        el("tbody", {}, ...report.bots.map((b) =>
          el("tr", {}, el("th", { scope: "row" }, b.name), el("td", {}, A.money(b.revenue)), el("td", {}, roiText(b.roi)))))),
      el("p", { class: "chart-note" },
        `${count(u.llm_calls)} model calls, ${count(u.prompt_tokens + u.completion_tokens)} tokens; ` +
        `a credit costs ${A.formatMoney(u.usd_per_credit, "USD")}; the provider's recorded cost was ${A.formatMoney(u.recorded_cost_usd, "USD")}. ` +
        "ROI: revenue per unit spent on credits (1.0× breaks even)."));
  }

  function day(iso) {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? "" : date.toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" });
  }

  function describePeriod(period) {
    return `From ${period.since ? day(period.since) : "the start"} to ${period.until ? day(period.until) : "now"}.`;
  }

  async function load() {
    if (!(await A.needs(panel, "GET", "/analytics"))) return;
    const days = Number($("dash-days").value);
    const since = localDate(new Date(Date.now() - days * DAY_MS));
    const { data: report } = await A.request(`/analytics?since=${since}`);
    $("dash-period").textContent = `${report.tenant_name}. ${describePeriod(report.period || {})}`;
    renderKpis(report);
    renderConversions(report);
    renderRevenue(report);
    renderFunnel(report);
    renderHandoffs(report);
    renderCsat(report);
    renderCredits(report);
    $("dash-body").hidden = false;
  }

  $("dash-form").addEventListener("submit", (event) => {
    event.preventDefault();
    return C.act(event.submitter, load);
  });

  A.register("dashboard", {
    show: load,
    reset: () => {
      $("dash-body").hidden = true;
    },
  });
})();
