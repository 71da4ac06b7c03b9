// Shared helpers and behaviour of every page (no build step). Strings go through Django's
// JavaScript catalog (base.html loads /jsi18n/ first): gettext(), interpolate().
(function () {
  "use strict";
  const gettext = window.gettext || function (s) { return s; };
  const fmt = function (template, values) {
    return window.interpolate ? window.interpolate(template, values, true)
      : template.replace(/%\((\w+)\)s/g, function (_, name) { return String(values[name]); });
  };

  function cookie(name) {
    const match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }
  // Same-origin API calls with the session cookie and Django's CSRF header.
  async function api(method, path, body) {
    const options = { method, credentials: "same-origin", headers: { "Accept": "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    if (!["GET", "HEAD"].includes(method)) options.headers["X-CSRFToken"] = cookie("csrftoken");
    const response = await fetch(path, options);
    const data = response.status === 204 ? null : await response.json().catch(() => null);
    if (!response.ok) {
      const error = new Error((data && data.error && data.error.message) || response.statusText);
      error.status = response.status;
      error.code = data && data.error && data.error.code;
      throw error;
    }
    return data;
  }

  // --- A file the server would refuse, refused before it is sent -----------------------------
  // The limits come from the server: the input's `accept` list and its data-max-bytes.
  function accepts(input, file) {
    const tokens = (input.getAttribute("accept") || "").split(",").map(function (s) { return s.trim().toLowerCase(); }).filter(Boolean);
    if (!tokens.length) return true;
    const type = (file.type || "").toLowerCase();
    const extension = "." + (file.name.split(".").pop() || "").toLowerCase();
    return tokens.some(function (token) {
      if (token.startsWith(".")) return token === extension;
      if (token.endsWith("/*")) return type.startsWith(token.slice(0, -1));
      return token === type;
    });
  }
  function fileProblem(input, file) {
    if (!accepts(input, file)) {
      return fmt(gettext("「%(name)s」的格式不支持，请选择 %(types)s 文件。"), {
        name: file.name,
        types: (input.getAttribute("accept") || "").split(",").map(function (s) { return s.trim().replace(/^image\//, "").toUpperCase(); }).join("、"),
      });
    }
    const max = Number(input.dataset.maxBytes || 0);
    if (max && file.size > max) {
      return fmt(gettext("「%(name)s」有 %(size)s MB，超过了 %(max)s MB 的上限。"), {
        name: file.name, size: (file.size / 1048576).toFixed(1), max: Math.floor(max / 1048576),
      });
    }
    if (file.size === 0) return fmt(gettext("「%(name)s」是空文件。"), { name: file.name });
    return "";
  }
  function errorBox(input) {
    const id = input.id + "-file-error";
    let box = document.getElementById(id);
    if (!box) {
      box = document.createElement("p");
      box.id = id;
      box.className = "field-error";
      box.setAttribute("role", "alert");
      input.insertAdjacentElement("afterend", box);
      input.setAttribute("aria-describedby", ((input.getAttribute("aria-describedby") || "") + " " + id).trim());
    }
    return box;
  }
  // Plain file inputs posted with their form (the avatar): clear a refused pick.
  document.addEventListener("change", function (event) {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file" || !input.hasAttribute("data-check-file")) return;
    const problems = Array.from(input.files).map(function (file) { return fileProblem(input, file); }).filter(Boolean);
    errorBox(input).textContent = problems.join(" ");
    if (problems.length) input.value = "";
  });

  // --- Confirm before a destructive form is sent ----------------------------------------------
  // Without JavaScript the server asks instead (a confirmation page); `confirmed` skips it.
  document.addEventListener("submit", function (event) {
    const form = event.target.closest("form[data-confirm]");
    if (!form || event.defaultPrevented) return;
    if (!window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    if (!form.querySelector("input[name=confirmed]")) {
      const confirmed = document.createElement("input");
      confirmed.type = "hidden"; confirmed.name = "confirmed"; confirmed.value = "1";
      form.append(confirmed);
    }
  });

  // --- Character counters: <textarea maxlength data-counter> ---------------------------------
  const announcer = document.createElement("p");
  announcer.className = "visually-hidden";
  announcer.setAttribute("aria-live", "polite");
  document.body.append(announcer);
  document.querySelectorAll("textarea[maxlength][data-counter], input[maxlength][data-counter]").forEach(function (field, index) {
    const max = Number(field.getAttribute("maxlength"));
    // The page may hold its place already (templates/includes/form.html: no layout shift).
    let counter = document.getElementById((field.id || "field-" + index) + "-counter");
    if (!counter) {
      counter = document.createElement("p");
      counter.className = "char-counter";
      counter.id = (field.id || "field-" + index) + "-counter";
      field.insertAdjacentElement("afterend", counter);
    }
    field.setAttribute("aria-describedby", ((field.getAttribute("aria-describedby") || "") + " " + counter.id).trim());
    let lastStep = null;
    function update() {
      const used = field.value.length;
      const left = max - used;
      counter.textContent = fmt(gettext("%(used)s / %(max)s 字"), { used: used, max: max });
      counter.classList.toggle("near", left <= max * 0.1 && left > 0);
      counter.classList.toggle("over", left <= 0);
      // Speak only when crossing a step near the limit, never on every key.
      const step = left <= 0 ? 0 : left <= 20 ? 20 : left <= max * 0.1 ? 10 : null;
      if (step !== lastStep && step !== null) announcer.textContent = fmt(gettext("还可以输入 %(left)s 字"), { left: Math.max(0, left) });
      lastStep = step;
    }
    field.addEventListener("input", update);
    update();
  });

  // --- The top bar's menu (a <details>: works without JavaScript) ------------------------------
  const menu = document.querySelector("details[data-menu]");
  if (menu) {
    const wide = window.matchMedia("(min-width: 720px)");
    // Browsers that cannot style ::details-content show the links on wide screens this way.
    const syncWide = function () { if (wide.matches && !CSS.supports("selector(::details-content)")) menu.open = true; };
    syncWide();
    wide.addEventListener("change", function () { if (!wide.matches) menu.open = false; syncWide(); });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open && !wide.matches) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
    document.addEventListener("click", function (event) {
      if (menu.open && !wide.matches && !menu.contains(event.target)) menu.open = false;
    });
  }

  // --- The theme toggle: switch at once and remember it (the server reads the cookie) ---------
  document.addEventListener("submit", function (event) {
    const form = event.target.closest("form[data-theme-toggle]");
    if (!form) return;
    event.preventDefault();
    const button = event.submitter || form.querySelector("button:not([hidden])");
    const theme = button && button.value === "light" ? "light" : "dark";
    document.documentElement.dataset.theme = theme;
    document.cookie = "theme=" + theme + "; path=/; max-age=31536000; samesite=lax" + (location.protocol === "https:" ? "; secure" : "");
    // The pressed button is hidden now: keep the keyboard on its twin.
    const twin = form.querySelector("button[value=" + (theme === "dark" ? "light" : "dark") + "]");
    if (twin) twin.focus();
  });

  // --- A note draft is forgotten once it was posted (static/js/notes.js keeps it until then) ---
  try {
    const sent = JSON.parse(window.sessionStorage.getItem("treehole.draftSent") || "null");
    if (sent) {
      window.sessionStorage.removeItem("treehole.draftSent");
      // It went through when we are elsewhere, or back on a fresh (unbound) compose form — the
      // page after a successful post may be left before this script ran on it. A form that came
      // back with errors is bound and keeps the draft.
      const fresh = document.querySelector("form[data-draft-key]:not([data-bound])");
      if (sent.path !== location.pathname || fresh) window.localStorage.removeItem(sent.key);
    }
  } catch (e) { /* storage unavailable: drafts are a convenience */ }

  window.Treehole = { api, cookie, fileProblem, errorBox, gettext: gettext, interpolate: fmt };
})();
