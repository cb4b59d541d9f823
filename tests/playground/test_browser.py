"""The page in a real headless browser (Debian's chromium through its chromedriver, never a downloaded one),
driven only by clicking and typing as the people would: a whole rollout, from the Start modal to the
invitations marked sent and App Home's progress, and a Japanese reader who gets Japanese. The tests never
call the page's JSON endpoints to act; they only wait, explicitly, for what the page shows."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as shown
from selenium.webdriver.support.ui import Select, WebDriverWait

from playground.launcher import Playground

CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Generous: the bot's outbox and workers and the page's long poll stand between a click and what it shows,
# on a CI machine that may be busy. Every wait ends as soon as the page shows what is expected.
WAIT_SECONDS = 45
OWNER, KENJI, MARIA, SAM = "UOWNER", "UMKTO1", "UMKTO2", "USFDC1"
NAMES = {OWNER: "Olivia Owner", KENJI: "Kenji Tanaka", MARIA: "Maria Garcia", SAM: "Sam Fischer"}
# How the README's picture is made: MSI_PLAYGROUND_SCREENSHOT=docs/playground.png pytest … test_browser.py
# Read on import, from where pytest was started: the tests' own fixtures empty MSI_* and change directory.
_SCREENSHOT = os.environ.get("MSI_PLAYGROUND_SCREENSHOT", "")
SCREENSHOT = Path(_SCREENSHOT).resolve() if _SCREENSHOT else None

INSTALLED = Path(CHROMEDRIVER).exists() and Path(CHROMIUM).exists()
MISSING = "chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)"
# .ci/run installs both and says so: there a missing browser fails the tests instead of skipping them.
REQUIRED = os.environ.get("MSI_BROWSER_TESTS") == "required"

pytestmark = pytest.mark.skipif(not INSTALLED and not REQUIRED, reason=MISSING)


@pytest.fixture
def browser() -> Iterator[Any]:
    if not INSTALLED:
        pytest.fail(MISSING + ", and MSI_BROWSER_TESTS=required")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,800"):
        options.add_argument(argument)
    # The explicit driver path: Selenium Manager never looks for (or downloads) a driver of its own.
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(WAIT_SECONDS)
    # The page itself 1280x800, whatever the window's frame takes: the README's picture has that size.
    metrics = {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    yield driver
    driver.quit()


class Person:
    """Whoever is chosen in the page's "you are" menu, acting only through what the page shows."""

    def __init__(self, browser: Any, url: str):
        self.browser = browser
        # The page draws a conversation again whenever the workspace changes, so an element found a moment
        # ago may be gone: a wait then simply looks again.
        self.wait = WebDriverWait(browser, WAIT_SECONDS, ignored_exceptions=(StaleElementReferenceException,))
        browser.get(url + "/")

    def until(self, condition: Callable[[Any], Any]) -> Any:
        try:
            return self.wait.until(condition)
        except TimeoutException:
            # What the person saw instead, to tell why from the test's output alone.
            seen = self.browser.find_element(By.ID, "main").text
            message = f"not shown within {WAIT_SECONDS}s; the page showed:\n{seen[-3000:]}"
            raise AssertionError(message) from None

    def visible(self, css: str) -> WebElement:
        return self.until(shown.visibility_of_element_located((By.CSS_SELECTOR, css)))

    def press(self, css: str) -> None:
        """Clicks what `css` finds once it is shown, looking again if the page redrew it meanwhile."""

        def pressed(_: Any) -> bool:
            self.visible(css).click()
            return True

        self.until(pressed)

    def be(self, user: str) -> None:
        Select(self.visible("#whoami")).select_by_value(user)
        self.until(lambda b: NAMES[user] in b.find_element(By.ID, "me-card").text)

    def open(self, channel: str) -> None:
        """A channel (`CMKTO`), the direct message with the bot (`D…`) or `home`, from the sidebar."""
        self.press(f"#sidebar button[data-channel='{channel}']")
        self.visible(f"#sidebar button.active[data-channel='{channel}']")

    def type(self, text: str) -> None:
        self.visible("#composer-text").send_keys(text, Keys.ENTER)

    def message(self, *texts: str, button: str | None = None) -> WebElement:
        """The one message of the open conversation that shows every text (and the button, if given)."""

        def found(browser: Any) -> WebElement | bool:
            matches = [
                message
                for message in browser.find_elements(By.CSS_SELECTOR, "#messages > .message")
                if all(text in message.text for text in texts)
                and (button is None or message.find_elements(By.CSS_SELECTOR, f"[data-action-id='{button}']"))
            ]
            assert len(matches) <= 1, [match.text[:80] for match in matches]
            return matches[0] if matches else False

        return self.until(found)

    def click(self, texts: tuple[str, ...], action_id: str, *, confirm: str | None = None) -> str:
        """Clicks a button of the message showing `texts`, answers its confirmation dialog (whose title must
        show `confirm`) and gives the message's ts, to find the same message again once the bot changed it."""

        def clicked(_: Any) -> str:
            message = self.message(*texts, button=action_id)
            ts = str(message.get_attribute("data-ts"))
            message.find_element(By.CSS_SELECTOR, f"button[data-action-id='{action_id}']").click()
            return ts

        ts: str = self.until(clicked)
        if confirm is not None:
            dialog = self.visible("#confirm-layer #confirm")
            assert confirm in dialog.find_element(By.CSS_SELECTOR, ".modal-title").text
            dialog.find_element(By.CSS_SELECTOR, "button.confirm").click()
            self.until(shown.invisibility_of_element_located((By.ID, "confirm-layer")))
        return ts

    def same_message(self, ts: str, *texts: str, without: str | None = None) -> WebElement:
        """The message `ts`, in place, once it shows every text and (if given) no longer offers `without`."""

        def changed(browser: Any) -> WebElement | bool:
            found = browser.find_elements(By.CSS_SELECTOR, f"#messages > .message[data-ts='{ts}']")
            if not found or not all(text in found[0].text for text in texts):
                return False
            if without and found[0].find_elements(By.CSS_SELECTOR, f"[data-action-id='{without}']"):
                return False
            return found[0]

        return self.until(changed)

    def tick(self, name: str, *values: str) -> None:
        for value in values:
            self.press(f"#modal input[name={name}][value={value}]")

    def choose(self, name: str, value: str) -> None:
        Select(self.visible(f"#modal #in-{name}")).select_by_value(value)

    def submit(self) -> None:
        self.press("#modal .modal-submit")

    def start_rollout(self, name: str, *, language: str | None = None) -> None:
        """The owner's /msi start, first refused (one prerequisite left unticked) and then accepted."""
        self.type("/msi start")
        self.visible("#modal #in-name").send_keys(name)
        if language is not None:
            self.choose("language", language)
        self.tick("marketo_admins", KENJI, MARIA)
        self.tick("salesforce_admins", SAM)
        self.choose("marketo_channel", "CMKTO")
        self.choose("salesforce_channel", "CSFDC")
        self.tick("prerequisites", "actions_enabled")
        self.submit()
        error = self.visible("#modal .bk-input.has-error [data-error-for=prerequisites]")  # beside its field
        assert error.text
        assert self.browser.find_element(By.ID, "in-name").get_attribute("value") == name  # nothing lost
        self.tick("prerequisites", "crm_sync")
        self.submit()
        self.until(shown.invisibility_of_element_located((By.ID, "modal-layer")))

    def no_page_errors(self) -> None:
        logged = self.browser.get_log("browser")
        assert [entry for entry in logged if entry["level"] == "SEVERE"] == [], logged


def test_a_whole_rollout_from_the_start_modal_to_the_invitations_marked_sent(
    browser: Any, playground: Playground, tmp_path: Path
) -> None:
    person = Person(browser, playground.url)
    person.be(MARIA)
    person.open("CMKTO")
    person.type("/msi help")
    person.message("Only visible to you", "/msi start")

    person.be(OWNER)
    person.open("CMKTO")
    assert not browser.find_elements(By.CSS_SELECTOR, "#messages .ephemeral")  # Maria's answer was hers
    person.start_rollout("Production")
    person.message("Step 1 of 7", "Production")

    # Maria, a Marketo admin, marks the steps she can do done; each card changes in place.
    person.be(MARIA)
    first = person.click(("Step 1 of 7",), "msi_step_done", confirm="Mark step 1 done?")
    person.same_message(first, "Step 1 of 7", "Done by @Maria Garcia", without="msi_step_done")
    second = person.click(("Step 2 of 7",), "msi_step_done", confirm="Mark step 2 done?")
    person.same_message(second, "Waiting for a Salesforce admin to approve")
    third = person.click(("Step 3 of 7",), "msi_step_done", confirm="Mark step 3 done?")
    person.same_message(third, "Done by @Maria Garcia", without="msi_step_done")

    # Sam, the Salesforce admin, approves step 2 in his channel; Maria then finishes it.
    person.be(SAM)
    person.open("CSFDC")
    request = person.click(
        ("Approval needed", "Step 2 of 7"), "msi_approval_approve", confirm="Approve this request?"
    )
    person.same_message(request, "Approved by @Sam Fischer", without="msi_approval_approve")
    person.be(MARIA)
    person.open("CMKTO")
    person.same_message(second, "Approved by @Sam Fischer")
    person.click(("Step 2 of 7",), "msi_step_done", confirm="Mark step 2 done?")
    person.same_message(second, "Done by @Maria Garcia", without="msi_step_done")

    # Step 4 always needs approval.
    fourth = person.click(("Step 4 of 7",), "msi_step_done", confirm="Mark step 4 done?")
    person.same_message(fourth, "Waiting for a Salesforce admin to approve")
    person.be(SAM)
    person.open("CSFDC")
    person.click(("Approval needed", "Step 4 of 7"), "msi_approval_approve", confirm="Approve this request?")
    person.be(MARIA)
    person.open("CMKTO")
    person.same_message(fourth, "Approved by @Sam Fischer")
    person.click(("Step 4 of 7",), "msi_step_done", confirm="Mark step 4 done?")
    person.same_message(fourth, "Done by @Maria Garcia", without="msi_step_done")
    person.message("Step 5 of 7", button="msi_step_done")

    # Maria shares a CSV through the page's file input; the preview comes to her direct message.
    csv = tmp_path / "people.csv"
    csv.write_text("email,first_name,last_name\nana@example.com,Ana,Lopez\nbo@example.com,Bo,Berg\n")
    browser.find_element(By.ID, "file-input").send_keys(str(csv))
    person.message("people.csv", "download")
    person.open("DMKTO2")
    person.message(
        "Invitations from people.csv", "Accepted: 2", "Request invitations", button="msi_draft_request"
    )
    draft = person.click(("Invitations from people.csv",), "msi_draft_request")
    person.same_message(draft, "Requested as batch #1", without="msi_draft_request")

    # Sam approves the batch; the Marketo admins get its task, with the list, and Maria marks it sent.
    person.be(SAM)
    person.open("CSFDC")
    person.click(("Approval needed", "Invitations batch #1"), "msi_approval_approve", confirm="Approve")
    person.be(MARIA)
    person.open("CMKTO")
    person.message("Invite 2 people to MSI Actions", button="msi_batch_sent")
    if SCREENSHOT is not None:  # the README's picture: step cards, a shared CSV, the batch and its list
        person.press("#messages > .message:last-child .thread-link")
        person.visible("#thread-messages a.file")
        person.until(
            lambda b: b.execute_script(
                "arguments[0].scrollIntoView(); return true", person.message("Step 5 of 7")
            )
        )
        assert browser.save_screenshot(str(SCREENSHOT)), SCREENSHOT
        assert SCREENSHOT.stat().st_size < 200_000  # small enough to keep in the repository
    task = person.click(("Invite 2 people to MSI Actions",), "msi_batch_sent", confirm="Invitations sent?")
    person.same_message(task, "Invitations sent by @Maria Garcia", without="msi_batch_sent")
    person.open("DMKTO2")
    person.message("Invitations batch #1", "State: sent")

    # The owner's App Home shows where the rollout stands.
    person.be(OWNER)
    person.open("home")
    person.until(lambda b: "4/7 steps done" in b.find_element(By.ID, "home").text)
    assert "2 sent" in browser.find_element(By.ID, "home").text
    person.no_page_errors()


def test_a_japanese_reader_sees_the_rollout_and_the_bots_answers_in_japanese(
    browser: Any, playground: Playground
) -> None:
    person = Person(browser, playground.url)
    person.be(OWNER)
    person.open("CMKTO")
    person.start_rollout("東京", language="ja")  # the rollout's posts in 日本語

    person.be(KENJI)  # his Slack language is ja-JP
    person.open("CMKTO")
    first = person.click(("ステップ 1/7",), "msi_step_done", confirm="ステップ 1 を完了にしますか？")
    person.same_message(first, "@Kenji Tanaka が", "に完了", without="msi_step_done")
    person.message("ステップ 2/7", button="msi_step_done")
    person.type("/msi help")
    person.message("Only visible to you", "ロールアウトボット")
    person.open("home")
    person.until(lambda b: "1/7 ステップ完了" in b.find_element(By.ID, "home").text)
    person.no_page_errors()


def test_news_elsewhere_leaves_the_button_a_person_is_about_to_click_alone(
    browser: Any, playground: Playground
) -> None:
    person = Person(browser, playground.url)
    person.be(OWNER)
    person.open("CMKTO")
    person.start_rollout("Production")
    person.be(MARIA)
    card = person.message("Step 1 of 7", button="msi_step_done")
    button = card.find_element(By.CSS_SELECTOR, "button[data-action-id=msi_step_done]")
    version = browser.execute_script("return page.state.version")

    mine = browser.current_window_handle
    browser.switch_to.new_window("tab")  # Sam, at the same time, in a tab of his own
    sam = Person(browser, playground.url)
    sam.be(SAM)
    sam.open("CGENERAL")
    sam.type("Morning all")
    sam.message("Morning all")
    browser.switch_to.window(mine)

    # Maria's page hears the news (her #general changed) but her conversation did not: the card and its
    # button are the very same elements, so a click in progress is not lost and an open menu stays open.
    person.until(lambda b: b.execute_script("return page.state.version") != version)
    assert button.get_attribute("data-action-id") == "msi_step_done"  # not stale: it was never redrawn
    person.click(("Step 1 of 7",), "msi_step_done", confirm="Mark step 1 done?")
    person.message("Step 2 of 7", button="msi_step_done")
    with pytest.raises(StaleElementReferenceException):  # news in her conversation is drawn, of course
        button.get_attribute("data-action-id")


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
    said = browser.execute_script(
        render, "*Done* by <@UMKTO1> in <#CMKTO> &lt;b&gt; _now_ `x<y` :white_check_mark:", tokyo
    )
    assert said == (
        '<b>Done</b> by <span class="mention me" data-user="UMKTO1">@Kenji Tanaka</span> in '
        '<span class="channel-link" data-channel="CMKTO">#marketo-admins</span> &lt;b&gt; <i>now</i> '
        "<code>x&lt;y</code> ✅"
    )
    listed = browser.execute_script(render, "> quoted\n• one\n• two\n<https://example.com|a link>", tokyo)
    assert listed == (
        "<blockquote>quoted</blockquote><ul><li>one</li><li>two</li></ul>"
        '<a href="https://example.com" target="_blank" rel="noopener">a link</a>'
    )
