"""A class in real browsers: the teacher and three students, each in their own browser context.

They play two weeks: every student chooses, the week is played as soon as all have, and every
page shows the next week. The decisions file then holds the six decisions (also after the server
is stopped), the teacher's debrief shows them, a reloaded page comes back to its seat or class, a
student who closes the page frees the seat, a second teacher on the same server gets a
classroom of their own, and a server started again on the folder takes the class up where it was.
"""

from __future__ import annotations

import os
import re
import signal

import pandas as pd
import pytest
from browser_helpers import CHROMIUM, FLAGS, free_port, require_browser, start, stop

STUDENTS = 3


@pytest.fixture
def classroom_server(tmp_path):
    require_browser()
    port = free_port()
    out = tmp_path / "lesson"
    args = ["classroom", "global_giant_telco", "--host", "127.0.0.1", "--port", str(port), "--out", str(out)]
    server = start(
        args, tmp_path / "server.log", env={"CRMSIM_CLASSROOM_LEAVE_AFTER": "3", "CRMSIM_CLASSROOM_LEAVE_GRACE": "0"}
    )
    try:
        yield server, f"http://127.0.0.1:{port}", out
    finally:
        stop(server)


def choose(student, k: int, week: int) -> None:
    """Click the student's k-th option for ``week``; the page confirms the choice or shows the
    next week. A click the network lost is clicked again, as a student would."""
    from playwright.sync_api import expect

    # the buttons are named by the person's options: use, game, ignore (or a partner's)
    options = student.get_by_role("button", name=re.compile(r"^(use|game|ignore|self_serve|go_around|disengage):"))
    taken = student.get_by_text(re.compile(r"^You chose ")).or_(
        student.get_by_role("heading", name=f"Week {week + 1}", exact=True)
    )
    for attempt in range(2):
        expect(options).to_have_count(3)
        options.nth(k).click()
        try:
            expect(taken.first).to_be_visible(timeout=10_000 if attempt == 0 else 30_000)
            return
        except AssertionError:
            if attempt == 1:
                raise


def test_a_teacher_and_three_students_play_two_weeks(classroom_server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    server, url, out = classroom_server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        contexts = [browser.new_context(viewport={"width": 1400, "height": 1200}) for _ in range(STUDENTS + 1)]
        teacher, *students = [context.new_page() for context in contexts]
        try:
            teacher.goto(f"{url}/teacher", timeout=120_000)
            expect(teacher.get_by_role("heading", name=re.compile(r"^Week \d+$"))).to_be_visible(timeout=120_000)
            week = int(teacher.get_by_role("heading", name=re.compile(r"^Week \d+$")).inner_text().split()[1])
            code = teacher.locator(".crm-code").inner_text().strip()
            expect(teacher.get_by_text(f"{url}/?class={code}")).to_be_visible()
            for student in students:
                student.goto(f"{url}/?class={code}", timeout=120_000)
                expect(student.get_by_role("heading", name=f"Week {week}", exact=True)).to_be_visible(timeout=60_000)
                expect(student.get_by_text("What you see this week")).to_be_visible()
            expect(teacher.get_by_text(f"Who has decided: 0 of {STUDENTS}")).to_be_visible(timeout=30_000)

            for _ in range(2):
                for k, student in enumerate(students):
                    choose(student, k % 3, week)
                week += 1
                for page in (teacher, *students):
                    expect(page.get_by_role("heading", name=f"Week {week}", exact=True)).to_be_visible(timeout=60_000)
                for student in students:
                    expect(student.get_by_text("What followed")).to_be_visible()

            decisions = pd.read_parquet(out / "decisions.parquet")
            assert len(decisions) == 2 * STUDENTS
            assert set(decisions["student"]) == {f"student {k}" for k in range(1, STUDENTS + 1)}
            assert set(decisions["week"]) == {week - 2, week - 1}
            # the debrief: one line per student decision, against the model's probability
            by_student = teacher.locator("table").last
            expect(by_student.locator("tbody tr")).to_have_count(2 * STUDENTS, timeout=30_000)
            for row in decisions.itertuples():
                expect(by_student.get_by_text(f"{row.student}", exact=True).first).to_be_visible()
            expect(teacher.locator(".crm-log")).to_contain_text("What happened")  # the model's log, beside the network
            teacher.screenshot(path=str(tmp_path / "teacher.png"), full_page=True)
            students[0].screenshot(path=str(tmp_path / "student.png"), full_page=True)

            # a reload brings the student back to their seat, person and choice; the teacher to the class
            choose(students[0], 1, week)
            expect(students[0]).to_have_url(re.compile(rf"[?&]class={code}&seat="), timeout=30_000)
            students[0].reload()
            expect(students[0].get_by_role("heading", name=f"Week {week}", exact=True)).to_be_visible(timeout=60_000)
            expect(students[0].get_by_text(f"student 1 · classroom {code}")).to_be_visible()
            expect(students[0].get_by_text(re.compile(r"^You chose "))).to_be_visible()
            expect(teacher).to_have_url(re.compile(rf"/teacher\?class={code}$"), timeout=30_000)
            teacher.reload()
            expect(teacher.get_by_role("heading", name=f"Week {week}", exact=True)).to_be_visible(timeout=60_000)
            assert teacher.locator(".crm-code").inner_text().strip() == code
            expect(teacher.get_by_text(f"Who has decided: 1 of {STUDENTS}")).to_be_visible(timeout=30_000)

            contexts[-1].close()  # the third student leaves: the model plays the seat again
            expect(teacher.get_by_text(f"Who has decided: 1 of {STUDENTS - 1}")).to_be_visible(timeout=60_000)

            # another class on the same server: its own organisation, code and week
            other = browser.new_context().new_page()
            other.goto(f"{url}/teacher", timeout=120_000)
            expect(other.get_by_role("heading", name=f"Week {week - 2}", exact=True)).to_be_visible(timeout=60_000)
            assert other.locator(".crm-code").inner_text().strip() != code
            expect(other.get_by_text("Who has decided: 0 of 0")).to_be_visible()
            expect(teacher.get_by_role("heading", name=f"Week {week}", exact=True)).to_be_visible()
            second_student = students[1].url  # the address, with the seat's token, a restart must keep
        except Exception:
            for name, page in (("teacher", teacher), *((f"student{k}", s) for k, s in enumerate(students, 1))):
                if not page.is_closed():
                    page.screenshot(path=str(tmp_path / f"{name}_failure.png"), full_page=True)
            raise
        finally:
            browser.close()

    os.kill(server.pid, signal.SIGTERM)  # crmsim stops the server; the file stays whole
    server.wait(timeout=60)
    stopped = pd.read_parquet(out / "decisions.parquet")
    # and student 1's choice of the third week: played once the browser closed the others' pages
    assert len(stopped) == 2 * STUDENTS + 1 and stopped.iloc[-1]["student"] == "student 1"
    assert list(stopped.columns) == ["classroom", "week", "student", "person", "role", "choice", "model_probability"]
    assert sorted(p.name for p in out.iterdir()) == [
        ".crmsim-lock",
        "classrooms.json",
        "decisions.parquet",
        "manifest.json",
    ]

    # the server started again on the folder takes the class up where it was: the teacher's and a
    # student's addresses come back to the class, the week and the seat
    port = url.rsplit(":", 1)[1]
    args = ["classroom", "global_giant_telco", "--host", "127.0.0.1", "--port", port, "--out", str(out)]
    again = start(args, tmp_path / "server_again.log")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
            teacher = browser.new_page(viewport={"width": 1400, "height": 1200})
            teacher.goto(f"{url}/teacher?class={code}", timeout=120_000)
            heading = teacher.get_by_role("heading", name=f"Week {week + 1}", exact=True)
            expect(heading).to_be_visible(timeout=120_000)
            assert teacher.locator(".crm-code").inner_text().strip() == code
            student = browser.new_page()
            student.goto(second_student, timeout=120_000)
            expect(student.get_by_text(f"student 2 · classroom {code}")).to_be_visible(timeout=60_000)
            expect(teacher.get_by_text("Who has decided: 0 of 1")).to_be_visible(timeout=30_000)
            browser.close()
    finally:
        stop(again)
    assert len(pd.read_parquet(out / "decisions.parquet")) == 2 * STUDENTS + 1  # nothing written twice
