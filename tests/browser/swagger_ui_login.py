#!/usr/bin/env python3
"""Logs in through Swagger UI's Authorize button in a real browser, then calls a route.

    DEMO_PASSWORD=... python3 tests/browser/swagger_ui_login.py http://127.0.0.1:3000

Against a running demo server: opens /docs in headless Chromium, clicks Authorize, types the
admin's name and password into the `oauth2` (password flow) form, submits it, closes the
dialog, expands GET /admin/stats, clicks "Try it out" and "Execute", and checks that the
response shown is 200 and that the request carried the token as Bearer.

Python's standard library only: Chromium is driven over the DevTools protocol on a pipe
(`--remote-debugging-pipe`, file descriptors 3 and 4, messages ended by a NUL byte), with real
mouse clicks and typed text. Every wait is bounded.

Environment: DEMO_PASSWORD (required), DEMO_USERNAME (default `admin`), CHROMIUM (the browser;
by default the first of chromium, chromium-browser, google-chrome on PATH), STEP_TIMEOUT
(seconds per step, default 30).

Exit status: 0 passed; 1 failed (the reason on stderr); 77 skipped, no Chromium found.
"""

import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time

SKIPPED = 77
STEP_TIMEOUT = float(os.environ.get("STEP_TIMEOUT", "30"))
OPERATION_PATH = "/admin/stats"


class Failure(Exception):
    """A step that did not happen in time, or happened wrong."""


class Browser:
    """Headless Chromium with one page, driven over the DevTools protocol."""

    def __init__(self, executable):
        self.profile = tempfile.mkdtemp(prefix="swagger-ui-login-")
        # Our end first, then the browser's: it reads commands on 3 and writes answers on 4.
        commands_read, self.commands = os.pipe()
        self.answers, answers_write = os.pipe()

        def pipes_on_3_and_4():
            # Copied above 4 first, so that neither dup2 closes the other pipe. The copies, and
            # our own ends, are close-on-exec: the browser keeps only 3 and 4.
            read_end, write_end = commands_read, answers_write
            while read_end <= 4:
                read_end = os.dup(read_end)
            while write_end <= 4:
                write_end = os.dup(write_end)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self.process = subprocess.Popen(
            [
                executable,
                "--headless",
                # Root in a container has no sandbox to offer; the page is our own, on loopback.
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                "--window-size=1280,2000",
                f"--user-data-dir={self.profile}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=pipes_on_3_and_4,
            close_fds=False,
        )
        os.close(commands_read)
        os.close(answers_write)
        self.buffer = b""
        self.next_id = 0
        self.session = None
        self.console = []  # errors the page logged, shown when a step fails

    def close(self):
        for fd in (self.commands, self.answers):
            try:
                os.close(fd)
            except OSError:
                pass
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.profile, ignore_errors=True)

    # The protocol.

    def call(self, method, params=None, timeout=STEP_TIMEOUT, session=True):
        """Sends a command and waits (bounded) for its answer; events met meanwhile are kept."""
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self.commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            answer = self.receive(deadline, f"the answer to {method}")
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise Failure(f"{method} failed: {answer['error']}")
                return answer.get("result", {})
            self.event(answer)

    def receive(self, deadline, what):
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Failure(f"no {what} within {STEP_TIMEOUT:.0f} s")
            ready, _, _ = select.select([self.answers], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.answers, 1 << 20)
            if not chunk:
                raise Failure(f"Chromium closed the DevTools pipe while waiting for {what}")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def event(self, message):
        method = message.get("method")
        params = message.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            text = details.get("exception", {}).get("description") or details.get("text")
            self.console.append(f"exception: {text}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning"):
            args = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            self.console.append(f"console.{params['type']}: {args}")
        elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
            entry = params["entry"]
            self.console.append(f"{entry['source']} {entry['level']}: {entry['text']}")

    def open(self, url):
        """Attaches to the browser's page and loads `url`."""
        deadline = time.monotonic() + STEP_TIMEOUT
        while True:
            targets = self.call("Target.getTargets", session=False)["targetInfos"]
            pages = [t for t in targets if t["type"] == "page"]
            if pages:
                break
            if time.monotonic() > deadline:
                raise Failure("Chromium opened no page")
            time.sleep(0.1)
        attached = self.call(
            "Target.attachToTarget",
            {"targetId": pages[0]["targetId"], "flatten": True},
            session=False,
        )
        self.session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable")
        navigation = self.call("Page.navigate", {"url": url})
        if navigation.get("errorText"):
            raise Failure(f"cannot open {url}: {navigation['errorText']}")

    # The page.

    def evaluate(self, expression):
        """The value of a JavaScript expression in the page (awaited when it is a promise)."""
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            raise Failure(f"script error: {result['exceptionDetails'].get('text')}: {expression}")
        return result.get("result", {}).get("value")

    def wait_for(self, expression, what, timeout=STEP_TIMEOUT):
        """Polls until the expression is truthy; its value, or a failure naming `what`."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise Failure(f"{what}: not within {timeout:.0f} s")
            time.sleep(0.1)

    def click(self, element, what):
        """A real mouse click at the middle of the element `element` (a JS expression)."""
        center = self.wait_for(
            f"""(() => {{
                const el = {element};
                if (!el) return null;
                el.scrollIntoView({{block: "center"}});
                const r = el.getBoundingClientRect();
                if (r.width === 0 || r.height === 0) return null;
                return {{x: r.left + r.width / 2, y: r.top + r.height / 2}};
            }})()""",
            f"{what} to click",
        )
        for kind in ("mousePressed", "mouseReleased"):
            event = {"type": kind, "button": "left", "clickCount": 1, **center}
            self.call("Input.dispatchMouseEvent", event)

    def type_into(self, element, text, what):
        """Focuses the input `element` (a JS expression) and types `text`, as a keyboard would."""
        self.wait_for(
            f"(() => {{ const el = {element}; if (!el) return false; el.focus(); "
            f"return document.activeElement === el; }})()",
            f"{what} to type into",
        )
        self.call("Input.insertText", {"text": text})
        typed = self.evaluate(f"({element}).value.length")
        if typed != len(text):
            raise Failure(f"{what}: {typed} characters typed of {len(text)}")


# JavaScript expressions for the parts of Swagger UI 5 the test touches.
# The `oauth2` scheme's part of the Authorize dialog, found by its heading: once logged in,
# its inputs are gone.
OAUTH2_FORM = """[...document.querySelectorAll(".auth-container")]
    .find(c => c.querySelector("h4")?.textContent.trim().startsWith("oauth2 "))"""
OPERATION = f"""[...document.querySelectorAll(".opblock.opblock-get")]
    .find(b => b.querySelector('.opblock-summary-path[data-path="{OPERATION_PATH}"]'))"""


def button(container, label):
    return f"""[...(({container})?.querySelectorAll("button") ?? [])]
        .find(b => b.textContent.trim() === "{label}")"""


def log_in_and_call(browser, base, username, password):
    docs = f"{base}/docs"
    browser.open(docs)
    step(f"opened {docs}")
    browser.wait_for(
        f"{OPERATION} !== undefined",
        f"Swagger UI showing GET {OPERATION_PATH} (did /openapi.json load?)",
    )
    browser.click('document.querySelector(".auth-wrapper .btn.authorize")', "the Authorize button")
    heading = browser.wait_for(
        f'({OAUTH2_FORM})?.querySelector("h4").textContent.trim()',
        "the oauth2 (password flow) form",
    )
    token_url = browser.evaluate(
        f"""[...({OAUTH2_FORM}).querySelectorAll("p")]
            .find(p => p.textContent.startsWith("Token URL"))?.textContent ?? ''"""
    )
    step(f"Authorize dialog open: {heading}, {' '.join(token_url.split())}")
    browser.type_into(f'({OAUTH2_FORM}).querySelector("#oauth_username")', username, "username")
    browser.type_into(f'({OAUTH2_FORM}).querySelector("#oauth_password")', password, "password")
    browser.click(button(OAUTH2_FORM, "Authorize"), "the oauth2 form's Authorize button")
    outcome = browser.wait_for(
        f"""(() => {{
            const form = {OAUTH2_FORM};
            if (!form) return null;
            const errors = [...form.querySelectorAll(".errors")].map(e => e.textContent.trim());
            if (errors.some(e => e)) return {{error: errors.join("; ")}};
            return {button(OAUTH2_FORM, "Logout")} ? {{ok: true}} : null;
        }})()""",
        "the login through the oauth2 form",
    )
    if "error" in outcome:
        raise Failure(f"Swagger UI could not log in: {outcome['error']}")
    step(f"logged in as {username} (the oauth2 form offers Logout)")
    browser.click(button(OAUTH2_FORM, "Close"), "the dialog's Close button")
    browser.wait_for('document.querySelector(".dialog-ux") === null', "the dialog closing")
    step("dialog closed")

    browser.click(
        f'({OPERATION}).querySelector(".opblock-summary-control") '
        f'?? ({OPERATION}).querySelector(".opblock-summary")',
        f"GET {OPERATION_PATH}",
    )
    browser.click(f'({OPERATION}).querySelector(".try-out__btn")', '"Try it out"')
    browser.click(f'({OPERATION}).querySelector(".btn.execute")', '"Execute"')
    step(f"expanded GET {OPERATION_PATH}, clicked Try it out and Execute")
    status = browser.wait_for(
        f"""(() => {{
            const cell = ({OPERATION}).querySelector(
                ".live-responses-table .response .response-col_status");
            return cell && cell.textContent.trim();
        }})()""",
        f"the response of GET {OPERATION_PATH}",
    )
    curl = browser.evaluate(
        f'({OPERATION}).querySelector(".curl-command")?.textContent ?? ""'
    )
    body = browser.evaluate(
        f'({OPERATION}).querySelector(".live-responses-table .response-col_description pre")'
        f'?.textContent ?? ""'
    )
    step(f"response status shown: {status}; body: {' '.join(body.split())[:160]}")
    if not status.startswith("200"):
        raise Failure(f"GET {OPERATION_PATH} answered {status}, not 200: {body.strip()[:500]}")
    if "Authorization: Bearer " not in curl:
        raise Failure(f"the request did not carry the token as Bearer: {curl.strip()[:500]}")
    step("the request carried Authorization: Bearer")


def step(message):
    print(f"swagger_ui_login: {message}", flush=True)


def find_chromium():
    named = os.environ.get("CHROMIUM")
    if named:
        return shutil.which(named) or (named if os.access(named, os.X_OK) else None)
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    base = sys.argv[1].rstrip("/")
    password = os.environ.get("DEMO_PASSWORD")
    if not password:
        print("swagger_ui_login: FAILED: set DEMO_PASSWORD to the demo's", file=sys.stderr)
        return 1
    username = os.environ.get("DEMO_USERNAME", "admin")
    executable = find_chromium()
    if executable is None:
        print(
            "swagger_ui_login: SKIPPED: no Chromium (install the Debian package `chromium`, "
            "or set CHROMIUM)",
            file=sys.stderr,
        )
        return SKIPPED
    step(f"browser: {executable}")
    browser = Browser(executable)
    try:
        log_in_and_call(browser, base, username, password)
    except Failure as failure:
        print(f"swagger_ui_login: FAILED: {failure}", file=sys.stderr)
        for line in browser.console[-20:]:
            print(f"  page: {line}", file=sys.stderr)
        return 1
    finally:
        browser.close()
    refused = [line for line in browser.console if "Content Security Policy" in line]
    for line in browser.console:
        print(f"  page: {line}", file=sys.stderr)
    if refused:
        # Swagger UI worked, but its page's policy refused something it asked for.
        print(
            "swagger_ui_login: FAILED: the page's Content-Security-Policy refused a load",
            file=sys.stderr,
        )
        return 1
    step("PASSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
