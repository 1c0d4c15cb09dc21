"""Take the documentation's screenshots from a running demo instance.

Starts nothing itself. Point it at an instance started on demo data, ideally a fresh
one with its own SQLite file, for example from a clone in /tmp:

    VETBOT_INSTANCE_PATH=/tmp/vetbot-shots .venv/bin/vetbot serve --port 5077 &
    .venv/bin/python docs/screenshots.py http://127.0.0.1:5077
    kill %1

What it does, in Debian's Chromium (never a downloaded browser):

0. The front page (/) as a newcomer opens it from the address `vetbot serve` prints, on
   a 1280-px desktop.
1. A phone (375 px) opens the chat simulator as a new person (its first screen, before
   anything is pressed, is kept too), follows the account and
   sends a few messages: a job search in everyday words, a policy question, a
   subscription (so a broadcast has someone to reach), two messages the bot cannot place
   (so the understanding and unanswered pages have some), a booking through the chat's
   steps (so the bookings pages have one) and, last, a request for a person (so the
   console's inbox has one). Everything it creates is sample data on the sample stations
   and postings; the person and their messages are made up by this script.
2. It opens the booking list (/m/bookings) through the link in the chat's reply, the
   job list (/m/jobs), and the booking page of the first sample station after choosing a
   service and a date (/m/book opens at the time step: the screen shows the times).
3. A 1280-px desktop logs into the console with the demo account (admin / vetbot-admin,
   core/demo.py) and captures its pages, among them the delivery plan of a digest
   broadcast (previewed, never sent).

Images go to docs/img/ (PNG, one device pixel per CSS pixel, to keep them small).
"""

from __future__ import annotations

import argparse
import re
import secrets
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {
    "viewport": {"width": 375, "height": 740},
    "device_scale_factor": 1,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "device_scale_factor": 1, "locale": "zh-CN"}
DEMO_USER = ("admin", "vetbot-admin")  # core/demo.py: a sample account, demo data only
OUT = Path(__file__).resolve().parent / "img"
TIMEOUT_MS = 15_000

# What the sample person says in the simulator, in order (see the module docstring).
CHAT = [
    "你好，有保安的活吗",
    "退役后失业能领失业金吗",
]
SUBSCRIBE = ["我想订阅安亭的保安岗位", "要", "1"]  # daily digest: yes; confirm
UNPLACED = ["附近有什么好吃的", "帮我查下社保卡余额"]
# The booking steps: town, station, service, day, time, confirm (each the first choice).
BOOKING_STEPS = ["预约", "1", "1", "1", "1", "1", "1"]
HANDOVER = "人工 我想问一下失业登记要带哪些材料"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url", help="a running demo instance, e.g. http://127.0.0.1:5077")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the PNG files")
    parser.add_argument("--user", default=DEMO_USER[0])
    parser.add_argument("--password", default=DEMO_USER[1])
    args = parser.parse_args(argv)
    base = args.base_url.rstrip("/")
    args.out.mkdir(parents=True, exist_ok=True)

    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            front_door(browser, base, args.out)
            booked = phone(browser, base, args.out)
            console(browser, base, args.out, args.user, args.password, booked)
        finally:
            browser.close()
    for path in sorted(args.out.glob("*.png")):
        print(f"{path}  {path.stat().st_size // 1024} KB")
    return 0


# -- the phone ------------------------------------------------------------------------


def phone(browser: Any, base: str, out: Path) -> tuple[str, date]:
    """The phone's pages; returns the station and the day of the sample booking."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{base}/simulator")
    _new_identity(page)
    _shot(page, out / "simulator-first.png")  # what a newcomer sees: press 关注, then type
    _press(page, "关注")
    for text in CHAT:
        _say(page, text)
    page.locator("#messages").evaluate("el => { el.scrollTop = el.scrollHeight; }")
    _shot(page, out / "simulator.png")

    for text in SUBSCRIBE + UNPLACED + BOOKING_STEPS:
        _say(page, text)
    booked = _booked(page.locator(".row.in .bubble").last.inner_text())
    _say(page, "我的预约")
    link = page.locator(".row.in .bubble a.link").filter(has_text="查看预约详情").last
    href = link.get_attribute("href")
    if not href:
        raise SystemExit("the reply to 我的预约 has no link to the booking page")
    page.goto(href)
    page.wait_for_load_state("networkidle")
    _shot(page, out / "m-bookings.png")

    page.goto(f"{base}/m/jobs")
    page.wait_for_load_state("networkidle")
    _shot(page, out / "m-jobs.png")

    _book_after_choosing_a_date(page, base, out)

    page.goto(f"{base}/simulator")
    _say(page, HANDOVER)
    context.close()
    return booked


def front_door(browser: Any, base: str, out: Path) -> None:
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{base}/")
    page.wait_for_load_state("networkidle")
    _shot(page, out / "front-door.png")
    context.close()


def _book_after_choosing_a_date(page: Any, base: str, out: Path) -> None:
    """/m/book for the first sample station: a service, then the second day offered.
    The page is signed in already (the /m/bookings link was opened before)."""
    page.goto(f"{base}/m/stations")
    page.locator(".st-card a.m-button", has_text="预约").first.click()
    page.locator(".m-chips a.m-chip").first.click()
    page.locator("a.m-day").nth(1).click()
    page.wait_for_url(re.compile(r"#step-time$"))
    page.wait_for_load_state("networkidle")
    _shot(page, out / "m-book-date.png")


def _booked(confirmation: str) -> tuple[str, date]:
    """The station and day of "预约成功！服务站：… 时间：12月3日 周四 09:00-09:30"."""
    station = re.search(r"服务站：(.+)", confirmation)
    day = re.search(r"时间：(\d{1,2})月(\d{1,2})日", confirmation)
    if not (station and day and "预约成功" in confirmation):
        raise SystemExit(f"the booking did not go through: {confirmation!r}")
    today = date.today()
    found = date(today.year, int(day.group(1)), int(day.group(2)))
    if found < today - timedelta(days=1):  # December's booking for January
        found = found.replace(year=today.year + 1)
    return station.group(1).strip(), found


def _new_identity(page: Any) -> None:
    """A person of their own, so earlier runs' conversations do not show."""
    page.locator("#identity-toggle").click()
    page.locator("#identity-input").fill("sample-" + secrets.token_hex(4))
    page.locator("#identity-save").click()


def _press(page: Any, name: str) -> None:
    replies = page.locator(".row.in .bubble")
    before = replies.count()
    page.get_by_role("button", name=name, exact=True).click()
    _wait_for_more(replies, before)


def _say(page: Any, text: str) -> None:
    replies = page.locator(".row.in .bubble")
    before = replies.count()
    page.get_by_label("输入消息").fill(text)
    page.get_by_role("button", name="发送", exact=True).click()
    _wait_for_more(replies, before)


def _wait_for_more(locator: Any, before: int) -> None:
    locator.nth(before).wait_for(state="visible")


# -- the console ----------------------------------------------------------------------


def console(
    browser: Any, base: str, out: Path, user: str, password: str, booked: tuple[str, date]
) -> None:
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{base}/console/login")
    page.locator("input[name='username']").fill(user)
    page.locator("input[name='password']").fill(password)
    page.locator("form button[type='submit']").click()
    page.wait_for_url(re.compile(r"/console/?$"))

    def visit(path: str) -> None:
        page.goto(base + path)
        page.wait_for_load_state("networkidle")

    visit("/console/")
    _shot(page, out / "console-dashboard.png")
    visit("/console/inbox")
    page.locator("a[href*='/console/inbox/']").first.click()  # the sample request
    page.wait_for_load_state("networkidle")
    _shot(page, out / "console-inbox.png")
    # The sample booking's station, on its day.
    station, day = booked
    visit("/console/bookings")
    option = page.locator("select[name='station'] option").filter(has_text=station).first
    visit(f"/console/bookings?station={option.get_attribute('value')}&day={day.isoformat()}")
    _shot(page, out / "console-bookings.png")
    visit("/console/faq/unanswered")
    _shot(page, out / "console-faq-unanswered.png")
    visit("/console/understanding")
    _shot(page, out / "console-understanding.png")
    visit("/console/broadcasts/new?fill=postings")  # the week's new postings as a digest
    page.get_by_role("button", name="预览发送计划").click()
    page.wait_for_load_state("networkidle")
    _shot(page, out / "console-broadcast-preview.png")
    visit("/console/jobs")
    _shot(page, out / "console-jobs.png")
    context.close()


def _shot(page: Any, path: Path) -> None:
    """The visible screen only: a full page of a long list would be large and unreadable."""
    page.screenshot(path=str(path))


if __name__ == "__main__":
    sys.exit(main())
