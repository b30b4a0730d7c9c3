// The vpnfsm chat page: sends messages to POST /api/chat and shows the
// reply, the flow's state diagram with the current state highlighted, and
// the handoff summary. No framework and no external file: it must work
// offline, from the package alone.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const log = $("log");
  const keyInput = $("api-key");
  const diagrams = new Map();  // flow name -> SVG text, fetched once
  let sessionId = null;  // a reload starts a new conversation
  let shownFlow = null;

  keyInput.value = sessionStorage.getItem("vpnfsm.key") || "";
  keyInput.addEventListener("change", () => sessionStorage.setItem("vpnfsm.key", keyInput.value));

  function headers(extra) {
    const h = Object.assign({ "Accept": "application/json" }, extra || {});
    if (keyInput.value) h["X-API-Key"] = keyInput.value;
    return h;
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

  async function diagramFor(flow) {
    if (!diagrams.has(flow)) {
      const r = await fetch(`/api/flows/${encodeURIComponent(flow)}/diagram.svg`, { headers: headers() });
      if (!r.ok) throw new Error(`diagram: HTTP ${r.status}`);
      diagrams.set(flow, await r.text());
    }
    return diagrams.get(flow);
  }

  async function showState(flow, state) {
    $("state").textContent = state || "-";
    const box = $("diagram");
    if (!flow) return;
    if (shownFlow !== flow) {
      try {
        // The SVG comes from this service (generated from the flow declaration).
        box.innerHTML = await diagramFor(flow);
      } catch (err) {
        // The chat goes on without the picture (e.g. graphviz missing on the server).
        box.replaceChildren(Object.assign(document.createElement("p"),
          { className: "hint", textContent: `Diagram unavailable: ${err.message}` }));
      }
      shownFlow = flow;
    }
    box.querySelectorAll("g.current").forEach((g) => g.classList.remove("current"));
    const node = state ? box.querySelector(`#${CSS.escape("state-" + state)}`) : null;
    if (node) {
      node.classList.add("current");
      box.dataset.current = state;
    }
  }

  function showHandoff(summary) {
    const section = $("handoff");
    if (!summary) { section.hidden = true; return; }
    const facts = $("handoff-facts");
    facts.replaceChildren();
    const known = Object.entries(summary.slots || {}).filter(([, v]) => v).map(([k, v]) => `${k}: ${v}`);
    const rows = [
      ["Reference", summary.reference],
      ["Reason", summary.reason],
      ["Known", known.join(", ") || "nothing"],
      ["Steps tried", (summary.steps || []).map((s) => `${s.title} (${s.result || "?"})`).join("; ") || "none"],
    ];
    for (const [k, v] of rows) {
      const dt = document.createElement("dt"); dt.textContent = k;
      const dd = document.createElement("dd"); dd.textContent = v;
      facts.append(dt, dd);
    }
    $("handoff-json").textContent = JSON.stringify(summary, null, 2);
    section.hidden = false;
  }

  async function send(message) {
    const body = { message };
    if (sessionId) body.session_id = sessionId;
    const r = await fetch("/api/chat", {
      method: "POST",
      headers: headers({ "Content-Type": "application/json" }),
      body: JSON.stringify(body),
    });
    const data = await r.json().catch(() => ({}));
    if (!r.ok) {
      const retry = r.headers.get("Retry-After");
      throw new Error((data.detail || data.title || `HTTP ${r.status}`) + (retry ? ` (retry in ${retry}s)` : ""));
    }
    return data;
  }

  $("composer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("message");
    const text = input.value;
    if (!text.trim()) return;
    input.value = "";
    say("user", text);
    $("send").disabled = true;
    try {
      const reply = await send(text);
      sessionId = reply.session_id;
      say("bot", reply.reply, `state ${reply.state || "-"} · intent ${reply.intent}`
        + (reply.ticket ? ` · ticket ${reply.ticket}` : ""));
      $("intent").textContent = `(intent ${reply.intent})`;
      showHandoff(reply.handoff_summary);
      await showState(reply.flow, reply.state);
      showError("");
    } catch (err) {
      showError(String(err.message || err));
    } finally {
      $("send").disabled = false;
      document.body.dataset.turns = String(log.querySelectorAll("li.bot").length);
      input.focus();
    }
  });

  $("restart").addEventListener("click", () => {
    sessionId = null;
    log.replaceChildren();
    showHandoff(null);
    $("state").textContent = "-";
    $("intent").textContent = "";
    $("diagram").querySelectorAll("g.current").forEach((g) => g.classList.remove("current"));
  });
})();
