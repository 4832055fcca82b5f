from django.contrib import admin
from django.urls import path

from porch.core import views as core
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
    path("w/<slug:slug>/accounts/", ws.accounts, name="accounts"),
    path("health/", core.health, name="health"),
    path("healthz", core.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
