"""Situations pages."""

urlpatterns: list = []
