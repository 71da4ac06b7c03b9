// One Lighthouse run for bench/lighthouse.py: `node bench/lighthouse_run.mjs URL OUT.json [COOKIE_NAME COOKIE_VALUE]`.
// The Node API rather than the CLI so a signed-in page gets a real session cookie in the browser
// (the CLI's --extra-headers Cookie is not sent with the page's own fetch() calls).
import fs from "node:fs";
import lighthouse from "lighthouse";
import * as chromeLauncher from "chrome-launcher";
import puppeteer from "puppeteer-core";

const [url, out, cookieName, cookieValue] = process.argv.slice(2);
const chromeFlags = JSON.parse(process.env.LIGHTHOUSE_CHROME_FLAGS || "[]");
const chrome = await chromeLauncher.launch({ chromePath: process.env.CHROME_PATH, chromeFlags });
try {
  if (cookieName) {
    const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}` });
    const page = await browser.newPage();
    await page.setCookie({ name: cookieName, value: cookieValue, url: new URL("/", url).href, httpOnly: true });
    await page.close();
    await browser.disconnect();
  }
  const flags = {
    port: chrome.port, output: "json", logLevel: "error", maxWaitForLoad: 60000,
    onlyCategories: ["performance", "accessibility", "best-practices", "seo"],
    disableStorageReset: Boolean(cookieName), // keep the session cookie set above
  };
  // The mobile preset's CPU slowdown, calibrated to this host (bench/lighthouse.py).
  const multiplier = Number(process.env.LIGHTHOUSE_CPU_MULTIPLIER || "0");
  const config = multiplier > 0
    ? { extends: "lighthouse:default", settings: { throttling: { rttMs: 150, throughputKbps: 1638.4, requestLatencyMs: 562.5,
        downloadThroughputKbps: 1474.56, uploadThroughputKbps: 675, cpuSlowdownMultiplier: multiplier } } }
    : undefined;
  const result = await lighthouse(url, flags, config);
  fs.writeFileSync(out, result.report);
} finally {
  await chrome.kill();
}
