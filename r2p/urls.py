from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from assessments.urls import api_urlpatterns as assessments_api
from cases.urls import api_urlpatterns as cases_api
from r2p import apis, views
from reports.urls import api_urlpatterns as reports_api

api_v1 = [
    path("me/", apis.MeApi.as_view(), name="api-me"),
    path("audit/events/", apis.AuditEventListApi.as_view(), name="api-audit-events"),
    path("auth/token/revoke/", apis.TokenRevokeApi.as_view(), name="api-token-revoke"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    *cases_api,
    *assessments_api,
    *reports_api,
]

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("audit/", views.audit_list, name="audit-list"),
    path("", include("cases.urls")),
    path("", include("assessments.urls")),
    path("", include("reports.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
]

handler403 = "r2p.views.error_403"
handler404 = "r2p.views.error_404"
handler500 = "r2p.views.error_500"
