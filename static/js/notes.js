// Note pages: vote without a reload, images on the compose form (checked before they are sent),
// drafts kept in this browser until posted, the image lightbox, and "加载更多" on the feed.
// Uses window.Treehole (site.js): api(), fileProblem(), gettext() and interpolate().
(function () {
  "use strict";
  const T = window.Treehole;
  const gettext = T.gettext;
  const fmt = T.interpolate;

  // --- Votes -------------------------------------------------------------------------------
  document.querySelectorAll(".votes[data-vote-url]").forEach(function (box) {
    const error = box.querySelector(".vote-error");
    let busy = false;
    function show(result) {
      box.dataset.myVote = String(result.my_vote);
      box.querySelectorAll("[data-count]").forEach(function (el) {
        el.textContent = result[el.dataset.count];
      });
      box.querySelectorAll("button.vote").forEach(function (button) {
        const on = Number(button.dataset.value) === result.my_vote;
        button.classList.toggle("active", on);
        button.setAttribute("aria-pressed", on ? "true" : "false");
      });
    }
    box.addEventListener("click", async function (event) {
      const button = event.target.closest("button.vote");
      if (!button || busy) return;
      if (box.dataset.loginUrl) { window.location.href = box.dataset.loginUrl; return; }
      const wanted = Number(button.dataset.value);
      // Clicking the active vote again cancels it.
      const value = Number(box.dataset.myVote) === wanted ? 0 : wanted;
      busy = true;
      error.textContent = "";
      try {
        show(await T.api("PUT", box.dataset.voteUrl, { value: value }));
      } catch (err) {
        if (err.status === 401) { window.location.reload(); return; }
        error.textContent = err.message;
      } finally {
        busy = false;
      }
    });
  });

  // --- The lightbox: a thumbnail opens the full image; Esc, ✕ or a click outside closes -------
  const gallery = document.querySelector(".gallery");
  if (gallery && window.HTMLDialogElement) {
    const links = Array.from(gallery.querySelectorAll("a[href]"));
    const dialog = document.createElement("dialog");
    dialog.className = "lightbox";
    dialog.setAttribute("aria-label", gettext("查看图片"));
    dialog.innerHTML =
      '<div class="lightbox-frame"><img alt=""></div>' +
      '<button type="button" class="lightbox-button lightbox-close" data-close><span aria-hidden="true">✕</span><span class="visually-hidden"></span></button>' +
      '<div class="lightbox-bar"><button type="button" class="lightbox-button" data-step="-1"><span aria-hidden="true">‹</span><span class="visually-hidden"></span></button>' +
      '<span class="lightbox-count" aria-live="polite"></span>' +
      '<button type="button" class="lightbox-button" data-step="1"><span aria-hidden="true">›</span><span class="visually-hidden"></span></button></div>';
    dialog.querySelector("[data-close] .visually-hidden").textContent = gettext("关闭");
    dialog.querySelector("[data-step='-1'] .visually-hidden").textContent = gettext("上一张");
    dialog.querySelector("[data-step='1'] .visually-hidden").textContent = gettext("下一张");
    if (links.length < 2) dialog.querySelectorAll("[data-step]").forEach(function (b) { b.hidden = true; });
    document.body.append(dialog);
    const image = dialog.querySelector("img");
    const count = dialog.querySelector(".lightbox-count");
    let current = 0;
    let opener = null;
    function show(index) {
      current = (index + links.length) % links.length;
      const thumb = links[current].querySelector("img");
      image.src = links[current].href;
      image.alt = thumb ? thumb.alt : "";
      count.textContent = links.length > 1 ? fmt(gettext("%(n)s / %(total)s"), { n: current + 1, total: links.length }) : "";
    }
    links.forEach(function (link, index) {
      link.addEventListener("click", function (event) {
        if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return; // a new tab, as asked
        event.preventDefault();
        opener = link;
        show(index);
        dialog.showModal();
        dialog.querySelector("[data-close]").focus();
      });
    });
    dialog.addEventListener("click", function (event) {
      const step = event.target.closest("[data-step]");
      if (step) return show(current + Number(step.dataset.step));
      if (event.target.closest("[data-close]") || event.target === dialog || event.target.classList.contains("lightbox-frame")) dialog.close();
    });
    dialog.addEventListener("keydown", function (event) {
      if (event.key === "ArrowRight") show(current + 1);
      if (event.key === "ArrowLeft") show(current - 1);
    });
    dialog.addEventListener("close", function () {
      image.removeAttribute("src");
      if (opener) opener.focus();
    });
  }

  // --- 加载更多: the next numbered page, appended in place -----------------------------------
  const feed = document.querySelector("[data-feed]");
  const pager = document.querySelector("nav.pager[data-pager]");
  if (feed && pager && pager.querySelector("a[rel=next]")) {
    const more = document.createElement("div");
    more.className = "feed-more";
    more.innerHTML = '<button type="button" class="btn btn-secondary" data-load-more></button><p class="visually-hidden" role="status"></p>';
    const button = more.querySelector("button");
    const status = more.querySelector("[role=status]");
    button.textContent = gettext("加载更多");
    pager.before(more);
    pager.hidden = true;
    let next = pager.querySelector("a[rel=next]").href;
    button.addEventListener("click", async function () {
      button.disabled = true;
      button.textContent = gettext("加载中…");
      try {
        const response = await fetch(next, { credentials: "same-origin", headers: { Accept: "text/html" } });
        if (!response.ok) throw new Error(response.statusText);
        const html = new DOMParser().parseFromString(await response.text(), "text/html");
        const cards = Array.from(html.querySelectorAll("[data-feed] > .note-card"));
        cards.forEach(function (card) { feed.append(document.adoptNode(card)); });
        status.textContent = fmt(gettext("又加载了 %(n)s 篇帖子"), { n: cards.length });
        const first = cards[0] && cards[0].querySelector("a");
        if (first) first.focus({ preventScroll: true });
        const link = html.querySelector("nav.pager[data-pager] a[rel=next]");
        if (link) {
          next = link.href;
          button.disabled = false;
          button.textContent = gettext("加载更多");
        } else {
          const end = document.createElement("p");
          end.className = "muted";
          end.textContent = gettext("没有更多帖子了");
          more.replaceChildren(end, status);
        }
      } catch (err) {
        button.disabled = false;
        button.textContent = gettext("加载失败，点此重试");
      }
    });
  }

  // --- The compose form ----------------------------------------------------------------------
  const compose = document.querySelector("form[data-compose]");
  if (!compose) return;

  // Drafts: what is typed is kept in this browser (localStorage) until the note is posted.
  const draftKey = compose.dataset.draftKey;
  const SENT = "treehole.draftSent";
  if (draftKey) {
    const fields = Array.from(compose.querySelectorAll("[data-draft]"));
    const storage = window.localStorage;
    const read = function () { try { return JSON.parse(storage.getItem(draftKey) || "null"); } catch (e) { return null; } };
    const write = function (value) { try { value ? storage.setItem(draftKey, JSON.stringify(value)) : storage.removeItem(draftKey); } catch (e) { /* full or private mode */ } };
    const empty = fields.every(function (f) { return f.type === "checkbox" || f.tagName === "SELECT" || !f.value; });
    const saved = read();
    if (saved && empty && !compose.querySelector(".has-error, .form-errors")) {
      fields.forEach(function (f) {
        if (!(f.name in saved)) return;
        if (f.type === "checkbox") f.checked = !!saved[f.name];
        else f.value = saved[f.name];
        f.dispatchEvent(new Event("input", { bubbles: true }));
      });
      const notice = document.createElement("p");
      notice.className = "notice draft-notice";
      notice.setAttribute("role", "status");
      const text = document.createElement("span");
      text.textContent = gettext("已恢复你上次没有发出的草稿。");
      const discard = document.createElement("button");
      discard.type = "button";
      discard.className = "linklike";
      discard.textContent = gettext("丢弃草稿");
      discard.addEventListener("click", function () {
        write(null);
        fields.forEach(function (f) {
          if (f.type === "checkbox") f.checked = f.defaultChecked;
          else if (f.tagName === "SELECT") f.selectedIndex = 0;
          else f.value = "";
          f.dispatchEvent(new Event("input", { bubbles: true }));
        });
        notice.remove();
      });
      notice.append(text, " ", discard);
      compose.prepend(notice);
    }
    let timer = null;
    const save = function () {
      const value = {};
      let any = false;
      fields.forEach(function (f) {
        value[f.name] = f.type === "checkbox" ? f.checked : f.value;
        if (f.type !== "checkbox" && f.tagName !== "SELECT" && f.value.trim()) any = true;
      });
      write(any ? value : null);
    };
    compose.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(save, 300); });
    compose.addEventListener("change", save);
    compose.addEventListener("submit", function (event) {
      if (event.defaultPrevented) return;
      save();
      // Forgotten on the next page if the post went through (site.js); kept if the form came back.
      try { window.sessionStorage.setItem(SENT, JSON.stringify({ key: draftKey, path: location.pathname })); } catch (e) { /* ignore */ }
    });
  }

  // Images: checked here first (type and size from the server's limits), then uploaded.
  const input = compose.querySelector("[data-image-input]");
  if (!input) return;
  const previews = compose.querySelector("[data-image-previews]");
  const hidden = compose.querySelector("input[name=image_ids]");
  const imageError = compose.querySelector("[data-image-error]");
  const max = Number(input.dataset.max || 9);

  function sync() {
    hidden.value = Array.from(previews.querySelectorAll("figure[data-image-id]"))
      .map(function (f) { return f.dataset.imageId; }).join(",");
  }
  function preview(id, thumbUrl, name) {
    const figure = document.createElement("figure");
    figure.dataset.imageId = id;
    const img = document.createElement("img");
    img.src = thumbUrl; img.alt = name || ""; img.width = 88; img.height = 88;
    const remove = document.createElement("button");
    remove.type = "button"; remove.className = "linklike danger"; remove.dataset.removeImage = "";
    remove.textContent = gettext("移除");
    figure.append(img, remove);
    previews.append(figure);
  }
  previews.addEventListener("click", function (event) {
    if (event.target.closest("[data-remove-image]")) {
      event.target.closest("figure").remove();
      sync();
    }
  });
  input.addEventListener("change", async function () {
    const problems = [];
    for (const file of Array.from(input.files)) {
      if (previews.querySelectorAll("figure").length >= max) { problems.push(fmt(gettext("最多 %(max)s 张图片"), { max: max })); break; }
      const problem = T.fileProblem(input, file);
      if (problem) { problems.push(problem); continue; }
      const body = new FormData();
      body.append("file", file);
      body.append("purpose", "note");
      try {
        const response = await fetch(input.dataset.uploadUrl, {
          method: "POST", body: body, credentials: "same-origin",
          headers: { "X-CSRFToken": T.cookie("csrftoken"), "Accept": "application/json" },
        });
        const data = await response.json().catch(function () { return null; });
        if (!response.ok) throw new Error((data && data.error && data.error.message) || response.statusText);
        preview(data.id, data.thumb_url, file.name);
        sync();
      } catch (err) {
        problems.push(err.message);
      }
      imageError.textContent = problems.join(" ");
    }
    imageError.textContent = problems.join(" ");
    input.value = "";
  });
})();
