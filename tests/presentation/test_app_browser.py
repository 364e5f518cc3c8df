"""The dashboard in a real browser: headless Chromium (Debian's) driven by Playwright.

Starts `crmsim app` on a free loopback port, steps the model to week 10, checks the network and
the charts are drawn, the week counter moved and no framework default shows, changes a lever
mid-run and applies it from the next week, resets, and checks week 0 with the lever's value.
Needs Debian's chromium (`make test` installs it as root). Without it the test is skipped
locally, never under CI (CI=true), where it must run.
"""

from __future__ import annotations

import pytest
from browser_helpers import CHROMIUM, FLAGS, free_port, require_browser, start, stop


@pytest.fixture
def dashboard(tmp_path):
    require_browser()
    port = free_port()
    server = start(["app", "global_giant_telco", "--host", "127.0.0.1", "--port", str(port)], tmp_path / "server.log")
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop(server)


def test_dashboard_steps_draws_changes_a_lever_and_resets(dashboard, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1600, "height": 1400})
        try:
            page.goto(dashboard, timeout=120_000)
            expect(page.get_by_role("heading", name="Week 0")).to_be_visible(timeout=120_000)
            step = page.get_by_role("button", name="Step", exact=True)
            for week in range(1, 11):
                step.click()
                expect(page.get_by_role("heading", name=f"Week {week}", exact=True)).to_be_visible(timeout=60_000)
            expect(page.get_by_role("heading", name="Week 10")).to_be_visible(timeout=60_000)
            expect(page.get_by_text("integration: partial", exact=False)).to_be_visible()
            # the network and the charts are drawn, with their legends in words
            expect(page.get_by_role("img", name="the network").first).to_be_visible(timeout=60_000)
            expect(page.get_by_role("img", name="Sales reps")).to_be_visible()
            expect(page.get_by_role("img", name="Data quality and trust")).to_be_visible()
            expect(page.get_by_text("game / go around").first).to_be_visible()
            expect(page.get_by_text("What happened")).to_be_visible()
            # every lever in words, with its value and its dotted key; no framework default
            expect(page.get_by_text("Sanctions for detected gaming: 0", exact=False)).to_be_visible()
            expect(page.get_by_text("policy.sanctions", exact=True)).to_be_visible()
            text = page.locator("body").inner_text()
            for default in ("PAGE 0", "Play Interval", "Render Interval", "runs on Solara"):
                assert default.lower() not in text.lower(), default
            page.screenshot(path=str(tmp_path / "dashboard_week10.png"), full_page=True)

            # change a lever mid-run: the page says it is set, not yet in the run; Change course
            # applies it from the next week, and the log says so
            page.get_by_role("button", name="full", exact=True).click()
            expect(page.get_by_text("Integration with the operational systems: full")).to_be_visible()
            expect(page.get_by_text("Set, not yet in the run:", exact=False)).to_be_visible(timeout=30_000)
            expect(page.get_by_text("integration: partial", exact=False)).to_be_visible()
            page.get_by_role("button", name="Change course from week 11", exact=True).click()
            expect(page.get_by_text("integration: full", exact=False)).to_be_visible(timeout=30_000)
            expect(page.get_by_text("Set, not yet in the run:", exact=False)).to_have_count(0)
            step.click()
            expect(page.get_by_role("heading", name="Week 11", exact=True)).to_be_visible(timeout=60_000)
            told = "week 11: The policy changes: integration with the operational systems: full."  # in words
            expect(page.get_by_text(told)).to_be_visible()
            page.screenshot(path=str(tmp_path / "dashboard_change_course.png"), full_page=True)

            # a person the log names is found by their number, explained and ringed on the network
            page.get_by_label("or type the number the log names them by, then Enter").fill("sales rep 31")
            page.keyboard.press("Enter")
            expect(page.get_by_role("heading", name="sales rep 31", exact=True)).to_be_visible(timeout=30_000)
            page.get_by_label("or type the number the log names them by, then Enter").fill("99999")
            page.keyboard.press("Enter")
            expect(page.get_by_text("No person numbered '99999' here.")).to_be_visible(timeout=30_000)

            # then reset: a new model at week 0 with the lever's value
            page.get_by_role("button", name="Reset", exact=True).click()
            expect(page.get_by_role("heading", name="Week 0")).to_be_visible(timeout=60_000)
            expect(page.get_by_text("integration: full", exact=False)).to_be_visible(timeout=60_000)
            page.screenshot(path=str(tmp_path / "dashboard_reset.png"), full_page=True)
        except Exception:
            page.screenshot(path=str(tmp_path / "dashboard_failure.png"), full_page=True)
            raise
        finally:
            browser.close()
    assert (tmp_path / "dashboard_week10.png").stat().st_size > 10_000
