"""The site's URLs plus the benchmark baselines under /bench/ (bench/settings.py only)."""

from django.urls import include, path

from bench import views

urlpatterns = [
    path("bench/ceiling.json", views.ceiling_json),
    path("bench/ceiling.html", views.ceiling_html),
    path("bench/ceiling/<str:name>", views.ceiling_page),
    path("bench/ceiling-count.json", views.ceiling_count),
    path("bench/naive/hot", views.naive_hot),
    path("bench/hot-direct", views.hot_direct),
    path("bench/naive/home", views.naive_home),
    path("bench/naive/notes/<int:note_id>/vote", views.naive_vote),
    path("", include("treehole.urls")),
]
