"""The workshop app in a real browser, offline: it loads, steps, takes a lever, compares.

Each test opens a fresh page (a fresh session) on one server for the module, with every
request off this computer aborted, and saves a screenshot (the folder is printed).
"""

from __future__ import annotations

import os
import statistics
import time

import pytest

pytestmark = pytest.mark.e2e

#: Longest a single step may take to redraw in the browser (issue 6: under 0.5 s).
REDRAW_BUDGET_S = 0.5


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
    return page.locator(".hs-charts img, img.hs-charts").first.get_attribute("src") or ""


def headline(page, run: int = 0) -> str:
    return page.locator(".hs-network").nth(run).locator("xpath=..").inner_text()


def click_button(page, label: str) -> None:
    page.get_by_role("button", name=label).first.click()


def wait_month(page, m: int) -> None:
    page.wait_for_selector(f".hs-month span[data-month='{m}']")


def test_loads_offline_with_the_network_and_controls(offline_page, app_server, shots):
    page, offline = offline_page
    open_app(page, app_server)
    assert month(page) == 0, "a new session should start at month 0"
    trusts = page.locator(".hs-network").first.locator("g[data-kind=trust]")
    assert trusts.count() == 6, "the baseline economy has six trusts"
    for kind in ("commissioner", "social_care"):
        assert page.locator(f".hs-network g[data-kind={kind}]").count() == 1, f"{kind} drawn"
    for label in ("▶ Play", "Step a month", "Step a year", "Reset"):
        assert page.get_by_role("button", name=label).count() >= 1, f"button {label!r} shown"
    assert page.get_by_text("Start from a preset").count() >= 1, "preset picker shown"
    assert page.get_by_text("Blame: 0 none, 1 name and shame").count() >= 1, "levers shown"
    page.screenshot(path=shots / "01-loaded.png", full_page=True)
    assert offline.blocked == [], f"the page asked the internet for {offline.blocked}"
    assert offline.failed == [], f"requests failed: {offline.failed}"


def test_step_advances_the_month_and_changes_the_network(offline_page, app_server, shots):
    page, offline = offline_page
    open_app(page, app_server)
    before, src = network_state(page), chart_src(page)
    click_button(page, "Step a month")
    wait_month(page, 1)
    assert "Month 1 (April 2013)" in page.locator(".hs-month").inner_text()
    assert network_state(page) != before, "one month on, the trusts' state should change"

    # The redraw of one step: from the click until the month, the network and the
    # charts have all been redrawn for the new month.
    times = []
    for m in range(2, 8):
        src = chart_src(page)
        t0 = time.perf_counter()
        click_button(page, "Step a month")
        page.wait_for_function(
            """([m, src]) => {
                const label = document.querySelector('.hs-month span[data-month]');
                const net = document.querySelector('.hs-network');
                const img = document.querySelector('.hs-charts img, img.hs-charts');
                return label && label.dataset.month == m && net && net.dataset.month == m
                    && img && img.getAttribute('src') !== src;
            }""",
            arg=[m, src],
        )
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
    click_button(page, "Step a year")
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
    click_button(page, "Step a year")
    wait_month(page, 12)
    as_preset = headline(page)

    lever = page.locator(".hs-lever").filter(has_text="NHS funding growth")
    lever.locator("[role=slider]").first.focus()
    lever.locator("[role=slider]").first.press("End")
    page.wait_for_selector("text=+50.0% a year")
    assert month(page) == 12, "a lever moved mid-run applies to the next run, not this one"
    assert page.get_by_text("press Reset to start a new run").count() == 1

    click_button(page, "Reset with new settings")
    wait_month(page, 0)
    click_button(page, "Step a year")
    wait_month(page, 12)
    page.screenshot(path=shots / "03-lever.png", full_page=True)
    assert headline(page) != as_preset, "funding growth of 50% a year should change the run"
    assert "(+1 change)" in page.locator(".hs-run-name").first.inner_text()
    assert offline.blocked == [] and offline.failed == []


def test_side_by_side_steps_both_regimes_together(offline_page, app_server, shots):
    page, offline = offline_page
    open_app(page, app_server)
    page.get_by_text("Two regimes side by side (same luck)").click()
    page.wait_for_function("document.querySelectorAll('.hs-network').length == 2")
    names = page.locator(".hs-run-name").all_inner_texts()
    assert names[0].startswith("A: ") and names[1].startswith("B: "), names
    assert names[0] != names[1], "the two runs should be different regimes"
    click_button(page, "Step a year")
    wait_month(page, 12)
    page.wait_for_function(
        "[...document.querySelectorAll('.hs-network')].every(n => n.dataset.month == 12)"
    )
    assert network_state(page, 0) != network_state(page, 1), "two regimes, two networks"
    page.get_by_role("button", name="Run B").click()
    page.wait_for_selector(".v-select:has-text('Board-supported regime')")
    assert page.locator(".hs-lever").count() > 10, "run B has its own levers"
    page.screenshot(path=shots / "04-side-by-side.png", full_page=True)
    assert offline.blocked == [] and offline.failed == []
