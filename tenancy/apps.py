from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "tenancy"

    def ready(self):
        from . import url_objects
        from .models import Person, Project, Vendor

        url_objects.register("project", Project)
        url_objects.register("vendor", Vendor)
        url_objects.register("person", Person, select_related=["vendor"])
