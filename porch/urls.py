from django.contrib import admin
from django.urls import path

from porch.core import views as core
from porch.inbox import views as inbox
from porch.insights import views as insights
from porch.networks import views as nets
from porch.plans import views as plans
from porch.publishing import views as pub
from porch.workspaces import views as ws

urlpatterns = [
    path("", ws.home, name="home"),
    path("signin/", ws.sign_in, name="login"),
    path("signout/", ws.sign_out, name="logout"),
    path("signup/", ws.sign_up, name="signup"),
    path("invitation/<str:token>/", ws.invitation, name="invitation"),
    path("password-reset/", ws.password_reset, name="password_reset"),
    path("password-reset/sent/", ws.password_reset_done, name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        ws.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("password-reset/done/", ws.password_reset_complete, name="password_reset_complete"),
    path("workspaces/new/", ws.workspace_new, name="workspace_new"),
    path("w/<slug:slug>/", core.dashboard, name="dashboard"),
    path("w/<slug:slug>/members/", ws.members, name="members"),
    path("w/<slug:slug>/members/<int:pk>/role/", ws.member_role, name="member_role"),
    path("w/<slug:slug>/members/<int:pk>/remove/", ws.member_remove, name="member_remove"),
    path(
        "w/<slug:slug>/invitations/<int:pk>/withdraw/",
        ws.invitation_revoke,
        name="invitation_revoke",
    ),
    path("w/<slug:slug>/inbox/", inbox.inbox_list, name="inbox"),
    path("w/<slug:slug>/inbox/<int:pk>/", inbox.conversation, name="conversation"),
    path("w/<slug:slug>/inbox/<int:pk>/reply/", inbox.reply, name="reply"),
    path("w/<slug:slug>/inbox/<int:pk>/update/", inbox.update, name="conversation_update"),
    path("w/<slug:slug>/inbox/<int:pk>/note/", inbox.add_note, name="conversation_note"),
    path("w/<slug:slug>/saved-replies/", inbox.saved_replies, name="saved_replies"),
    path(
        "w/<slug:slug>/saved-replies/<int:pk>/",
        inbox.saved_reply_edit,
        name="saved_reply_edit",
    ),
    path("w/<slug:slug>/inbox/<int:pk>/check/", inbox.reply_check, name="reply_check"),
    path("w/<slug:slug>/inbox/settings/", inbox.inbox_settings, name="inbox_settings"),
    path("w/<slug:slug>/inbox/response-times/", inbox.response_times, name="response_times"),
    path("w/<slug:slug>/inbox/approvals/", inbox.approvals, name="approvals"),
    path("w/<slug:slug>/inbox/approvals/<int:pk>/approve/", inbox.approve, name="approve_reply"),
    path("w/<slug:slug>/inbox/approvals/<int:pk>/send-back/", inbox.send_back, name="send_back"),
    path("w/<slug:slug>/inbox/replies/<int:pk>/retry/", inbox.retry_reply, name="retry_reply"),
    path(
        "w/<slug:slug>/inbox/replies/<int:pk>/discard/", inbox.discard_reply, name="discard_reply"
    ),
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
    path("w/<slug:slug>/publishing/", pub.queue, name="publishing_queue"),
    path("w/<slug:slug>/publishing/compose/", pub.compose, name="compose"),
    path("w/<slug:slug>/publishing/compose/count/", pub.count, name="compose_count"),
    path("w/<slug:slug>/publishing/calendar/", pub.calendar, name="calendar"),
    path("w/<slug:slug>/publishing/feeds/", pub.feeds_page, name="publishing_feeds"),
    path(
        "w/<slug:slug>/publishing/feeds/fetch/<uuid:job>/",
        pub.feeds_fetch,
        name="publishing_feeds_fetch",
    ),
    path("w/<slug:slug>/publishing/posts/<int:pk>/", pub.post_detail, name="post"),
    path("w/<slug:slug>/publishing/posts/<int:pk>/action/", pub.post_action, name="post_action"),
    path(
        "w/<slug:slug>/publishing/targets/<int:pk>/action/",
        pub.target_action,
        name="target_action",
    ),
    path("l/<str:code>", pub.link_redirect, name="tracked_link"),
    path("w/<slug:slug>/insights/", insights.what_works_page, name="insights"),
    path("w/<slug:slug>/insights/import/", insights.import_history_page, name="insights_import"),
    path(
        "w/<slug:slug>/insights/import/<int:pk>/",
        insights.import_progress,
        name="insights_import_progress",
    ),
    path("w/<slug:slug>/insights/money/", insights.money_page, name="insights_money"),
    path("w/<slug:slug>/insights/report/", insights.report_page, name="insights_report"),
    path("w/<slug:slug>/insights/report.pdf", insights.report_pdf, name="insights_report_pdf"),
    path("w/<slug:slug>/plan/", plans.plan_page, name="plan"),
    path("w/<slug:slug>/plan/workshop/", plans.wizard, name="plan_wizard"),
    path("w/<slug:slug>/plan/workshop/<str:step>/", plans.wizard, name="plan_step"),
    path("w/<slug:slug>/plan/accept/", plans.accept, name="plan_accept"),
    path("w/<slug:slug>/plan/review/", plans.review, name="plan_review"),
    path("w/<slug:slug>/plan/versions/", plans.versions, name="plan_versions"),
    path("w/<slug:slug>/plan/plan.md", plans.export_markdown, name="plan_markdown"),
    path("w/<slug:slug>/plan/plan.pdf", plans.export_pdf, name="plan_pdf"),
    path("plans/", plans.all_plans, name="all_plans"),
    path("plans/plans.pdf", plans.all_plans_pdf, name="all_plans_pdf"),
    path("health/", core.health, name="health"),
    path("healthz", core.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
