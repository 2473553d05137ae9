from django_scopes import scope

from .services import document_types_seed


def company_created(sender, instance, created, raw=False, **kwargs):
    """A new company starts with the default document types (docs/compliance.md)."""
    if created and not raw:
        with scope(company=instance):
            document_types_seed(instance)
