"""The page under its Content-Security-Policy in a real browser: it runs, nothing is blocked;
and a page of another origin cannot open the stream."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import Page

if TYPE_CHECKING:
    from conftest import Playground

# Recorded before the page's own scripts run, so a violation at load time is seen too.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
    window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def test_the_page_plays_under_its_policy_with_nothing_blocked(playground: Playground) -> None:
    page = playground.page
    page.add_init_script(RECORD_VIOLATIONS)
    response = page.goto(f"{playground.base_url}/?lang=en")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "connect-src 'self'" in policy
    playground.wait_live()  # the stream (ws: on the page's own origin) is open
    page.get_by_role("button", name="Play").click()
    playground.wait_epoch(3)
    page.get_by_role("button", name="Pause").click()
    assert page.evaluate("window.cspViolations") == []


def test_a_page_of_another_origin_cannot_open_the_stream(page: Page, live_server: str) -> None:
    session_id = page.request.post(f"{live_server}/api/sessions", data={}).json()["id"]
    url = live_server.replace("http", "ws", 1) + f"/api/sessions/{session_id}/stream"
    page.set_content("<p>another site</p>")  # about:blank: an origin that is not the server's
    outcome = page.evaluate(
        """(url) => new Promise((resolve) => {
            const socket = new WebSocket(url);
            socket.onopen = () => resolve("open");
            socket.onclose = (event) => resolve(`closed ${event.code}`);
        })""",
        url,
    )
    assert outcome == "closed 1006"  # refused in the handshake: never opened
