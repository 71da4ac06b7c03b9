// How a page says *when* — the same rules and strings as treehole/when.py (刚刚, 3 分钟前,
// 今天 08:05, 昨天 23:10, 3月5日 14:05, 2025年3月5日), in the site's time zone. The strings and the
// zone come from {% when_config %} (a JSON script element in base.html). Scripts that render
// times (chat messages, live items) call Treehole.when.element(iso) or .text(iso); every
// <time data-when> on the page is refreshed each minute. tests/e2e/test_when.py compares the two.
(function () {
  "use strict";
  const node = document.getElementById("treehole-when");
  const config = node ? JSON.parse(node.textContent) : { tz: undefined, strings: null };
  // Without the config (a page not built on base.html) the catalog's strings stand in.
  const gettext = window.gettext || function (s) { return s; };
  const S = config.strings || {
    just_now: gettext("刚刚"), minutes_one: gettext("%(n)s 分钟前"), minutes_other: gettext("%(n)s 分钟前"),
    today: gettext("今天 %(time)s"), yesterday: gettext("昨天 %(time)s"), this_year: gettext("%(month)s%(day)s日 %(time)s"),
    other_year: gettext("%(year)s年%(month)s%(day)s日"),
    months: [gettext("1月"), gettext("2月"), gettext("3月"), gettext("4月"), gettext("5月"), gettext("6月"), gettext("7月"),
      gettext("8月"), gettext("9月"), gettext("10月"), gettext("11月"), gettext("12月")],
  };
  const MINUTE = 60 * 1000, HOUR = 60 * MINUTE, DAY = 24 * HOUR, FUTURE_TOLERANCE = 5 * MINUTE;
  // Made on first use: a formatter with a time zone is costly to build, and most pages never
  // need one before the first minute's refresh.
  let partsFormat = null;
  function formatter() {
    if (partsFormat) return partsFormat;
    try {
      partsFormat = new Intl.DateTimeFormat("en-US", {
        timeZone: config.tz, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric",
        hour: "numeric", minute: "numeric", second: "numeric",
      });
    } catch (_e) {
      partsFormat = new Intl.DateTimeFormat("en-US", {
        hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric",
      });
    }
    return partsFormat;
  }
  function local(date) {
    const out = {};
    for (const part of formatter().formatToParts(date)) out[part.type] = Number(part.value);
    if (out.hour === 24) out.hour = 0;
    out.dayNumber = Math.round(Date.UTC(out.year, out.month - 1, out.day) / DAY);
    return out;
  }
  const pad = (n) => String(n).padStart(2, "0");
  const fill = (template, values) => template.replace(/%\((\w+)\)s/g, (_m, k) => (k in values ? String(values[k]) : ""));
  function parse(value) {
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
    if (typeof value !== "string" || !value) return null;
    // An ISO string without an offset is UTC (as the server's naive values are).
    const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : value + "Z";
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? null : date;
  }
  function describe(value, now) {
    const date = parse(value);
    if (!date) return null;
    const nowDate = now ? parse(now) : new Date();
    const at = local(date), today = local(nowDate);
    const elapsed = nowDate.getTime() - date.getTime();
    const hm = pad(at.hour) + ":" + pad(at.minute);
    const month = S.months[at.month - 1];
    let text;
    if (elapsed >= -FUTURE_TOLERANCE && elapsed < MINUTE) text = S.just_now;
    else if (elapsed >= 0 && elapsed < HOUR) {
      const minutes = Math.floor(elapsed / MINUTE);
      text = fill(minutes === 1 ? S.minutes_one : S.minutes_other, { n: minutes });
    } else if (elapsed > 0 && at.dayNumber === today.dayNumber) text = fill(S.today, { time: hm });
    else if (elapsed > 0 && at.dayNumber === today.dayNumber - 1) text = fill(S.yesterday, { time: hm });
    else if (at.year === today.year) text = fill(S.this_year, { month, day: at.day, time: hm });
    else text = fill(S.other_year, { year: at.year, month, day: at.day });
    const exact = at.year + "-" + pad(at.month) + "-" + pad(at.day) + " " + hm + ":" + pad(at.second);
    return { text, exact, iso: date.toISOString() };
  }
  // A <time> element like the one {% when %} renders.
  function element(value) {
    const described = describe(value);
    const time = document.createElement("time");
    if (!described) return time;
    time.dateTime = typeof value === "string" ? value : described.iso;
    time.title = described.exact;
    time.dataset.when = "";
    time.textContent = described.text;
    return time;
  }
  function refresh(root) {
    for (const time of (root || document).querySelectorAll("time[data-when]")) {
      const described = describe(time.getAttribute("datetime"));
      if (described && time.textContent !== described.text) time.textContent = described.text;
    }
  }
  setInterval(refresh, MINUTE);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });
  window.Treehole = Object.assign(window.Treehole || {}, {
    when: { describe, text: (v) => (describe(v) || { text: "" }).text, exact: (v) => (describe(v) || { exact: "" }).exact, element, refresh },
  });
})();
