// The chat room page: history over the API, live frames over /ws/chat/ (session cookie).
// Every message — from history or from a live frame — goes through renderMessage(), which builds
// the DOM with textContent only, so nothing a user types can become HTML.
(function () {
  "use strict";
  const root = document.getElementById("chat");
  const configNode = document.getElementById("chat-config");
  if (!root || !configNode) return;
  const config = JSON.parse(configNode.textContent);
  const T = config.text;
  const $ = (id) => document.getElementById(id);
  const els = {
    scroll: $("chat-scroll"), list: $("chat-list"), older: $("chat-older"), form: $("chat-form"),
    input: $("chat-input"), send: $("chat-send"), conn: $("chat-conn"), count: $("chat-online-count"),
    onlineBtn: $("chat-online"), users: $("chat-users"), error: $("chat-error"), newBtn: $("chat-new"),
    counter: $("chat-counter"),
  };
  const fmt = (text, values) => text.replace(/\{(\w+)\}/g, (_m, k) => (k in values ? values[k] : ""));

  const state = {
    ws: null, attempt: 0, reconnectTimer: null, countdownTimer: null, pingTimer: null, pongTimer: null,
    signedOut: false, byId: new Map(), pending: new Map(), oldestId: null, newestId: null,
    hasOlder: true, loadingOlder: false, catchingUp: false,
  };

  // ---- rendering ----------------------------------------------------------------------------
  // Snowflake ids are decimal strings too big for JS numbers: compare them as BigInt.
  function cmpId(a, b) {
    const x = BigInt(a), y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  function safeUrl(url) {
    if (typeof url !== "string" || !url) return null;
    try {
      const parsed = new URL(url, window.location.href);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (_e) { return null; }
  }
  function avatarNode(user) {
    const url = safeUrl(user && user.avatar_url);
    if (url) {
      const img = document.createElement("img");
      img.className = "avatar";
      img.src = url;
      img.alt = T.avatar;
      img.loading = "lazy";
      return img;
    }
    const span = document.createElement("span");
    span.className = "avatar avatar-empty";
    span.setAttribute("aria-hidden", "true");
    span.textContent = Array.from((user && user.username) || "?")[0] || "?";
    return span;
  }
  // The page's "举报" control (templates/moderation/report_button.html), one per message;
  // static/js/report.js posts it to the API.
  function reportNode(id) {
    const template = document.getElementById("chat-report-template");
    const source = template && template.content.querySelector("[data-report]");
    if (!source) return document.createTextNode("");
    // Only the 举报 summary per message; its form (a fieldset of reasons) is built when opened —
    // a room of 50 messages would otherwise carry 50 copies of it from the first paint.
    const node = source.cloneNode(false);
    node.appendChild(source.querySelector("summary").cloneNode(true));
    node.addEventListener("toggle", function () {
      if (!node.open || node.querySelector("[data-report-form]")) return;
      const form = source.querySelector("[data-report-form]").cloneNode(true);
      form.dataset.targetId = id;
      form.querySelector("input[name=target_id]").value = id;
      node.appendChild(form);
    });
    return node;
  }
  // One function for history and live frames: the same message always looks the same.
  function renderMessage(message) {
    const li = document.createElement("li");
    const mine = message.user && String(message.user.id) === String(config.me.id);
    li.className = "chat-msg" + (mine ? " mine" : "");
    if (message.id) li.dataset.id = message.id;
    li.appendChild(avatarNode(message.user));
    const body = document.createElement("div");
    body.className = "chat-msg-body";
    const meta = document.createElement("div");
    meta.className = "chat-msg-meta";
    const name = document.createElement("span");
    name.className = "chat-msg-name";
    name.textContent = (message.user && message.user.username) || "";
    // The site's one time helper (static/js/when.js): 刚刚, 3 分钟前, 昨天 23:10 …
    const time = window.Treehole.when.element(message.created_at);
    time.classList.add("chat-msg-time");
    meta.append(name, time);
    if (!mine && message.id) meta.appendChild(reportNode(message.id));
    const text = document.createElement("div");
    text.className = "chat-msg-text";
    text.textContent = message.content;
    body.append(meta, text);
    li.appendChild(body);
    return li;
  }
  function nearBottom() {
    const s = els.scroll;
    return s.scrollHeight - s.scrollTop - s.clientHeight < 80;
  }
  function scrollToBottom() {
    els.scroll.scrollTop = els.scroll.scrollHeight;
    els.newBtn.hidden = true;
  }
  // Insert in id order, once: a message may arrive live and again in a catch-up page.
  function insertMessage(message) {
    if (!message || !message.id || state.byId.has(message.id)) return false;
    const li = renderMessage(message);
    let after = null;
    for (let node = els.list.lastElementChild; node; node = node.previousElementSibling) {
      if (!node.dataset.id) continue; // a pending message of ours stays at the bottom
      if (cmpId(node.dataset.id, message.id) < 0) { after = node; break; }
    }
    // Right after the newest older message: above our own still-pending ones, which stay last.
    if (after) after.after(li);
    else els.list.prepend(li);
    state.byId.set(message.id, li);
    if (!state.oldestId || cmpId(message.id, state.oldestId) < 0) state.oldestId = message.id;
    if (!state.newestId || cmpId(message.id, state.newestId) > 0) state.newestId = message.id;
    return true;
  }

  // ---- status ---------------------------------------------------------------------------------
  function setConn(kind, text) {
    els.conn.dataset.state = kind;
    els.conn.textContent = text;
    els.send.disabled = kind !== "online";
    if (kind === "signed-out") {
      const login = document.createElement("a");
      login.href = config.login_url;
      login.textContent = T.signIn;
      els.conn.append(" ", login);
    }
    if (kind === "reconnecting") {
      const now = document.createElement("button");
      now.type = "button";
      now.className = "linklike chat-reconnect";
      now.textContent = T.reconnectNow;
      now.addEventListener("click", () => reconnectNow());
      els.conn.append(" ", now);
    }
  }
  let errorTimer = null;
  function showError(text) {
    els.error.textContent = text;
    els.error.hidden = false;
    clearTimeout(errorTimer);
    errorTimer = setTimeout(() => { els.error.hidden = true; }, 6000);
  }
  function setOlderHint(text, clickable) {
    els.older.textContent = text;
    els.older.classList.toggle("clickable", !!clickable);
  }

  // ---- history ----------------------------------------------------------------------------------
  async function fetchPage(params) {
    const query = new URLSearchParams(params).toString();
    return window.Treehole.api("GET", config.messages_url + (query ? "?" + query : ""));
  }
  async function loadLatest() {
    setOlderHint(T.loading);
    const page = await fetchPage({ limit: config.page_size });
    page.results.forEach(insertMessage);
    state.hasOlder = page.has_more;
    setOlderHint(state.hasOlder ? T.loadOlder : T.noOlder);
    scrollToBottom();
  }
  async function loadOlder() {
    if (state.loadingOlder || !state.hasOlder || !state.oldestId) return;
    state.loadingOlder = true;
    setOlderHint(T.loading);
    const before = els.scroll.scrollHeight;
    try {
      const page = await fetchPage({ before: state.oldestId, limit: config.page_size });
      page.results.forEach(insertMessage);
      state.hasOlder = page.has_more;
      // Keep what the reader was looking at in place.
      els.scroll.scrollTop += els.scroll.scrollHeight - before;
      setOlderHint(state.hasOlder ? T.loadOlder : T.noOlder);
    } catch (_e) {
      setOlderHint(T.loadFailed, true);
    } finally {
      state.loadingOlder = false;
    }
  }
  // After a (re)connect: fetch what was sent while we were away, so a blip loses nothing.
  async function catchUp() {
    if (state.catchingUp) return;
    state.catchingUp = true;
    try {
      if (!state.newestId) { await loadLatest(); return; }
      const stick = nearBottom();
      for (let round = 0; round < 20; round++) {
        const page = await fetchPage({ after: state.newestId, limit: 100 });
        page.results.forEach((message) => {
          if (insertMessage(message)) settlePending(message);
        });
        if (!page.has_more) break;
      }
      if (stick) scrollToBottom();
    } catch (_e) {
      setOlderHint(T.loadFailed, true);
    } finally {
      state.catchingUp = false;
    }
  }
  els.scroll.addEventListener("scroll", () => {
    if (els.scroll.scrollTop < 60) loadOlder();
    if (nearBottom()) els.newBtn.hidden = true;
  });
  els.older.addEventListener("click", () => {
    if (!els.older.classList.contains("clickable")) return;
    if (state.oldestId) loadOlder(); else catchUp();
  });
  els.newBtn.addEventListener("click", scrollToBottom);
  const careHide = $("chat-care-hide");
  if (careHide) careHide.addEventListener("click", () => {
    // Put away for this visit (the footer keeps the numbers); back to writing.
    const care = $("chat-care");
    care.hidden = true;
    care.dataset.dismissed = "1";
    els.input.focus();
  });

  // ---- online list ------------------------------------------------------------------------------
  async function refreshUsers() {
    if (els.users.hidden) return;
    try {
      const data = await window.Treehole.api("GET", config.online_url);
      els.users.replaceChildren(...data.users.map((user) => {
        const li = document.createElement("li");
        const name = document.createElement("span");
        name.textContent = user.username;
        li.append(avatarNode(user), name);
        return li;
      }));
      els.count.textContent = String(data.count);
    } catch (_e) { /* the count from the socket is still right */ }
  }
  let usersTimer = null;
  els.onlineBtn.addEventListener("click", () => {
    els.users.hidden = !els.users.hidden;
    els.onlineBtn.setAttribute("aria-expanded", String(!els.users.hidden));
    refreshUsers();
  });

  // ---- the socket -------------------------------------------------------------------------------
  function socketUrl() {
    const proto = window.location.protocol === "https:" ? "wss:" : "ws:";
    return proto + "//" + window.location.host + config.ws_path;
  }
  function clearTimers() {
    clearInterval(state.pingTimer);
    clearTimeout(state.pongTimer);
    clearTimeout(state.reconnectTimer);
    clearInterval(state.countdownTimer);
    state.pingTimer = state.pongTimer = state.reconnectTimer = state.countdownTimer = null;
  }
  function connect() {
    clearTimers();
    if (state.signedOut) return;
    setConn("connecting", T.connecting);
    let ws;
    try { ws = new WebSocket(socketUrl()); } catch (_e) { scheduleReconnect(); return; }
    state.ws = ws;
    ws.onopen = () => {
      state.attempt = 0;
      setConn("online", T.online);
      state.pingTimer = setInterval(ping, config.ping_interval_ms);
      catchUp();
    };
    ws.onmessage = (event) => {
      let frame;
      try { frame = JSON.parse(event.data); } catch (_e) { return; }
      handleFrame(frame);
    };
    ws.onclose = (event) => {
      if (state.ws !== ws) return; // an old socket we already gave up on
      state.ws = null;
      failPending();
      if (event.code === 4001) {
        state.signedOut = true;
        clearTimers();
        setConn("signed-out", T.signedOut);
        return;
      }
      scheduleReconnect();
    };
  }
  function ping() {
    const ws = state.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    ws.send(JSON.stringify({ type: "ping" }));
    clearTimeout(state.pongTimer);
    // No pong in 10 s: the connection is dead even if the browser has not noticed yet.
    state.pongTimer = setTimeout(() => dropSocket(), 10000);
  }
  function dropSocket() {
    const ws = state.ws;
    state.ws = null;
    if (ws) { try { ws.close(); } catch (_e) { /* already closing */ } }
    failPending();
    scheduleReconnect();
  }
  function scheduleReconnect() {
    clearTimers();
    if (state.signedOut) return;
    if (navigator.onLine === false) { setConn("offline", T.offline); return; }
    // Exponential backoff with jitter: 1, 2, 4 … 30 s.
    const base = Math.min(30000, 1000 * 2 ** state.attempt);
    const delay = Math.round(base / 2 + Math.random() * base / 2);
    state.attempt += 1;
    let left = Math.ceil(delay / 1000);
    setConn("reconnecting", fmt(T.reconnecting, { s: left }));
    state.countdownTimer = setInterval(() => {
      left = Math.max(0, left - 1);
      setConn("reconnecting", fmt(T.reconnecting, { s: left }));
    }, 1000);
    state.reconnectTimer = setTimeout(connect, delay);
  }
  function reconnectNow() {
    state.attempt = 0;
    if (!state.ws) connect();
  }
  window.addEventListener("online", reconnectNow);
  window.addEventListener("offline", () => { if (!state.ws) setConn("offline", T.offline); });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && !state.ws && !state.signedOut) reconnectNow();
  });

  function handleFrame(frame) {
    switch (frame.type) {
      case "pong":
        clearTimeout(state.pongTimer);
        break;
      case "message": {
        const stick = nearBottom() || frame.client_id !== undefined;
        if (frame.client_id !== undefined && state.pending.has(frame.client_id)) {
          state.pending.get(frame.client_id).remove();
          state.pending.delete(frame.client_id);
        }
        if (insertMessage(frame.message)) {
          if (stick) scrollToBottom();
          else els.newBtn.hidden = false;
        }
        break;
      }
      case "presence":
        els.count.textContent = String(frame.count);
        clearTimeout(usersTimer);
        usersTimer = setTimeout(refreshUsers, 300);
        break;
      case "care": {
        // A crisis phrase in our own message: show the care card (rendered by the page, in its
        // language) once, above the input; the message was sent as usual.
        const care = $("chat-care");
        if (care && care.hidden && !care.dataset.dismissed) {
          care.hidden = false;
          scrollToBottom();
        }
        break;
      }
      case "error":
        showError(frame.message || frame.code);
        if (frame.client_id !== undefined && state.pending.has(frame.client_id)) {
          markFailed(frame.client_id);
        }
        break;
      default:
        break;
    }
  }

  // ---- sending ----------------------------------------------------------------------------------
  function newClientId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }
  function markFailed(clientId) {
    const li = state.pending.get(clientId);
    if (!li) return;
    li.classList.add("failed");
    const meta = li.querySelector(".chat-msg-time");
    meta.textContent = T.failed + " · ";
    const retry = document.createElement("button");
    retry.type = "button";
    retry.className = "linklike";
    retry.textContent = T.retry;
    retry.addEventListener("click", () => {
      const content = li.querySelector(".chat-msg-text").textContent;
      li.remove();
      state.pending.delete(clientId);
      sendText(content);
    });
    meta.appendChild(retry);
  }
  // A message of ours whose echo was lost with the connection but which the server did store
  // (it came back in the catch-up): it is not failed after all.
  function settlePending(message) {
    if (!message.user || String(message.user.id) !== String(config.me.id)) return;
    for (const [clientId, li] of state.pending) {
      if (li.querySelector(".chat-msg-text").textContent === message.content) {
        li.remove();
        state.pending.delete(clientId);
        return;
      }
    }
  }
  function failPending() {
    for (const [clientId, li] of state.pending) {
      if (!li.classList.contains("failed")) markFailed(clientId);
    }
  }
  function sendText(content) {
    const ws = state.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) { showError(T.notConnected); return false; }
    const clientId = newClientId();
    const li = renderMessage({ id: null, user: config.me, content, created_at: new Date().toISOString() });
    li.classList.add("pending");
    const pendingTime = li.querySelector(".chat-msg-time");
    pendingTime.removeAttribute("data-when"); // says "sending", not a time, until the echo replaces it
    pendingTime.textContent = T.sending;
    els.list.appendChild(li);
    state.pending.set(clientId, li);
    scrollToBottom();
    ws.send(JSON.stringify({ type: "message", content, client_id: clientId }));
    return true;
  }
  function submit() {
    const content = els.input.value.trim();
    if (!content) return;
    if (Array.from(content).length > config.max_length) {
      showError(fmt(T.tooLong, { n: config.max_length }));
      return;
    }
    if (sendText(content)) {
      els.input.value = "";
      updateCounter();
    }
  }
  function updateCounter() {
    const n = Array.from(els.input.value).length;
    els.counter.textContent = n ? fmt(T.counter, { n, max: config.max_length }) : "";
    els.counter.classList.toggle("over", n > config.max_length);
  }
  els.form.addEventListener("submit", (event) => { event.preventDefault(); submit(); });
  els.input.addEventListener("keydown", (event) => {
    // Enter sends, Shift+Enter is a new line; never while an IME is composing (Chinese input).
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      submit();
    }
  });
  els.input.addEventListener("input", updateCounter);

  // ---- start ------------------------------------------------------------------------------------
  loadLatest().catch(() => setOlderHint(T.loadFailed, true)).finally(connect);
})();
