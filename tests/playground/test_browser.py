"""The page in a real headless browser (Debian's chromium through its chromedriver, never a downloaded one):
a person switches who they are, types /msi help, starts a rollout from the modal, and clicks a step card."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from playground.launcher import Playground

CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM = "/usr/bin/chromium"
WAIT_SECONDS = 15

pytestmark = pytest.mark.skipif(
    not (Path(CHROMEDRIVER).exists() and (Path(CHROMIUM).exists() or shutil.which("chromium"))),
    reason="chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)",
)


@pytest.fixture
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,860"):
        options.add_argument(argument)
    # The explicit driver path: Selenium Manager never looks for (or downloads) a driver of its own.
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(WAIT_SECONDS)
    yield driver
    driver.quit()


def test_a_person_starts_a_rollout_and_marks_the_first_step_done(
    browser: Any, playground: Playground
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as shown
    from selenium.webdriver.support.ui import Select, WebDriverWait

    wait = WebDriverWait(browser, WAIT_SECONDS)

    def visible(css: str) -> Any:
        return wait.until(shown.visibility_of_element_located((By.CSS_SELECTOR, css)))

    def message_saying(text: str) -> Any:
        xpath = f"//div[contains(@class,'message')][.//*[contains(normalize-space(.), '{text}')]]"
        return wait.until(shown.visibility_of_element_located((By.XPATH, xpath)))

    def tick(name: str, *values: str) -> None:
        for value in values:
            browser.find_element(By.CSS_SELECTOR, f"#modal input[name={name}][value={value}]").click()

    browser.get(playground.url + "/")
    Select(visible("#whoami")).select_by_value("UMKTO2")  # first as Maria, a Marketo admin
    wait.until(lambda _: "Maria Garcia" in browser.find_element(By.ID, "me-card").text)
    visible("#composer-text").send_keys("/msi help", Keys.ENTER)
    answer = message_saying("Only visible to you")
    assert "/msi start" in answer.text

    Select(browser.find_element(By.ID, "whoami")).select_by_value("UOWNER")  # then as the owner
    wait.until(lambda _: "Olivia Owner" in browser.find_element(By.ID, "me-card").text)
    assert not browser.find_elements(By.CSS_SELECTOR, "#messages .ephemeral")  # Maria's answer was hers
    visible("#composer-text").send_keys("/msi start", Keys.ENTER)
    visible("#modal #in-name").send_keys("Production")
    tick("marketo_admins", "UMKTO1", "UMKTO2")
    tick("salesforce_admins", "USFDC1")
    Select(browser.find_element(By.ID, "in-marketo_channel")).select_by_value("CMKTO")
    Select(browser.find_element(By.ID, "in-salesforce_channel")).select_by_value("CSFDC")
    tick("prerequisites", "actions_enabled")
    browser.find_element(By.CSS_SELECTOR, "#modal .modal-submit").click()
    error = visible("#modal [data-error-for=prerequisites]")  # refused: the reason beside the field
    assert error.text
    assert browser.find_element(By.ID, "in-name").get_attribute("value") == "Production"  # kept
    tick("prerequisites", "crm_sync")
    browser.find_element(By.CSS_SELECTOR, "#modal .modal-submit").click()
    wait.until(shown.invisibility_of_element_located((By.ID, "modal-layer")))
    card = message_saying("Step 1 of 7")
    assert "Production" in card.text

    screenshot = os.environ.get("PLAYGROUND_SCREENSHOT")
    if screenshot:  # how the README's picture is made: PLAYGROUND_SCREENSHOT=docs/playground.png
        browser.save_screenshot(screenshot)

    Select(browser.find_element(By.ID, "whoami")).select_by_value("UMKTO1")  # Kenji does step 1
    wait.until(lambda _: "Kenji Tanaka" in browser.find_element(By.ID, "me-card").text)
    button = message_saying("Step 1 of 7").find_element(
        By.CSS_SELECTOR, "button[data-action-id=msi_step_done]"
    )
    button.click()
    if browser.find_elements(By.CSS_SELECTOR, "#confirm-layer:not([hidden])"):
        browser.find_element(By.CSS_SELECTOR, "#confirm .confirm").click()
    assert "Step 2 of 7" in message_saying("Step 2 of 7").text
    # App Home shows the rollout's progress, to Kenji in Japanese: his Slack language is ja-JP.
    browser.find_element(By.ID, "nav-home").click()
    wait.until(lambda _: "1/7 ステップ完了" in browser.find_element(By.ID, "home").text)
    logs = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert logs == []


def test_mrkdwn_is_shown_as_slack_shows_it_in_the_viewers_time_zone(
    browser: Any, playground: Playground
) -> None:
    browser.get(playground.url + "/")
    render = (
        "const users = {UMKTO1: {id: 'UMKTO1', real_name: 'Kenji Tanaka'}};"
        "const ctx = {users, channels: {CMKTO: {name: 'marketo-admins'}}, viewer: arguments[1]};"
        "return Mrkdwn.render(arguments[0], ctx);"
    )
    tokyo = {"id": "UMKTO1", "tz": "Asia/Tokyo", "locale": "en-US"}
    new_york = {"id": "UOWNER", "tz": "America/New_York", "locale": "en-US"}
    date = "<!date^1700000000^{date_num} {time}|2023-11-14 22:13 UTC>"
    assert browser.execute_script(render, date, tokyo) == "<time>2023-11-15 7:13 AM</time>"
    assert browser.execute_script(render, date, new_york) == "<time>2023-11-14 5:13 PM</time>"
    shown = browser.execute_script(
        render, "*Done* by <@UMKTO1> in <#CMKTO> &lt;b&gt; _now_ `x<y` :white_check_mark:", tokyo
    )
    assert shown == (
        '<b>Done</b> by <span class="mention me" data-user="UMKTO1">@Kenji Tanaka</span> in '
        '<span class="channel-link" data-channel="CMKTO">#marketo-admins</span> &lt;b&gt; <i>now</i> '
        "<code>x&lt;y</code> ✅"
    )
    listed = browser.execute_script(render, "> quoted\n• one\n• two\n<https://example.com|a link>", tokyo)
    assert listed == (
        "<blockquote>quoted</blockquote><ul><li>one</li><li>two</li></ul>"
        '<a href="https://example.com" target="_blank" rel="noopener">a link</a>'
    )
