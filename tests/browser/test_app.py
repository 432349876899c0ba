"""The workshop app in a real browser, offline: it loads, steps, takes a lever, compares.

The app is Mesa's SolaraViz driving a HealthEconomy: Reset, play and Step are its
controller's buttons, the levers its parameter sidebar. Each test opens a fresh page (a
fresh session, so a fresh model) on one server for the module, with every request off
this computer aborted, and saves a screenshot (the folder is printed).
"""

from __future__ import annotations

import os
import statistics
import time

import pytest

from healthsim.app.levers import LEVERS

pytestmark = pytest.mark.e2e

#: Longest a single step may take to redraw in the browser (issue 6: under 0.5 s).
REDRAW_BUDGET_S = 0.5

#: Every view of the month redrawn: the month, each network and the charts.
REDRAWN = """([m, src, n]) => {
    const label = document.querySelector('.hs-month span[data-month]');
    const nets = [...document.querySelectorAll('.hs-network')];
    const img = document.querySelector('img.hs-charts, .hs-charts img');
    return label && label.dataset.month == m && nets.length == n
        && nets.every(net => net.dataset.month == m)
        && img && img.getAttribute('src') !== src;
}"""


def open_app(page, app_server) -> None:
    page.goto(app_server.url)
    page.wait_for_selector(".hs-network svg g[data-kind=trust]")
    page.wait_for_selector("img.hs-charts, .hs-charts img")


def month(page) -> int:
    return int(page.locator(".hs-month span[data-month]").first.get_attribute("data-month"))


def network_state(page, run: int = 0) -> list[tuple]:
    """Every trust's drawn colour, size and hover text in one run's network."""
    net = page.locator(".hs-network").nth(run)
    return net.locator("g[data-kind=trust]").evaluate_all(
        "els => els.map(e => [e.dataset.fill, e.dataset.r, e.querySelector('title').textContent])"
    )


def chart_src(page) -> str:
    return page.locator("img.hs-charts, .hs-charts img").first.get_attribute("src") or ""


def headline(page) -> str:
    return page.locator(".hs-headline").inner_text()


def click(page, label: str) -> None:
    """Click a button by its exact label (SolaraViz's Reset, ▶ and Step among them)."""
    page.get_by_role("button", name=label, exact=True).click()


def wait_month(page, m: int) -> None:
    page.wait_for_selector(f".hs-month span[data-month='{m}']")


def lever(page, label: str):
    """One of SolaraViz's parameter inputs in the sidebar, by its label."""
    return page.locator(".v-navigation-drawer .v-input").filter(has_text=label).first


def test_loads_offline_with_the_network_and_controls(offline_page, app_server, shots):
    page, offline = offline_page
    open_app(page, app_server)
    assert month(page) == 0, "a new session should start at month 0"
    trusts = page.locator(".hs-network").first.locator("g[data-kind=trust]")
    assert trusts.count() == 6, "the baseline economy has six trusts"
    for kind in ("commissioner", "social_care"):
        assert page.locator(f".hs-network g[data-kind={kind}]").count() == 1, f"{kind} drawn"
    for label in ("Reset", "▶", "Step"):  # Mesa's controller
        assert page.get_by_role("button", name=label, exact=True).is_visible(), label
    assert page.locator(".v-card__title", has_text="Settings for the next run").is_visible()
    for wording in ("Controls", "Model Parameters", "This website runs on"):
        assert not page.get_by_text(wording).first.is_visible(), f"{wording!r} shown"
    assert lever(page, "Start from a preset").is_visible(), "preset picker shown"
    assert lever(page, "Blame: 0 none, 1 name and shame: 0.50").is_visible(), "levers shown"
    assert lever(page, "NHS funding growth, real, a year: +1.0% a year").is_visible()
    assert page.locator(".hs-pending").count() == 0, "nothing to reset yet"
    # Mesa's modellers' controls are not shown: the app sets speed and step
    for hidden in ("Play Interval (ms)", "Render Interval (steps)", "Use Threads", "Page 0"):
        assert not page.get_by_text(hidden, exact=True).is_visible(), f"{hidden!r} shown"
    assert not lever(page, "Cost of one inspection").is_visible(), "rarely used: hidden"
    page.get_by_text(f"Show all {len(LEVERS)} levers").click()
    lever(page, "Cost of one inspection").wait_for(state="visible")
    page.screenshot(path=shots / "01-loaded.png", full_page=True)
    assert offline.blocked == [], f"the page asked the internet for {offline.blocked}"
    assert offline.failed == [], f"requests failed: {offline.failed}"


def test_step_advances_the_month_and_changes_the_network(offline_page, app_server, shots):
    page, offline = offline_page
    open_app(page, app_server)
    before = network_state(page)
    click(page, "Step")
    wait_month(page, 1)
    assert "Month 1 (April 2013)" in page.locator(".hs-month").inner_text()
    assert network_state(page) != before, "one month on, the trusts' state should change"

    # The redraw of one step: from the click until the month, the network and the
    # charts have all been redrawn for the new month.
    times = []
    for m in range(2, 8):
        src = chart_src(page)
        t0 = time.perf_counter()
        click(page, "Step")
        page.wait_for_function(REDRAWN, arg=[m, src, 1])
        times.append(time.perf_counter() - t0)
    load = os.getloadavg()[0]
    print(
        f"\nredraw of one step (s): {', '.join(f'{t:.3f}' for t in times)} "
        f"(median {statistics.median(times):.3f}; load average {load:.1f})"
    )
    if load <= (os.cpu_count() or 1):
        assert statistics.median(times) < REDRAW_BUDGET_S, f"median redraw {times} over budget"
    else:  # a machine busy with other work: the best case still has to make it
        assert min(times) < REDRAW_BUDGET_S, f"no redraw {times} within budget"

    before = network_state(page)
    click(page, "a year")
    click(page, "Step")
    wait_month(page, 19)
    assert network_state(page) != before, "a year on, the network should look different"

    trust = page.locator(".hs-network").first.locator("g[data-kind=trust]").nth(2)
    assert "Ladder:" in trust.locator("title").text_content(), "hover text gives the state"
    trust.click()
    page.wait_for_selector("table.hs-trust")
    assert "True quality" in page.locator("table.hs-trust").inner_text()
    page.screenshot(path=shots / "02-stepped.png", full_page=True)
    assert offline.blocked == [] and offline.failed == []


def test_moving_a_lever_changes_the_next_run(offline_page, app_server, shots):
    page, offline = offline_page
    open_app(page, app_server)
    click(page, "a year")
    click(page, "Step")
    wait_month(page, 12)
    as_preset = headline(page)

    slider = lever(page, "Growth in need for care a year").locator("[role=slider]")
    slider.focus()
    slider.press("End")
    page.wait_for_selector("text=+50.0% a year (preset +3.5% a year)")
    assert "Growth in need for care a year" in page.locator(".hs-pending").inner_text()
    assert month(page) == 12, "a lever moved mid-run applies to the next run, not this one"

    click(page, "Reset")  # SolaraViz rebuilds the model from its parameters
    wait_month(page, 0)
    assert "(+1 change)" in page.locator(".hs-run-name").first.inner_text()
    assert page.locator(".hs-pending").count() == 0, "the new run has every setting"
    click(page, "Step")
    wait_month(page, 12)
    page.screenshot(path=shots / "03-lever.png", full_page=True)
    assert headline(page) != as_preset, "need for care growing 50% a year changes the run"

    # A preset picked sets every lever to its values; Reset starts it.
    lever(page, "Start from a preset").locator(".v-select__slot").click()
    page.get_by_role("option", name="Blame-focused regime").click()
    lever(page, "Blame: 0 none, 1 name and shame: 0.90").wait_for()
    assert lever(page, "Growth in need for care a year: +3.5% a year").is_visible()
    assert "the preset (Blame-focused regime)" in page.locator(".hs-pending").inner_text()
    assert month(page) == 12, "the run carries on until Reset"
    click(page, "Reset")
    wait_month(page, 0)
    assert page.locator(".hs-run-name").first.inner_text() == "Blame-focused regime"
    assert offline.blocked == [] and offline.failed == []


def test_side_by_side_steps_both_regimes_together(offline_page, app_server, shots):
    page, offline = offline_page
    open_app(page, app_server)
    page.locator(".hs-compare").get_by_text("Side by side").click()
    page.wait_for_function("document.querySelectorAll('.hs-network').length == 2")
    names = page.locator(".hs-run-name").all_inner_texts()
    assert names[0].startswith("A: ") and names[1] == "B: Board-supported regime", names
    src = chart_src(page)
    click(page, "a year")
    click(page, "Step")
    page.wait_for_function(REDRAWN, arg=[12, src, 2])
    assert network_state(page, 0) != network_state(page, 1), "two regimes, two networks"
    assert page.locator(".hs-headline .hs-num").count() == 14, "numbers for A and B"

    page.locator(".hs-run-b .v-select").click()
    page.get_by_role("option", name="Whole-system regime").click()
    page.wait_for_function(
        "document.querySelectorAll('.hs-run-name')[1].innerText == 'B: Whole-system regime'"
    )
    assert page.locator(".hs-network").nth(1).get_attribute("data-month") == "12", (
        "a new regime B is run up to A's month"
    )
    page.screenshot(path=shots / "04-side-by-side.png", full_page=True)
    assert offline.blocked == [] and offline.failed == []
