from django.urls import path

from notes import views

# Not namespaced: "home" is the site's root name (base.html, LOGIN_REDIRECT_URL).
urlpatterns = [
    path("", views.home, name="home"),
    path("notes/new/", views.note_create, name="note_create"),
    path("notes/search/", views.search_page, name="note_search"),
    path("notes/<str:note_id>/", views.note_detail, name="note_detail"),
    path("notes/<str:note_id>/edit/", views.note_edit, name="note_edit"),
    path("notes/<str:note_id>/revisions/", views.note_revisions, name="note_revisions"),
    path("notes/<str:note_id>/poll/", views.poll_vote, name="note_poll_vote"),
    path("notes/<str:note_id>/delete/", views.note_delete, name="note_delete"),
    path("me/notes/", views.my_notes, name="my_notes"),
    path("me/filters/", views.my_filters, name="my_filters"),
    path("n/<int:number>", views.note_by_number, name="note_by_number"),
    path("n/<int:number>/", views.note_by_number),
]
