"""Signals pages."""

urlpatterns: list = []
