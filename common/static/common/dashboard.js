// pyros agents dashboard: live agent status and message injection over /ws/agents/ (no build step).
(function () {
  "use strict";

  const root = document.getElementById("dashboard");
  const tbody = document.querySelector("#agents tbody");
  const connection = document.getElementById("connection");
  const form = document.getElementById("inject-form");
  const agentSelect = document.getElementById("inject-agent");
  const result = document.getElementById("inject-result");
  const maxAge = parseFloat(root.dataset.heartbeatMaxAge) || 5;
  const LIVE = new Set(["starting", "running"]);

  const agents = new Map(); // name -> status view
  const seen = new Map(); // name -> Date.now() of the last snapshot/event about it
  let clockOffset = 0; // server time - browser time (ms)
  let socket = null;
  let retry = 500;
  let nextId = 1;
  const pending = new Map();

  function setConnection(state, text) {
    connection.dataset.state = state;
    connection.textContent = text;
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(scheme + "//" + location.host + root.dataset.wsPath);
    socket.addEventListener("open", function () {
      retry = 500;
      setConnection("open", "live");
    });
    socket.addEventListener("message", function (ev) {
      onMessage(JSON.parse(ev.data));
    });
    socket.addEventListener("close", function () {
      setConnection("closed", "disconnected: reconnecting…");
      for (const [, done] of pending) done({ type: "error", error: "connection lost" });
      pending.clear();
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
    });
  }

  function onMessage(msg) {
    if (msg.now) clockOffset = Date.parse(msg.now) - Date.now();
    if (msg.type === "snapshot") {
      agents.clear();
      for (const view of msg.agents) remember(view);
      render();
    } else if (msg.type === "status") {
      const old = agents.get(msg.agent.name) || {};
      remember(Object.assign({}, old, msg.agent));
      render();
    } else if (msg.type === "reply" || msg.type === "error") {
      const done = pending.get(msg.id);
      if (done) {
        pending.delete(msg.id);
        done(msg);
      } else if (msg.type === "error") {
        showResult(false, msg.error);
      }
    }
  }

  function remember(view) {
    agents.set(view.name, view);
    seen.set(view.name, Date.now());
  }

  // The state to show: a live agent we have not heard of for maxAge seconds is unreachable.
  function shownState(view) {
    const silent = (Date.now() - (seen.get(view.name) || 0)) / 1000;
    if (LIVE.has(view.state) && view.source !== "none" && silent > maxAge) return "unreachable";
    return view.state;
  }

  function age(iso) {
    if (!iso) return "";
    const seconds = Math.max(0, (Date.now() + clockOffset - Date.parse(iso)) / 1000);
    if (seconds < 60) return seconds.toFixed(seconds < 10 ? 1 : 0) + " s";
    if (seconds < 3600) return Math.floor(seconds / 60) + " min";
    if (seconds < 86400) return Math.floor(seconds / 3600) + " h";
    return Math.floor(seconds / 86400) + " d";
  }

  function cell(row, cls, text, title) {
    let td = row.querySelector("td." + cls.split(" ")[0]);
    if (!td) {
      td = document.createElement("td");
      td.className = cls;
      row.appendChild(td);
    }
    if (td.textContent !== String(text)) td.textContent = text;
    if (title !== undefined) td.title = title;
    return td;
  }

  function render() {
    const names = Array.from(agents.keys()).sort();
    document.getElementById("no-agents").hidden = names.length > 0;
    for (const name of names) {
      const view = agents.get(name);
      let row = tbody.querySelector('tr[data-agent="' + CSS.escape(name) + '"]');
      if (!row) {
        row = document.createElement("tr");
        row.dataset.agent = name;
        tbody.appendChild(row);
      }
      const state = shownState(view);
      cell(row, "name", name);
      const stateCell = cell(row, "state-cell", "", view.detail || "");
      let badge = stateCell.querySelector(".state");
      if (!badge) {
        badge = document.createElement("span");
        badge.className = "state";
        stateCell.appendChild(badge);
      }
      badge.dataset.state = state;
      badge.textContent = state;
      const where = view.host ? view.host + ":" + (view.port ?? "?") : "";
      cell(row, "where", where, view.pid ? "pid " + view.pid + " on " + view.hostname : "");
      cell(row, "handled num", view.messages_handled ?? 0);
      cell(row, "errors num", view.errors ?? 0);
      cell(row, "last-message", view.last_message || "");
      cell(row, "age", age(view.last_message_at));
      cell(row, "last-error", view.last_error || "");
    }
    for (const row of Array.from(tbody.rows)) {
      if (!agents.has(row.dataset.agent)) row.remove();
    }
    syncAgentChoices(names);
  }

  function syncAgentChoices(names) {
    if (!agentSelect) return;
    const current = Array.from(agentSelect.options).map((o) => o.value);
    if (current.join("\n") === names.join("\n")) return;
    const chosen = agentSelect.value;
    agentSelect.textContent = "";
    for (const name of names) agentSelect.add(new Option(name, name, false, name === chosen));
  }

  function showResult(ok, text) {
    result.className = "result " + (ok ? "ok" : "error");
    result.textContent = text;
  }

  function describe(msg) {
    if (msg.type === "error") return [false, "error: " + msg.error];
    const took = " (" + msg.round_trip_ms + " ms)";
    if (msg.status_code === 200) return [true, "reply from " + msg.agent + took + ":\n" + JSON.stringify(msg.reply, null, 2)];
    return [false, msg.status_code + " " + msg.outcome + ": " + msg.error.type + ": " + msg.error.text + took];
  }

  if (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      let params;
      try {
        params = JSON.parse(document.getElementById("inject-params").value || "{}");
      } catch (err) {
        showResult(false, "params: not valid JSON: " + err.message);
        return;
      }
      if (params === null || typeof params !== "object" || Array.isArray(params)) {
        showResult(false, "params: must be a JSON object, like {\"id\": 1}");
        return;
      }
      if (!socket || socket.readyState !== WebSocket.OPEN) {
        showResult(false, "not connected: wait for the live connection");
        return;
      }
      const id = nextId++;
      const request = {
        type: "inject",
        id: id,
        agent: agentSelect.value,
        message: document.getElementById("inject-message").value.trim(),
        params: params,
        timeout: parseFloat(document.getElementById("inject-timeout").value) || undefined,
      };
      showResult(true, "sending " + request.message + " to " + request.agent + "…");
      pending.set(id, function (msg) {
        const [ok, text] = describe(msg);
        showResult(ok, text);
      });
      socket.send(JSON.stringify(request));
    });
  }

  setInterval(render, 500); // ages and silent agents
  // Agents of another process reach this page as events only through a shared channel layer (Redis);
  // a fresh snapshot (their persisted heartbeats) every few seconds covers the other cases.
  setInterval(function () {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "snapshot" }));
  }, Math.max(1000, (maxAge * 1000) / 2));
  connect();
})();
