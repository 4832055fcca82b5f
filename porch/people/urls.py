"""People: the list, a person's page and what can be done there, and the merges."""

from django.urls import path

from porch.people import views

app_name = "people"

urlpatterns = [
    path("w/<slug:slug>/people/", views.people, name="list"),
    path("w/<slug:slug>/people/merges/", views.merges, name="merges"),
    path(
        "w/<slug:slug>/people/merges/<int:pk>/confirm/", views.merge_confirm, name="merge_confirm"
    ),
    path(
        "w/<slug:slug>/people/merges/<int:pk>/dismiss/", views.merge_dismiss, name="merge_dismiss"
    ),
    path("w/<slug:slug>/people/merges/<int:pk>/undo/", views.merge_undo, name="merge_undo"),
    path("w/<slug:slug>/people/<int:pk>/", views.person, name="person"),
    path("w/<slug:slug>/people/<int:pk>/update/", views.update, name="update"),
    path("w/<slug:slug>/people/<int:pk>/won/", views.won, name="won"),
    path("w/<slug:slug>/people/<int:pk>/erase/", views.erase, name="erase"),
    path("w/<slug:slug>/people/<int:pk>/export/", views.export, name="export"),
]
