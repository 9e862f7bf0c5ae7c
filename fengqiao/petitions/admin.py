from django.contrib import admin

from .models import Petition, Review


@admin.register(Petition)
class PetitionAdmin(admin.ModelAdmin):
    list_display = ["case", "registered_at", "accepted", "answered_at", "evaluation"]
    raw_id_fields = ["case", "petitioner", "repeat_of"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["petition", "kind", "requested_at", "due_at", "answered_at"]
