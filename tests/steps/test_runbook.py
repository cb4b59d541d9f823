"""The runbook as data: which steps open when, which need approval, and that every step has its texts."""

from __future__ import annotations

import pytest

from bot.steps import runbook
from bot.steps.runbook import Persona
from bot.texts import Texts

texts = Texts.of("en")  # the English table, which these checks read


def test_a_new_rollout_opens_step_1_for_marketo_and_step_6_for_salesforce() -> None:
    assert runbook.initial_steps() == [1, 6]


def test_the_runbook_has_seven_steps_numbered_one_to_seven() -> None:
    assert runbook.STEP_COUNT == 7
    assert [item.number for item in runbook.STEPS] == [1, 2, 3, 4, 5, 6, 7]


@pytest.mark.parametrize(
    ("done", "not_locked", "expected"),
    [
        ({1}, {1, 6}, [2, 3]),
        ({1, 2}, {1, 2, 3, 6}, []),
        ({1, 2, 3}, {1, 2, 3, 6}, [4]),
        ({1, 2, 3, 4}, {1, 2, 3, 4, 6}, [5]),
        ({1, 2, 3, 4, 5}, {1, 2, 3, 4, 5, 6}, []),
        ({1, 2, 3, 4, 5, 6}, {1, 2, 3, 4, 5, 6}, [7]),
        ({6}, {1, 6}, []),
        (set(), set(), [1, 6]),
    ],
)
def test_a_step_opens_once_all_its_prerequisites_are_done(
    done: set[int], not_locked: set[int], expected: list[int]
) -> None:
    assert runbook.steps_to_open(done, not_locked) == expected


def test_step_4_waits_for_both_connections() -> None:
    assert runbook.steps_to_open({1, 2}, {1, 2, 3, 6}) == []
    assert runbook.steps_to_open({1, 3}, {1, 2, 3, 6}) == []
    assert runbook.steps_to_open({1, 2, 3}, {1, 2, 3, 6}) == [4]


def test_step_7_waits_for_the_invitations_and_the_salesforce_package() -> None:
    assert 7 not in runbook.steps_to_open({1, 2, 3, 4, 5}, {1, 2, 3, 4, 5, 6})
    assert 7 not in runbook.steps_to_open({6}, {1, 6})
    assert runbook.steps_to_open({1, 2, 3, 4, 5, 6}, {1, 2, 3, 4, 5, 6}) == [7]


def test_a_step_already_opened_is_not_opened_again() -> None:
    assert runbook.steps_to_open({1}, {1, 2, 3, 6}) == []
    assert runbook.steps_to_open({1}, {1, 2, 6}) == [3]


def test_step_2_needs_approval_only_when_a_marketo_admin_does_it() -> None:
    assert runbook.step(2).needs_approval(Persona.MARKETO_ADMIN) is True
    assert runbook.step(2).needs_approval(Persona.SALESFORCE_ADMIN) is False


@pytest.mark.parametrize("persona", list(Persona))
def test_step_4_always_needs_approval(persona: Persona) -> None:
    assert runbook.step(4).needs_approval(persona) is True


@pytest.mark.parametrize("number", [1, 3, 5, 6, 7])
@pytest.mark.parametrize("persona", list(Persona))
def test_the_other_steps_never_need_approval(number: int, persona: Persona) -> None:
    assert runbook.step(number).needs_approval(persona) is False


def test_marketo_admins_do_steps_1_to_5_and_salesforce_admins_do_6_and_7_and_may_do_2() -> None:
    doers = {item.number: set(item.personas) for item in runbook.STEPS}
    assert doers == {
        1: {Persona.MARKETO_ADMIN},
        2: {Persona.MARKETO_ADMIN, Persona.SALESFORCE_ADMIN},
        3: {Persona.MARKETO_ADMIN},
        4: {Persona.MARKETO_ADMIN},
        5: {Persona.MARKETO_ADMIN},
        6: {Persona.SALESFORCE_ADMIN},
        7: {Persona.SALESFORCE_ADMIN},
    }


def test_an_unknown_step_number_is_an_error() -> None:
    with pytest.raises(KeyError):
        runbook.step(8)


@pytest.mark.parametrize("number", range(1, 8))
def test_every_step_has_a_title_in_the_catalog(number: int) -> None:
    title = texts.text(f"step.{number}.title")
    assert title.strip()
    assert "\n" not in title


@pytest.mark.parametrize("number", range(1, 8))
@pytest.mark.parametrize("part", ["checklist", "hints"])
def test_every_step_has_a_checklist_and_hints_of_non_empty_lines(number: int, part: str) -> None:
    lines = texts.lines(f"step.{number}.{part}")
    assert lines
    assert all(line.strip() == line and line for line in lines)


def test_step_titles_are_all_different() -> None:
    titles = [texts.text(f"step.{number}.title") for number in range(1, 8)]
    assert len(set(titles)) == 7
