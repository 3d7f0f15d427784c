// The knowledge base page: search, add, edit, disable and delete entries, and import a CSV or JSON
// Lines file (the upload's progress, then what was added and each line that was not, with its reason).
"use strict";

(() => {
  const C = window.ChatbotConsole;
  const A = C.admin;
  const { el } = C;
  const $ = (id) => document.getElementById(id);
  const panel = $("panel-knowledge");
  const TYPES = { csv: "text/csv", jsonl: "application/x-ndjson", ndjson: "application/x-ndjson" };

  const page = A.resourcePage({
    panel,
    prefix: "kb",
    path: "/knowledge",
    noun: "entry",
    fields: [
      { name: "question", kind: "text" },
      { name: "answer", kind: "text" },
      { name: "keywords", kind: "words" },
      { name: "category", kind: "optional" },
      { name: "active", kind: "bool" },
    ],
    defaults: { keywords: [], active: true },
    titleOf: (entry) => (entry.id ? `entry ${entry.id}` : "the entry"),
    query: () => {
      const params = new URLSearchParams();
      for (const name of ["q", "category", "active"]) {
        const value = $("kb-search").elements[name].value.trim();
        if (value) params.set(name, value);
      }
      return params.toString();
    },
    row: (entry, rows) =>
      A.rowParts({
        title: entry.question,
        badges: [
          entry.category ? A.badge(entry.category) : null,
          entry.active ? null : A.badge("disabled", "off"),
        ],
        sub: `${entry.answer}${entry.usage_count ? ` · used ${entry.usage_count}×` : ""}`,
        buttons: [
          el("button", { type: "button", class: "secondary", onclick: () => rows.edit(entry.id) }, "Edit"),
          el(
            "button",
            {
              type: "button",
              class: "secondary",
              onclick: (event) =>
                C.act(event.currentTarget, async () => {
                  const changed = await rows.change(entry.id, { active: !entry.active });
                  C.flash(`${changed.active ? "Enabled" : "Disabled"} entry ${changed.id}.`, "info");
                }),
            },
            entry.active ? "Disable" : "Enable",
          ),
        ],
      }),
  });

  $("kb-search").addEventListener("submit", (event) => {
    event.preventDefault();
    return C.act(event.submitter, page.load);
  });
  $("kb-new").addEventListener("click", () => page.openNew());

  // -- import ------------------------------------------------------------------------------------------

  function formatOf(file) {
    const extension = file.name.split(".").pop().toLowerCase();
    return TYPES[extension] || (file.type === "text/csv" ? "text/csv" : null);
  }

  function progress(text, fraction) {
    $("kb-progress").hidden = false;
    $("kb-progress-text").textContent = text;
    if (fraction === null) $("kb-progress-bar").removeAttribute("value");
    else $("kb-progress-bar").value = Math.round(fraction * 100);
  }

  function showResult(result) {
    const errors = result.errors || [];
    const parts = [`Added ${result.added} ${result.added === 1 ? "entry" : "entries"}`];
    if (result.skipped_existing) parts.push(`skipped ${result.skipped_existing} already in the base`);
    if (errors.length) parts.push(`${errors.length} ${errors.length === 1 ? "line was" : "lines were"} not imported`);
    $("kb-import-summary").textContent = `${parts.join("; ")}.`;
    $("kb-import-summary").className = errors.length ? "warn" : "ok";
    $("kb-import-errors").replaceChildren(
      ...errors.map((error) =>
        el("li", {}, el("span", { class: "line-no" }, `Line ${error.line}`), error.message)),
    );
    $("kb-import-errors").hidden = errors.length === 0;
    $("kb-import-result").hidden = false;
  }

  $("kb-import").addEventListener("submit", (event) => {
    event.preventDefault();
    const file = $("kb-file").files[0];
    $("kb-import-result").hidden = true;
    if (!file) {
      $("kb-file").focus();
      return undefined;
    }
    const type = formatOf(file);
    if (!type) {
      C.flash("Choose a .csv or .jsonl file.");
      return undefined;
    }
    return C.act(event.submitter, async () => {
      if (!(await A.needs(panel, "POST", "/knowledge/import"))) return;
      progress("Uploading… 0%", 0);
      try {
        const { data } = await A.upload("/knowledge/import", file, type, (fraction) => {
          if (fraction < 1) progress(`Uploading… ${Math.round(fraction * 100)}%`, fraction);
          else progress("Uploaded; checking each line…", null);
        });
        progress("Done.", 1);
        showResult(data);
        $("kb-file").value = "";
        await page.load();
      } catch (err) {
        $("kb-progress").hidden = true;
        throw err;
      }
    });
  });

  A.register("knowledge", {
    show: ({ first }) => (first ? page.load() : undefined),
    reset: () => {
      page.reset();
      $("kb-import-result").hidden = true;
      $("kb-progress").hidden = true;
    },
  });
})();
