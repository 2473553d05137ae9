"""The permission matrix as docs/permissions.md states it, cell by cell (T2-17 split into its
release and set halves, T1-19 as rule 5 reads it), and `oracle`, the document's cell legend
and rule 3: an expectation written independently of permissions/matrix.py."""

from itertools import product

from permissions.levels import Level

# code: (tool, None, Read Only, Standard, Admin)
EXPECTED = {
    "T1-1": ("C", "—", "—", "—", "✓"),
    "T1-2": ("C", "—", "—", "—", "✓"),
    "T1-3": ("C", "—", "—", "—", "✓"),
    "T1-4": ("C", "—", "—", "—", "✓"),
    "T1-5": ("C", "—", "—", "—", "✓"),
    "T1-6": ("C", "—", "—", "—", "✓"),
    "T1-7": ("C", "—", "—", "—", "✓"),
    "T1-8": ("C", "—", "—", "—", "✓"),
    "T1-9": ("CC", "—", "—", "—", "✓"),
    "T1-10": ("CC", "—", "—", "—", "✓"),
    "T1-11": ("C", "—", "—", "—", "✓"),
    "T1-12": ("C", "—", "—", "—", "✓"),
    "T1-13": ("CC", "—", "—", "—", "✓"),
    "T1-14": ("CC", "—", "—", "—", "✓"),
    "T1-15": ("C", "—", "—", "—", "✓"),
    "T1-16": ("C", "—", "—", "—", "✓"),
    "T1-17": ("C", "—", "—", "—", "✓"),
    "T1-18": ("C", "—", "—", "—", "✓"),
    "T1-19": ("C", "—", "✓C·P", "✓C·P", "✓"),
    "T1-20": ("C", "—", "✓", "✓", "✓"),
    "T1-21": ("C", "—", "—", "✓C·P", "✓"),
    "T1-22": ("C", "—", "—", "—", "✓"),
    "T1-23": ("C", "—", "—", "—", "✓"),
    "T1-24": ("C", "—", "—", "—", "✓"),
    "T1-25": ("CC", "—", "—", "—", "✓"),
    "T1-26": ("C", "—", "—", "—", "✓"),
    "T1-27": ("C", "—", "✓C·P", "✓C·P", "✓"),
    "T1-28": ("CC", "—", "—", "—", "✓"),
    "T2-1": ("C", "—", "✓C", "✓C", "✓C"),
    "T2-2": ("C", "—", "—", "—", "✓"),
    "T2-3": ("C", "—", "—", "—", "✓"),
    "T2-4": ("C", "—", "—", "—", "✓"),
    "T2-5": ("C", "—", "—", "✓P|C", "✓"),
    "T2-6": ("C", "—", "✓C", "✓", "✓"),
    "T2-7": ("C", "—", "—", "—", "✓"),
    "T2-8": ("CC", "—", "—", "—", "✓"),
    "T2-9": ("C", "—", "—", "—", "✓"),
    "T2-10": ("C", "—", "—", "—", "✓"),
    "T2-11": ("C", "—", "—", "—", "✓"),
    "T2-12": ("C", "—", "✓C", "✓", "✓"),
    "T2-13": ("C", "—", "—", "—", "✓"),
    "T2-14": ("C", "—", "✓C", "✓", "✓"),
    "T2-15": ("C", "—", "—", "✓C", "✓C"),
    "T2-16": ("C", "—", "—", "—", "✓"),
    "T2-17a": ("C", "—", "✓C", "✓", "✓"),  # release only below Admin
    "T2-17b": ("C", "—", "—", "—", "✓"),  # setting retainage: Admin
    "T2-18": ("C", "—", "✓P|C", "✓P|C", "✓"),
    "T2-19": ("C", "—", "✓C·P", "✓C·P", "✓"),
}


def oracle(cell, level, contact, private_list, private):
    """The document's legend and general rules, applied to one cell."""
    if level == Level.NONE:
        return False
    if private and level < Level.ADMIN and not (private_list or contact):
        return False  # rule 3
    return {
        "—": False,
        "✓": True,
        "✓C": contact,
        "✓C·P": contact and (level != Level.READ_ONLY or private_list),
        "✓P|C": private_list or contact,
    }[cell]


# Every combination a contract's facts can take for one user: level, invoice contact,
# on the private list, private contract. The HTTP matrix tests run each.
CASES = list(product(Level, [False, True], [False, True], [False, True]))


def case_id(case):
    level, contact, private_list, private = case
    flags = [("contact", contact), ("list", private_list), ("private", private)]
    return "-".join([level.name.lower(), *[name for name, on in flags if on]]) or "none"
