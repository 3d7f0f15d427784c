// The admin pages' shared parts: the admin API client (ETag / If-Match), the tabs, and which routes this
// server has (its OpenAPI document). The pages themselves are admin_knowledge.js, admin_templates.js,
// admin_bot.js, admin_agents.js and admin_dashboard.js. Text from the server is only ever set with
// textContent (console.js's el()), never parsed as HTML.
"use strict";

(() => {
  const C = window.ChatbotConsole;
  const API = "/api/v1";
  const STALE_MESSAGE = "Changed by someone else, reloaded: check it and save again.";

  const pages = new Map(); // name -> { show(), shown: boolean }
  let routes = null; // Promise of a Set of "GET /knowledge" strings, from the OpenAPI document
  let current = "inbox";

  // -- the admin API -----------------------------------------------------------------------------------

  // One call: `{ data, etag, status }`. `etag` sends If-Match; `raw` sends a body as is (with `type`).
  async function request(path, { method = "GET", body, etag, raw, type } = {}) {
    const token = C.token();
    const headers = { Accept: "application/json", Authorization: `Bearer ${token}` };
    if (etag) headers["If-Match"] = etag;
    let payload;
    if (raw !== undefined) {
      payload = raw;
      headers["Content-Type"] = type;
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers["Content-Type"] = "application/json";
    }
    let response;
    try {
      response = await fetch(url(path), { method, headers, body: payload, cache: "no-store" });
    } catch (err) {
      throw new C.ApiError(0, "The server cannot be reached. Check the connection and try again.");
    }
    return answer(response.status, response.headers.get("ETag"), await response.text(), token);
  }

  function url(path) {
    return path.startsWith(API + "/") ? path : API + path;
  }

  // Turns a response into data, or the API's error ({"error": {"message", "field"}}) into an ApiError.
  function answer(status, etag, text, token) {
    if (status === 401 && token === C.token()) {
      C.logOut("Your session has ended (the token was refused). Log in again.");
      throw new C.LoggedOut();
    }
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch (err) {
        data = null;
      }
    }
    if (status >= 400) {
      const error = (data && data.error) || {};
      let message = error.message || `the request failed (${status})`;
      if (status === 403) message = "Only an admin may do this.";
      if (status === 412) message = STALE_MESSAGE;
      throw new C.ApiError(status, message, error.field || null);
    }
    return { data, etag, status };
  }

  // An upload whose progress the page can show (fetch cannot report upload progress).
  function upload(path, file, type, onProgress) {
    const token = C.token();
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", url(path));
      xhr.setRequestHeader("Authorization", `Bearer ${token}`);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("Content-Type", type);
      xhr.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) onProgress(event.loaded / event.total);
      });
      xhr.upload.addEventListener("load", () => onProgress(1));
      xhr.addEventListener("error", () =>
        reject(new C.ApiError(0, "The server cannot be reached. Check the connection and try again.")));
      xhr.addEventListener("load", () => {
        try {
          resolve(answer(xhr.status, xhr.getResponseHeader("ETag"), xhr.responseText, token));
        } catch (err) {
          reject(err);
        }
      });
      xhr.send(file);
    });
  }

  // Which routes this server has: pages for routes still missing say so instead of failing.
  function served(method, path) {
    if (routes === null) {
      routes = fetch(`${API}/openapi.json`, { cache: "no-store" })
        .then((response) => (response.ok ? response.json() : { paths: {} }))
        .then((doc) => {
          const found = new Set();
          for (const [name, operations] of Object.entries(doc.paths || {})) {
            for (const verb of Object.keys(operations)) found.add(`${verb.toUpperCase()} ${name.replace(API, "")}`);
          }
          return found;
        })
        .catch(() => null);
    }
    // Without the document (an old server), assume the route is there and let the call say otherwise.
    return routes.then((found) => found === null || found.has(`${method} ${path}`));
  }

  // Shows (or hides) the panel's note that this server lacks the page's route; true when it has it.
  async function needs(panel, method, path) {
    const ok = await served(method, path);
    const note = panel.querySelector(".missing");
    note.hidden = ok;
    note.textContent = ok ? "" : `This server does not offer ${method} /api/v1${path} yet, so this page cannot work.`;
    return ok;
  }

  // -- the tabs ------------------------------------------------------------------------------------------

  function register(name, page) {
    pages.set(name, { ...page, shown: false });
  }

  const tabs = () => [...document.querySelectorAll("#tabs [role=tab]")];

  function showPage(name, { focus = false } = {}) {
    if (!pages.has(name) && name !== "inbox") name = "inbox";
    current = name;
    for (const tab of tabs()) {
      const selected = tab.dataset.page === name;
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
      document.getElementById(tab.getAttribute("aria-controls")).hidden = !selected;
      if (selected && focus) tab.focus();
    }
    if (history.replaceState) history.replaceState(null, "", name === "inbox" ? "#" : `#${name}`);
    const page = pages.get(name);
    if (page) {
      const first = !page.shown;
      page.shown = true;
      Promise.resolve(page.show({ first })).catch((err) => {
        if (!(err instanceof C.LoggedOut)) C.flash(err.message || String(err));
      });
    }
  }

  document.getElementById("tabs").addEventListener("click", (event) => {
    const tab = event.target.closest("[role=tab]");
    if (tab) showPage(tab.dataset.page);
  });

  // Arrow keys move between tabs (the WAI-ARIA tabs pattern).
  document.getElementById("tabs").addEventListener("keydown", (event) => {
    const all = tabs();
    const at = all.findIndex((tab) => tab.dataset.page === current);
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (step === undefined) return;
    event.preventDefault();
    showPage(all[(at + step + all.length) % all.length].dataset.page, { focus: true });
  });

  document.addEventListener("console:login", (event) => {
    const admin = event.detail && event.detail.role === "admin";
    document.getElementById("tabs").hidden = !admin;
    document.body.classList.toggle("admin", admin);
    for (const page of pages.values()) page.shown = false;
    routes = null;
    showPage(admin ? location.hash.slice(1) || "inbox" : "inbox");
  });

  document.addEventListener("console:logout", () => {
    document.getElementById("tabs").hidden = true;
    for (const page of pages.values()) {
      page.shown = false;
      if (page.reset) page.reset();
    }
    showPage("inbox");
  });

  // -- small helpers the pages share ---------------------------------------------------------------------

  function words(text) {
    return text.split(",").map((w) => w.trim()).filter(Boolean);
  }

  function lines(text) {
    return text.split("\n").map((w) => w.trim()).filter(Boolean);
  }

  function money(amounts) {
    const parts = Object.entries(amounts || {}).map(([currency, amount]) => formatMoney(amount, currency));
    return parts.length ? parts.join(" + ") : "0";
  }

  function formatMoney(amount, currency) {
    try {
      return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(Number(amount));
    } catch (err) {
      return `${amount} ${currency}`;
    }
  }

  function percent(ratio) {
    return typeof ratio === "number" ? `${Math.round(ratio * 1000) / 10}%` : "–";
  }

  C.admin = {
    STALE_MESSAGE, request, upload, served, needs, register, showPage, words, lines, money, formatMoney, percent,
  };
})();
