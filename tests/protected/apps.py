from django.apps import AppConfig


class ProtectedConfig(AppConfig):
    name = "tests.protected"
    label = "protected"
