"""Permission levels and tools: None < Read Only < Standard < Admin, per tool.

See docs/permissions.md.
"""

from enum import IntEnum, StrEnum


class Level(IntEnum):
    NONE = 0
    READ_ONLY = 1
    STANDARD = 2
    ADMIN = 3

    @property
    def label(self):
        return {0: "None", 1: "Read Only", 2: "Standard", 3: "Admin"}[self.value]

    @classmethod
    def choices(cls):
        return [(level.value, level.label) for level in cls]


class Tool(StrEnum):
    COMMITMENTS = "commitments"
    CLIENT_CONTRACTS = "client_contracts"

    @property
    def label(self):
        return {"commitments": "Commitments", "client_contracts": "Client Contracts"}[self.value]


def codename(tool, level):
    """The guardian permission granting `level` on `tool` for a project."""
    return f"{tool.value}_{level.name.lower()}"


# The grant codename for each (tool, level), and back.
GRANTS = {
    codename(tool, level): (tool, level)
    for tool in Tool
    for level in (Level.READ_ONLY, Level.STANDARD, Level.ADMIN)
}

# The permissions a project grant can carry, for Project.Meta.permissions.
PROJECT_PERMISSIONS = [
    (codename(tool, level), f"{level.label} on {tool.label}")
    for tool in Tool
    for level in (Level.READ_ONLY, Level.STANDARD, Level.ADMIN)
]
