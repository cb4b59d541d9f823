"""The user-group select of the Start and Edit modals: Slack's 100-option limit, chosen groups kept."""

from __future__ import annotations

from bot.rollouts.blocks import edit_modal, group_input, start_modal
from bot.slack.usergroups import Group, GroupList
from bot.texts import Texts
from playground.limits import refuse_payload

EN = Texts.of("en")


def many_groups(count: int) -> GroupList:
    return GroupList(
        groups=tuple(Group(id=f"S{n:04d}", handle=f"team-{n:04d}", name=f"Team {n}") for n in range(count))
    )


def test_more_than_100_groups_are_cut_to_the_first_100_with_a_note_and_the_chosen_ones_first() -> None:
    block = group_input(EN, "salesforce_groups", "start.salesforce_groups.label", many_groups(150), ["S0140"])
    assert block is not None
    options = block["element"]["options"]
    assert len(options) == 100 and options[0]["value"] == "S0140" and options[1]["value"] == "S0000"
    assert [o["value"] for o in block["element"]["initial_options"]] == ["S0140"]
    assert "first 100 of 150" in block["hint"]["text"]


def test_no_groups_means_no_select_and_a_missing_scope_is_said_in_the_modal() -> None:
    assert group_input(EN, "marketo_groups", "start.marketo_groups.label", GroupList(), []) is None
    modal = start_modal(EN, groups=GroupList(problem="missing_scope"))
    ids = [b.get("block_id") for b in modal["blocks"]]
    assert "marketo_groups" not in ids and "salesforce_groups" not in ids
    assert any("usergroups:read" in str(b) for b in modal["blocks"] if b["type"] == "context")
    assert refuse_payload("views.open", {"view": modal}) is None


def test_the_edit_modal_keeps_a_chosen_group_slack_no_longer_lists() -> None:
    modal = edit_modal(
        Texts.of("ja"),
        rollout_id=1,
        rollout_name="本番",
        marketo_admins=["U1"],
        salesforce_admins=[],
        marketo_channel="C1",
        salesforce_channel="C2",
        language="ja",
        salesforce_groups=["SGONE"],
        off_dates="2026-12-29..2027-01-03 年末年始",
        workspace_groups=many_groups(3),
    )
    assert refuse_payload("views.open", {"view": modal}) is None
    blocks = {b.get("block_id"): b for b in modal["blocks"]}
    assert [o["value"] for o in blocks["salesforce_groups"]["element"]["initial_options"]] == ["SGONE"]
    assert "initial_users" not in blocks["salesforce_admins"]["element"]
    assert blocks["off_dates"]["element"]["initial_value"] == "2026-12-29..2027-01-03 年末年始"
    assert blocks["off_dates"]["label"]["text"] == "非稼働日"
