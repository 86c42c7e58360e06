"""The incident pages in headless Chromium: an operator declares an incident, acknowledges it,
adds a note, sees it on the timeline, resolves it and reads the postmortem draft.

Reuses the running Warden (``running``) and browser settings of test_browser.py.
"""

from __future__ import annotations

import pytest

from tests.web import test_browser as base
from tests.web.conftest import PASSWORD
from warden.incidents.storage import IncidentRepository

pytestmark = base.pytestmark
running = base.running  # the fixture: a started App serving the web app on 127.0.0.1


async def test_declare_note_and_resolve_an_incident(
    running: base.Running, request: pytest.FixtureRequest
) -> None:
    from playwright.async_api import async_playwright, expect

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path="/usr/bin/chromium", args=base.CHROMIUM_ARGS
        )
        page = await browser.new_page()
        try:
            await page.goto(f"{running.url}/incidents")
            await page.fill("input[name=username]", "ops")
            await page.fill("input[name=password]", PASSWORD)
            await page.click("button[type=submit]")
            await expect(page).to_have_url(f"{running.url}/incidents")
            await expect(page.locator("#no-incidents")).to_have_text("No incidents.")

            await page.fill("#declare input[name=title]", "Checkout is failing")
            await page.select_option("#declare select[name=severity]", "critical")
            await page.fill("#declare input[name=monitors]", "shop-tcp")
            await page.click("#declare button[type=submit]")
            await expect(page.locator("#title")).to_have_text("Checkout is failing")
            await expect(page.locator("#status")).to_have_text("detected")
            await expect(page.locator("#affected-monitors")).to_have_text("shop-tcp")
            [made] = IncidentRepository(running.app.store.engine).list_incidents()
            assert made.title == "Checkout is failing"
            await expect(page).to_have_url(f"{running.url}/incidents/{made.id}")

            await page.click("#ack")
            await expect(page.locator("#status")).to_have_text("assessed")
            await expect(page.locator("#acked")).to_contain_text("ops at")
            # only forward moves are offered
            options = await page.locator("#next-status option").all_text_contents()
            assert options == ["communicated", "mitigated", "resolved"]

            await page.fill("#add-note textarea[name=text]", "rolled back the deploy")
            await page.click("#add-note button[type=submit]")
            note = page.locator('#timeline li[data-kind="note"]')
            await expect(note).to_contain_text("rolled back the deploy")
            await expect(note.locator(".author")).to_have_text("ops")

            await page.fill("#resolve input[name=note]", "fixed by the rollback")
            await page.click("#resolve button[type=submit]")
            await expect(page.locator("#status")).to_have_text("resolved")
            await expect(page.locator("#timeline li").last).to_contain_text(
                "→ resolved: fixed by the rollback"
            )
            await expect(page.locator("#resolve")).to_be_hidden()
            await expect(page.locator("#ack")).to_be_hidden()

            await page.click("#postmortem-show")
            await expect(page.locator("#postmortem")).to_contain_text(
                f"Postmortem: incident #{made.id}: Checkout is failing"
            )
            await expect(page.locator("#postmortem")).to_contain_text("Affected monitors: shop-tcp")

            await page.click('a[href="/incidents"]')
            await page.select_option("#incident-filters select[name=status]", "all")
            await page.click("#incident-filters button[type=submit]")
            row = page.locator(f'#incidents tr[data-incident="{made.id}"]')
            await expect(row).to_contain_text("resolved")
            await expect(row).to_contain_text("ops")
        except BaseException:
            base.ARTIFACTS.mkdir(exist_ok=True)
            shot = base.ARTIFACTS / f"{request.node.name}.png"
            await page.screenshot(path=str(shot), full_page=True)
            raise
        finally:
            await browser.close()
