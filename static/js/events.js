// The live bell: one /ws/events/ socket per page (the session cookie signs it in), opened once
// the page has loaded, pinged every 25 s, reopened with a growing, jittered delay when it drops
// (1 s, 2 s, 4 s … at most 30 s), and not reopened when the server says we are signed out
// (4001) or have too many sockets open (4029). Frames: {"type": "unread", count} sets the
// bell; {"type": "notification"} is announced to screen readers (and, on the notification page,
// offers to refresh the list). The chat keeps its own socket.
(function () {
  "use strict";
  const bell = document.querySelector("[data-bell]");
  if (!bell || !window.WebSocket) return;
  const T = window.Treehole || {};
  const gettext = T.gettext || function (s) { return s; };
  const fmt = T.interpolate || function (s) { return s; };
  const countEl = bell.querySelector("[data-unread-count]");
  const labelEl = bell.querySelector("[data-unread-label]");
  const announce = document.querySelector("[data-unread-announce]");
  const PING_MS = 25000, MAX_DELAY_MS = 30000;
  let socket = null, pinger = null, attempts = 0, stopped = false, timer = null;

  function show(count) {
    countEl.textContent = String(count);
    countEl.hidden = count === 0;
    bell.classList.toggle("has-unread", count > 0);
    bell.dataset.unread = String(count);
    labelEl.textContent = count ? fmt(gettext("%(n)s 条未读"), { n: count }) : gettext("没有未读");
  }

  function connect() {
    timer = null;
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(scheme + "//" + window.location.host + bell.dataset.eventsUrl);
    socket.addEventListener("open", function () {
      attempts = 0;
      bell.dataset.live = "1";
      pinger = window.setInterval(function () {
        if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "ping" }));
      }, PING_MS);
    });
    socket.addEventListener("message", function (event) {
      let frame;
      try { frame = JSON.parse(event.data); } catch (err) { return; }
      if (frame.type === "unread" && typeof frame.count === "number") {
        show(frame.count);
      } else if (frame.type === "notification") {
        if (announce) announce.textContent = gettext("你有新通知");
        // On the notification page itself: offer the fresh list (never reorder under the reader).
        const notice = document.querySelector("[data-new-notice]");
        if (notice) notice.hidden = false;
      }
    });
    socket.addEventListener("close", function (event) {
      window.clearInterval(pinger);
      delete bell.dataset.live;
      socket = null;
      if (stopped || event.code === 4001 || event.code === 4029) return;
      const delay = Math.min(MAX_DELAY_MS, 1000 * Math.pow(2, attempts)) * (0.75 + Math.random() * 0.5);
      attempts += 1;
      timer = window.setTimeout(connect, delay);
    });
  }

  window.addEventListener("pagehide", function () {
    stopped = true;
    if (timer) window.clearTimeout(timer);
    if (socket) socket.close(1000);
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && stopped) { stopped = false; attempts = 0; connect(); }
  });
  if (document.readyState === "complete") connect();
  else window.addEventListener("load", connect, { once: true });
})();
