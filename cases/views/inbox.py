"""Inbox pages."""

urlpatterns: list = []
