// The vpnfsm chat page: sends messages to POST /api/chat and shows the
// replies, a plain-words view of where the conversation is, the handoff
// summary and (on request) the flow's full diagram. No framework and no
// external file: it must work offline, from the package alone.
//
// End users never see an API key: the page asks the server for a short-lived
// token (GET /api/page/token) and sends it as a Bearer token.
// Words for labels come from /static/labels.json (data, checked by a test).
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const log = $("log");
  const greeting = log.querySelector("li.greeting");
  const diagrams = new Map();  // flow name -> SVG text, fetched once
  let labels = { intent: {}, reason: {}, result: {}, slot: {}, value: {}, flows: {} };
  let token = null;  // { token, expiresAt (ms) }
  let sessionId = null;  // a reload starts a new conversation
  let current = { flow: null, state: null };
  let shownFlow = null;

  // A label with no words in labels.json still reads as words, never as snake_case.
  const humane = (label) => {
    const text = String(label).replace(/_/g, " ");
    return text.charAt(0).toUpperCase() + text.slice(1);
  };
  const word = (table, label) => (table && table[label]) || humane(label);
  const valueWords = (slot, value) => {
    const known = (labels.value[slot] || {})[value];
    if (known) return known;
    return /^[a-z]+(_[a-z0-9]+)+$/.test(value) ? humane(value) : value;  // codes like 0x800 stay as typed
  };

  async function loadLabels() {
    try {
      const r = await fetch("/static/labels.json");
      if (r.ok) labels = await r.json();
    } catch (_) { /* the page still works with humanized labels */ }
  }

  async function pageToken(force) {
    if (!force && token && token.expiresAt - Date.now() > 30_000) return token.token;
    const r = await fetch("/api/page/token", { headers: { "Accept": "application/json" } });
    if (r.status === 404) throw new Error("The chat is not available on this site yet. Please contact your IT helpdesk.");
    if (!r.ok) throw new Error("The assistant cannot be reached right now. Please try again in a moment.");
    const data = await r.json();
    token = { token: data.token, expiresAt: Date.now() + data.expires_in * 1000 };
    return token.token;
  }

  async function authorized(url, init, retried) {
    const headers = Object.assign({ "Accept": "application/json" }, init.headers || {});
    headers["Authorization"] = `Bearer ${await pageToken(false)}`;
    const r = await fetch(url, Object.assign({}, init, { headers }));
    if (r.status === 401 && !retried) {  // expired while the tab was idle: one fresh token, one retry
      await pageToken(true);
      return authorized(url, init, true);
    }
    return r;
  }

  function say(role, text, meta) {
    const li = document.createElement("li");
    li.className = role;
    li.textContent = text;  // never innerHTML: the text is what a user typed
    if (meta) {
      const m = document.createElement("span");
      m.className = "meta";
      m.textContent = meta;
      li.appendChild(m);
    }
    log.appendChild(li);
    log.scrollTop = log.scrollHeight;
  }

  function showError(text) {
    const p = $("error");
    p.textContent = text || "";
    p.hidden = !text;
  }

  function showProgress(flow, state) {
    const list = $("progress");
    const spec = labels.flows[flow];
    list.replaceChildren();
    if (!flow || !spec) {
      $("topic").textContent = flow ? humane(flow) : "Nothing yet: tell me what's wrong.";
      return;
    }
    $("topic").textContent = `Topic: ${spec.title}`;
    const reachedEnd = spec.ends.includes(state);
    const position = spec.shown.indexOf(state);
    spec.shown.forEach((name, i) => {
      const li = document.createElement("li");
      li.textContent = spec.steps[name] || humane(name);
      if (name === state) li.setAttribute("aria-current", "step");
      else if (reachedEnd || i < position) li.className = "done";
      list.appendChild(li);
    });
    const end = document.createElement("li");
    if (reachedEnd) {
      end.textContent = spec.steps[state];
      end.setAttribute("aria-current", "step");
    } else {
      const words = spec.ends.map((name) => spec.steps[name] || humane(name));
      end.textContent = words.map((w, i) => (i ? w.charAt(0).toLowerCase() + w.slice(1) : w)).join(", or ");
    }
    list.appendChild(end);
  }

  async function showDiagram() {
    const box = $("diagram");
    const { flow, state } = current;
    if (!$("diagram-box").open) return;
    if (!flow) {
      box.replaceChildren(Object.assign(document.createElement("p"),
        { className: "hint", textContent: "The diagram appears once a conversation starts." }));
      shownFlow = null;
      return;
    }
    if (shownFlow !== flow) {
      try {
        if (!diagrams.has(flow)) {
          const r = await authorized(`/api/flows/${encodeURIComponent(flow)}/diagram.svg`, {});
          if (!r.ok) throw new Error(`HTTP ${r.status}`);
          diagrams.set(flow, await r.text());
        }
        box.innerHTML = diagrams.get(flow);  // SVG generated by this service from the flow declaration
      } catch (err) {
        box.replaceChildren(Object.assign(document.createElement("p"),
          { className: "hint", textContent: "The diagram is not available right now." }));
      }
      shownFlow = flow;
    }
    box.querySelectorAll("g.current").forEach((g) => g.classList.remove("current"));
    const node = state ? box.querySelector(`#${CSS.escape("state-" + state)}`) : null;
    if (node) {
      node.classList.add("current");
      // The diagram keeps its natural (readable) size, so bring the current state into the box's view.
      const at = node.getBoundingClientRect();
      const view = box.getBoundingClientRect();
      box.scrollLeft += at.left - view.left - (view.width - at.width) / 2;
      box.scrollTop += at.top - view.top - (view.height - at.height) / 2;
    }
  }

  function showHandoff(summary, ticket) {
    const section = $("handoff");
    if (!summary) { section.hidden = true; return; }
    const known = Object.entries(summary.slots || {}).filter(([, v]) => v)
      .map(([slot, v]) => `${word(labels.slot, slot)}: ${valueWords(slot, v)}`);
    const steps = (summary.steps || [])
      .map((s) => `${s.title} (${word(labels.result, s.result || "unclear")})`);
    const rows = [
      ["Reference", summary.reference],
      ["Why", word(labels.reason, summary.reason)],
      ["What we know", known.join("; ") || "nothing yet"],
      ["Steps tried", steps.join("; ") || "none"],
    ];
    if (ticket) rows.splice(1, 0, ["Ticket", ticket]);
    const facts = $("handoff-facts");
    facts.replaceChildren();
    for (const [k, v] of rows) {
      const dt = document.createElement("dt"); dt.textContent = k;
      const dd = document.createElement("dd"); dd.textContent = v;
      facts.append(dt, dd);
    }
    section.hidden = false;
  }

  async function send(message) {
    const body = { message };
    if (sessionId) body.session_id = sessionId;
    const r = await authorized("/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const data = await r.json().catch(() => ({}));
    if (!r.ok) {
      const retry = r.headers.get("Retry-After");
      if (r.status === 401) throw new Error("Your chat session has ended. Please reload the page.");
      if (retry) throw new Error(`The assistant is busy. Please try again in ${retry} seconds.`);
      if (r.status === 422) throw new Error("I couldn't read that message. Is it empty or very long?");
      throw new Error("Sorry, something went wrong. Please send your message again.");
    }
    return data;
  }

  function turnsDone() {
    document.body.dataset.turns = String(log.querySelectorAll("li.bot:not(.greeting)").length);
  }

  const input = $("message");
  input.addEventListener("keydown", (event) => {
    // Enter sends; Shift+Enter keeps a new line (pasted logs).
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });

  $("composer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value;
    if (!text.trim()) return;
    input.value = "";
    say("user", text);
    $("send").disabled = true;
    try {
      const reply = await send(text);
      sessionId = reply.session_id;
      say("bot", reply.reply, reply.ticket ? `Ticket ${reply.ticket}` : "");
      current = { flow: reply.flow, state: reply.state };
      showProgress(reply.flow, reply.state);
      showHandoff(reply.handoff_summary, reply.ticket);
      await showDiagram();
      showError("");
    } catch (err) {
      showError(String(err.message || err));
    } finally {
      $("send").disabled = false;
      turnsDone();
      input.focus();
    }
  });

  $("diagram-box").addEventListener("toggle", () => { showDiagram(); });

  $("restart").addEventListener("click", () => {
    sessionId = null;
    current = { flow: null, state: null };
    log.replaceChildren(greeting);
    showHandoff(null);
    showProgress(null, null);
    showDiagram();
    showError("");
    turnsDone();
    input.focus();
  });

  turnsDone();
  loadLabels();
  pageToken(false).catch((err) => showError(String(err.message || err)));
})();
