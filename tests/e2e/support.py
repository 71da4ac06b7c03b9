"""Support for the browser journeys: the real server as a subprocess, the mail it sends, test
images, and a page wrapper that records console errors and takes the last screenshot.

Nothing here mocks the application: the server is daphne (HTTP + WebSocket) running the project
on the pytest-django test database and the suite's Redis, exactly as in production minus nginx.
"""

from __future__ import annotations

import email
import email.policy
import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "test-results"
CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
# As root in a container Chromium needs --no-sandbox; the rest keeps it from phoning home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2},
}
MAIL_SEPARATOR = b"\n" + b"-" * 79 + b"\n"

# axe-core from the npm registry (package.json; `make test` runs `npm ci` when node_modules is
# missing). Every page a journey visits is checked against these WCAG levels, in light and dark.
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_COLOUR_RULES = ["color-contrast", "link-in-text-block", "non-text-contrast"]
_AXE_RUN = """async ({rules, tags}) => {
  const run = async () => {
    // Let colour transitions (a theme switch) finish, so axe sees the colours a reader sees.
    await Promise.race([
      Promise.all(document.getAnimations().map((a) => a.finished.catch(() => null))),
      new Promise((resolve) => setTimeout(resolve, 2000)),
    ]);
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    // Content scrolled under a sticky bar is not a target-size failure: check the page unstuck.
    const stuck = Array.from(document.querySelectorAll("body > header, body > nav")).filter((el) => getComputedStyle(el).position === "sticky");
    stuck.forEach((el) => { el.style.position = "static"; });
    try {
      const only = rules ? {type: "rule", values: rules.filter((id) => axe.getRules().some((r) => r.ruleId === id))}
                         : {type: "tag", values: tags};
      const result = await axe.run(document, {runOnly: only, resultTypes: ["violations"]});
      return result.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 4).map((n) => n.target.join(" ") + " :: " + (n.failureSummary || "").split("\\n").slice(1, 3).join(" ").trim()),
        count: v.nodes.length,
      }));
    } finally {
      stuck.forEach((el) => { el.style.position = ""; });
    }
  };
  // One run at a time per document (a load-time check may still be running at the end).
  const next = (window.__treeholeAxe || Promise.resolve()).catch(() => null).then(run);
  window.__treeholeAxe = next;
  return await next;
}"""


def database_url_for(name: str) -> str:
    """The suite's DATABASE_URL with its database swapped for ``name`` (the test database)."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


class LiveServer:
    """``daphne`` serving the project on a free 127.0.0.1 port, pointed at the test database.

    The listening socket is bound here and handed to daphne (``--fd``), so there is no window in
    which another process could take the port. ``stop()`` always kills the process group."""

    def __init__(self, *, name: str, database: str, workdir: Path, worker_id: int, env: dict[str, str] | None = None):
        self.name = name
        self.workdir = workdir
        self.mail_dir = workdir / "mail"
        self.media_dir = workdir / "media"
        self.log_path = RESULTS / f"e2e-server-{name}.log"
        for directory in (self.mail_dir, self.media_dir, workdir / "chunks"):
            directory.mkdir(parents=True, exist_ok=True)
        RESULTS.mkdir(exist_ok=True)
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "treehole.settings",
            "DATABASE_URL": database_url_for(database),
            "DEBUG": "1",
            "TASKS_IMMEDIATE": "1",
            # django-environ drops the first slash of the path: four slashes for an absolute one.
            "EMAIL_URL": f"filemail:///{self.mail_dir}",
            "MEDIA_ROOT": str(self.media_dir),
            "UPLOAD_CHUNK_DIR": str(workdir / "chunks"),
            "UPLOAD_CHUNK_BYTES": str(1024 * 1024),  # a resumable upload of a few MiB has several chunks
            "TREEHOLE_WORKER_ID": str(worker_id),
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # the server keeps Django's safety checks
        self.process: subprocess.Popen | None = None
        self.url = ""

    def start(self, timeout: float = 30.0) -> "LiveServer":
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        log = open(self.log_path, "wb")  # noqa: SIM115 - handed to the child, closed in stop()
        self._log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "--fd", str(sock.fileno()), "--access-log", "-", "treehole.asgi:application"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            pass_fds=(sock.fileno(),),
            start_new_session=True,
        )
        sock.close()
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne ({self.name}) exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"daphne ({self.name}) did not answer /healthz in {timeout}s:\n{self.log_tail()}")
            time.sleep(0.1)  # polling a subprocess's port: there is no browser to wait on yet

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait(timeout=10)
        if getattr(self, "_log", None):
            self._log.close()

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    # --- the mail the server sent -------------------------------------------------------------
    def messages_to(self, address: str) -> list[email.message.EmailMessage]:
        found = []
        for path in sorted(self.mail_dir.glob("*.log"), key=lambda p: p.stat().st_mtime_ns):
            for raw in path.read_bytes().split(MAIL_SEPARATOR):
                if not raw.strip():
                    continue
                message = email.message_from_bytes(raw.lstrip(b"\n"), policy=email.policy.default)
                if address.lower() in str(message.get("To", "")).lower():
                    found.append(message)
        return found

    def email_code(self, address: str, *, nth: int = 1, timeout: float = 5.0) -> str:
        """The 6-digit code of the ``nth`` message sent to ``address`` (waits for it to arrive)."""
        deadline = time.monotonic() + timeout
        while True:
            messages = self.messages_to(address)
            if len(messages) >= nth:
                message = messages[nth - 1]
                body = message.get_body(preferencelist=("plain",)).get_content()
                match = re.search(r"\b(\d{6})\b", str(message["Subject"])) or re.search(r"\b(\d{6})\b", body)
                assert match, f"no code in the mail to {address}: {message['Subject']!r} {body!r}"
                return match.group(1)
            assert time.monotonic() < deadline, f"no mail #{nth} to {address} in {self.mail_dir}"
            time.sleep(0.05)


def jpeg_bytes(width: int = 640, height: int = 480, *, seed: int = 0, quality: int = 85) -> bytes:
    """A real JPEG (a colour gradient, different per seed) made with Pillow."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(0, height, 4):
        shade = int(255 * y / height)
        draw.rectangle([0, y, width, y + 4], fill=((shade + seed * 40) % 256, (120 + seed * 70) % 256, 255 - shade))
    draw.ellipse([width // 4, height // 4, 3 * width // 4, 3 * height // 4], outline=(255, 255, 255), width=6)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def image_file(name: str, *, seed: int = 0, width: int = 640, height: int = 480) -> dict:
    """A Playwright ``set_input_files`` payload holding a real JPEG."""
    return {"name": name, "mimeType": "image/jpeg", "buffer": jpeg_bytes(width, height, seed=seed)}


@dataclass
class Watched:
    """A page with its console errors, uncaught exceptions and accessibility violations recorded."""

    page: object
    label: str
    errors: list[str] = field(default_factory=list)
    allowed: list[re.Pattern] = field(default_factory=list)
    audited: list[str] = field(default_factory=list)
    # A context without JavaScript cannot run axe (its pages are checked with it elsewhere).
    scripts: bool = True

    def allow_console_error(self, pattern: str) -> None:
        """An error the journey expects (e.g. the browser logging a deliberate 429)."""
        self.allowed.append(re.compile(pattern))

    def unexpected_errors(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.allowed)]

    def audit(self, where: str, *, schemes: tuple[str, ...] = ("light",), racing: bool = False) -> None:
        """Run axe-core on the document the page shows now (WCAG 2.2 A/AA); every violation
        becomes an error of the journey. ``schemes``: the colour schemes to check it in (the
        whole rule set in the first, the colour rules in the others). ``racing``: called from a
        load handler while the journey goes on; a document the journey left before axe finished
        is not an error (its next load is checked)."""
        page = self.page
        if not self.scripts or page.is_closed() or not page.url.startswith("http"):
            return
        url = page.url
        try:
            if not page.evaluate("() => document.contentType === 'text/html'"):
                return
            # Injected at most once per document, in one evaluation (so two checks cannot race).
            page.evaluate("if (typeof window.axe !== 'object') {\n" + AXE_JS.read_text() + "\n}")
            for index, scheme in enumerate(schemes):
                if len(schemes) > 1:
                    page.emulate_media(color_scheme=scheme)
                rules = None if index == 0 else AXE_COLOUR_RULES
                for v in page.evaluate(_AXE_RUN, {"rules": rules, "tags": AXE_TAGS}):
                    nodes = "\n      ".join(v["nodes"])
                    self.errors.append(f"axe [{scheme}] {v['id']} ({v['impact']}, {v['count']}×) on {page.url} {where}: {v['help']}\n      {nodes}")
        except Exception as exc:  # noqa: BLE001 - a page that cannot be checked is a failure too
            left = page.is_closed() or page.url != url or "destroyed" in str(exc) or "closed" in str(exc)
            if not (racing and left):
                self.errors.append(f"axe could not check {url} {where}: {exc}")
            return
        finally:
            if len(schemes) > 1 and not page.is_closed():
                page.emulate_media(color_scheme=schemes[0])
        self.audited.append(url)


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:150]


def quick_user(username: str, **fields):
    """A member for journeys that are not about signing in: no password hash to compute (Argon2
    costs about a second here), signed in with ``sign_in``."""
    from accounts.models import User

    user = User(username=username, email=fields.pop("email", f"{username}@example.com"), **fields)
    user.set_unusable_password()
    user.save()
    return user


def sign_in(page, user) -> None:
    """Give the page's browser context a session of ``user`` (a real session row made by Django's
    own login code), as if they had signed in on the login page."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": page.site_url}])


def top_bar(page):
    """The top bar, its links reachable: on a phone the links fold into the 菜单 button, which is
    opened first (a journey clicks what a person would)."""
    bar = page.locator("header.topbar")
    # By the screen's width (site.css folds the links below 720 px), not by what is visible this
    # instant: mid-navigation, before the stylesheet applies, the menu button shows everywhere.
    if page.viewport_size["width"] < 720 and bar.locator("details.menu[open]").count() == 0:
        bar.locator("summary.menu-button").click()
    return bar
