// The agents' console: the queue, one conversation, and the live event stream of the agent API.
// Plain JavaScript, no framework, no build step. Everything the server sends is shown with
// textContent, never parsed as HTML.
"use strict";

(() => {
  const API = "/api/v1/agent";
  const TOKEN_KEY = "chatbot.agentToken";
  const EVENT_KINDS = ["message", "queue", "claim", "status", "note", "failure"];
  const FAILURE_REASONS = {
    window_closed: "the customer's messaging window is closed",
    blocked: "the customer blocked the page or the number",
    invalid_recipient: "the platform does not know this customer",
    bad_token: "the channel's access token was refused",
  };
  const ROLE_NAMES = { user: "Customer", assistant: "Bot", system: "System" };

  const $ = (id) => document.getElementById(id);

  const state = {
    token: null,
    me: null,
    agents: [],
    currentId: null,
    detail: null,
    messages: [], // oldest first
    next: null,
    failures: new Map(), // message id -> failure reason, from live "failure" events
    events: null, // the open stream: { controller, lastByteAt }
    lastEventId: null,
    retryMs: 2000,
    streamFailures: 0,
    liveState: "connecting",
    refreshTimer: null,
    reconnectTimer: null,
    fetchedAt: 0,
    waitingCount: null,
    justOpened: false,
  };

  class ApiError extends Error {
    constructor(status, message, field = null) {
      super(message);
      this.status = status;
      this.field = field; // the request field the server named, if any
    }
  }

  class LoggedOut extends Error {}

  // -- talking to the API --------------------------------------------------------------------------

  async function api(path, { method = "GET", body, token = state.token } = {}) {
    const headers = { Accept: "application/json", Authorization: `Bearer ${token}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(API + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
      });
    } catch (err) {
      throw new ApiError(0, "The server cannot be reached. Check the connection and try again.");
    }
    if (response.status === 401 && token === state.token && state.token !== null) {
      logOut("Your session has ended (the token was refused). Log in again.");
      throw new LoggedOut();
    }
    let data = null;
    try {
      data = await response.json();
    } catch (err) {
      data = null;
    }
    if (!response.ok) {
      const message = data && data.error && data.error.message ? data.error.message : response.statusText;
      throw new ApiError(response.status, message || `request failed (${response.status})`);
    }
    return data;
  }

  // Runs an action from a button; shows what went wrong instead of failing silently.
  async function act(button, work) {
    if (button) button.disabled = true;
    try {
      await work();
      return true;
    } catch (err) {
      if (!(err instanceof LoggedOut)) flash(err.message || String(err));
      return false;
    } finally {
      if (button) button.disabled = false;
    }
  }

  // -- log in and out --------------------------------------------------------------------------------

  function showLogin(message) {
    $("app").hidden = true;
    $("login").hidden = false;
    $("login-error").textContent = message || "";
    $("token").value = "";
    $("token").focus();
  }

  async function logIn(token) {
    const me = await api("/me", { token });
    state.token = token;
    state.me = me;
    sessionStorage.setItem(TOKEN_KEY, token);
    $("login").hidden = true;
    $("app").hidden = false;
    $("me-name").textContent = `${me.name} (${me.role})`;
    $("tenant-name").textContent = me.tenant ? me.tenant.name : "";
    // The admin pages (admin_*.js) listen: they show their tabs to an admin.
    document.dispatchEvent(new CustomEvent("console:login", { detail: me }));
    await loadAgents();
    await refreshLists();
    connectEvents();
  }

  function logOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    stopEvents();
    Object.assign(state, {
      token: null, me: null, agents: [], currentId: null, detail: null, messages: [], next: null,
      lastEventId: null, waitingCount: null, streamFailures: 0,
    });
    state.failures.clear();
    closeConversation();
    document.dispatchEvent(new CustomEvent("console:logout"));
    showLogin(message);
  }

  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const token = $("token").value.trim();
    if (!token) {
      $("login-error").textContent = "Enter your agent token.";
      return;
    }
    const button = event.submitter || $("login-form").querySelector("button");
    button.disabled = true;
    try {
      await logIn(token);
    } catch (err) {
      $("login-error").textContent =
        err.status === 401 ? "That token was not accepted: check it, or ask an admin for a new one." : err.message;
    } finally {
      button.disabled = false;
    }
  });

  $("logout").addEventListener("click", () => logOut("You have logged out."));

  // -- messages to the agent -----------------------------------------------------------------------

  function flash(text, kind = "error") {
    $("flash-text").textContent = text;
    $("flash").dataset.kind = kind;
    $("flash").hidden = false;
  }

  $("flash-close").addEventListener("click", () => {
    $("flash").hidden = true;
  });

  function setLive(text, live) {
    state.liveState = live ? "live" : "connecting";
    $("live").textContent = text;
    $("live").dataset.state = state.liveState;
  }

  // -- formatting ------------------------------------------------------------------------------------

  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function formatWait(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    if (s < 60) return `${s}s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
    const h = Math.floor(m / 60);
    if (h < 48) return `${h}h ${String(m % 60).padStart(2, "0")}m`;
    return `${Math.floor(h / 24)}d ${h % 24}h`;
  }

  function formatTime(iso) {
    if (!iso) return "";
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return "";
    const today = new Date().toDateString() === date.toDateString();
    const options = today
      ? { hour: "2-digit", minute: "2-digit" }
      : { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" };
    return date.toLocaleString(undefined, options);
  }

  function agentName(id) {
    if (id === null || id === undefined) return "an agent";
    if (state.me && id === state.me.id) return "You";
    const agent = state.agents.find((a) => a.id === id);
    return agent ? agent.name : `Agent ${id}`;
  }

  function describeFailure(reason) {
    return FAILURE_REASONS[reason] || (reason ? reason.replaceAll("_", " ") : "the platform refused it");
  }

  function displayName(customer) {
    return (customer && customer.name) || (customer ? `Customer ${customer.id}` : "Unknown customer");
  }

  // Wait times tick in the browser: each one counts from the moment the server measured it, so a
  // wrong clock on the agent's computer does not change them.
  function waitStart(item) {
    if (typeof item.wait_seconds === "number") return state.fetchedAt - item.wait_seconds * 1000;
    const since = Date.parse(item.waiting_since);
    return Number.isNaN(since) ? Date.now() : since;
  }

  function tick() {
    const now = Date.now();
    for (const node of document.querySelectorAll("[data-since]")) {
      node.textContent = formatWait((now - Number(node.dataset.since)) / 1000);
    }
  }

  // What the customer said last (the bot's handoff message says the same for everyone).
  function lastWords(item) {
    const last = item.last_customer_message || item.last_message;
    return last && last.text ? last.text : "";
  }

  // -- the lists ------------------------------------------------------------------------------------

  function renderList(listId, emptyId, countId, items, { showWait }) {
    const list = $(listId);
    list.replaceChildren(
      ...items.map((item) => {
        const badges = [
          el("span", { class: "badge" }, item.channel ? item.channel.platform : ""),
          item.flagged
            ? el(
              "span",
              {
                class: "badge flagged",
                title: item.flagged_at
                  ? `Past the escalation timeout since ${formatTime(item.flagged_at)}; the customer was told`
                  : "Past the escalation timeout; the customer was told",
              },
              "waiting too long",
            )
            : null,
          showWait && item.position ? el("span", { class: "badge" }, `#${item.position} in queue`) : null,
        ];
        const since = waitStart(item);
        const button = el(
          "button",
          {
            type: "button",
            class: "item",
            "aria-current": item.id === state.currentId ? "true" : null,
            dataset: { conversationId: String(item.id) },
            onclick: () => openConversation(item.id),
          },
          el(
            "span",
            { class: "item-top" },
            el("span", { class: "item-name" }, displayName(item.customer)),
            showWait
              ? el(
                "span",
                { class: "wait" },
                el("span", { class: "visually-hidden" }, "waiting "),
                el("span", { dataset: { since: String(since) } }, formatWait((Date.now() - since) / 1000)),
              )
              : null,
          ),
          el("span", { class: "item-sub" }, badges, item.reason || item.trigger || ""),
          lastWords(item) ? el("span", { class: "item-last" }, `“${lastWords(item)}”`) : null,
        );
        return el("li", {}, button);
      }),
    );
    $(emptyId).hidden = items.length > 0;
    $(countId).textContent = String(items.length);
  }

  // Refreshes overlap (a live event and the agent's own action): only the newest answer is shown.
  let listsSeq = 0;
  let conversationSeq = 0;

  async function refreshLists() {
    const seq = ++listsSeq;
    const [queue, mine] = await Promise.all([api("/queue"), api("/conversations?mine=1")]);
    if (seq !== listsSeq) return;
    state.fetchedAt = Date.now();
    const waiting = queue.conversations || [];
    if (state.waitingCount !== null && waiting.length > state.waitingCount) {
      // Screen readers hear about arrivals; everyone else sees the list grow.
      $("announcer").textContent = `A new conversation is waiting: ${waiting.length} in the queue.`;
    }
    state.waitingCount = waiting.length;
    renderList("queue", "queue-empty", "queue-count", waiting, { showWait: true });
    renderList("mine", "mine-empty", "mine-count", mine.conversations || [], { showWait: false });
    document.title = queue.conversations && queue.conversations.length
      ? `(${queue.conversations.length}) Agent console`
      : "Agent console";
  }

  async function loadAgents() {
    try {
      const data = await api("/agents");
      state.agents = data.agents || [];
    } catch (err) {
      if (err instanceof LoggedOut) throw err;
      state.agents = [];
    }
  }

  // -- one conversation -----------------------------------------------------------------------------

  async function openConversation(id) {
    if (state.currentId !== id) {
      state.currentId = id;
      state.messages = [];
      state.next = null;
      state.justOpened = true;
      $("reply-text").value = "";
      $("resolve-note").value = "";
    }
    document.body.classList.add("viewing");
    for (const item of document.querySelectorAll(".item")) {
      item.setAttribute("aria-current", String(Number(item.dataset.conversationId) === id));
    }
    try {
      await refreshConversation();
    } catch (err) {
      if (err instanceof LoggedOut) return;
      flash(err.message);
      return;
    }
    $("main").focus();
  }

  function closeConversation() {
    state.currentId = null;
    state.detail = null;
    $("conversation").hidden = true;
    $("placeholder").hidden = false;
    document.body.classList.remove("viewing");
  }

  $("back").addEventListener("click", () => {
    closeConversation();
    const first = document.querySelector(".item");
    if (first) first.focus();
  });

  async function refreshConversation() {
    const id = state.currentId;
    if (id === null) return;
    const seq = ++conversationSeq;
    const [detail, page] = await Promise.all([
      api(`/conversations/${id}`),
      api(`/conversations/${id}/messages?limit=50`),
    ]);
    if (seq !== conversationSeq || state.currentId !== id) return; // a newer refresh, or another one opened
    state.detail = detail;
    mergeMessages(page.messages || []);
    if (state.next === null || state.messages.length <= (page.messages || []).length) state.next = page.next;
    renderConversation();
  }

  // The API answers newest first; the transcript shows oldest first. Newer pages replace what is known.
  function mergeMessages(newestFirst) {
    const byId = new Map(state.messages.map((m) => [m.id, m]));
    for (const message of newestFirst) byId.set(message.id, message);
    state.messages = [...byId.values()].sort((a, b) => a.id - b.id);
  }

  $("older").addEventListener("click", (event) =>
    act(event.currentTarget, async () => {
      if (!state.next || state.currentId === null) return;
      const page = await api(
        `/conversations/${state.currentId}/messages?limit=50&before=${encodeURIComponent(state.next)}`,
      );
      mergeMessages(page.messages || []);
      state.next = page.next;
      renderTranscript({ keepScroll: true });
    }),
  );

  function isMine(detail) {
    return Boolean(
      detail && detail.status === "transferred" && detail.assigned_agent && state.me &&
        detail.assigned_agent.id === state.me.id,
    );
  }

  function renderConversation() {
    const d = state.detail;
    $("placeholder").hidden = true;
    $("conversation").hidden = false;
    $("conv-title").textContent = displayName(d.customer);
    const owner = d.assigned_agent ? `with ${d.assigned_agent.id === state.me.id ? "you" : d.assigned_agent.name}` : "";
    $("conv-meta").replaceChildren(
      el("span", { class: `badge status-${d.status}` }, d.status),
      el("span", { class: "badge" }, d.channel ? d.channel.platform : ""),
      owner,
    );

    const mine = isMine(d);
    const open = d.status === "escalated" || d.status === "transferred";
    $("claim").hidden = d.status !== "escalated";
    $("release").hidden = !mine;
    $("transfer-form").hidden = !mine || transferTargets().length === 0;
    $("resolve-form").hidden = !(mine || d.status === "escalated");
    renderTransferTargets();

    renderTranscript({ keepScroll: false });
    renderReplyBox(d, mine);
    renderHandoff(d);
    renderCustomer(d);
    renderIntents();
    renderNotes(d);
    $("note-form").hidden = !open && d.status !== "resolved";
  }

  function renderTranscript({ keepScroll }) {
    const list = $("transcript");
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    const previousHeight = list.scrollHeight;
    list.replaceChildren(...state.messages.map(renderMessage));
    $("older").hidden = !state.next;
    // Stay where the agent is reading; follow new messages only from the end (or on opening).
    if (keepScroll) list.scrollTop = list.scrollHeight - previousHeight;
    else if (atBottom || state.justOpened) list.scrollTop = list.scrollHeight;
    state.justOpened = false;
  }

  function renderMessage(m) {
    const failureReason = m.status === "failed" ? m.failure_reason || state.failures.get(m.id) : state.failures.get(m.id);
    const failed = m.status === "failed" || state.failures.has(m.id);
    const who = m.role === "agent" ? agentName(m.agent_id) : ROLE_NAMES[m.role] || m.role;
    const chips = [];
    if (m.intent) {
      const score = typeof m.intent_score === "number" ? ` ${Math.round(m.intent_score * 100)}%` : "";
      chips.push(el("span", { class: "chip" }, `intent: ${m.intent}${score}`));
    }
    if (m.sentiment) chips.push(el("span", { class: "chip" }, `sentiment: ${m.sentiment}`));
    const tools = m.tool_calls && m.tool_calls.length
      ? el(
        "details",
        { class: "tools" },
        el("summary", {}, `${m.tool_calls.length} tool call${m.tool_calls.length === 1 ? "" : "s"}`),
        el("ul", {}, m.tool_calls.map((call) =>
          el("li", {}, `${call.tool || call.name || "tool"}${call.success === false ? " (failed)" : ""}`))),
      )
      : null;
    const status = m.direction === "out" && m.status && !failed ? el("span", { class: "msg-status" }, ` · ${m.status}`) : null;
    return el(
      "li",
      {
        class: `msg ${m.direction === "in" ? "in" : "out"} role-${m.role}${failed ? " failed" : ""}`,
        dataset: { messageId: String(m.id) },
      },
      el("div", { class: "msg-who" }, `${who} · ${formatTime(m.at)}`, status),
      el("p", { class: "msg-text" }, m.text || (m.type ? `[${m.type}]` : "")),
      failed ? el("p", { class: "msg-failure" }, `Not delivered: ${describeFailure(failureReason)}`) : null,
      chips.length ? el("div", { class: "chips" }, chips) : null,
      tools,
    );
  }

  function renderReplyBox(d, mine) {
    $("reply-form").hidden = !mine;
    $("reply-locked").hidden = mine;
    $("reply-locked").textContent = d.status === "escalated"
      ? "Claim this conversation to reply."
      : d.status === "transferred"
        ? `${d.assigned_agent ? d.assigned_agent.name : "Another agent"} owns this conversation.`
        : `This conversation is ${d.status}: it takes no more replies.`;
    if (!mine) return;
    const w = d.window || { free_text: true };
    const templates = d.templates || [];
    // Outside the window a reply can only go out as the channel's approved template (WhatsApp), when
    // one is configured; otherwise nothing can be sent until the customer writes again.
    const viaTemplate = !w.free_text && ("template" in w ? Boolean(w.template) : templates.length > 0);
    const info = $("window-info");
    if (w.free_text) {
      const until = w.until ? ` until ${formatTime(w.until)}` : "";
      info.dataset.kind = w.tag ? "tag" : "open";
      info.textContent = w.tag
        ? `The 24-hour window has passed: your reply goes out with the ${w.tag} tag${until}.`
        : `You can write freely${until}.`;
    } else if (viaTemplate) {
      info.dataset.kind = "closed";
      info.textContent = w.template
        ? `The 24-hour window is closed: your reply goes out as the approved template “${w.template}”. Pick a canned reply.`
        : "The 24-hour window is closed: only a template can be sent.";
    } else {
      info.dataset.kind = "closed";
      info.textContent = "The messaging window is closed and this channel has no approved template: " +
        "nothing can be sent until the customer writes again.";
    }
    $("free-text").hidden = !w.free_text;
    $("template-only").hidden = !viaTemplate;
    $("send").hidden = !w.free_text && !viaTemplate;
    $("send").disabled = viaTemplate && templates.length === 0;
    $("send").textContent = w.free_text ? "Send" : "Send template";

    const canned = $("canned");
    canned.replaceChildren(
      el("option", { value: "" }, templates.length ? "Insert a canned reply…" : "No canned replies"),
      ...templates.map((t) => el("option", { value: String(t.id) }, t.name)),
    );
    canned.disabled = templates.length === 0;
    const picker = $("template");
    const chosen = picker.value;
    picker.replaceChildren(...templates.map((t) => el("option", { value: String(t.id) }, t.name)));
    if (templates.some((t) => String(t.id) === chosen)) picker.value = chosen;
    showTemplatePreview();
  }

  function showTemplatePreview() {
    const templates = (state.detail && state.detail.templates) || [];
    const chosen = templates.find((t) => String(t.id) === $("template").value);
    $("template-preview").textContent = chosen ? chosen.preview || "" : "";
  }

  $("template").addEventListener("change", showTemplatePreview);

  $("canned").addEventListener("change", () => {
    const templates = (state.detail && state.detail.templates) || [];
    const chosen = templates.find((t) => String(t.id) === $("canned").value);
    if (chosen) {
      const box = $("reply-text");
      box.value = box.value ? `${box.value}\n${chosen.preview || ""}` : chosen.preview || "";
      box.focus();
    }
    $("canned").value = "";
  });

  function fact(list, name, value) {
    if (value === null || value === undefined || value === "") return;
    list.push(el("dt", {}, name), el("dd", {}, String(value)));
  }

  function renderHandoff(d) {
    const facts = [];
    const h = d.handoff;
    if (h) {
      fact(facts, "Trigger", h.trigger ? h.trigger.replaceAll("_", " ") : "");
      fact(facts, "Reason", h.reason);
      fact(facts, "Asked at", formatTime(h.requested_at));
    } else {
      fact(facts, "Handoff", "none recorded");
    }
    $("handoff").replaceChildren(...facts);
    $("summary").textContent = h && h.summary ? h.summary : "";
  }

  function renderCustomer(d) {
    const c = d.customer || {};
    const facts = [];
    fact(facts, "Name", displayName(c));
    fact(facts, "Phone", c.phone);
    fact(facts, "Type", c.customer_type);
    fact(facts, "Lead stage", c.lead_stage);
    fact(facts, "Lead score", typeof c.lead_score === "number" ? `${c.lead_score} / 100` : c.lead_score);
    fact(facts, "Lead label", c.lead_label);
    if (d.source && typeof d.source === "object") {
      for (const [key, value] of Object.entries(d.source)) {
        if (value !== null && typeof value !== "object") fact(facts, `Source ${key.replaceAll("_", " ")}`, value);
      }
    } else {
      fact(facts, "Source", d.source);
    }
    $("customer").replaceChildren(...facts);
    $("lead-form").hidden = !c.id;
  }

  function renderIntents() {
    const seen = [];
    for (const m of [...state.messages].reverse()) {
      if (m.direction !== "in" || !m.intent) continue;
      const score = typeof m.intent_score === "number" ? ` ${Math.round(m.intent_score * 100)}%` : "";
      seen.push(el("li", { class: "chip" }, `${m.intent}${score}${m.sentiment ? `, ${m.sentiment}` : ""}`));
      if (seen.length === 6) break;
    }
    $("intents").replaceChildren(...(seen.length ? seen : [el("li", { class: "empty" }, "none scored yet")]));
  }

  function renderNotes(d) {
    const notes = d.notes || [];
    $("notes").replaceChildren(
      ...notes.map((n) =>
        el(
          "li",
          {},
          el("span", { class: "note-meta" }, `${n.agent ? n.agent.name : "System"} · ${formatTime(n.at)}`),
          n.text,
        ),
      ),
    );
  }

  function transferTargets() {
    return state.agents.filter((a) => !state.me || a.id !== state.me.id);
  }

  function renderTransferTargets() {
    const select = $("transfer-to");
    const chosen = select.value;
    select.replaceChildren(
      ...transferTargets().map((a) => {
        const load = typeof a.open_conversations === "number" && typeof a.capacity === "number"
          ? ` ${a.open_conversations}/${a.capacity}`
          : "";
        return el("option", { value: String(a.id) }, `${a.name}${a.available ? " (online)" : ""}${load}`);
      }),
    );
    if (chosen) select.value = chosen;
  }

  // -- actions ----------------------------------------------------------------------------------------

  async function afterAction() {
    await Promise.all([refreshConversation(), refreshLists()]);
  }

  $("claim").addEventListener("click", (event) =>
    act(event.currentTarget, async () => {
      const body = state.detail && typeof state.detail.version === "number" ? { version: state.detail.version } : {};
      try {
        await api(`/conversations/${state.currentId}/claim`, { method: "POST", body });
      } finally {
        await afterAction().catch(() => {});
      }
      $("reply-text").focus();
    }),
  );

  $("release").addEventListener("click", (event) =>
    act(event.currentTarget, async () => {
      await api(`/conversations/${state.currentId}/release`, { method: "POST", body: {} });
      await afterAction();
      flash("Released: the bot answers this customer again.", "info");
    }),
  );

  $("transfer-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const to = Number($("transfer-to").value);
    return act(event.submitter, async () => {
      await api(`/conversations/${state.currentId}/transfer`, { method: "POST", body: { agent_id: to } });
      await afterAction();
      flash(`Transferred to ${agentName(to)}.`, "info");
    });
  });

  $("resolve-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const note = $("resolve-note").value.trim();
    return act(event.submitter, async () => {
      await api(`/conversations/${state.currentId}/resolve`, { method: "POST", body: note ? { note } : {} });
      $("resolve-note").value = "";
      await afterAction();
      flash("Resolved.", "info");
    });
  });

  $("reply-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const w = (state.detail && state.detail.window) || { free_text: true };
    let body;
    if (w.free_text) {
      const text = $("reply-text").value.trim();
      if (!text) {
        $("reply-text").focus();
        return undefined;
      }
      body = { text };
    } else {
      body = { template_id: Number($("template").value) };
    }
    return act($("send"), async () => {
      await api(`/conversations/${state.currentId}/reply`, { method: "POST", body });
      $("reply-text").value = "";
      await refreshConversation();
      $("reply-text").focus();
    });
  });

  $("reply-text").addEventListener("keydown", (event) => {
    // Ctrl+Enter (or Cmd+Enter) sends; Enter alone writes a new line.
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      $("reply-form").requestSubmit();
    }
  });

  $("note-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("note-text").value.trim();
    if (!text) return undefined;
    return act(event.submitter, async () => {
      await api(`/conversations/${state.currentId}/notes`, { method: "POST", body: { text } });
      $("note-text").value = "";
      await refreshConversation();
    });
  });

  $("lead-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const body = {};
    if ($("lead-stage").value) body.stage = $("lead-stage").value;
    if ($("lead-label").value) body.label = $("lead-label").value;
    if (!Object.keys(body).length || !state.detail) return undefined;
    return act(event.submitter, async () => {
      await api(`/customers/${state.detail.customer.id}/lead`, { method: "POST", body });
      $("lead-stage").value = "";
      $("lead-label").value = "";
      await refreshConversation();
      flash("Lead updated.", "info");
    });
  });

  // -- live events ------------------------------------------------------------------------------------

  // The live stream is read with fetch(), not EventSource: EventSource cannot send the Authorization
  // header, and the token must never travel in a URL. The Server-Sent Events format is parsed here, and a
  // reconnect sends Last-Event-ID itself, so nothing that happened meanwhile is missed.
  const STALL_MS = 45000; // the server sends a heartbeat every 15 s: silence this long is a dead stream

  function connectEvents() {
    if (!state.token) return;
    stopEvents();
    const stream = { controller: new AbortController(), lastByteAt: Date.now() };
    state.events = stream;
    readEvents(stream);
  }

  function stopEvents() {
    clearTimeout(state.reconnectTimer);
    if (state.events) state.events.controller.abort();
    state.events = null;
  }

  async function readEvents(stream) {
    const headers = { Accept: "text/event-stream", Authorization: `Bearer ${state.token}` };
    if (state.lastEventId) headers["Last-Event-ID"] = state.lastEventId;
    setLive(state.streamFailures ? "Reconnecting…" : "Connecting…", false);
    let response;
    try {
      response = await fetch(`${API}/events`, { headers, cache: "no-store", signal: stream.controller.signal });
    } catch (err) {
      return streamEnded(stream);
    }
    if (response.status === 401 && state.events === stream) {
      logOut("Your session has ended (the token was refused). Log in again.");
      return undefined;
    }
    if (!response.ok || !response.body) return streamEnded(stream);
    state.streamFailures = 0;
    setLive("Live", true);
    scheduleRefresh(null); // whatever happened before the stream opened is fetched once
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        stream.lastByteAt = Date.now();
        buffer += value;
        // A block ends at a blank line; a lone CR at the end may be the first half of a CRLF.
        const cut = buffer.endsWith("\r") ? buffer.length - 1 : buffer.length;
        const blocks = buffer.slice(0, cut).replace(/\r\n?/g, "\n").split("\n\n");
        buffer = blocks.pop() + buffer.slice(cut);
        for (const block of blocks) readBlock(block);
      }
    } catch (err) {
      // aborted (logged out, stalled) or the connection dropped
    }
    return streamEnded(stream);
  }

  // One SSE block: "id:", "event:", "data:" and "retry:" lines; comments (":") are heartbeats.
  function readBlock(block) {
    let kind = "message";
    const data = [];
    for (const line of block.split("\n")) {
      if (!line || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "id") state.lastEventId = value;
      else if (field === "event") kind = value;
      else if (field === "data") data.push(value);
      else if (field === "retry" && /^\d+$/.test(value)) state.retryMs = Number(value);
    }
    if (data.length && EVENT_KINDS.includes(kind)) onEvent(kind, data.join("\n"));
  }

  function streamEnded(stream) {
    if (state.events !== stream || !state.token) return; // replaced, or logged out
    state.streamFailures += 1;
    setLive("Offline: reconnecting…", false);
    // The server's retry time at first, then longer waits while it stays away (at most 30 s).
    const wait = Math.min(30000, state.retryMs * 2 ** Math.min(state.streamFailures - 1, 4));
    clearTimeout(state.reconnectTimer);
    state.reconnectTimer = setTimeout(() => {
      if (state.events === stream) connectEvents();
    }, wait);
  }

  function watchStream() {
    const stream = state.events;
    if (stream && state.liveState === "live" && Date.now() - stream.lastByteAt > STALL_MS) {
      stream.controller.abort(); // a half-open connection: drop it and resume from the last id
    }
  }

  function onEvent(kind, raw) {
    let data = {};
    try {
      data = JSON.parse(raw) || {};
    } catch (err) {
      data = {};
    }
    if (kind === "failure") {
      const reason = data.failure_reason || data.reason;
      if (data.message_id !== undefined) state.failures.set(data.message_id, reason);
      const who = data.conversation_id === state.currentId && state.detail
        ? displayName(state.detail.customer)
        : "a customer";
      flash(`A message to ${who} was not delivered: ${describeFailure(reason)}.`);
    }
    scheduleRefresh(data.conversation_id);
  }

  // Events come in bursts (a message and a queue change together): one refresh per burst.
  const pendingConversations = new Set();
  function scheduleRefresh(conversationId) {
    if (conversationId === null || conversationId === undefined) pendingConversations.add("all");
    else pendingConversations.add(conversationId);
    if (state.refreshTimer) return;
    state.refreshTimer = setTimeout(async () => {
      state.refreshTimer = null;
      const touched = new Set(pendingConversations);
      pendingConversations.clear();
      try {
        const work = [refreshLists()];
        if (state.currentId !== null && (touched.has("all") || touched.has(state.currentId))) {
          work.push(refreshConversation());
        }
        await Promise.all(work);
      } catch (err) {
        if (!(err instanceof LoggedOut)) flash(err.message);
      }
    }, 150);
  }

  // -- what the admin pages share with this script ---------------------------------------------------

  window.ChatbotConsole = {
    ApiError,
    LoggedOut,
    el,
    flash,
    act,
    formatTime,
    logOut,
    token: () => state.token,
    me: () => state.me,
  };

  // -- start ------------------------------------------------------------------------------------------

  // After every deferred script has run, so the admin pages hear the first login too.
  function start() {
    setInterval(tick, 1000);
    setInterval(watchStream, 5000);
    const saved = sessionStorage.getItem(TOKEN_KEY);
    if (saved) {
      logIn(saved).catch((err) => {
        if (err instanceof LoggedOut) return;
        if (err.status === 401) logOut("Your session has ended. Log in again.");
        else showLogin(err.message);
      });
    } else {
      showLogin("");
    }
  }

  document.addEventListener("DOMContentLoaded", start);
})();
