"""Headless Chromium driven over the Chrome DevTools Protocol, with the standard library only.

Chromium (Debian's ``chromium`` package) is started with ``--remote-debugging-pipe``: it reads protocol
messages on file descriptor 3 and writes on 4, NUL-separated JSON. No websocket, no driver package, nothing to
pin besides the browser itself. Used by tests/test_browser.py; also a command-line tool:

    python scripts/browser.py _build/html/book/01_memory_model.html [--dark] [--out shot.png]

prints the page report (math typeset, widgets rendered, console errors, network requests) as JSON.
"""
import argparse
import base64
import fcntl
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
         "--remote-debugging-pipe"]
WIDTH = 1280
MAX_SHOT_HEIGHT = 60000  # px of a page in screenshots
TILE = 10000             # px per screenshot file

# Run in the page once it has loaded: wait for MathJax and the widget manager, then describe the page.
REPORT_JS = r"""
(async () => {
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  // a redirect page: let it navigate (the caller then waits for the next page and runs this again)
  if (document.querySelector('meta[http-equiv="refresh" i]')) { await sleep(10000); }
  const views = () => [...document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')];
  const rendered = s => {
    const prev = s.previousElementSibling;
    return !!(prev && prev.classList.contains('widget-subarea') && prev.querySelector('.jupyter-widgets, .lm-Widget'));
  };
  for (let i = 0; i < 100 && !(window.MathJax && MathJax.startup && MathJax.startup.promise); i++) {
    if (!document.querySelector('.math')) break;
    await sleep(100);
  }
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  for (let i = 0; i < 200 && !views().every(rendered); i++) { await sleep(100); }
  await sleep(200);
  const skip = 'pre, code, script, style, textarea, mjx-container, .highlight, .cell_input, .MathJax';
  const raw = [];
  const walker = document.createTreeWalker(document.body || document.documentElement, NodeFilter.SHOW_TEXT);
  const tex = /\$\$|\\\(|\\\[|\\begin\{|\$[^$\s][^$]*\\[A-Za-z]+[^$]*\$/;
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.parentElement && n.parentElement.closest(skip)) continue;
    if (tex.test(n.textContent)) raw.push(n.textContent.trim().slice(0, 120));
  }
  const math = [...document.querySelectorAll('.math')];
  return {
    title: document.title,
    height: Math.max(document.documentElement.scrollHeight, document.body.scrollHeight),
    math: math.length,
    untypeset: math.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.trim().slice(0, 80)),
    mjx: document.querySelectorAll('mjx-container').length,
    merror: [...document.querySelectorAll('mjx-merror')].map(e => e.getAttribute('data-mjx-error') || e.textContent),
    raw_tex: raw,
    mathjax: !!(window.MathJax && MathJax.version),
    views: views().length,
    views_rendered: views().filter(rendered).length,
    images_broken: [...document.images].filter(i => i.complete && i.naturalWidth === 0).map(i => i.src),
    theme: document.documentElement.dataset.theme || '',
  };
})()
"""


class CDPError(RuntimeError):
    pass


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Chromium:
    """One headless browser with one tab; `open(url)` loads a page and returns its report."""

    def __init__(self, executable=None, width=WIDTH, height=900, timeout=60):
        exe = executable or find_chromium()
        if exe is None:
            raise FileNotFoundError("chromium not found (Debian: apt-get install -y chromium)")
        self.timeout, self.width, self.height = timeout, width, height
        self.profile = tempfile.mkdtemp(prefix="chromium-profile-")
        # pipes at high fd numbers, moved to 3 (browser reads) and 4 (browser writes) in the child
        to_r, to_w = os.pipe()
        from_r, from_w = os.pipe()
        to_r, from_w = (fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_r, from_w))

        def child():
            os.dup2(to_r, 3)
            os.dup2(from_w, 4)

        self.proc = subprocess.Popen([exe, *FLAGS, f"--user-data-dir={self.profile}",
                                      f"--window-size={width},{height}", "about:blank"],
                                     pass_fds=(3, 4), preexec_fn=child, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for fd in (to_r, from_w):
            os.close(fd)
        self._write, self._read = to_w, from_r
        self._queue, self._id, self.events = queue.Queue(), 0, []
        self._stderr = []
        threading.Thread(target=self._reader, daemon=True).start()
        threading.Thread(target=self._stderr_reader, daemon=True).start()
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable", session=self.session)
        self.viewport(height)

    def _reader(self):
        buf = b""
        while True:
            chunk = os.read(self._read, 1 << 16)
            if not chunk:
                self._queue.put(None)
                return
            buf += chunk
            *messages, buf = buf.split(b"\0")
            for m in messages:
                self._queue.put(json.loads(m))

    def _stderr_reader(self):
        for line in self.proc.stderr:
            self._stderr.append(line.decode(errors="replace").rstrip())

    def send(self, method, params=None, session=None, timeout=None):
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._write, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            try:
                m = self._queue.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise CDPError(f"{method}: no answer within {timeout or self.timeout} s") from None
            if m is None:
                raise CDPError(f"chromium exited: {' | '.join(self._stderr[-5:])}")
            if m.get("id") == self._id:
                if "error" in m:
                    raise CDPError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, method, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            for k, e in enumerate(self.events):
                if e.get("method") == method and e.get("sessionId") == self.session:
                    del self.events[k]
                    return e
            try:
                m = self._queue.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise CDPError(f"no {method} event within {timeout or self.timeout} s") from None
            if m is None:
                raise CDPError("chromium exited")
            self.events.append(m)

    def viewport(self, height):
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": self.width, "height": int(height), "deviceScaleFactor": 1, "mobile": False},
                  session=self.session)

    def evaluate(self, expression, timeout=None):
        r = self.send("Runtime.evaluate", {"expression": expression, "awaitPromise": True, "returnByValue": True},
                      session=self.session, timeout=timeout)
        if "exceptionDetails" in r:
            raise CDPError(f"evaluate: {r['exceptionDetails']}")
        return r["result"].get("value")

    def open(self, url, dark=False):
        """Load url (in dark mode if asked) and return the page report, with `errors` and `requests` added."""
        self.events = []
        self.viewport(self.height)
        self.send("Emulation.setEmulatedMedia",
                  {"features": [{"name": "prefers-color-scheme", "value": "dark" if dark else "light"}]},
                  session=self.session)
        self.send("Page.navigate", {"url": url}, session=self.session)
        self.wait_event("Page.loadEventFired")
        for attempt in range(3):  # a redirect page (index.html: meta refresh) navigates away under us
            try:
                report = self.evaluate(REPORT_JS, timeout=self.timeout)
                break
            except CDPError as err:
                if "navigated or closed" not in str(err) or attempt == 2:
                    raise
                self.wait_event("Page.loadEventFired")
        report["url"] = self.evaluate("location.href")
        self.send("Runtime.evaluate", {"expression": "0"}, session=self.session)  # flush pending events
        report["errors"] = self.console_errors()
        report["requests"] = [e["params"]["request"]["url"] for e in self.events
                              if e.get("method") == "Network.requestWillBeSent"
                              and not e["params"]["request"]["url"].startswith(("file:", "data:", "blob:", "about:"))]
        return report

    def console_errors(self):
        errors = []
        for e in self.events:
            method, params = e.get("method"), e.get("params", {})
            if method == "Runtime.exceptionThrown":
                d = params["exceptionDetails"]
                where = f" ({d.get('url', '')}:{d.get('lineNumber', 0) + 1})" if d.get("url") else ""
                errors.append("exception: " + d.get("exception", {}).get("description", d.get("text", "")) + where)
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                errors.append("console.error: " + " ".join(str(a.get("value", a.get("description", "")))
                                                           for a in params.get("args", [])))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                errors.append(f"log: {params['entry'].get('text')} {params['entry'].get('url', '')}".strip())
        return errors

    def screenshot(self, path, height=None):
        """Full-page PNG: path for the first TILE px, then path.2.png, path.3.png, ... (MAX_SHOT_HEIGHT px in all).
        Returns the paths written."""
        path = Path(path)
        h = min(int(height or self.evaluate("document.documentElement.scrollHeight")), MAX_SHOT_HEIGHT)
        self.viewport(h)  # the whole page in one viewport: sticky header and sidebars are drawn once, at the top
        time.sleep(0.3)
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob(f"{path.stem}.[0-9]*.png"):
            old.unlink()
        written = []
        for k, y in enumerate(range(0, h, TILE)):
            clip = {"x": 0, "y": y, "width": self.width, "height": min(TILE, h - y), "scale": 1}
            data = self.send("Page.captureScreenshot", {"format": "png", "clip": clip}, session=self.session)["data"]
            out = path if k == 0 else path.with_name(f"{path.stem}.{k + 1}{path.suffix}")
            out.write_bytes(base64.b64decode(data))
            written.append(out)
        self.viewport(self.height)
        return written

    def close(self):
        try:
            self.send("Browser.close", timeout=5)
        except CDPError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._write)
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description="Open a page in headless Chromium and report on it.")
    parser.add_argument("page", type=Path)
    parser.add_argument("--dark", action="store_true", help="prefers-color-scheme: dark")
    parser.add_argument("--out", type=Path, help="save a full-page screenshot here")
    args = parser.parse_args(argv)
    with Chromium() as browser:
        report = browser.open(args.page.resolve().as_uri(), dark=args.dark)
        if args.out:
            for out in browser.screenshot(args.out, report["height"]):
                print(out, file=sys.stderr)
    json.dump(report, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
