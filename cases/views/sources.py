"""Sources pages."""

urlpatterns: list = []
