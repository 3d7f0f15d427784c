// The bot's settings page: the tenant's bots (usually one), each edited in one form: persona, model,
// thresholds, tools, handoff rules and texts. Only the fields changed are sent, with the bot's ETag.
"use strict";

(() => {
  const C = window.ChatbotConsole;
  const A = C.admin;
  const { el } = C;
  const $ = (id) => document.getElementById(id);

  const bots = A.resourcePage({
    panel: $("panel-bot"),
    prefix: "bot",
    path: "/bots",
    noun: "bot",
    fields: [
      { name: "name", kind: "text" },
      { name: "persona", kind: "raw" },
      { name: "model", kind: "optional" },
      { name: "temperature", kind: "number" },
      { name: "max_output_tokens", kind: "number" },
      { name: "knowledge_threshold", kind: "number" },
      { name: "escalation_threshold", kind: "number" },
      { name: "max_tool_rounds", kind: "number" },
      { name: "tools", kind: "checks" },
      { name: "fallback_text", kind: "optional" },
      { name: "handoff_phrases", kind: "lines" },
      { name: "escalation_intents", kind: "lines" },
      { name: "handoff_after_negative", kind: "number" },
      { name: "handoff_after_fallbacks", kind: "number" },
      { name: "out_of_credits_action", kind: "select" },
      { name: "handoff_on_llm_failure", kind: "bool" },
      { name: "handoff_text", kind: "optional" },
      { name: "active", kind: "bool" },
    ],
    // A new bot starts from the server's defaults; only the fields changed from them are sent.
    defaults: {
      persona: "", model: null, temperature: 0.3, max_output_tokens: 512, knowledge_threshold: 0.35,
      escalation_threshold: 0.55, max_tool_rounds: 3, tools: [], fallback_text: null, handoff_phrases: [],
      escalation_intents: ["complaint"], handoff_after_negative: 3, handoff_after_fallbacks: 2,
      out_of_credits_action: "answer", handoff_on_llm_failure: false, handoff_text: null, active: true,
    },
    titleOf: (bot) => (bot.name ? `bot “${bot.name}”` : "the bot"),
    row: (bot, rows) =>
      A.rowParts({
        title: bot.name,
        badges: [bot.active ? null : A.badge("inactive", "off")],
        sub: `${bot.model || "the server's model"} · ${bot.tools.length} tools`,
        buttons: [el("button", { type: "button", class: "secondary", onclick: () => rows.edit(bot.id) }, "Edit")],
      }),
  });

  $("bot-new").addEventListener("click", () => bots.openNew());

  A.register("bot", {
    show: async () => {
      await bots.load();
      // Most tenants have one bot: open it straight away.
      if (!bots.state.editing && bots.state.items.length) await bots.open(bots.state.items[0].id);
    },
    reset: bots.reset,
  });
})();
