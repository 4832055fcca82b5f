"""Insights: what works, history imports, time and money, the report."""

from django.urls import path

from porch.insights import views

urlpatterns = [
    path("w/<slug:slug>/insights/", views.what_works_page, name="insights"),
    path("w/<slug:slug>/insights/import/", views.import_history_page, name="insights_import"),
    path(
        "w/<slug:slug>/insights/import/<int:pk>/",
        views.import_progress,
        name="insights_import_progress",
    ),
    path("w/<slug:slug>/insights/money/", views.money_page, name="insights_money"),
    path("w/<slug:slug>/insights/report/", views.report_page, name="insights_report"),
    path("w/<slug:slug>/insights/report.pdf", views.report_pdf, name="insights_report_pdf"),
]
