"""Reads of the per-object permission facts kept as django-guardian grants.

The private list of a commitment exists only as grants (docs/permissions.md, where each
fact lives); its invoice contacts are the contract's own field and are read there.
"""

from tenancy.models import User

PRIVATE_LIST = "on_private_list"


def contract_private_users(contract):
    """The users on a commitment's private list, by email."""
    return User.objects.filter(
        contractuserobjectpermission__content_object=contract,
        contractuserobjectpermission__permission__codename=PRIVATE_LIST,
    ).order_by("email")
