"""URLs of plnet.linkbacks: the Webmention endpoint and status pages, the Pingback XML-RPC server
(at /xmlrpc.php, where WordPress peers look), and the author's log of what was sent."""

from django.urls import path

from . import views

app_name = "linkbacks"
urlpatterns = [
    path("webmention", views.webmention_endpoint, name="webmention"),
    path("webmention/<str:token>/", views.webmention_status, name="webmention_status"),
    path("xmlrpc.php", views.xmlrpc, name="xmlrpc"),
    path("linkbacks/sent/", views.sent, name="sent"),
    path("linkbacks/sent/<int:pk>/retry/", views.retry_sent, name="retry_sent"),
]
