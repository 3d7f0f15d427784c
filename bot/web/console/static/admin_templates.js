// The templates and commands pages. Both texts may hold placeholders ({first_name}, {bot_name}, ...):
// while the admin types, the server fills them for a sample customer (POST /templates/preview) and the
// page shows the result, the placeholders it knows and any it does not.
"use strict";

(() => {
  const C = window.ChatbotConsole;
  const A = C.admin;
  const { el } = C;
  const $ = (id) => document.getElementById(id);
  const PREVIEW_DELAY_MS = 300;

  // Live preview of the textarea that names its preview box in data-preview.
  function livePreview(textarea) {
    const box = $(textarea.dataset.preview);
    let timer = null;
    let seq = 0;

    async function refresh() {
      const body = textarea.value;
      const mine = ++seq;
      if (!body.trim()) {
        box.replaceChildren(el("p", { class: "hint" }, "The preview shows here as you type."));
        return;
      }
      if (!(await A.served("POST", "/templates/preview"))) {
        box.replaceChildren(el("p", { class: "hint" }, "This server cannot preview placeholders yet."));
        return;
      }
      let data;
      try {
        ({ data } = await A.request("/templates/preview", { method: "POST", body: { body } }));
      } catch (err) {
        if (err instanceof C.LoggedOut || mine !== seq) return;
        box.replaceChildren(el("p", { class: "error" }, err.message));
        return;
      }
      if (mine !== seq) return; // the admin typed on: a newer preview is on its way
      const placeholders = data.placeholders || [];
      const unknown = data.unknown || [];
      box.replaceChildren(
        el("p", { class: "preview-label" }, "Preview for a sample customer"),
        el("p", { class: "preview" }, data.text),
        placeholders.length
          ? el("p", { class: "chips" }, "Placeholders: ", ...placeholders.map((name) => el("span", { class: "chip" }, `{${name}}`)))
          : null,
        unknown.length
          ? el("p", { class: "warn" }, `Unknown, sent as written: ${unknown.map((name) => `{${name}}`).join(", ")}`)
          : null,
      );
    }

    function later() {
      clearTimeout(timer);
      timer = setTimeout(refresh, PREVIEW_DELAY_MS);
    }

    textarea.addEventListener("input", later);
    textarea.form.addEventListener("filled", refresh);
  }

  livePreview($("tpl-body"));
  livePreview($("cmd-response"));

  function activeButton(rows, item, noun) {
    return el(
      "button",
      {
        type: "button",
        class: "secondary",
        onclick: (event) =>
          C.act(event.currentTarget, async () => {
            const changed = await rows.change(item.id, { active: !item.active });
            C.flash(`${changed.active ? "Enabled" : "Disabled"} ${noun}.`, "info");
          }),
      },
      item.active ? "Disable" : "Enable",
    );
  }

  const templates = A.resourcePage({
    panel: $("panel-templates"),
    prefix: "tpl",
    path: "/templates",
    noun: "template",
    fields: [
      { name: "name", kind: "text" },
      { name: "trigger_keywords", kind: "words" },
      { name: "body", kind: "raw" },
      { name: "active", kind: "bool" },
    ],
    defaults: { trigger_keywords: [], active: true, body: "" },
    titleOf: (t) => (t.name ? `template “${t.name}”` : "the template"),
    row: (t, rows) =>
      A.rowParts({
        title: t.name,
        badges: [t.active ? null : A.badge("disabled", "off")],
        sub: `${t.trigger_keywords.length ? `when: ${t.trigger_keywords.join(", ")} · ` : ""}${t.body}`,
        buttons: [
          el("button", { type: "button", class: "secondary", onclick: () => rows.edit(t.id) }, "Edit"),
          activeButton(rows, t, `template “${t.name}”`),
        ],
      }),
  });

  // The API stores a command as the engine matches it ("!price"); older rows may lack the "!".
  const bang = (name) => (String(name).startsWith("!") ? name : `!${name}`);

  const commands = A.resourcePage({
    panel: $("panel-commands"),
    prefix: "cmd",
    path: "/commands",
    noun: "command",
    fields: [
      { name: "command", kind: "text" },
      { name: "response", kind: "raw" },
      { name: "group_id", kind: "number" },
      { name: "active", kind: "bool" },
    ],
    defaults: { active: true, response: "", group_id: null },
    titleOf: (c) => (c.command ? `command ${bang(c.command)}` : "the command"),
    row: (c, rows) =>
      A.rowParts({
        title: bang(c.command),
        badges: [
          A.badge(c.group_id === null || c.group_id === undefined ? "every conversation" : `group ${c.group_id}`),
          c.active ? null : A.badge("disabled", "off"),
        ],
        sub: c.response,
        buttons: [
          el("button", { type: "button", class: "secondary", onclick: () => rows.edit(c.id) }, "Edit"),
          activeButton(rows, c, `command ${bang(c.command)}`),
        ],
      }),
  });

  $("tpl-new").addEventListener("click", () => templates.openNew());
  $("cmd-new").addEventListener("click", () => commands.openNew());
  A.register("templates", { show: ({ first }) => (first ? templates.load() : undefined), reset: templates.reset });
  A.register("commands", { show: ({ first }) => (first ? commands.load() : undefined), reset: commands.reset });
})();
