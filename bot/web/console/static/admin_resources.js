// One resource of the admin API as a page: a list (newest first, "Show more" follows the API's next
// link) and an editor form. Every edit reads the item first and sends its ETag in If-Match; when
// someone else changed it meanwhile (412) the form is reloaded with their version and says so.
"use strict";

(() => {
  const C = window.ChatbotConsole;
  const A = C.admin;
  const { el } = C;

  // How a form field turns into JSON and back. `kind` is one of:
  //   text (a string), optional (empty: null), number (empty: null), words (comma-separated list),
  //   lines (one item per line), bool (a checkbox), checks (checkboxes sharing the name), select.
  function readField(form, { name, kind }) {
    if (kind === "checks") {
      return [...form.querySelectorAll(`input[name="${name}"]`)].filter((box) => box.checked).map((box) => box.value);
    }
    const input = form.elements[name];
    if (kind === "bool") return input.checked;
    const value = input.value;
    if (kind === "words") return A.words(value);
    if (kind === "lines") return A.lines(value);
    if (kind === "number") return value.trim() === "" ? null : Number(value);
    if (kind === "optional") return value.trim() === "" ? null : value.trim();
    return kind === "text" ? value.trim() : value;
  }

  function fillField(form, { name, kind }, value) {
    if (kind === "checks") {
      const chosen = new Set(value || []);
      for (const box of form.querySelectorAll(`input[name="${name}"]`)) box.checked = chosen.has(box.value);
      return;
    }
    const input = form.elements[name];
    if (kind === "bool") input.checked = Boolean(value);
    else if (kind === "words") input.value = (value || []).join(", ");
    else if (kind === "lines") input.value = (value || []).join("\n");
    else input.value = value === null || value === undefined ? "" : String(value);
  }

  function same(a, b) {
    return JSON.stringify(a === undefined ? null : a) === JSON.stringify(b === undefined ? null : b);
  }

  /**
   * A list + editor page.
   *   panel, path ("/knowledge"), noun ("entry"), fields, defaults (a new item's values),
   *   row(item, page) -> the list item's content, idOf(item), titleOf(item),
   *   query() -> extra query string for the list, onOpen(item) / onCreated(answer) / onAction(name, item,
 *   button) hooks, createdItem(answer) -> the item in a POST's answer (default: the answer itself).
   */
  function resourcePage(options) {
    const { panel, path, noun, fields, defaults = {}, row, titleOf, prefix } = options;
    const list = document.getElementById(`${prefix}-list`);
    const empty = document.getElementById(`${prefix}-empty`);
    const more = document.getElementById(`${prefix}-more`);
    const form = document.getElementById(`${prefix}-form`);
    const title = form.querySelector("h3");
    const formError = form.querySelector(".form-error");
    const state = { items: [], next: null, editing: null, etag: null };

    // Loads overlap (the first one and a search typed meanwhile): only the newest answer is shown.
    let loads = 0;

    async function load() {
      const seq = ++loads;
      if (!(await A.needs(panel, "GET", path))) return;
      const query = options.query ? options.query() : "";
      const { data } = await A.request(`${path}${query ? `?${query}` : ""}`);
      if (seq !== loads) return;
      state.items = data.items || [];
      state.next = data.next;
      render();
    }

    async function loadMore() {
      if (!state.next) return;
      const { data } = await A.request(state.next);
      state.items = state.items.concat(data.items || []);
      state.next = data.next;
      render();
    }

    function render() {
      list.replaceChildren(
        ...state.items.map((item) =>
          el(
            "li",
            {
              class: "row",
              dataset: { id: String(item.id) },
              "aria-current": state.editing && state.editing.id === item.id ? "true" : null,
            },
            row(item, api),
          )),
      );
      empty.hidden = state.items.length > 0;
      more.hidden = !state.next;
    }

    function clearErrors() {
      formError.textContent = "";
      for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
    }

    function fill(item) {
      for (const field of fields) fillField(form, field, item[field.name]);
      form.dispatchEvent(new Event("filled"));
    }

    // Opens an item in the editor, with the ETag its edit will send.
    async function open(id) {
      const { data, etag } = await A.request(`${path}/${id}`);
      state.editing = data;
      state.etag = etag;
      clearErrors();
      fill(data);
      title.textContent = `Edit ${titleOf(data)}`;
      form.hidden = false;
      showDelete(true);
      replaceItem(data);
      if (options.onOpen) options.onOpen(data);
      form.querySelector("input, textarea").focus();
    }

    function openNew() {
      state.editing = null;
      state.etag = null;
      clearErrors();
      fill(defaults);
      title.textContent = `New ${noun}`;
      form.hidden = false;
      showDelete(false);
      render();
      if (options.onOpen) options.onOpen(null);
      form.querySelector("input, textarea").focus();
    }

    function showDelete(shown) {
      const button = form.querySelector("[data-action=delete]");
      if (button) button.hidden = !shown;
    }

    function close() {
      state.editing = null;
      form.hidden = true;
      render();
    }

    function replaceItem(item) {
      const at = state.items.findIndex((known) => known.id === item.id);
      if (at >= 0) state.items[at] = item;
      render();
    }

    // Someone else saved first: show their version, and say so.
    async function reloadStale(id) {
      if (state.editing && state.editing.id === id) await open(id);
      else await load();
      C.flash(A.STALE_MESSAGE, "info");
    }

    function showError(err) {
      if (err instanceof C.LoggedOut) return;
      formError.textContent = err.message;
      const input = err.field ? form.querySelector(`[name="${err.field.split(".")[0]}"]`) : null;
      if (input) {
        input.setAttribute("aria-invalid", "true");
        input.focus();
      }
    }

    async function save() {
      clearErrors();
      const values = {};
      for (const field of fields) values[field.name] = readField(form, field);
      if (state.editing === null) {
        // A new item: what differs from the defaults the form started with (the server has the same).
        const body = {};
        for (const field of fields) {
          if (!(field.name in defaults) || !same(values[field.name], defaults[field.name])) {
            body[field.name] = values[field.name];
          }
        }
        const { data } = await A.request(path, { method: "POST", body });
        const item = options.createdItem ? options.createdItem(data) : data;
        await load();
        await open(item.id);
        if (options.onCreated) options.onCreated(data);
        C.flash(`Added ${titleOf(item)}.`, "info");
        return;
      }
      const changes = {};
      for (const field of fields) {
        if (!same(values[field.name], state.editing[field.name])) changes[field.name] = values[field.name];
      }
      if (!Object.keys(changes).length) {
        C.flash("Nothing to save: no field was changed.", "info");
        return;
      }
      const id = state.editing.id;
      const { data, etag } = await A.request(`${path}/${id}`, { method: "PATCH", body: changes, etag: state.etag });
      state.editing = data;
      state.etag = etag;
      fill(data);
      replaceItem(data);
      C.flash(`Saved ${titleOf(data)}.`, "info");
    }

    // A one-field change from the list (enable / disable): read the item for its ETag, then change it.
    async function change(id, changes) {
      const { etag } = await A.request(`${path}/${id}`);
      try {
        const { data, etag: fresh } = await A.request(`${path}/${id}`, { method: "PATCH", body: changes, etag });
        if (state.editing && state.editing.id === id) {
          state.editing = data;
          state.etag = fresh;
          fill(data);
        }
        replaceItem(data);
        return data;
      } catch (err) {
        if (err.status === 412) await reloadStale(id);
        throw err;
      }
    }

    async function remove() {
      const item = state.editing;
      if (!item || !window.confirm(`Delete ${titleOf(item)}? This cannot be undone.`)) return;
      await A.request(`${path}/${item.id}`, { method: "DELETE", etag: state.etag });
      close();
      await load();
      C.flash(`Deleted ${titleOf(item)}.`, "info");
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      return C.act(event.submitter, async () => {
        try {
          await save();
        } catch (err) {
          if (err.status === 412 && state.editing) {
            await reloadStale(state.editing.id);
            formError.textContent = A.STALE_MESSAGE;
            return;
          }
          showError(err);
        }
      });
    });

    form.addEventListener("click", (event) => {
      const action = event.target.closest("[data-action]");
      if (!action) return undefined;
      if (action.dataset.action === "cancel") return close();
      if (action.dataset.action === "delete") {
        return C.act(action, async () => {
          try {
            await remove();
          } catch (err) {
            if (err.status === 412 && state.editing) await reloadStale(state.editing.id);
            else showError(err);
          }
        });
      }
      return options.onAction ? options.onAction(action.dataset.action, state.editing, action) : undefined;
    });

    more.addEventListener("click", (event) => C.act(event.currentTarget, loadMore));

    function reset() {
      state.items = [];
      state.next = null;
      state.editing = null;
      form.hidden = true;
      list.replaceChildren();
    }

    const api = { load, open, openNew, close, change, reset, state, form, edit: (id) => C.act(null, () => open(id)) };
    return api;
  }

  // A row's usual parts: a title line with badges, a quieter line, and buttons.
  function rowParts({ title, badges = [], sub, buttons = [] }) {
    return [
      el("div", { class: "row-main" },
        el("p", { class: "row-title" }, title, ...badges),
        sub ? el("p", { class: "row-sub" }, sub) : null),
      el("div", { class: "row-buttons" }, ...buttons),
    ];
  }

  function badge(text, kind = "") {
    return el("span", { class: `badge ${kind}` }, text);
  }

  A.resourcePage = resourcePage;
  A.rowParts = rowParts;
  A.badge = badge;
})();
