from django.urls import path, re_path

from reports import apis, views

app_name = "reports"

urlpatterns = [
    path("reports/", views.report_index, name="report-list"),
    path("reports/<int:pk>/", views.report_detail, name="report-detail"),
    path("reports/<int:pk>/progress/", views.report_progress_json, name="report-progress"),
    path("reports/<int:pk>/narrative/", views.report_narrative, name="report-narrative"),
    path("reports/<int:pk>/correct/", views.report_correct, name="report-correct"),
    path("reports/<int:pk>/release/", views.report_release, name="report-release"),
    path("reports/<int:pk>/<str:action>/", views.report_move, name="report-move"),
    path("reports/<int:pk>/report.pdf", views.report_pdf, name="report-pdf"),
    re_path(
        r"^reports/(?P<pk>[0-9]+)/annex\.(?P<extension>csv|json)$",
        views.report_annex,
        name="report-annex",
    ),
]

api_urlpatterns = [
    path("reports/", apis.ReportListApi.as_view(), name="api-report-list"),
    path("reports/<int:pk>/", apis.ReportDetailApi.as_view(), name="api-report-detail"),
    path(
        "reports/<int:pk>/narrative/",
        apis.ReportNarrativeApi.as_view(),
        name="api-report-narrative",
    ),
    path("reports/<int:pk>/annex.json", apis.ReportAnnexApi.as_view(), name="api-report-annex"),
    path(
        "reports/<int:pk>/annex.csv", apis.ReportAnnexCsvApi.as_view(), name="api-report-annex-csv"
    ),
    path("reports/<int:pk>/report.pdf", apis.ReportPdfApi.as_view(), name="api-report-pdf"),
    path("reports/<int:pk>/correct/", apis.ReportCorrectApi.as_view(), name="api-report-correct"),
    path("reports/<int:pk>/release/", apis.ReportReleaseApi.as_view(), name="api-report-release"),
    path("reports/<int:pk>/<str:action>/", apis.ReportMoveApi.as_view(), name="api-report-move"),
]
