"""The widget templates under templates/django/forms/widgets/ write exactly what Django's own
write: only faster (requests_app/templatetags/widgets.py says why)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django import forms
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.forms.renderers import DjangoTemplates, TemplatesSetting, get_default_renderer
from django.utils.datastructures import MultiValueDict
from django.utils.safestring import mark_safe


class _StoredFile:
    """A file already on a record, as ClearableFileInput shows it."""

    url = "/files/scan.pdf?a=1&b=2"

    def __str__(self) -> str:
        return "scan <1>.pdf"


ATTRS: dict[str, Any] = {
    "class": 'a "quoted" & <odd> value',
    "required": True,
    "disabled": False,
    "data-none": None,
    "data-number": 7,
    "data-safe": mark_safe("<b>kept</b>"),
    "data-tuple": (1, 2),
    "aria-describedby": "x_helptext",
}

CHOICES = [
    ("", "—"),
    ("a", "A & B"),
    ("Group <1>", [("b", "B"), ("c", mark_safe("<i>C</i>"))]),
    (3, "three"),
]

WIDGETS: list[tuple[forms.Widget, Any]] = [
    (forms.TextInput(attrs=ATTRS), 'he said "hi" <b>'),
    (forms.TextInput(), None),
    (forms.NumberInput(attrs={"min": 0}), 5),
    (forms.HiddenInput(), "state & more"),
    (forms.DateInput(attrs={"type": "date"}), date(2026, 11, 30)),
    (forms.EmailInput(), "a@example.jp"),
    (forms.PasswordInput(render_value=True), "secret"),
    (forms.Textarea(attrs=ATTRS), "line one\n<line two>"),
    (forms.Textarea(), ""),
    (forms.CheckboxInput(attrs=ATTRS), True),
    (forms.CheckboxInput(), False),
    (forms.Select(choices=CHOICES, attrs=ATTRS), "b"),
    (forms.Select(choices=CHOICES), None),
    (forms.NullBooleanSelect(), True),
    (forms.SelectMultiple(choices=CHOICES), ["a", "c"]),
    (forms.CheckboxSelectMultiple(choices=CHOICES, attrs={"id": "boxes"}), ["a", 3]),
    (forms.RadioSelect(choices=CHOICES, attrs={"id": "radio"}), "c"),
    (forms.ClearableFileInput(attrs=ATTRS), None),
    (forms.ClearableFileInput(), _StoredFile()),
    (forms.FileInput(), None),
    (forms.SplitDateTimeWidget(), None),
    (forms.SelectDateWidget(years=[2025, 2026]), date(2026, 2, 3)),
]


def test_the_project_renders_forms_with_its_own_widget_templates() -> None:
    assert settings.FORM_RENDERER == "django.forms.renderers.TemplatesSetting"
    assert isinstance(get_default_renderer(), TemplatesSetting)


@pytest.mark.parametrize(("widget", "value"), WIDGETS, ids=lambda w: type(w).__name__)
def test_each_widget_renders_as_django_renders_it(widget: forms.Widget, value: Any) -> None:
    djangos = widget.render("field", value, attrs={"id": "id_field"}, renderer=DjangoTemplates())
    ours = widget.render("field", value, attrs={"id": "id_field"}, renderer=TemplatesSetting())
    assert ours == djangos


def test_a_bound_form_with_errors_renders_as_django_renders_it() -> None:
    class Form(forms.Form):
        name = forms.CharField(max_length=5, help_text="Family name first")
        kind = forms.ChoiceField(choices=CHOICES[1:])
        scan = forms.FileField(required=False)

    data = {"name": "too long", "kind": "z"}
    upload: UploadedFile = SimpleUploadedFile("scan.pdf", b"%PDF-1.4")
    files = MultiValueDict({"scan": [upload]})
    djangos = Form(data, files, renderer=DjangoTemplates())
    ours = Form(data, files, renderer=TemplatesSetting())
    assert str(ours) == str(djangos)
