from django.urls import path

from moderation import views

app_name = "moderation"

urlpatterns = [
    path("mine/", views.my_reports, name="mine"),
    path("new/", views.report_new, name="new"),
]
