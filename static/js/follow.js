// 关注 / 收藏 toggles on the note page and the cards: one click PUTs or DELETEs the relation
// (idempotent on the server) and every button of that note on the page follows. Signed out,
// the server answers 401 and the reader is sent to the login page, then back here.
(function () {
  "use strict";
  const T = window.Treehole;
  if (!T) return;
  document.addEventListener("click", async function (event) {
    const button = event.target.closest("button.relation[data-relation-url]");
    if (!button || button.dataset.busy) return;
    event.preventDefault();
    const url = button.dataset.relationUrl;
    const on = button.getAttribute("aria-pressed") !== "true";
    const box = button.closest(".relations");
    const error = box && box.querySelector(".relation-error");
    if (error) error.textContent = "";
    button.dataset.busy = "1";
    try {
      await T.api(on ? "PUT" : "DELETE", url);
      document.querySelectorAll('button.relation[data-relation-url="' + url + '"]').forEach(function (same) {
        same.setAttribute("aria-pressed", on ? "true" : "false");
      });
    } catch (err) {
      if (err.status === 401) {
        window.location.href = "/accounts/login/?next=" + encodeURIComponent(window.location.pathname + window.location.search);
        return;
      }
      if (error) error.textContent = err.message;
    } finally {
      delete button.dataset.busy;
    }
  });
})();
