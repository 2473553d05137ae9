"""Every page the browser tests open is watched: a console error, an uncaught exception or
a Content-Security-Policy violation fails the test, and every page must be served under a
policy as strict as production's (the settings are shared; this checks what arrives).

Every state of every page is also checked with axe-core for WCAG 2.0/2.1/2.2 A and AA: a
critical or serious violation fails the test (docs/accessibility.md, "The browser tests")."""

import functools
import json
import re
import weakref
from contextlib import suppress
from pathlib import Path

import axe_playwright_python
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page

# Chromium logs a CSP violation to the console, but a listener in the page says it too,
# with the directive, whatever the browser's wording (init scripts are exempt from the CSP).
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`
    + ` at ${event.sourceFile}:${event.lineNumber} (${event.sample})`);
});
"""
# axe-core as axe-playwright-python bundles it (pinned in pyproject.toml), loaded into every
# document as an init script: exempt from the CSP, and there before the page's own scripts.
AXE_SOURCE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
# Runs axe in the page itself, whenever the page is stable: once it has loaded, then again
# 200 ms after the DOM last changed (an htmx swap, the G703's script), one run at a time.
# `__a11yIdle()` runs what is still owed and waits for it; the harness awaits it before any
# act that may navigate away (LEAVING) and at the end of the test, so no state the test
# left is unchecked, however fast it moves on (docs/accessibility.md, "The browser tests").
# Results come back as console messages: nothing in the page waits for an answer.
REPORT = "axe-core violations: "
AXE_RUNNER = (
    f"const REPORT = {json.dumps(REPORT)};"
    + """
(() => {
  // Frames have axe too (the top document's run covers them); about:blank is the browser's.
  if (window !== window.top || location.protocol === "about:") return;
  // Its own axe: a test may load axe again to run it itself (axe-playwright-python), and
  // two runs of one axe at once are refused.
  const engine = window.axe;
  const options = {
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
    resultTypes: ["violations"],
  };
  // Two checks axe-core leaves to a person, made here: an aria-describedby or
  // aria-labelledby naming an id not on the page (axe calls it "incomplete"), and a header
  // cell with no text (axe's rule is a best practice, of minor impact).
  const node = (element) => ({html: element.outerHTML.slice(0, 300),
    target: element.id ? `#${element.id}` : element.tagName.toLowerCase()});
  const ours = () => {
    const missing = [...document.querySelectorAll("[aria-describedby], [aria-labelledby]")]
      .filter((element) => ["aria-describedby", "aria-labelledby"].some((name) =>
        (element.getAttribute(name) || "").split(/\\s+/).filter(Boolean)
          .some((id) => !document.getElementById(id))));
    const empty = [...document.querySelectorAll("th")]
      .filter((th) => !th.textContent.trim() && !th.getAttribute("aria-label"));
    return [
      missing.length && {id: "idref-missing", impact: "serious", helpUrl: "",
        help: "aria-describedby or aria-labelledby names an id not on the page (WCAG 4.1.2)",
        nodes: missing.map(node)},
      empty.length && {id: "empty-table-header", impact: "serious", helpUrl: "",
        help: "A header cell has no text, visible or visually hidden (WCAG 1.3.1)",
        nodes: empty.map(node)},
    ].filter(Boolean);
  };
  let owed = true, timer = null, running = null;
  const report = (violations) =>
    console.debug(REPORT + JSON.stringify({url: location.href, violations}));
  const run = () => {
    clearTimeout(timer);
    timer = null;
    if (running) return running;
    owed = false;
    running = engine.run(document, options)
      .then((results) => report(results.violations
        .filter((v) => v.impact === "critical" || v.impact === "serious")
        .map((v) => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                      nodes: v.nodes.map((n) => ({target: n.target.join(" "), html: n.html}))}))
        .concat(ours())))
      .catch((error) => report([{id: "axe-error",
        impact: "critical", help: String(error), helpUrl: "", nodes: []}]))
      .finally(() => {
        running = null;
        if (owed) soon();
      });
    return running;
  };
  const soon = () => {
    owed = true;
    clearTimeout(timer);
    timer = setTimeout(run, 200);
  };
  // A page that keeps changing (a status polled every second) may always owe a run: after
  // 20 s the runs made count, and the harness moves on.
  window.__a11yIdle = () => Promise.race([
    (async () => { while (owed || running) await (running || run()); })(),
    new Promise((resolve) => setTimeout(resolve, 20000)),
  ]);
  window.addEventListener("load", () => {
    new MutationObserver(soon).observe(document.documentElement,
      {subtree: true, childList: true, attributes: true, characterData: true});
    soon();
  });
})();
"""
)
# Awaited in the page the harness is about to leave, and in every page at the end.
AXE_IDLE = "() => window.__a11yIdle ? window.__a11yIdle() : null"
# What a test does that may leave a document behind (a link, a submit button, Enter).
LEAVING = {Page: ("goto", "reload", "go_back", "go_forward", "close"), Locator: ("click", "press")}

# Contexts made without JavaScript, each with the page that checks copies of its pages.
WITHOUT_SCRIPT = weakref.WeakKeyDictionary()

# What production's policy says (config/settings/base.py): nothing inline, nothing from
# another origin.
STRICT_DIRECTIVES = ("default-src 'self'", "script-src 'self'", "style-src 'self'")


@pytest.fixture
def browser_problems():
    return []


@pytest.fixture
def accessibility_violations():
    """Each violation once (its rule, page and element), however often a page is checked."""
    return {}


@pytest.fixture(autouse=True)
def _checked_before_leaving(monkeypatch):
    for kind, acts in LEAVING.items():
        for name in acts:
            monkeypatch.setattr(kind, name, _settled_first(getattr(kind, name)))


@pytest.fixture
def new_context(new_context, browser_problems, accessibility_violations):
    """pytest-playwright's factory, with every context watched."""
    contexts = []

    def watched(**kwargs):
        context = new_context(**kwargs)
        context.add_init_script(script=CSP_REPORTER)
        context.on("console", lambda message: _console(message, browser_problems))
        context.on("weberror", lambda error: browser_problems.append(f"page error: {error.error}"))
        context.on("response", lambda response: _policy(response, browser_problems))
        _with_axe(context, accessibility_violations)
        if kwargs.get("java_script_enabled") is False:
            WITHOUT_SCRIPT[context] = Copies(
                lambda: _with_axe(new_context(), accessibility_violations).new_page()
            )
        contexts.append(context)
        return context

    yield watched
    for context in contexts:
        for page in context.pages:
            _settle(page)
    assert browser_problems == [], "\n".join(browser_problems)
    if accessibility_violations:
        pytest.fail(_accessibility_report(accessibility_violations), pytrace=False)


@pytest.fixture
def new_page(new_context):
    """A page in a context of its own: its own cookies, so its own login."""
    return lambda: new_context().new_page()


def _console(message, problems):
    if message.type != "error":
        return
    source = message.location.get("url", "")
    # Chromium probes /favicon.ico by itself, now and then, beside the page's own icon
    # link: a request of the browser's, not of the page.
    if source.endswith("/favicon.ico"):
        return
    where = message.page.url if message.page else "?"
    problems.append(f"console error on {where} ({source}): {message.text}")


def _policy(response, problems):
    if response.request.resource_type != "document":
        if response.status >= 400:  # the console says only "failed to load": say what
            problems.append(f"{response.status} for {response.url}")
        return
    policy = response.headers.get("content-security-policy", "")
    missing = [each for each in STRICT_DIRECTIVES if each not in policy]
    if missing or "unsafe-" in policy:
        problems.append(f"{response.url} served without a strict CSP: {policy!r}")


def _with_axe(context, found):
    context.add_init_script(script=AXE_SOURCE)
    context.add_init_script(script=AXE_RUNNER)
    context.on("console", lambda message: _violations(message, found))
    return context


class Copies:
    """Where the pages of a context without JavaScript are checked, axe being a script: a
    copy of each page as that browser shows it (<noscript> shown, no scripts), opened at
    the same URL, with the site's stylesheets, in a page with JavaScript."""

    def __init__(self, open_page):
        self.open_page, self.page = open_page, None

    def check(self, page):
        html = page.content()
        html = re.sub(r"<script\b[^>]*>.*?</script>", "", html, flags=re.DOTALL)
        html = re.sub(r"</?noscript>", "", html)

        def serve(route, request):
            if request.is_navigation_request():
                route.fulfill(body=html, content_type="text/html; charset=utf-8")
            else:
                route.fallback()

        self.page = self.page or self.open_page()
        self.page.route("**/*", serve)
        self.page.goto(page.url)
        self.page.unroute("**/*", serve)
        _settle(self.page)


def _settled_first(act):
    """`act` may take the page elsewhere: the page's owed check runs first, so the state the
    test acts on (which it has just waited for) is checked, however fast it moves on."""

    @functools.wraps(act)
    def settled(self, *args, **kwargs):
        _settle(self if isinstance(self, Page) else self.page)
        return act(self, *args, **kwargs)

    return settled


def _settle(page):
    # Closed, or between two documents: the states it showed were checked as they came.
    with suppress(PlaywrightError):
        if page.is_closed() or page.url == "about:blank":
            return
        if page.context in WITHOUT_SCRIPT:
            # Its init scripts run, but no timer fires: __a11yIdle would never answer.
            WITHOUT_SCRIPT[page.context].check(page)
        else:
            page.evaluate(AXE_IDLE)


def _violations(message, found):
    if message.type != "debug" or not message.text.startswith(REPORT):
        return
    report = json.loads(message.text.removeprefix(REPORT))
    url = report["url"]
    for violation in report["violations"]:
        for node in violation["nodes"] or [{"target": "", "html": ""}]:
            key = (url, violation["id"], node["target"])
            found.setdefault(
                key,
                f"{violation['impact']} {violation['id']} on {url}: {violation['help']}"
                + (f" ({violation['helpUrl']})" if violation["helpUrl"] else "")
                + f"\n    at {node['target']}: {node['html']}",
            )


def _accessibility_report(found):
    return f"{len(found)} axe-core violation(s), critical or serious (WCAG A/AA):\n" + "\n".join(
        found.values()
    )
