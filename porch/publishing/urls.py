"""Publishing: the queue, composing, the calendar, feeds, posts and tracked links."""

from django.urls import path

from porch.publishing import views

urlpatterns = [
    path("w/<slug:slug>/publishing/", views.queue, name="publishing_queue"),
    path("w/<slug:slug>/publishing/compose/", views.compose, name="compose"),
    path("w/<slug:slug>/publishing/compose/count/", views.count, name="compose_count"),
    path("w/<slug:slug>/publishing/calendar/", views.calendar, name="calendar"),
    path("w/<slug:slug>/publishing/feeds/", views.feeds_page, name="publishing_feeds"),
    path(
        "w/<slug:slug>/publishing/feeds/fetch/<uuid:job>/",
        views.feeds_fetch,
        name="publishing_feeds_fetch",
    ),
    path("w/<slug:slug>/publishing/posts/<int:pk>/", views.post_detail, name="post"),
    path("w/<slug:slug>/publishing/posts/<int:pk>/action/", views.post_action, name="post_action"),
    path(
        "w/<slug:slug>/publishing/targets/<int:pk>/action/",
        views.target_action,
        name="target_action",
    ),
    path("l/<str:code>", views.link_redirect, name="tracked_link"),
]
