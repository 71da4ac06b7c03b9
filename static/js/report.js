// The "举报" forms (templates/moderation/report_button.html): post to POST /api/v1/reports with
// the session (window.Treehole.api) instead of leaving the page. Without JS the form still works.
(function () {
  "use strict";
  // {% moderation_assets %} may be on a page twice (the note page and its comment thread): one
  // listener only, or every report would be posted twice and the second answer (409) shown.
  if (window.TreeholeReport) return;
  window.TreeholeReport = true;
  document.addEventListener("submit", async function (event) {
    const form = event.target.closest("[data-report-form]");
    if (!form || !window.Treehole) return;
    event.preventDefault();
    const status = form.querySelector(".report-status");
    const button = form.querySelector("button[type=submit]");
    const data = new FormData(form);
    const body = {
      target_type: form.dataset.targetType,
      target_id: form.dataset.targetId,
      reason: data.get("reason") || "",
      text: (data.get("text") || "").trim(),
    };
    button.disabled = true;
    try {
      await window.Treehole.api("POST", "/api/v1/reports", body);
      status.textContent = form.dataset.doneText || window.gettext("已收到你的举报，谢谢。");
      form.classList.add("report-done");
      form.querySelectorAll("input, button").forEach((el) => { el.disabled = true; });
    } catch (error) {
      status.textContent = error.message;
      button.disabled = error.code === "conflict";
    }
  });
})();
