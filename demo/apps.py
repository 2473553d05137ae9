from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo company that `make run` seeds: above every domain app, imported by none."""

    name = "demo"
