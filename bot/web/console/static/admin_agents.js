// The agents page: add agents (their token is shown once), change role and capacity, deactivate them
// (their token is refused at once), and give one a new token (the old one stops working at once).
"use strict";

(() => {
  const C = window.ChatbotConsole;
  const A = C.admin;
  const { el } = C;
  const $ = (id) => document.getElementById(id);

  // The token is in the answer of POST /agents and POST /agents/{id}/token, and nowhere else, ever.
  function showToken(agent, data) {
    const token = data && (data.token || data.secret);
    if (!token) return;
    $("agent-secret-text").textContent =
      `The token for ${agent.name || "the agent"}: give it to them now; it is shown only this once.`;
    $("agent-secret-token").textContent = token;
    $("agent-secret").hidden = false;
  }

  $("agent-secret-close").addEventListener("click", () => {
    $("agent-secret").hidden = true;
    $("agent-secret-token").textContent = "";
  });

  function seen(agent) {
    return agent.last_seen_at ? `last seen ${C.formatTime(agent.last_seen_at)}` : "never logged in";
  }

  const agents = A.resourcePage({
    panel: $("panel-agents"),
    prefix: "agent",
    path: "/agents",
    noun: "agent",
    fields: [
      { name: "name", kind: "text" },
      { name: "email", kind: "optional" },
      { name: "role", kind: "select" },
      { name: "capacity", kind: "number" },
      { name: "active", kind: "bool" },
    ],
    defaults: { role: "agent", capacity: 5, active: true, email: null },
    titleOf: (agent) => (agent.name ? `agent ${agent.name}` : "the agent"),
    row: (agent, rows) =>
      A.rowParts({
        title: agent.name,
        badges: [
          agent.role === "admin" ? A.badge("admin", "accent") : null,
          agent.active ? null : A.badge("disabled", "off"),
        ],
        sub: [agent.email, `${agent.capacity} at once`, seen(agent)].filter(Boolean).join(" · "),
        buttons: [el("button", { type: "button", class: "secondary", onclick: () => rows.edit(agent.id) }, "Edit")],
      }),
    createdItem: (data) => data.agent || data,
    onCreated: (data) => showToken(data.agent || data, data),
    onAction: (action, agent, button) => {
      if (action !== "token" || !agent) return undefined;
      if (!window.confirm(`Give ${agent.name} a new token? The one they use now stops working at once.`)) return undefined;
      return C.act(button, async () => {
        const { data } = await A.request(`/agents/${agent.id}/token`, { method: "POST", body: {} });
        showToken(agent, data);
      });
    },
    onOpen: (agent) => {
      agents.form.querySelector("[data-action=token]").hidden = !agent;
    },
  });

  $("agent-new").addEventListener("click", () => agents.openNew());
  A.register("agents", {
    show: ({ first }) => (first ? agents.load() : undefined),
    reset: () => {
      agents.reset();
      $("agent-secret").hidden = true;
    },
  });
})();
