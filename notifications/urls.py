from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/read-all/", views.notification_read_all, name="read_all"),
    path("notifications/<str:notification_id>/", views.notification_open, name="open"),
    path("me/following/", views.my_following, name="following"),
    path("me/bookmarks/", views.my_bookmarks, name="bookmarks"),
]
