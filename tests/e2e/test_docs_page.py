"""Swagger UI at /docs renders every route in a browser with no internet."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def test_swagger_ui_renders_the_api_offline(page: Page, live_server: str) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server}/docs")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible(timeout=15_000)
    summaries = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/sessions" in summaries
    assert "/api/sessions/{session_id}/train" in summaries or any(
        s.endswith("/train") for s in summaries
    )
    assert operations.count() >= 12
    assert errors == []
