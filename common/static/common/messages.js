// Message log tables (the Messages page's first page, an agent's recent messages) grow live from the
// websocket "message" events with the rows that match their filters; each row opens its params and reply.
(function () {
  "use strict";

  const pyros = window.pyros;
  const table = document.querySelector("table.log[data-live]");
  if (!table) return;
  const tbody = table.tBodies[0];
  const count = document.getElementById("log-count");
  const onAgentPage = Boolean(table.dataset.agent);
  const query = new URLSearchParams(onAgentPage ? "" : location.search);
  const filters = {
    q: (query.get("q") || "").toLowerCase(),
    agent: table.dataset.agent || query.get("agent") || "",
    outcome: query.get("outcome") || "",
    user: query.get("user") || "",
    via: query.get("via") || "",
    since: query.get("since") ? Date.parse(query.get("since")) : null,
    until: query.get("until") ? Date.parse(query.get("until")) : null,
  };
  let added = 0;

  function matches(entry) {
    if (filters.agent && entry.agent !== filters.agent) return false;
    if (filters.outcome && entry.outcome !== filters.outcome) return false;
    if (filters.user && entry.user !== filters.user) return false;
    if (filters.via && entry.via !== filters.via) return false;
    if (filters.until !== null) return false; // a range that ends: a new row is after it (or unknown zone)
    if (filters.q) {
      const text = (entry.message + " " + JSON.stringify(entry.params)).toLowerCase();
      if (!text.includes(filters.q)) return false;
    }
    return true;
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "text") node.textContent = value;
      else node.setAttribute(key, value);
    }
    for (const child of children || []) node.appendChild(child);
    return node;
  }

  function pretty(value) {
    return JSON.stringify(value, null, 2);
  }

  function row(entry) {
    const ok = entry.outcome === "ok";
    const detail = el("div", { class: "detail" }, [
      el("h3", { text: "params" }),
      el("pre", { class: "params", text: pretty(entry.params) }),
      el("h3", { text: ok ? "reply" : "error" }),
      el("pre", { class: "reply", text: ok ? pretty(entry.reply) : entry.error_type + ": " + entry.error_text }),
    ]);
    const link = el("a", { href: "/agents/" + encodeURIComponent(entry.agent) + "/", text: entry.agent });
    const ms = entry.round_trip_ms === null ? "" : Number(entry.round_trip_ms).toFixed(1);
    const tr = el("tr", { "data-log": String(entry.id), class: "fresh outcome-" + entry.outcome.replace(/ /g, "-") }, [
      el("td", { class: "sent" }, [pyros.timeElement(entry.sent_at)]),
      el("td", { class: "agent" }, [link]),
      el("td", { class: "message" }, [el("details", {}, [el("summary", { text: entry.message }), detail])]),
      el("td", { class: "outcome" }, [
        el("span", { class: "badge", "data-outcome": entry.outcome, text: entry.status_code + " " + entry.outcome_label }),
      ]),
      el("td", { class: "user", text: entry.user || "—" }),
      el("td", { class: "via", text: entry.via }),
      el("td", { class: "ms num", text: ms }),
    ]);
    return tr;
  }

  pyros.on("message", function (msg) {
    const entry = msg.entry;
    if (!matches(entry)) return;
    if (tbody.querySelector('tr[data-log="' + entry.id + '"]')) return;
    const empty = tbody.querySelector("tr.empty");
    if (empty) empty.remove();
    tbody.insertBefore(row(entry), tbody.firstChild);
    added += 1;
    if (onAgentPage && tbody.rows.length > 20) tbody.deleteRow(-1);
    if (!count) return;
    count.dataset.added = String(added);
    count.textContent = count.textContent.replace(/ · \d+ new$/, "") + " · " + added + " new";
  });
  pyros.on("snapshot", function () {}); // opens the connection (the badge shows it)
})();
