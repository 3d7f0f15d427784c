// Small SVG charts drawn in the page: horizontal bars (one or several series), a funnel and columns.
// No library; every label is set with textContent. Each chart is an image with a spoken summary.
"use strict";

(() => {
  const C = window.ChatbotConsole;
  const NS = "http://www.w3.org/2000/svg";
  const WIDTH = 560;
  const COLOURS = ["#1d4ed8", "#60a5fa", "#0f766e", "#d97706", "#7c3aed"];
  const LABEL_WIDTH = 170;
  const VALUE_WIDTH = 90;
  const LABEL_CHARS = 24;

  function svg(tag, attributes = {}, ...children) {
    const node = document.createElementNS(NS, tag);
    for (const [key, value] of Object.entries(attributes)) {
      if (value !== null && value !== undefined) node.setAttribute(key, String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function canvas(height, summary) {
    return svg(
      "svg",
      { viewBox: `0 0 ${WIDTH} ${height}`, width: "100%", role: "img", "aria-label": summary, class: "svg-chart" },
      svg("title", {}, summary),
    );
  }

  // A label cut to fit, with the whole of it as a tooltip.
  function label(text, attributes) {
    const whole = String(text);
    const shown = whole.length > LABEL_CHARS ? `${whole.slice(0, LABEL_CHARS - 1)}…` : whole;
    return svg("text", attributes, shown, shown === whole ? null : svg("title", {}, whole));
  }

  function nothing(text = "Nothing in this period.") {
    return C.el("p", { class: "empty chart-empty" }, text);
  }

  function legend(series) {
    return C.el(
      "ul",
      { class: "legend" },
      ...series.map((name, i) => C.el("li", {}, C.el("span", { class: "swatch", dataset: { series: String(i) } }), name)),
    );
  }

  /**
   * Horizontal bars: `groups` = [{ label, values: [number], texts: [string] }], one bar per series.
   * The longest bar fills the width; a value of 0 still shows its number.
   */
  function bars(groups, { series = [""], summary }) {
    if (!groups.length) return nothing();
    const barHeight = series.length > 1 ? 14 : 20;
    const gap = series.length > 1 ? 4 : 0;
    const rowHeight = series.length * (barHeight + gap) + 12;
    const height = groups.length * rowHeight + 6;
    const max = Math.max(1e-9, ...groups.flatMap((g) => g.values));
    const room = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
    const chart = canvas(height, summary);
    groups.forEach((group, row) => {
      const top = row * rowHeight + 6;
      const middle = top + (series.length * (barHeight + gap) - gap) / 2;
      chart.append(label(group.label, { x: LABEL_WIDTH - 10, y: middle, class: "axis-label", "text-anchor": "end", "dominant-baseline": "middle" }));
      group.values.forEach((value, i) => {
        const y = top + i * (barHeight + gap);
        const length = Math.max(value > 0 ? 2 : 0, (value / max) * room);
        chart.append(
          svg("rect", { x: LABEL_WIDTH, y, width: length, height: barHeight, rx: 3, fill: COLOURS[i % COLOURS.length] },
            svg("title", {}, `${group.label}${series[i] ? ` · ${series[i]}` : ""}: ${group.texts[i]}`)),
          svg("text", { x: LABEL_WIDTH + length + 6, y: y + barHeight / 2, class: "value-label", "dominant-baseline": "middle" }, group.texts[i]),
        );
      });
    });
    chart.append(svg("line", { x1: LABEL_WIDTH, x2: LABEL_WIDTH, y1: 0, y2: height, class: "axis" }));
    const box = C.el("div", {});
    if (series.length > 1) box.append(legend(series));
    box.append(chart);
    return box;
  }

  // The lead funnel: one centred bar per stage, its width the share of the widest stage.
  function funnel(stages, { summary }) {
    if (!stages.length || stages.every((s) => s.customers === 0)) return nothing("No new customers in this period.");
    const rowHeight = 34;
    const height = stages.length * rowHeight + 4;
    const max = Math.max(...stages.map((s) => s.customers));
    const room = WIDTH - LABEL_WIDTH - 20;
    const centre = LABEL_WIDTH + room / 2;
    const chart = canvas(height, summary);
    stages.forEach((stage, i) => {
      const y = i * rowHeight + 2;
      const width = Math.max(4, (stage.customers / max) * room);
      chart.append(
        label(stage.stage, { x: LABEL_WIDTH - 10, y: y + rowHeight / 2 - 2, class: "axis-label", "text-anchor": "end", "dominant-baseline": "middle" }),
        svg("rect", { x: centre - width / 2, y, width, height: rowHeight - 6, rx: 4, class: `funnel-step step-${Math.min(i, 5)}` },
          svg("title", {}, `${stage.stage}: ${stage.customers}`)),
        svg("text", { x: centre, y: y + rowHeight / 2 - 2, class: "funnel-value", "text-anchor": "middle", "dominant-baseline": "middle" }, String(stage.customers)),
      );
    });
    return chart;
  }

  // Columns over category names (the CSAT ratings 1 to 5).
  function columns(items, { summary }) {
    if (items.every((item) => item.value === 0)) return nothing("No ratings in this period.");
    const height = 180;
    const base = height - 26;
    const top = 20;
    const step = WIDTH / items.length;
    const max = Math.max(...items.map((item) => item.value));
    const chart = canvas(height, summary);
    items.forEach((item, i) => {
      const h = max ? ((base - top) * item.value) / max : 0;
      const x = i * step + step * 0.25;
      chart.append(
        svg("rect", { x, y: base - h, width: step * 0.5, height: h, rx: 3, fill: item.colour || COLOURS[0] },
          svg("title", {}, `${item.label}: ${item.value}`)),
        svg("text", { x: x + step * 0.25, y: base - h - 6, class: "value-label", "text-anchor": "middle" }, String(item.value)),
        svg("text", { x: x + step * 0.25, y: height - 6, class: "axis-label", "text-anchor": "middle" }, item.label),
      );
    });
    chart.append(svg("line", { x1: 0, x2: WIDTH, y1: base, y2: base, class: "axis" }));
    return chart;
  }

  C.charts = { bars, funnel, columns, nothing };
})();
