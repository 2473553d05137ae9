"""Every page the browser tests open is watched: a console error, an uncaught exception or
a Content-Security-Policy violation fails the test, and every page must be served under a
policy as strict as production's (the settings are shared; this checks what arrives)."""

import pytest

# Chromium logs a CSP violation to the console, but a listener in the page says it too,
# with the directive, whatever the browser's wording (init scripts are exempt from the CSP).
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`
    + ` at ${event.sourceFile}:${event.lineNumber} (${event.sample})`);
});
"""
# What production's policy says (config/settings/base.py): nothing inline, nothing from
# another origin.
STRICT_DIRECTIVES = ("default-src 'self'", "script-src 'self'", "style-src 'self'")


@pytest.fixture
def browser_problems():
    return []


@pytest.fixture
def new_context(new_context, browser_problems):
    """pytest-playwright's factory, with every context watched."""

    def watched(**kwargs):
        context = new_context(**kwargs)
        context.add_init_script(script=CSP_REPORTER)
        context.on("console", lambda message: _console(message, browser_problems))
        context.on("weberror", lambda error: browser_problems.append(f"page error: {error.error}"))
        context.on("response", lambda response: _policy(response, browser_problems))
        return context

    yield watched
    assert browser_problems == [], "\n".join(browser_problems)


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
