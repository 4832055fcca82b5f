"""The plan: the workshop, accepting, reviews, versions and exports."""

from django.urls import path

from porch.plans import peer_views, views

urlpatterns = [
    path("w/<slug:slug>/plan/", views.plan_page, name="plan"),
    path("w/<slug:slug>/plan/workshop/", views.wizard, name="plan_wizard"),
    path("w/<slug:slug>/plan/workshop/<str:step>/", views.wizard, name="plan_step"),
    path("w/<slug:slug>/plan/accept/", views.accept, name="plan_accept"),
    path("w/<slug:slug>/plan/review/", views.review, name="plan_review"),
    path("w/<slug:slug>/plan/versions/", views.versions, name="plan_versions"),
    path("w/<slug:slug>/plan/plan.md", views.export_markdown, name="plan_markdown"),
    path("w/<slug:slug>/plan/plan.pdf", views.export_pdf, name="plan_pdf"),
    path("w/<slug:slug>/plan/peers/", peer_views.peers, name="plan_peers"),
    path("w/<slug:slug>/plan/peers/look/", peer_views.look_again, name="plan_peers_look"),
    path("w/<slug:slug>/plan/peers/<int:pk>/", peer_views.peer_action, name="plan_peer_action"),
    path("plans/", views.all_plans, name="all_plans"),
    path("plans/plans.pdf", views.all_plans_pdf, name="all_plans_pdf"),
]
