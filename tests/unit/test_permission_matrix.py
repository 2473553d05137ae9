"""The matrix, every row × every level × every condition, against docs/permissions.md.

EXPECTED is the document's tables copied cell by cell (T2-17 split into its release and
set halves, T1-19 as rule 5 reads it); `oracle` applies the document's cell legend and
rule 3 to them. The code's table is checked against both, independently.
"""

from itertools import product

import pytest

from permissions.levels import Level, Tool
from permissions.matrix import ACTIONS, Facts, ToolOf, allowed
from tests.permission_table import EXPECTED, oracle

TOOLS = {"C": Tool.COMMITMENTS, "CC": Tool.CLIENT_CONTRACTS}
ROWS = {action.code: action for action in ACTIONS.values() if action.code != "—"}
CONDITIONS = list(product(Level, [False, True], [False, True], [False, True]))


def test_the_code_has_every_row_and_no_other():
    assert set(ROWS) == set(EXPECTED)
    assert len({action.name for action in ACTIONS.values()}) == len(ACTIONS)


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_each_row_reads_the_right_tool(code):
    assert ROWS[code].tool is TOOLS[EXPECTED[code][0]]


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_each_row_at_every_level_and_condition(code):
    action = ROWS[code]
    cells = EXPECTED[code][1:]
    for level, contact, private_list, private in CONDITIONS:
        facts = Facts(level, is_contact=contact, on_private_list=private_list, is_private=private)
        expected = oracle(cells[level], level, contact, private_list, private)
        assert allowed(action.name, facts) is expected, (code, level.label, facts)


@pytest.mark.parametrize(
    ("progress_billings", "commitments"),
    [
        ("T1-1", "T2-2"),
        ("T1-2", "T2-4"),
        ("T1-11", "T2-9"),
        ("T1-15", "T2-11"),
        ("T1-23", "T2-16"),
        ("T1-27", "T2-19"),
        ("T1-19", "T2-19"),
        ("T1-24", "T2-17b"),
    ],
)
def test_the_same_work_in_both_tables_gets_the_same_answer(progress_billings, commitments):
    for level, contact, private_list, private in CONDITIONS:
        facts = Facts(level, is_contact=contact, on_private_list=private_list, is_private=private)
        assert allowed(ROWS[progress_billings].name, facts) == allowed(
            ROWS[commitments].name, facts
        )


def test_the_actions_the_tables_do_not_name():
    """Viewing: Read Only and up (rule 3 applies); managing contracts: Admin."""
    for level, contact, private_list, private in CONDITIONS:
        facts = Facts(level, is_contact=contact, on_private_list=private_list, is_private=private)
        visible = level >= Level.READ_ONLY and (
            not private or level == Level.ADMIN or contact or private_list
        )
        assert allowed("view_contract", facts) is visible
        assert allowed("manage_contract", facts) is (level == Level.ADMIN)
    assert ACTIONS["view_project"].tool is ToolOf.EITHER
    assert ACTIONS["manage_contract"].tool is ToolOf.CONTRACT
