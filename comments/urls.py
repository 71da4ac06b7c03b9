from django.urls import path

from comments import views

app_name = "comments"

urlpatterns = [
    path("notes/<str:note_id>/comments/", views.comment_create, name="create"),
    path("comments/<str:comment_id>/delete/", views.comment_delete, name="delete"),
    path("me/comments/", views.my_comments, name="mine"),
]
