"""Offers: the offers and their codes, the counter, staff links and till imports."""

from django.urls import URLPattern, path

from porch.offers import counter, till_views, views

app_name = "offers"

urlpatterns: list[URLPattern] = []

urlpatterns += [
    path("w/<slug:slug>/counter/", counter.counter, name="counter"),
    path("w/<slug:slug>/counter/staff-links/", counter.staff_links, name="staff_links"),
    path(
        "w/<slug:slug>/counter/staff-links/<int:pk>/revoke/",
        counter.staff_link_revoke,
        name="staff_link_revoke",
    ),
    path("till/", counter.till, name="till"),
    path("till/<str:token>/", counter.till_enter, name="till_enter"),
    path("c/<str:code>/", counter.code, name="code"),
]

urlpatterns += [
    path("w/<slug:slug>/offers/", views.offer_list, name="list"),
    path("w/<slug:slug>/offers/new/", views.offer_new, name="new"),
    path("w/<slug:slug>/offers/<int:pk>/", views.offer_page, name="offer"),
    path("w/<slug:slug>/offers/<int:pk>/edit/", views.offer_edit, name="edit"),
    path("w/<slug:slug>/offers/<int:pk>/send/", views.send, name="send"),
    path("w/<slug:slug>/offers/<int:pk>/qr/", views.qr, name="qr"),
    path("w/<slug:slug>/offers/<int:pk>/print/", views.print_page, name="print"),
    path("o/<str:code>/", views.public, name="public"),
]

urlpatterns += [
    path("w/<slug:slug>/till-import/", till_views.till_import, name="till_import"),
    path(
        "w/<slug:slug>/till-import/<int:pk>/",
        till_views.till_import_confirm,
        name="till_import_confirm",
    ),
]
