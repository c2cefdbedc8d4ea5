"""REST API of the intake."""

urlpatterns: list = []
