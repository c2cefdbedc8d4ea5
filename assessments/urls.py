"""Routes of risk assessment: each area's module declares its own `urlpatterns`."""

from assessments import apis
from assessments.views import assessments, portfolio

app_name = "assessments"

urlpatterns = [*assessments.urlpatterns, *portfolio.urlpatterns]

api_urlpatterns = apis.urlpatterns
