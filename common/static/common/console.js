// pyros console, shared by every page: one websocket (/ws/agents/) with reconnection and the connection
// badge, the one time format (absolute with seconds in the observatory's zone, relative on hover), the
// light/dark toggle, and POST with the CSRF token. Pages add handlers with pyros.on(type, fn).
(function () {
  "use strict";

  const body = document.body;
  const zone = body.dataset.timeZone || "UTC";
  const handlers = new Map(); // type -> [fn]
  const pending = new Map(); // request id -> fn(reply)
  let socket = null;
  let retry = 500;
  let nextId = 1;
  let clockOffset = 0; // server time - browser time (ms)

  // --- time --------------------------------------------------------------------------------------
  const formats = new Map(); // zone -> Intl.DateTimeFormat

  function formatter(name) {
    if (!formats.has(name)) {
      formats.set(name, new Intl.DateTimeFormat("en-CA", {
        timeZone: name, year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZoneName: "longOffset",
      }));
    }
    return formats.get(name);
  }

  function zoneLabel(name, offsetName) {
    if (name === "UTC") return "UTC";
    const offset = offsetName.replace("GMT", "");
    return offset === "" ? "+00:00" : offset;
  }

  // "2026-12-02 07:34:35 UTC" in the page's zone (or in inZone): the text of common.timefmt.format_time.
  function formatTime(iso, inZone) {
    if (!iso) return "";
    const date = new Date(iso);
    if (isNaN(date)) return "";
    const name = inZone || zone;
    const p = {};
    for (const part of formatter(name).formatToParts(date)) p[part.type] = part.value;
    const day = p.year + "-" + p.month + "-" + p.day;
    return day + " " + p.hour + ":" + p.minute + ":" + p.second + " " + zoneLabel(name, p.timeZoneName || "");
  }

  function duration(seconds) {
    seconds = Math.max(0, seconds);
    if (seconds < 60) return seconds.toFixed(seconds < 10 ? 1 : 0) + " s";
    if (seconds < 3600) return Math.floor(seconds / 60) + " min " + Math.floor(seconds % 60) + " s";
    if (seconds < 86400) return Math.floor(seconds / 3600) + " h " + Math.floor((seconds % 3600) / 60) + " min";
    return Math.floor(seconds / 86400) + " d " + Math.floor((seconds % 86400) / 3600) + " h";
  }

  function secondsSince(iso) {
    return (Date.now() + clockOffset - Date.parse(iso)) / 1000;
  }

  function relative(iso) {
    const s = secondsSince(iso);
    return s >= 0 ? duration(s) + " ago" : "in " + duration(-s);
  }

  function timeElement(iso) {
    const el = document.createElement("time");
    el.className = "abs";
    if (iso) {
      el.dateTime = iso;
      el.textContent = formatTime(iso);
    }
    return el;
  }

  function showRelative(ev) {
    const el = ev.target.closest && ev.target.closest("time.abs");
    if (el && el.dateTime) el.title = relative(el.dateTime);
  }
  document.addEventListener("mouseover", showRelative);
  document.addEventListener("focusin", showRelative);

  // --- theme -------------------------------------------------------------------------------------
  function currentTheme() {
    const set = document.documentElement.dataset.theme;
    if (set) return set;
    return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }
  const toggle = document.getElementById("theme-toggle");
  if (toggle) {
    const label = function () {
      toggle.setAttribute("aria-pressed", currentTheme() === "dark" ? "true" : "false");
      toggle.title = "now " + currentTheme() + ": switch";
    };
    label();
    toggle.addEventListener("click", function () {
      const next = currentTheme() === "dark" ? "light" : "dark";
      document.documentElement.dataset.theme = next;
      try {
        localStorage.setItem("pyros-theme", next);
      } catch (err) {
        /* not saved: this page only */
      }
      label();
    });
  }

  // --- websocket ---------------------------------------------------------------------------------
  const badge = document.getElementById("connection");

  function setConnection(state, text) {
    if (!badge) return;
    badge.dataset.state = state;
    badge.textContent = text;
  }

  function on(type, fn) {
    if (!handlers.has(type)) handlers.set(type, []);
    handlers.get(type).push(fn);
    if (!socket && badge) connect();
  }

  function dispatch(msg) {
    if (msg.now) clockOffset = Date.parse(msg.now) - Date.now();
    if ((msg.type === "reply" || msg.type === "error") && pending.has(msg.id)) {
      const done = pending.get(msg.id);
      pending.delete(msg.id);
      done(msg);
      return;
    }
    for (const fn of handlers.get(msg.type) || []) fn(msg);
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(scheme + "//" + location.host + (body.dataset.wsPath || "/ws/agents/"));
    socket.addEventListener("open", function () {
      retry = 500;
      setConnection("open", "live");
    });
    socket.addEventListener("message", function (ev) {
      dispatch(JSON.parse(ev.data));
    });
    socket.addEventListener("close", function () {
      setConnection("closed", "disconnected: reconnecting…");
      for (const [, done] of pending) done({ type: "error", error: "connection lost" });
      pending.clear();
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
    });
  }

  function isOpen() {
    return socket !== null && socket.readyState === WebSocket.OPEN;
  }

  // Send a request with an id; fn gets its reply (or error).
  function request(payload, fn) {
    const id = nextId++;
    pending.set(id, fn);
    socket.send(JSON.stringify(Object.assign({ id: id }, payload)));
  }

  function send(payload) {
    if (isOpen()) socket.send(JSON.stringify(payload));
  }

  // --- HTTP --------------------------------------------------------------------------------------
  function csrfToken() {
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (field) return field.value;
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  async function post(url, data) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(data || {}),
    });
    let json = null;
    try {
      json = await response.json();
    } catch (err) {
      json = null;
    }
    return { status: response.status, ok: response.ok, body: json };
  }

  // Fetch this page again and swap in its element with this id (a live panel without a full reload, so
  // the websocket and its badge stay up). Resolves false when the fresh page has no such element.
  async function refresh(id) {
    const response = await fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!response.ok) throw new Error("HTTP " + response.status);
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html").getElementById(id);
    const old = document.getElementById(id);
    if (!fresh || !old) return false;
    old.replaceWith(document.adoptNode(fresh));
    return true;
  }

  window.pyros = {
    on: on, request: request, send: send, isOpen: isOpen, post: post, refresh: refresh,
    formatTime: formatTime, timeElement: timeElement, duration: duration, secondsSince: secondsSince,
  };
})();
