"""The inbox: conversations, replies, approvals, saved replies and response times."""

from django.urls import path

from porch.inbox import pulse, views

urlpatterns = [
    path("w/<slug:slug>/inbox/", views.inbox_list, name="inbox"),
    path("w/<slug:slug>/inbox/pulse/", pulse.pulse, name="inbox_pulse"),
    path("w/<slug:slug>/inbox/<int:pk>/", views.conversation, name="conversation"),
    path("w/<slug:slug>/inbox/<int:pk>/reply/", views.reply, name="reply"),
    path("w/<slug:slug>/inbox/<int:pk>/update/", views.update, name="conversation_update"),
    path("w/<slug:slug>/inbox/<int:pk>/resolve/", views.resolve, name="conversation_resolve"),
    path("w/<slug:slug>/inbox/<int:pk>/note/", views.add_note, name="conversation_note"),
    path("w/<slug:slug>/saved-replies/", views.saved_replies, name="saved_replies"),
    path(
        "w/<slug:slug>/saved-replies/<int:pk>/",
        views.saved_reply_edit,
        name="saved_reply_edit",
    ),
    path("w/<slug:slug>/inbox/<int:pk>/check/", views.reply_check, name="reply_check"),
    path("w/<slug:slug>/inbox/settings/", views.inbox_settings, name="inbox_settings"),
    path(
        "w/<slug:slug>/inbox/settings/undo-learning/",
        views.undo_learning,
        name="inbox_undo_learning",
    ),
    path("w/<slug:slug>/inbox/response-times/", views.response_times, name="response_times"),
    path("w/<slug:slug>/inbox/approvals/", views.approvals, name="approvals"),
    path("w/<slug:slug>/inbox/approvals/<int:pk>/approve/", views.approve, name="approve_reply"),
    path("w/<slug:slug>/inbox/approvals/<int:pk>/send-back/", views.send_back, name="send_back"),
    path("w/<slug:slug>/inbox/replies/<int:pk>/retry/", views.retry_reply, name="retry_reply"),
    path(
        "w/<slug:slug>/inbox/replies/<int:pk>/discard/",
        views.discard_reply,
        name="discard_reply",
    ),
]
