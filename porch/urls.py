from django.contrib import admin
from django.urls import path

from porch.core import views as core
from porch.inbox import views as inbox
from porch.networks import views as nets
from porch.workspaces import views as ws

urlpatterns = [
    path("", ws.home, name="home"),
    path("signin/", ws.sign_in, name="login"),
    path("signout/", ws.sign_out, name="logout"),
    path("signup/", ws.sign_up, name="signup"),
    path("invitation/<str:token>/", ws.invitation, name="invitation"),
    path("workspaces/new/", ws.workspace_new, name="workspace_new"),
    path("w/<slug:slug>/", core.dashboard, name="dashboard"),
    path("w/<slug:slug>/members/", ws.members, name="members"),
    path("w/<slug:slug>/inbox/", inbox.inbox_list, name="inbox"),
    path("w/<slug:slug>/inbox/<int:pk>/", inbox.conversation, name="conversation"),
    path("w/<slug:slug>/inbox/<int:pk>/reply/", inbox.reply, name="reply"),
    path("w/<slug:slug>/inbox/<int:pk>/update/", inbox.update, name="conversation_update"),
    path("w/<slug:slug>/inbox/<int:pk>/note/", inbox.add_note, name="conversation_note"),
    path("w/<slug:slug>/saved-replies/", inbox.saved_replies, name="saved_replies"),
    path("w/<slug:slug>/accounts/", nets.accounts, name="accounts"),
    path("w/<slug:slug>/accounts/connect/", nets.connect, name="connect"),
    path("w/<slug:slug>/accounts/connect/bluesky/", nets.connect_bluesky, name="connect_bluesky"),
    path(
        "w/<slug:slug>/accounts/connect/mastodon/", nets.connect_mastodon, name="connect_mastodon"
    ),
    path("w/<slug:slug>/accounts/connect/x/", nets.connect_x, name="connect_x"),
    path(
        "w/<slug:slug>/accounts/connect/facebook/", nets.connect_facebook, name="connect_facebook"
    ),
    path(
        "w/<slug:slug>/accounts/callback/<str:network>/",
        nets.connect_callback,
        name="connect_callback",
    ),
    path(
        "w/<slug:slug>/accounts/<int:account_id>/", nets.account_settings, name="account_settings"
    ),
    path(
        "w/<slug:slug>/accounts/<int:account_id>/disconnect/",
        nets.disconnect,
        name="disconnect",
    ),
    path("health/", core.health, name="health"),
    path("healthz", core.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
