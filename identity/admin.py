from django.contrib import admin

from identity.models import DocumentType


@admin.register(DocumentType)
class DocumentTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name_ja", "name_en", "active")
    list_filter = ("active",)
    search_fields = ("code", "name_ja", "name_en")
