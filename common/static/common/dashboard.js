// Agents table (and one agent's page): rows kept live from the websocket snapshot and status events,
// start/stop/restart buttons (stop asks first), and the send form with completion from known messages.
(function () {
  "use strict";

  const pyros = window.pyros;
  const root = document.getElementById("dashboard");
  const tbody = document.querySelector("#agents tbody");
  const only = root.dataset.agentPage || null; // one agent's page: its row only
  const canControl = root.dataset.canControl === "true";
  const maxAge = parseFloat(document.body.dataset.heartbeatMaxAge) || 5;
  const LIVE = new Set(["starting", "running"]);
  const agents = new Map(); // name -> status view
  const seen = new Map(); // name -> Date.now() of the last snapshot/event about it
  const form = document.getElementById("inject-form");
  const agentSelect = document.getElementById("inject-agent");
  const messageInput = document.getElementById("inject-message");
  const datalist = document.getElementById("known-messages");
  const result = document.getElementById("inject-result");
  const controlResult = document.getElementById("control-result");
  const dialog = document.getElementById("stop-dialog");

  function remember(view) {
    if (only && view.name !== only) return;
    agents.set(view.name, view);
    seen.set(view.name, Date.now());
  }

  // A live agent we have not heard of for maxAge seconds is unreachable.
  function shownState(view) {
    const silent = (Date.now() - (seen.get(view.name) || 0)) / 1000;
    if (LIVE.has(view.state) && view.source !== "none" && silent > maxAge) return "unreachable";
    return view.state;
  }

  // The column of each cell (its label shows on a phone, where the rows become cards).
  const LABELS = {
    name: "agent", "state-cell": "state", where: "where", uptime: "uptime", restarts: "restarts",
    handled: "handled", errors: "errors", "last-message": "last message", age: "at", "last-error": "last error",
    control: "control",
  };

  function cell(row, cls, text, title) {
    let td = row.querySelector("td." + cls.split(" ")[0]);
    if (!td) {
      td = document.createElement("td");
      td.className = cls;
      td.dataset.label = LABELS[cls.split(" ")[0]] || "";
      row.appendChild(td);
    }
    if (text !== null && td.textContent !== String(text)) td.textContent = text;
    if (title !== undefined) td.title = title;
    return td;
  }

  function timeCell(row, iso) {
    const td = cell(row, "age", null);
    const current = td.querySelector("time");
    if ((current ? current.dateTime : "") === (iso || "")) return;
    td.textContent = "";
    if (iso) td.appendChild(pyros.timeElement(iso));
  }

  function controlCell(row, name) {
    if (!canControl || row.querySelector("td.control")) return;
    const td = cell(row, "control", null);
    const group = document.createElement("span");
    group.className = "buttons";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "control " + name);
    for (const action of ["start", "stop", "restart"]) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "small" + (action === "stop" ? " danger" : "");
      button.dataset.action = action;
      button.dataset.agent = name;
      button.textContent = action;
      group.appendChild(button);
    }
    td.appendChild(group);
  }

  function nameCell(row, name) {
    const td = cell(row, "name", null);
    if (td.querySelector("a")) return;
    const link = document.createElement("a");
    link.href = "/agents/" + encodeURIComponent(name) + "/";
    link.textContent = name;
    td.appendChild(link);
  }

  function renderRow(view) {
    const name = view.name;
    let row = tbody.querySelector('tr[data-agent="' + CSS.escape(name) + '"]');
    if (!row) {
      row = document.createElement("tr");
      row.dataset.agent = name;
      tbody.appendChild(row);
    }
    const state = shownState(view);
    nameCell(row, name);
    const stateCell = cell(row, "state-cell", null, view.detail || "");
    let badge = stateCell.querySelector(".state");
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "state";
      stateCell.appendChild(badge);
    }
    badge.dataset.state = state;
    if (badge.textContent !== state) badge.textContent = state;
    const where = view.host ? view.host + ":" + (view.port ?? "?") : "";
    cell(row, "where", where, view.pid ? "pid " + view.pid + " on " + view.hostname : "");
    const up = view.started_at && LIVE.has(state) ? pyros.duration(pyros.secondsSince(view.started_at)) : "";
    cell(row, "uptime", up);
    cell(row, "restarts num", view.restarts ?? 0);
    cell(row, "handled num", view.messages_handled ?? 0);
    cell(row, "errors num", view.errors ?? 0);
    cell(row, "last-message", view.last_message || "");
    timeCell(row, view.last_message_at);
    cell(row, "last-error", view.last_error || "");
    controlCell(row, name);
    const buttons = row.querySelectorAll("button[data-action]");
    for (const button of buttons) {
      const live = LIVE.has(state) && view.source === "local";
      if (button.dataset.action === "start") button.disabled = live;
      if (button.dataset.action === "stop") button.disabled = view.state === "stopped";
    }
  }

  function render() {
    const names = Array.from(agents.keys()).sort();
    const none = document.getElementById("no-agents");
    if (none) none.hidden = names.length > 0;
    for (const name of names) renderRow(agents.get(name));
    for (const row of Array.from(tbody.rows)) {
      if (!agents.has(row.dataset.agent)) row.remove();
    }
    syncAgentChoices(names);
    syncCompletion();
  }

  // --- send form ---------------------------------------------------------------------------------
  function syncAgentChoices(names) {
    if (!agentSelect || only) return;
    const current = Array.from(agentSelect.options).map((o) => o.value);
    if (current.join("\n") === names.join("\n")) return;
    const chosen = agentSelect.value;
    agentSelect.textContent = "";
    for (const name of names) agentSelect.add(new Option(name, name, false, name === chosen));
  }

  function syncCompletion() {
    if (!datalist || !agentSelect) return;
    const view = agents.get(agentSelect.value);
    const known = view && view.messages ? view.messages : [];
    const current = Array.from(datalist.options).map((o) => o.value);
    if (current.join("\n") === known.join("\n")) return;
    datalist.textContent = "";
    for (const message of known) datalist.appendChild(new Option(message, message));
  }

  function showResult(el, ok, text) {
    el.className = "result " + (ok ? "ok" : "error");
    el.textContent = text;
  }

  function describe(msg) {
    if (msg.type === "error") return [false, "error: " + msg.error];
    const took = " (" + msg.round_trip_ms + " ms)";
    if (msg.status_code === 200) return [true, "reply from " + msg.agent + took + ":\n" + JSON.stringify(msg.reply, null, 2)];
    return [false, msg.status_code + " " + msg.outcome + ": " + msg.error.type + ": " + msg.error.text + took];
  }

  if (form) {
    if (agentSelect) agentSelect.addEventListener("change", syncCompletion);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      let params;
      try {
        params = JSON.parse(document.getElementById("inject-params").value || "{}");
      } catch (err) {
        showResult(result, false, "params: not valid JSON: " + err.message);
        return;
      }
      if (params === null || typeof params !== "object" || Array.isArray(params)) {
        showResult(result, false, 'params: must be a JSON object, like {"id": 1}');
        return;
      }
      if (!pyros.isOpen()) {
        showResult(result, false, "not connected: wait for the live connection");
        return;
      }
      const message = messageInput.value.trim();
      const request = {
        type: "inject",
        agent: agentSelect.value,
        message: message,
        params: params,
        timeout: parseFloat(document.getElementById("inject-timeout").value) || undefined,
      };
      showResult(result, true, "sending " + request.message + " to " + request.agent + "…");
      pyros.request(request, function (msg) {
        const [ok, text] = describe(msg);
        showResult(result, ok, text);
      });
    });
  }

  // --- start / stop / restart ----------------------------------------------------------------------
  async function control(name, action) {
    showResult(controlResult, true, action + " " + name + "…");
    const answer = await pyros.post("/api/agents/" + encodeURIComponent(name) + "/" + action + "/");
    if (answer.ok) {
      remember(answer.body);
      render();
      showResult(controlResult, true, name + ": " + action + " done, now " + answer.body.state);
    } else {
      const detail = answer.body ? answer.body.detail || answer.body.error || JSON.stringify(answer.body) : "";
      showResult(controlResult, false, name + ": " + action + " failed (" + answer.status + "): " + detail);
    }
  }

  tbody.addEventListener("click", function (ev) {
    const button = ev.target.closest("button[data-action]");
    if (!button) return;
    const name = button.dataset.agent;
    const action = button.dataset.action;
    if (action !== "stop") {
      control(name, action);
      return;
    }
    if (!dialog || typeof dialog.showModal !== "function") {
      if (window.confirm("Stop " + name + "?")) control(name, "stop");
      return;
    }
    document.getElementById("stop-agent").textContent = name;
    dialog.returnValue = "";
    dialog.showModal();
    dialog.addEventListener(
      "close",
      function () {
        if (dialog.returnValue === "stop") control(name, "stop");
        button.focus();
      },
      { once: true },
    );
  });

  // --- live data -----------------------------------------------------------------------------------
  pyros.on("snapshot", function (msg) {
    agents.clear();
    for (const view of msg.agents) remember(view);
    render();
  });
  pyros.on("status", function (msg) {
    if (only && msg.agent.name !== only) return;
    remember(Object.assign({}, agents.get(msg.agent.name) || {}, msg.agent));
    render();
  });

  setInterval(function () {
    if (agents.size) render(); // uptimes and silent agents
  }, 1000);
  // Agents of another process reach this page as events only through a shared channel layer (Redis);
  // a fresh snapshot (their persisted heartbeats) every few seconds covers the other cases.
  setInterval(function () {
    pyros.send({ type: "snapshot" });
  }, Math.max(1000, (maxAge * 1000) / 2));
})();
