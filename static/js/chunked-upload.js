// Resumable chunked upload control (templates/uploads/chunked_upload_widget.html).
//
// Pick a file -> hash it (SHA-256, incrementally: the file is never held whole in memory) ->
// POST /api/v1/uploads/sessions -> PUT each missing chunk with its own X-Chunk-SHA256 (a few at a
// time, retried on network errors and on a corrupted chunk) -> POST .../complete -> the published
// file's id goes into the hidden input. The session id and the file's fingerprint are kept in
// localStorage, so after a reload (or a dropped connection) picking the same file again asks the
// status endpoint which chunks arrived and sends only the rest. While the page is open, 暂停 turns
// into 继续, which carries on with the same File (no re-pick).
(function () {
  "use strict";
  if (window.TreeholeChunkedUpload) return; // the widget may be included more than once

  const API = "/api/v1/uploads/sessions";
  const STORE_KEY = "treehole.chunkedUploads.v1";
  const PARALLEL = 3;
  const RETRIES = 4;
  const READ_BYTES = 4 * 1024 * 1024;

  // ---- SHA-256, incremental (Web Crypto has no streaming digest, and needs a secure context) ----
  const K = new Int32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);

  class Sha256 {
    constructor() {
      this.h = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
      this.w = new Int32Array(64); // Int32: values stay small integers in V8 (fast)
      this.tail = new Uint8Array(64);
      this.tailLength = 0;
      this.length = 0;
    }
    update(bytes) {
      let i = 0;
      const n = bytes.length;
      this.length += n;
      if (this.tailLength) {
        const take = Math.min(64 - this.tailLength, n);
        this.tail.set(bytes.subarray(0, take), this.tailLength);
        this.tailLength += take;
        i = take;
        if (this.tailLength < 64) return this;
        this.block(this.tail, 0);
        this.tailLength = 0;
      }
      for (; i + 64 <= n; i += 64) this.block(bytes, i);
      if (i < n) {
        this.tail.set(bytes.subarray(i), 0);
        this.tailLength = n - i;
      }
      return this;
    }
    block(p, o) {
      const w = this.w, h = this.h;
      for (let t = 0; t < 16; t++) {
        const j = o + t * 4;
        w[t] = (p[j] << 24) | (p[j + 1] << 16) | (p[j + 2] << 8) | p[j + 3];
      }
      for (let t = 16; t < 64; t++) {
        const x = w[t - 15], y = w[t - 2];
        const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
        const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
        w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
      }
      let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (let t = 0; t < 64; t++) {
        const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        const t1 = (k + S1 + ((e & f) ^ (~e & g)) + K[t] + w[t]) | 0;
        const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
    }
    hex() {
      const bits = this.length * 8;
      const pad = new Uint8Array(((this.tailLength < 56 ? 56 : 120) - this.tailLength) + 8);
      pad[0] = 0x80;
      const view = new DataView(pad.buffer);
      view.setUint32(pad.length - 8, Math.floor(bits / 0x100000000));
      view.setUint32(pad.length - 4, bits >>> 0);
      this.update(pad);
      return Array.from(this.h, (v) => (v >>> 0).toString(16).padStart(8, "0")).join("");
    }
  }

  async function sha256Hex(buffer) {
    if (window.crypto && window.crypto.subtle) {
      const digest = await window.crypto.subtle.digest("SHA-256", buffer);
      return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
    }
    return new Sha256().update(new Uint8Array(buffer)).hex();
  }

  async function hashFile(file, onProgress, signal) {
    const hash = new Sha256();
    for (let offset = 0; offset < file.size; offset += READ_BYTES) {
      if (signal.aborted) throw abortError();
      const buffer = await file.slice(offset, offset + READ_BYTES).arrayBuffer();
      hash.update(new Uint8Array(buffer));
      onProgress(Math.min(file.size, offset + READ_BYTES) / file.size);
    }
    return hash.hex();
  }

  // ---- remembered sessions (fingerprint -> session) ----
  function loadStore() {
    try {
      return JSON.parse(window.localStorage.getItem(STORE_KEY) || "{}") || {};
    } catch (e) {
      return {};
    }
  }
  function saveStore(store) {
    try {
      window.localStorage.setItem(STORE_KEY, JSON.stringify(store));
    } catch (e) { /* private mode or full: resuming just won't survive a reload */ }
  }
  function remember(fingerprint, entry) {
    const store = loadStore();
    store[fingerprint] = entry;
    saveStore(store);
  }
  function forget(fingerprint) {
    const store = loadStore();
    delete store[fingerprint];
    saveStore(store);
  }
  function pendingEntries() {
    const store = loadStore();
    const now = Date.now();
    const live = {};
    for (const [fingerprint, entry] of Object.entries(store)) {
      if (entry && entry.expiresAt && Date.parse(entry.expiresAt) > now) live[fingerprint] = entry;
    }
    if (Object.keys(live).length !== Object.keys(store).length) saveStore(live);
    return live;
  }
  const fingerprintOf = (file) => [file.name, file.size, file.lastModified, file.type].join("|");
  // Some browsers give no type for .mov/.ogv files: fall back on the extension (the server checks
  // the bytes anyway).
  const BY_EXTENSION = { mp4: "video/mp4", m4v: "video/mp4", mov: "video/quicktime", webm: "video/webm", mkv: "video/webm", ogv: "video/ogg", ogg: "video/ogg" };
  const typeOf = (file) => file.type || BY_EXTENSION[(file.name.split(".").pop() || "").toLowerCase()] || "";

  // ---- HTTP ----
  function abortError() {
    const error = new Error("aborted");
    error.name = "AbortError";
    return error;
  }
  function csrf() {
    return window.Treehole && window.Treehole.cookie ? window.Treehole.cookie("csrftoken") : "";
  }
  function failure(status, body, fallback) {
    const error = new Error((body && body.error && body.error.message) || fallback);
    error.status = status;
    error.code = body && body.error && body.error.code;
    error.fields = (body && body.error && body.error.fields) || {};
    return error;
  }
  async function request(method, path, body, signal) {
    const options = { method, credentials: "same-origin", signal, headers: { Accept: "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    if (method !== "GET") options.headers["X-CSRFToken"] = csrf();
    const response = await fetch(path, options);
    const data = response.status === 204 ? null : await response.json().catch(() => null);
    if (!response.ok) throw failure(response.status, data, response.statusText);
    return data;
  }
  // XMLHttpRequest for chunks: fetch cannot report upload progress.
  function putChunk(url, buffer, sha256, onProgress, signal) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("PUT", url);
      xhr.withCredentials = true;
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      xhr.setRequestHeader("X-Chunk-SHA256", sha256);
      xhr.setRequestHeader("X-CSRFToken", csrf());
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = (event) => onProgress(event.loaded);
      xhr.onload = () => {
        if (xhr.status === 204) return resolve();
        let body = null;
        try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
        const error = failure(xhr.status, body, xhr.statusText);
        error.retryAfter = Number(xhr.getResponseHeader("Retry-After")) || 0;
        reject(error);
      };
      xhr.onerror = () => reject(failure(0, null, "network"));
      xhr.onabort = () => reject(abortError());
      const abort = () => { xhr.abort(); reject(abortError()); };
      if (signal.aborted) return abort();
      signal.addEventListener("abort", abort, { once: true });
      xhr.send(buffer);
    });
  }
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // ---- the control ----
  class ChunkedUpload {
    constructor(root) {
      this.root = root;
      this.config = JSON.parse(root.dataset.config || "{}");
      this.text = this.config.text || {};
      this.picker = root.querySelector("[data-role=picker]");
      this.hidden = root.querySelector("[data-role=value]");
      this.progress = root.querySelector("[data-role=progress]");
      this.status = root.querySelector("[data-role=status]");
      this.pauseButton = root.querySelector("[data-role=pause]");
      this.removeButton = root.querySelector("[data-role=remove]");
      this.preview = root.querySelector("[data-role=preview]");
      this.hint = root.querySelector("[data-role=hint]");
      this.busy = false;
      this.controller = null;
      this.file = null; // kept while the page is open, so 继续 needs no re-pick
      this.picker.addEventListener("change", () => this.picker.files[0] && this.start(this.picker.files[0]));
      this.pauseButton.addEventListener("click", () => (this.busy ? this.pause() : this.file && this.start(this.file)));
      this.removeButton.addEventListener("click", () => this.clear());
      const form = root.closest("form");
      if (form) {
        form.addEventListener("submit", (event) => {
          if (this.busy) {
            event.preventDefault();
            this.say(this.text.wait, "error");
          }
        });
      }
      this.showPending();
      root.dataset.ready = "1";
    }

    say(message, kind) {
      this.status.textContent = message || "";
      this.status.dataset.kind = kind || "";
    }
    setProgress(fraction) {
      this.progress.hidden = false;
      this.progress.value = Math.round(fraction * 1000) / 10;
      this.progress.textContent = this.progress.value + "%";
    }
    showPending() {
      const names = Object.values(pendingEntries()).map((entry) => entry.name);
      if (names.length && this.hint) {
        this.hint.textContent = this.text.pending.replace("%(names)s", names.join("、"));
        this.hint.hidden = false;
      }
    }
    format(template, values) {
      return template.replace(/%\((\w+)\)s/g, (_, name) => String(values[name]));
    }

    async start(file) {
      if (this.busy) return;
      const allowed = this.config.accept || [];
      if (allowed.length && !allowed.includes(typeOf(file))) {
        return this.say(this.format(this.text.type, { types: allowed.join(", ") }), "error");
      }
      if (file.size > this.config.maxBytes) {
        return this.say(this.format(this.text.size, { mb: Math.floor(this.config.maxBytes / 1048576) }), "error");
      }
      if (file.size === 0) return this.say(this.text.empty, "error");
      this.busy = true;
      this.file = file;
      this.root.dataset.state = "uploading";
      this.controller = new AbortController();
      this.pauseButton.textContent = this.text.pause;
      this.pauseButton.hidden = false;
      this.removeButton.hidden = true;
      this.hint && (this.hint.hidden = true);
      try {
        const published = await this.run(file, this.controller.signal);
        this.finish(published);
      } catch (error) {
        if (error.name === "AbortError") {
          this.say(this.text.paused, "");
          this.root.dataset.state = "paused";
        } else {
          this.say(error.message || this.text.failed, "error");
          this.root.dataset.state = "error";
        }
      } finally {
        this.busy = false;
        // Paused or failed: the same button carries on with the file already picked.
        const stopped = this.root.dataset.state === "paused" || this.root.dataset.state === "error";
        this.pauseButton.textContent = this.text.resume;
        this.pauseButton.hidden = !stopped;
      }
    }

    async run(file, signal) {
      const fingerprint = fingerprintOf(file);
      let entry = pendingEntries()[fingerprint];
      let state = null;
      if (entry) {
        try {
          state = await request("GET", `${API}/${entry.id}`, undefined, signal);
        } catch (error) {
          if (error.status !== 404) throw error;
          forget(fingerprint); // expired, swept or failed: start again
          entry = null;
        }
      }
      if (state && state.complete && state.file) return state.file;
      if (!entry) {
        this.say(this.text.hashing, "");
        const sha256 = await hashFile(file, (f) => this.setProgress(f), signal);
        const session = await request("POST", API, { filename: file.name, size: file.size, content_type: typeOf(file), sha256 }, signal);
        entry = { id: session.id, name: file.name, sha256, chunkSize: session.chunk_size, totalChunks: session.total_chunks, expiresAt: session.expires_at };
        remember(fingerprint, entry);
        state = { received: [] };
      } else {
        this.say(this.format(this.text.resuming, { done: state.received.length, total: entry.totalChunks }), "");
      }
      await this.sendMissing(file, entry, new Set(state.received), signal);
      this.say(this.text.completing, "");
      try {
        const published = await request("POST", `${API}/${entry.id}/complete`, undefined, signal);
        forget(fingerprint);
        return published;
      } catch (error) {
        if (error.status === 400 || error.status === 404 || error.status === 415) forget(fingerprint); // session discarded
        throw error;
      }
    }

    async sendMissing(file, entry, received, signal) {
      const { chunkSize, totalChunks } = entry;
      const queue = [];
      for (let i = 0; i < totalChunks; i++) if (!received.has(i)) queue.push(i);
      const inFlight = new Map();
      let doneBytes = 0;
      for (const i of received) doneBytes += Math.min(chunkSize, file.size - i * chunkSize);
      const report = () => {
        let sent = doneBytes;
        for (const loaded of inFlight.values()) sent += loaded;
        this.setProgress(sent / file.size);
        this.say(this.format(this.text.uploading, { percent: this.progress.value }), "");
      };
      report();
      const worker = async () => {
        while (queue.length) {
          const index = queue.shift();
          const start = index * chunkSize;
          const buffer = await file.slice(start, Math.min(file.size, start + chunkSize)).arrayBuffer();
          const sha256 = await sha256Hex(buffer);
          for (let attempt = 0; ; attempt++) {
            if (signal.aborted) throw abortError();
            try {
              inFlight.set(index, 0);
              await putChunk(`${API}/${entry.id}/chunks/${index}`, buffer, sha256, (loaded) => { inFlight.set(index, loaded); report(); }, signal);
              break;
            } catch (error) {
              inFlight.delete(index);
              const retriable = error.status === 0 || error.status >= 500 || error.status === 429 ||
                (error.status === 400 && "X-Chunk-SHA256" in error.fields); // damaged on the way
              if (error.name === "AbortError" || !retriable || attempt >= RETRIES) throw error;
              await sleep(error.retryAfter ? error.retryAfter * 1000 : 500 * 2 ** attempt);
            }
          }
          inFlight.delete(index);
          doneBytes += buffer.byteLength;
          report();
        }
      };
      await Promise.all(Array.from({ length: Math.min(PARALLEL, queue.length) }, worker));
    }

    pause() {
      if (this.controller) this.controller.abort();
    }

    finish(published) {
      this.file = null;
      this.hidden.value = published.id;
      this.hidden.dispatchEvent(new Event("change", { bubbles: true }));
      this.setProgress(1);
      this.say(this.text.done, "ok");
      this.root.dataset.state = "done";
      this.picker.value = "";
      this.picker.hidden = true;
      this.removeButton.hidden = false;
      if (this.preview) {
        this.preview.src = published.url;
        this.preview.hidden = false;
      }
      this.root.dispatchEvent(new CustomEvent("treehole:upload-complete", { bubbles: true, detail: published }));
    }

    clear() {
      this.file = null;
      this.hidden.value = "";
      this.picker.hidden = false;
      this.removeButton.hidden = true;
      this.progress.hidden = true;
      this.root.dataset.state = "";
      this.say("", "");
      if (this.preview) {
        this.preview.removeAttribute("src");
        this.preview.hidden = true;
      }
    }
  }

  function init(scope) {
    (scope || document).querySelectorAll("[data-chunked-upload]:not([data-ready])").forEach((root) => new ChunkedUpload(root));
  }
  window.TreeholeChunkedUpload = { init, Sha256 };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => init());
  else init();
})();
