"""The Fit page's own-law field: a formula typed in the browser fits, and the copied command says --formula."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
pytest.importorskip("playwright.sync_api")

from test_web_browser import browser, server, watched  # noqa: E402,F401  (the page fixtures)


def test_a_formula_typed_on_the_fit_page_fits_with_its_inputs(watched):
    page = watched.open("/fit?dataset=chinchilla-runs&bootstrap=0&drop_highest_loss=5")
    page.fill("#formula", "E + A/N^alpha + B/D^beta")
    page.fill("#variables", "N, D")
    page.dispatch_event("#variables", "change")
    page.wait_for_function("document.querySelector('.copy pre')?.innerText.includes(\"--formula 'E + A/N^alpha + "
                           "B/D^beta' --var N --var D\")", timeout=30_000)  # the server writes it from the form
    page.click("#fit-button")
    page.wait_for_function("document.querySelector('#fit-result').innerText.includes('formula law fitted to 240 runs')",
                           timeout=60_000)
    assert "0.3473" in page.locator("#fit-result").inner_text()  # alpha, as the built-in fit
    assert page.locator("#use-on-plan").count() == 0  # the Plan page plans built-in families only
    assert "scalinglab plan --law fit.json" in page.locator("#fit-result").inner_text()
