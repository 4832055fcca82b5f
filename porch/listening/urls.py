"""Listening: the searches and their streams."""

from django.urls import path

from porch.listening import views

urlpatterns = [
    path("w/<slug:slug>/listening/", views.listening, name="listening"),
    path("w/<slug:slug>/listening/stream/", views.stream_all, name="listening_stream_all"),
    path("w/<slug:slug>/listening/say/", views.say, name="listening_say_all"),
    path("w/<slug:slug>/listening/say/answer/", views.answer, name="listening_answer"),
    path("w/<slug:slug>/listening/<int:pk>/", views.stream, name="listening_stream"),
    path("w/<slug:slug>/listening/<int:pk>/say/", views.say, name="listening_say"),
    path("w/<slug:slug>/listening/<int:pk>/edit/", views.edit, name="listening_edit"),
    path("w/<slug:slug>/listening/<int:pk>/pause/", views.pause, name="listening_pause"),
    path("w/<slug:slug>/listening/hits/<int:pk>/take/", views.take, name="hit_take"),
    path("w/<slug:slug>/listening/hits/<int:pk>/engage/", views.engage, name="hit_engage"),
    path("w/<slug:slug>/listening/hits/<int:pk>/reply/", views.reply, name="hit_reply"),
    path(
        "w/<slug:slug>/listening/hits/<int:pk>/not-relevant/",
        views.not_relevant,
        name="hit_not_relevant",
    ),
    path("w/<slug:slug>/listening/hits/<int:pk>/relevant/", views.relevant, name="hit_relevant"),
    path("w/<slug:slug>/listening/mute/", views.mute, name="listening_mute"),
    path("w/<slug:slug>/listening/mutes/<int:pk>/delete/", views.unmute, name="unmute"),
]
