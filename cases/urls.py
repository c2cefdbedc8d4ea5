"""Routes of the intake: each area's module declares its own `urlpatterns`."""

from cases import apis, apis_desk, apis_escalations, apis_imports
from cases.views import (
    briefings,
    escalations,
    gap,
    imports,
    inbox,
    search,
    signals,
    situations,
    sources,
)

app_name = "cases"

urlpatterns = [
    *inbox.urlpatterns,
    *signals.urlpatterns,
    *situations.urlpatterns,
    *sources.urlpatterns,
    *imports.urlpatterns,
    *search.urlpatterns,
    *escalations.urlpatterns,
    *gap.urlpatterns,
    *briefings.urlpatterns,
]

api_urlpatterns = [
    *apis.urlpatterns,
    *apis_imports.urlpatterns,
    *apis_escalations.urlpatterns,
    *apis_desk.urlpatterns,
]
