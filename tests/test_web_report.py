"""The demo report as one offline, interactive file: summary, contents, charts drawn from inlined specs,
nothing fetched, user text escaped, and no horizontal overflow in a 1024-pixel-wide window."""

from __future__ import annotations

import os
import re

import pandas as pd
import pytest

from scalinglab.report.html import Section, render_report

CHROMIUM = "/usr/bin/chromium"


def _sections() -> list[Section]:
    from scalinglab.charts.plan import plan_curves_chart

    frame = pd.DataFrame([{"law": "a</script><b>x", "compute": c, "n_opt": c ** 0.5, "d_opt": c ** 0.5 / 6,
                           "tokens_per_param": 20.0, "loss": 2 + 1 / c ** 0.05} for c in (1e20, 1e22, 1e24)])
    wide = pd.DataFrame([{f"column {i}": f"{1234.5 * i:.1f} ({i}.0 to {i + 1}.0)" for i in range(14)}] * 3)
    runs = pd.DataFrame({"N": [2944, 282240], "loss": [2.51234, 2.4]})
    return [
        Section("Plans <script>alert(1)</script>", ["First sentence of the plans. Second sentence."],
                [("Runs", runs), ("A wide table", wide)], [plan_curves_chart(frame, budget=1e22)],
                summary="Headline: <b>not bold</b>."),
        Section("Second part", ["Only one sentence here"], [], []),
    ]


def test_report_opens_with_a_summary_and_contents_and_escapes_user_text():
    page = render_report(_sections(), title="t")
    assert page.index("Summary") < page.index("Contents") < page.index('<section id="plans-script-alert-1-script">')
    assert "Headline: &lt;b&gt;not bold&lt;/b&gt;." in page and "Only one sentence here" in page
    assert "<script>alert(1)</script>" not in page and "Plans &lt;script&gt;" in page
    # the chart spec is JSON inside a script element: no '</' can close it early
    spec = re.search(r'<script type="application/json" id="spec-0">(.*?)</script>', page, re.S).group(1)
    assert "</" not in spec and "a<\\/script><b>x" in spec
    assert '"bind":"scales"' in spec and '"symbolOpacity":1' in spec  # zoom and solid legends
    tables = " ".join(re.findall(r"<table.*?</table>", page, re.S))
    assert "2.94K" in tables and "282K" in tables and "2944" not in tables  # raw counts in the report's style
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing fetched


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing (apt-get install chromium)")
def test_report_draws_its_charts_offline_and_fits_1024_pixels(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    path = tmp_path / "report.html"
    path.write_text(render_report(_sections(), title="t"))
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1024, "height": 800})
        problems = []
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("dialog", lambda d: (problems.append(d.message), d.dismiss()))
        page.on("request", lambda r: r.url.startswith(("file:", "data:", "blob:")) or problems.append(r.url))
        page.goto(path.as_uri())
        page.wait_for_selector("#chart-0 svg", timeout=30_000)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1024
        assert page.evaluate("document.querySelector('#chart-0 svg').getBoundingClientRect().right") <= 1024
        point = page.locator("#chart-0 svg path[aria-roledescription='point']").first
        point.hover(force=True)
        page.wait_for_selector("#vg-tooltip-element.visible", timeout=10_000)  # tooltips work offline
        assert "C (FLOP)" in page.inner_text("#vg-tooltip-element")
        browser.close()
    assert problems == []
