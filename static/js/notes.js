// Note pages: vote without a reload, confirm deletes, upload images for the compose form.
// Uses window.Treehole.api (site.js): same-origin fetch with the session cookie and CSRF header.
(function () {
  "use strict";
  const api = window.Treehole && window.Treehole.api;

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
        show(await api("PUT", box.dataset.voteUrl, { value: value }));
      } catch (err) {
        if (err.status === 401) { window.location.reload(); return; }
        error.textContent = err.message;
      } finally {
        busy = false;
      }
    });
  });

  // --- Confirm before deleting --------------------------------------------------------------
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });

  // --- Images on the compose form ----------------------------------------------------------
  const compose = document.querySelector("form[data-compose]");
  if (!compose) return;
  const input = compose.querySelector("[data-image-input]");
  const previews = compose.querySelector("[data-image-previews]");
  const hidden = compose.querySelector("input[name=image_ids]");
  const imageError = compose.querySelector("[data-image-error]");
  const max = Number(input.dataset.max || 9);

  function sync() {
    hidden.value = Array.from(previews.querySelectorAll("figure[data-image-id]"))
      .map(function (f) { return f.dataset.imageId; }).join(",");
  }
  function preview(id, thumbUrl) {
    const figure = document.createElement("figure");
    figure.dataset.imageId = id;
    const img = document.createElement("img");
    img.src = thumbUrl; img.alt = ""; img.width = 88; img.height = 88;
    const remove = document.createElement("button");
    remove.type = "button"; remove.className = "linklike"; remove.dataset.removeImage = "";
    remove.textContent = "×";
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
    imageError.textContent = "";
    for (const file of Array.from(input.files)) {
      if (previews.querySelectorAll("figure").length >= max) { imageError.textContent = "最多 " + max + " 张图片"; break; }
      const body = new FormData();
      body.append("file", file);
      body.append("purpose", "note");
      try {
        const response = await fetch(input.dataset.uploadUrl, {
          method: "POST", body: body, credentials: "same-origin",
          headers: { "X-CSRFToken": window.Treehole.cookie("csrftoken"), "Accept": "application/json" },
        });
        const data = await response.json().catch(function () { return null; });
        if (!response.ok) throw new Error((data && data.error && data.error.message) || response.statusText);
        preview(data.id, data.thumb_url);
        sync();
      } catch (err) {
        imageError.textContent = err.message;
      }
    }
    input.value = "";
  });
})();
