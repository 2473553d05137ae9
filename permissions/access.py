"""Gathers the facts the matrix needs, once per request, and guards the views.

A user's levels on a project are the guardian grants on the project (one query); company
admins are Admin on every tool of every project. Facts about a commitment are read where
each lives (docs/permissions.md): the private list from its guardian grants, the invoice
contacts from the contract's own `invoice_contacts` (the directory people, with their
accounts). Both are loaded for one contract or a whole list in one query.

Permissions sit below contracts (docs/tenancy.md, the layers): this module names no
contract model; it asks an object for its `.contract`, and knows the contract model as
the one its grants are on.
"""

from functools import wraps
from itertools import product

from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.http import Http404

from tenancy.models import Membership

from . import matrix
from .levels import GRANTS, Level, Tool
from .models import ContractUserObjectPermission, ProjectUserObjectPermission
from .selectors import PRIVATE_LIST

# Not a grant: the mark of a contract's invoice contact among the facts loaded below.
CONTACT = "invoice_contact"


class ProjectPermissions:
    def __init__(self, user, project, *, company_admin, external=False):
        self.user = user
        self.project = project
        self.company_admin = company_admin
        # A vendor's contact, not an employee: reaches only the commitments it is an
        # invoice contact on (docs/invite-to-bill.md), whatever level it holds on the project.
        self.external = external
        self._levels = None
        self._contract_facts = {}

    def level(self, tool):
        if self.company_admin:
            return Level.ADMIN
        if self._levels is None:
            self._levels = dict.fromkeys(Tool, Level.NONE)
            codenames = ProjectUserObjectPermission.objects.filter(
                user=self.user, content_object=self.project
            ).values_list("permission__codename", flat=True)
            for codename in codenames:
                granted_tool, granted_level = GRANTS[codename]
                self._levels[granted_tool] = max(self._levels[granted_tool], granted_level)
        return self._levels[tool]

    def preload(self, contracts):
        """Load the facts of many contracts at once: a list page stays at one query."""
        missing = [c.pk for c in contracts if c.pk not in self._contract_facts]
        if not missing or self.company_admin:
            return
        for pk in missing:
            self._contract_facts[pk] = set()
        on_list = ContractUserObjectPermission.objects.filter(
            user=self.user, content_object_id__in=missing, permission__codename=PRIVATE_LIST
        ).values_list("content_object_id", "permission__codename")
        contacts = type(contracts[0]).invoice_contacts.through
        contact_of = contacts.objects.filter(
            contract_id__in=missing, person__user=self.user
        ).values_list("contract_id", Value(CONTACT, output_field=CharField()))
        for pk, fact in on_list.union(contact_of, all=True):
            self._contract_facts[pk].add(fact)

    def _facts_of(self, contract):
        if self.company_admin:
            return set()
        self.preload([contract])
        return self._contract_facts[contract.pk]

    def facts(self, act, obj, tool=None):
        contract = contract_of(obj)
        if tool is None:
            tool = act.tool
        if contract is not None and isinstance(tool, Tool) and tool != tool_of(contract):
            # Rule 1: a subcontractor-invoice action never applies to a client contract,
            # nor a client-invoice action to a commitment.
            return matrix.Facts(Level.NONE)
        if tool is matrix.ToolOf.CONTRACT:
            tool = tool_of(contract) if contract else matrix.ToolOf.EITHER
        if tool is matrix.ToolOf.EITHER:
            level = max(self.level(Tool.COMMITMENTS), self.level(Tool.CLIENT_CONTRACTS))
        else:
            level = self.level(tool)
        if contract is None:
            return matrix.Facts(level)
        if not contract.is_commitment:
            return matrix.Facts(Level.NONE if self.external else level)
        known = self._facts_of(contract)
        if self.external and CONTACT not in known:
            return matrix.Facts(Level.NONE)
        return matrix.Facts(
            level,
            is_contact=CONTACT in known,
            on_private_list=PRIVATE_LIST in known,
            is_private=contract.is_private,
        )

    def can(self, *names, obj=None, tool=None, every=False):
        """May the user do any of these actions on `obj` (the project by default), or all
        of them with `every`?"""
        obj = obj or self.project
        answers = (
            matrix.allowed(name, self.facts(matrix.action(name), obj, tool)) for name in names
        )
        return all(answers) if every else any(answers)

    def visible(self, contracts):
        """The contracts of a queryset that the user may see, filtered by the database so
        that a list pages and sums there (docs/tenancy.md, lists and compression). The
        filter is the matrix's `view_contract` asked of every combination of facts, as
        facts() gathers them for one contract; a test holds the two to the same answers."""
        if self.company_admin:
            return contracts
        model = contracts.model
        facts = {
            "viewer_on_private_list": Exists(
                ContractUserObjectPermission.objects.filter(
                    user=self.user, content_object=OuterRef("pk"), permission__codename=PRIVATE_LIST
                )
            ),
            "viewer_is_contact": Exists(
                model.invoice_contacts.through.objects.filter(
                    contract=OuterRef("pk"), person__user=self.user
                )
            ),
        }
        client = Q(kind=model.Kind.CLIENT)
        seen = Q(pk__in=[])
        if not self.external and matrix.allowed(
            "view_contract", matrix.Facts(self.level(Tool.CLIENT_CONTRACTS))
        ):
            seen |= client
        level = self.level(Tool.COMMITMENTS)
        for is_private, on_list, is_contact in product((False, True), repeat=3):
            if self.external and not is_contact:
                continue
            known = matrix.Facts(level, is_contact, on_list, is_private)
            if matrix.allowed("view_contract", known):
                seen |= (
                    ~client
                    & Q(is_private=is_private)
                    & Q(viewer_on_private_list=on_list)
                    & Q(viewer_is_contact=is_contact)
                )
        return contracts.alias(**facts).filter(seen)

    def can_see(self, obj):
        if contract_of(obj) is not None:
            return self.can("view_contract", obj=obj)
        return self.can("view_project", obj=obj)

    def require(self, *names, obj=None, tool=None, every=False):
        """404 for what the user cannot see at all, 403 for what it sees but may not do."""
        obj = obj or self.project
        if not self.can_see(obj):
            raise Http404("Not found.")
        if not self.can(*names, obj=obj, tool=tool, every=every):
            raise PermissionDenied(matrix.action(names[0]).description + ": not allowed.")


def visible_projects(projects, user, *, company_admin):
    """Company admins see every project; others those they hold a level on."""
    if company_admin:
        return projects
    return projects.filter(projectuserobjectpermission__user=user).distinct()


def tool_of(contract):
    return Tool.COMMITMENTS if contract.is_commitment else Tool.CLIENT_CONTRACTS


def contract_of(obj):
    """The contract an object belongs to, if any: every object below a contract (its lines,
    change orders, invoices and their lines) answers `.contract`."""
    if isinstance(obj, ContractUserObjectPermission.content_object.field.related_model):
        return obj
    return getattr(obj, "contract", None)


def permissions_of(user, project):
    """A user's permissions on a project outside a request (a service, a gate): whether a
    company admin, or external, read from the user's membership as the request reads it."""
    membership = Membership.objects.filter(user=user, company_id=project.company_id).first()
    return ProjectPermissions(
        user,
        project,
        company_admin=bool(membership and membership.is_admin),
        external=membership is None,
    )


def permissions_for(request):
    """The request user's permissions on the request's project, made once per request."""
    if getattr(request, "_permissions", None) is None:
        access = request.company_access
        request._permissions = ProjectPermissions(
            request.user,
            request.project,
            company_admin=access.is_admin,
            external=access.membership is None,
        )
    return request._permissions


def requires(*names, on="project", tool_from=None, every=False):
    """Guard a project view: the user may do one of these matrix actions on the URL object
    `on`, or all of them with `every` (404 when it cannot see the object, 403 when it sees
    it but may not act). Its page asks the same with {% can ... %}.

    `tool_from(request)` picks the tool where the object alone does not tell it (creating a
    contract: the kind asked for). The actions are declared on the view for the URL sweep.
    """

    def decorate(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            tool = tool_from(request) if tool_from else None
            permissions_for(request).require(*names, obj=kwargs[on], tool=tool, every=every)
            return view(request, *args, **kwargs)

        guarded.permission_action = names
        guarded.permission_every = every
        return guarded

    return decorate
