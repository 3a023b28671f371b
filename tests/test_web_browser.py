"""The explorer in a real browser: Debian's chromium driven by Playwright against a uvicorn server on 127.0.0.1.

Every page must load with no console error and no request leaving the server; screenshots of each page
are kept under out/test-artifacts/web/ (git-ignored).
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
    pytest.mark.slow,
]

ARTIFACTS = Path(__file__).resolve().parents[1] / "out" / "test-artifacts" / "web"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The explorer on a free port of 127.0.0.1, with a small runs registry; its base URL."""
    import uvicorn

    from scalinglab.web import Settings, create_app
    from test_web_api import make_registry

    registry = tmp_path_factory.mktemp("registry") / "runs.db"
    make_registry(registry)
    port = _free_port()
    config = uvicorn.Config(create_app(Settings(registry=registry)), host="127.0.0.1", port=port, log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not instance.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield launched
        launched.close()


class Watched:
    """A page whose console errors, page errors, dialogs and off-server requests are recorded."""

    def __init__(self, browser, base: str, tmp_path: Path):
        self.base = base
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("dialog", lambda d: (self.problems.append(f"dialog: {d.message}"), d.dismiss()))
        self.page.on("request", self._request)

    def _request(self, request) -> None:
        if not request.url.startswith((self.base + "/", "data:", "blob:")):
            self.problems.append(f"external request: {request.url}")

    def open(self, path: str):
        self.page.goto(self.base + path)
        self.page.wait_for_selector("body[data-ready='1']", state="attached", timeout=30_000)
        return self.page

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def watched(browser, server, tmp_path):
    session = Watched(browser, server, tmp_path)
    yield session
    session.context.close()
    assert session.problems == []


def _rendered(page, selector: str, at_least: int = 1) -> None:
    page.wait_for_function(f"Number(document.querySelector({selector!r})?.dataset.rendered || 0) >= {at_least}",
                           timeout=30_000)


@pytest.mark.parametrize("name, chart", [
    ("plan", "#plan-chart"), ("cost", "#cluster-chart"), ("fit", None), ("forecast", "#forecast-chart"),
    ("sweeps", "#sweep-chart"), ("laws", None),
])
def test_each_page_loads_with_no_error_and_no_external_request(watched, name, chart):
    page = watched.open(f"/{name}")
    if chart:
        _rendered(page, chart)
        assert page.locator(f"{chart} svg").count() >= 1
    assert page.locator("#stamp").inner_text().startswith("scalinglab ")
    page.locator(".copy pre").nth(1).wait_for(timeout=30_000)  # the Cost page's copy boxes arrive from the server
    assert page.locator(".copy pre").count() == 2
    watched.shot(name)
    if name in ("plan", "cost", "forecast", "laws"):  # the copied command and Python run as shown
        cli, python = (page.locator(".copy pre").nth(i).inner_text() for i in (0, 1))
        _runs(cli, python)


def test_cost_page_takes_the_goodput(watched):
    page = watched.open("/cost?goodput=0.9")
    page.wait_for_function("document.querySelector('#cost-result')?.innerText.includes('goodput')", timeout=30_000)
    assert "90.0%" in page.locator("#cost-result").inner_text()
    cli, python = (page.locator(".copy pre").nth(i).inner_text() for i in (0, 1))
    assert "--goodput 0.9" in cli and "goodput=" in python
    _runs(cli, python)


def _runs(cli: str, python: str) -> None:
    import contextlib
    import io
    import shlex

    from scalinglab.cli.app import main

    for line in cli.splitlines():
        args = shlex.split(line)
        assert args[0] == "scalinglab"
        with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.redirect_stderr(io.StringIO()) as err:
            main(args[1:])
        assert out.getvalue().strip()
        assert "note:" not in err.getvalue(), (line, err.getvalue())  # no renamed flag or name in what we show
    namespace: dict = {}
    exec(compile(python, "<copied Python>", "exec"), namespace)  # noqa: S102 - the page's own text
    assert "sl" in namespace


def test_a_budget_change_redraws_and_a_permalink_reloads_the_same_state(watched, browser, server, tmp_path):
    page = watched.open("/plan")
    _rendered(page, "#plan-chart")
    assert "At C = 5.76e23 FLOP" in page.locator("#plan-table").inner_text()
    page.fill("#budget", "1e25")
    page.dispatch_event("#budget", "change")
    _rendered(page, "#plan-chart", 2)
    page.wait_for_function("document.querySelector('#plan-table').innerText.includes('At C = 1.00e25 FLOP')")
    page.check("input[value='kaplan2020']")
    page.wait_for_function("location.search.includes('kaplan2020')")
    page.wait_for_function("document.querySelector('#plan-table').innerText.includes('kaplan2020')")
    table, url = page.locator("#plan-table").inner_text(), page.url
    assert "compute=1e25" in url
    again = Watched(browser, server, tmp_path)
    try:
        copy = again.open(url[len(server):])
        _rendered(copy, "#plan-chart")
        copy.wait_for_function("document.querySelector('#plan-table').innerText.includes('kaplan2020')")
        assert copy.input_value("#budget") == "1e25"
        assert copy.is_checked("input[value='kaplan2020']") and copy.is_checked("input[value='besiroglu2024']")
        assert copy.locator("#plan-table").inner_text() == table
        assert again.problems == []
    finally:
        again.context.close()


def test_an_uploaded_csv_fits_and_its_fit_appears_on_the_plan_page(watched, tmp_path):
    from scalinglab.datasets import read_bundled

    runs = read_bundled("chinchilla-runs").rename(columns={"Model Size": "N", "Training FLOP": "C"})
    path = tmp_path / "my-runs.csv"
    runs[["N", "C", "loss"]].to_csv(path, index=False)
    page = watched.open("/fit")
    page.set_input_files("#file", str(path))
    page.fill("#bootstrap", "40")
    page.click("#fit-button")
    page.wait_for_selector("#use-on-plan", timeout=60_000)
    assert "chinchilla law fitted to 245 runs of my-runs.csv" in page.locator("#fit-result").inner_text()
    _rendered(page, "#fit-chart")
    watched.shot("fit-result")
    page.click("#use-on-plan")
    page.wait_for_url("**/plan?*")
    page.wait_for_selector("body[data-ready='1']", state="attached")
    page.wait_for_function("document.querySelector('#plan-table')?.innerText.includes('fit: my-runs.csv (chinchilla)')",
                           timeout=30_000)
    _rendered(page, "#plan-chart")
    watched.shot("plan-with-fit")


def test_a_bad_upload_shows_the_one_line_error_as_text(watched, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("N,<img src=x onerror=window.__xss=1>,loss\n1e8,2e9,2.5\n2e8,abc,2.4\n")
    page = watched.open("/fit")
    page.set_input_files("#file", str(path))
    page.fill("#bootstrap", "0")
    page.click("#fit-button")
    page.wait_for_function("document.querySelector('#error').innerText.length > 0", timeout=30_000)
    message = page.locator("#error").inner_text()
    assert message.startswith("bad.csv: ") and "\n" not in message.strip()
    assert "<img src=x onerror=window.__xss=1>" in message
    assert page.evaluate("window.__xss") is None and page.locator("#main img").count() == 0
    watched.shot("fit-bad-upload")


def test_the_exported_scenario_reimports_identically(watched, tmp_path):
    page = watched.open("/forecast?samples=2000")
    _rendered(page, "#forecast-chart")
    edited = page.input_value("#yaml").replace("name: scaling-picture", "name: my-<script>scenario",
                                               1).replace('rate: "4.1x/yr"', 'rate: "3x/yr"', 1)
    page.fill("#yaml", edited)
    page.click("#run")
    page.wait_for_function("document.querySelector('#forecast-result').innerText.includes('my-<script>scenario')")
    _rendered(page, "#forecast-chart", 2)
    milestones = page.locator("#forecast-result").inner_text()
    with page.expect_download() as download_info:
        page.click("#export")
    exported = tmp_path / "exported.yaml"
    download_info.value.save_as(exported)
    assert exported.read_text() == edited
    # a fresh page, the preset loaded, then the exported file imported
    fresh = watched.open("/forecast?samples=2000")
    _rendered(fresh, "#forecast-chart")
    fresh.set_input_files("#import", str(exported))
    fresh.wait_for_function("document.querySelector('#forecast-result').innerText.includes('my-<script>scenario')")
    assert fresh.input_value("#yaml") == edited
    assert fresh.locator("#forecast-result").inner_text() == milestones
    assert "yaml=" in fresh.url
    watched.shot("forecast-imported")


def test_a_fit_permalink_runs_the_same_fit_again(watched):
    page = watched.open("/fit?dataset=chinchilla-runs&law=chinchilla&bootstrap=10&seed=3&drop_highest_loss=5&run=fit")
    page.wait_for_selector("#use-on-plan", timeout=60_000)
    text = page.locator("#fit-result").inner_text()
    assert "fitted to 240 runs of chinchilla-runs" in text and "run=fit" in page.url
    assert page.input_value("#seed") == "3" and page.input_value("#bootstrap") == "10"


def test_the_fit_page_lists_every_job_and_cancels_one(watched, server):
    import httpx

    other = httpx.post(server + "/api/v1/fit/jobs", timeout=30,  # started elsewhere (another tab, a script)
                       data={"dataset": "chinchilla-runs", "estimator": "hoffmann", "bootstrap": "2000"}).json()
    try:
        page = watched.open("/fit")
        row = page.locator(f"#jobs tr[data-job='{other['id']}']")
        row.wait_for(timeout=30_000)
        assert row.locator(".job-status").inner_text() == "running"
        assert "fit" in row.inner_text() and "%" in row.inner_text()
        watched.shot("fit-jobs")
        row.locator("button.job-cancel").click()
        page.wait_for_function(f"document.querySelector(\"#jobs tr[data-job='{other['id']}'] .job-status\")"
                               f"?.innerText === 'cancelled'", timeout=30_000)
        assert row.locator("button.job-cancel").count() == 0
        assert httpx.get(f"{server}/api/v1/fit/jobs/{other['id']}", timeout=30).json()["status"] == "cancelled"
    finally:
        httpx.delete(f"{server}/api/v1/fit/jobs/{other['id']}", timeout=30)


def test_a_page_on_another_origin_cannot_start_a_fit(browser, server):
    """A cross-site multipart form post (what a malicious page can make the browser send) is refused
    with 403 and starts nothing."""
    import httpx

    before = len(httpx.get(server + "/api/v1/fit/jobs", timeout=30).json())
    attack = f"""<!doctype html><form id=f method=post enctype=multipart/form-data
        action="{server}/api/v1/fit/jobs"><input name=dataset value=chinchilla-runs>
        <input name=bootstrap value=2000></form><script>document.getElementById('f').submit()</script>"""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.route("http://attacker.test/", lambda route: route.fulfill(body=attack, content_type="text/html"))
        with page.expect_response(f"{server}/api/v1/fit/jobs") as answer:
            page.goto("http://attacker.test/")
        assert answer.value.status == 403
        assert answer.value.request.headers.get("origin") == "http://attacker.test"
    finally:
        context.close()
    assert len(httpx.get(server + "/api/v1/fit/jobs", timeout=30).json()) == before


PAGE_CHARTS = {"plan": "#plan-chart", "cost": "#cluster-chart", "fit": None, "forecast": "#forecast-chart",
               "sweeps": "#sweep-chart", "laws": None}


@pytest.mark.parametrize("width", [1440, 1024, 390])
def test_no_page_overflows_the_screen_and_charts_fit_their_box(browser, server, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        for name, chart in PAGE_CHARTS.items():
            page.goto(f"{server}/{name}")
            page.wait_for_selector("body[data-ready='1']", state="attached", timeout=30_000)
            if chart:
                _rendered(page, chart)
                box = page.evaluate(f"document.querySelector('{chart}').clientWidth")
                drawn = page.evaluate(f"Math.max(...[...document.querySelectorAll('{chart} svg')].map((s) => s.getBoundingClientRect().width))")
                # on a phone the forecast's milestone heatmap keeps its labels and scrolls inside its own box
                assert drawn <= box + 1 or (width < 500 and name == "forecast"), \
                    f"{name} at {width} px: chart {drawn:.0f} px in a {box} px box"
            scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert scroll <= inner, f"{name} at {width} px: the page is {scroll} px wide"
            page.screenshot(path=str(_artifact(f"{name}-{width}px.png")), full_page=True)
    finally:
        context.close()


def _artifact(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name


def test_a_chart_redraws_to_the_new_width_when_the_window_narrows(watched):
    page = watched.open("/plan")
    _rendered(page, "#plan-chart")
    wide = page.evaluate("document.querySelector('#plan-chart svg').getBoundingClientRect().width")
    page.set_viewport_size({"width": 600, "height": 900})
    _rendered(page, "#plan-chart", 2)
    narrow = page.evaluate("document.querySelector('#plan-chart svg').getBoundingClientRect().width")
    assert narrow < wide and narrow <= page.evaluate("document.querySelector('#plan-chart').clientWidth") + 1


def test_a_fit_planned_far_beyond_its_runs_shows_the_cli_warning_and_ratios_in_significant_digits(watched, server):
    import base64
    import json

    import httpx

    fit = httpx.post(server + "/api/v1/fit", data={"dataset": "chinchilla-runs"}, timeout=60).json()
    carried = [{"name": "fit: chinchilla-runs (chinchilla)", "file": "fit.json", "law": fit["law"],
                "fitted_range": fit["data"]["fitted_range"]}]
    token = base64.urlsafe_b64encode(json.dumps(carried).encode()).decode().rstrip("=")
    page = watched.open(f"/plan?compute=1e27&laws=hoffmann2022&fits={token}")
    page.wait_for_function("document.querySelector('#plan-table')?.innerText.includes('fit: chinchilla-runs')",
                           timeout=30_000)
    text = page.locator("#plan-table").inner_text()
    assert "warning: fit: chinchilla-runs (chinchilla): N (parameters) = 8.01e+12 is 495x beyond the largest N" in text
    assert "C (FLOP) = 1e+27 is 7.72e+04x beyond the largest C" in text
    ratios = [row.split("\t")[3] for row in text.splitlines() if row.startswith(("fit:", "hoffmann2022"))]
    assert ratios == ["191", "2.6"]  # D/N to 3 significant digits, as `scalinglab plan --compute 1e27` prints them


def test_the_fit_page_filters_rows_and_shows_the_clis_notes_and_a_complete_copy(watched, tmp_path, monkeypatch):
    from urllib.parse import quote

    where = "`Model Size` < 3e9"
    page = watched.open(f"/fit?dataset=chinchilla-runs&bootstrap=0&objective=squares&holdout_above=1e21"
                        f"&duplicates=min&where={quote(where)}&run=fit")
    page.wait_for_selector("#use-on-plan", timeout=60_000)
    text = page.locator("#fit-result").inner_text()
    assert "fitted to 221 runs of chinchilla-runs" in text  # `scalinglab fit chinchilla-runs --where ...` keeps 221 of 245
    assert "note: D = C / (6 N): no token column, tokens derived from 'Training FLOP'" in text
    assert "warning: " in text and "rows kept" in text
    cli, python = (page.locator(".copy pre").nth(i).inner_text() for i in (0, 1))
    for words in (("--where", "--duplicates min", "--objective squares", "--holdout-above 1e21"),
                  ("where=", "duplicates='min'", "objective='squares'", "holdout_above='1e21'")):
        assert all(w in (cli if words[0] == "--where" else python) for w in words), (cli, python)
    monkeypatch.chdir(tmp_path)  # both save fit.json
    _runs(cli.replace(" --save fit.json", ""), python)


def test_the_budget_is_spent_at_the_mfu_typed_above_it_and_notes_are_shown(watched):
    import scalinglab as sl

    page = watched.open("/cost?mfu=0.2&dollars=10M")
    page.wait_for_function("document.querySelector('#budget-result')?.innerText.includes('note:')", timeout=30_000)
    flops = sl.budget(dollars="10M", gpu="h100-sxm", mfu=0.2).to_dict()["flops"]
    assert f"{flops:.2e}".replace("e+", "e") in page.locator("#budget-result").inner_text()
    assert "note: goodput not given" in page.locator("#cost-result").inner_text()


def test_what_to_train_next_ranks_the_runs_the_cli_ranks_and_its_permalink_asks_again(watched):
    import scalinglab as sl

    page = watched.open("/fit?dataset=chinchilla-runs&suggest_budget=1e20&suggest_k=3")
    page.click("#suggest-button")
    page.wait_for_selector("#suggest-result table", timeout=60_000)
    expected = sl.suggest("chinchilla-runs", "chinchilla", grid="N=10M..1B:12,D=1B..100B:12", target="C=1e22..1e24",
                          budget="1e20", k=3).to_dict()
    rows = [row.split("\t") for row in page.locator("#suggest-result tbody").inner_text().splitlines()]
    sci = lambda value: re.sub(r"e\+?(-?)0*(\d)", r"e\1\2", f"{value:.2e}")  # noqa: E731 - the page's sci(): 2.75e-5
    assert [[r[0], r[4], r[6]] for r in rows] == [[str(p["rank"]), sci(p["cost"]), sci(p["cumulative_cost"])]
                                                 for p in expected["picks"]]
    assert [r[5] for r in rows] == [sci(p["variance_reduction"]) for p in expected["picks"]]
    text = page.locator("#suggest-result").inner_text()
    assert "warning: A is not identified by the runs done" in text
    assert "note: D = C / (6 N): no token column, tokens derived from 'Training FLOP'" in text
    page.wait_for_function("location.search.includes('suggest=1')")
    cli, python = (page.locator("#suggest .copy pre").nth(i).inner_text() for i in (0, 1))
    assert "--budget 1e20 --k 3" in cli and "budget='1e20', k=3" in python
    _runs(cli, python)
    watched.shot("fit-suggest")
    again = watched.open(page.url[len(watched.base):])  # the permalink runs the same suggestion on load
    again.wait_for_selector("#suggest-result table", timeout=60_000)
    assert [row.split("\t") for row in again.locator("#suggest-result tbody").inner_text().splitlines()] == rows


def test_a_suggestion_with_a_budget_below_every_candidate_shows_the_one_line_error(watched):
    page = watched.open("/fit?dataset=chinchilla-runs&suggest_budget=1e10")
    page.click("#suggest-button")
    page.wait_for_function("document.querySelector('#suggest-error').innerText.length > 0", timeout=30_000)
    assert page.locator("#suggest-error").inner_text() == "budget 1e+10 is below the cheapest candidate's cost 6e+16"
    assert page.locator("#suggest-result table").count() == 0
    refused = [p for p in watched.problems if "status of 422" in p]  # the browser logs the 422 answer itself
    assert len(refused) == 1
    watched.problems.remove(refused[0])


def test_an_uploads_permalink_names_it_by_content_hash_and_reopens_on_it(watched, browser, server, tmp_path):
    import hashlib

    from scalinglab.datasets import read_bundled

    path = tmp_path / "my-runs.csv"
    read_bundled("chinchilla-runs").head(80).to_csv(path, index=False)
    key = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    page = watched.open("/fit")
    page.set_input_files("#file", str(path))
    page.wait_for_function(f"location.search.includes('upload={key}')", timeout=30_000)
    assert "dataset=" not in page.url
    page.fill("#bootstrap", "0")
    page.click("#fit-button")
    page.wait_for_selector("#use-on-plan", timeout=60_000)
    fitted = page.locator("#fit-result h2").first.inner_text()
    assert fitted == "chinchilla law fitted to 80 runs of my-runs.csv"
    page.wait_for_function("location.search.includes('run=fit')")
    again = Watched(browser, server, tmp_path)  # another browser profile: nothing of the file but the hash
    try:
        copy = again.open(page.url[len(server):])
        copy.wait_for_selector("#use-on-plan", timeout=60_000)
        assert copy.locator("#fit-result h2").first.inner_text() == fitted
        assert copy.input_value("#dataset") == "" and copy.locator("#upload-status").inner_text() == f"my-runs.csv ({key})"
        assert again.problems == []
    finally:
        again.context.close()


def test_a_permalink_whose_upload_has_gone_says_so_and_uses_no_other_table(watched):
    gone = "0123456789abcdef"
    page = watched.open(f"/fit?upload={gone}&bootstrap=0&run=fit&suggest=1")
    page.wait_for_function("document.querySelector('#error').innerText.length > 0", timeout=30_000)
    assert page.locator("#error").inner_text() == (f"the uploaded table {gone} is no longer on this server; "
                                                   f"upload it again")
    assert page.input_value("#dataset") == ""  # not chinchilla-runs
    page.wait_for_timeout(500)
    assert page.locator("#fit-result").inner_text() == "" and page.locator("#suggest-result table").count() == 0
    assert f"upload={gone}" in page.url  # reloading says the same again
    missing = [p for p in watched.problems if "status of 404" in p]  # the browser logs the 404 answer itself
    assert len(missing) == 1
    watched.problems.remove(missing[0])


@pytest.mark.parametrize("kind, button", [("fit", "#fit-button"), ("isoflop", "#isoflop-button")])
def test_one_analysis_per_group_is_the_clis_comparison_table(watched, kind, button):
    """The Fit page's group control gives the table `scalinglab fit|isoflop marin-isoflop --group-by dataset`
    prints: one row per dataset of the Marin ladder, and a copy that names --group-by."""
    import scalinglab as sl

    page = watched.open("/fit?dataset=marin-isoflop&bootstrap=0&group_by=dataset")
    page.click(button)
    page.wait_for_selector("#fit-result table", timeout=90_000)
    expected = (sl.fit("marin-isoflop", group_by="dataset") if kind == "fit"
                else sl.isoflop("marin-isoflop", group_by="dataset", bootstrap=0)).to_dict()
    rows = [row.split("\t") for row in page.locator("#fit-result tbody").inner_text().splitlines()]
    assert [r[0] for r in rows] == [" / ".join(g["group"].values()) for g in expected["groups"]]
    assert [int(r[1]) for r in rows] == [g["runs"] for g in expected["groups"]]
    assert "per dataset on marin-isoflop" in page.locator("#fit-result h2").first.inner_text()
    cli, python = (page.locator(".copy pre").nth(i).inner_text() for i in (0, 1))
    assert "--group-by dataset" in cli and 'group_by="dataset"' in python.replace("'", '"')
