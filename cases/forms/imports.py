"""Forms of the import pages: uploading an event file, filtering the list of imports."""

from __future__ import annotations

from typing import Any

from django import forms

from cases import access
from cases.importers import IMPORT_MAX_BYTES
from cases.models import ImportJob
from r2p.models import Classification, User


class ImportJobForm(forms.Form):
    """What the upload page asks; the service checks it (the form only shapes the choices)."""

    file = forms.FileField(
        label="Event file",
        required=False,
        help_text=(
            f"A CSV file in UTF-8, at most {IMPORT_MAX_BYTES // (1024 * 1024)} MiB, as ACLED or "
            "UCDP publish it. Header names may be in any case. Rows already imported from "
            "an earlier file are recognised and skipped."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    format = forms.ChoiceField(
        label="Format",
        choices=[("", "Choose a format"), *ImportJob.Format.choices],
        required=False,
        help_text="ACLED: event_id_cnty, event_date, event_type, … "
        "UCDP GED: id, date_start, type_of_violence, best, low, high, …",
    )
    source = forms.ChoiceField(
        label="Source",
        required=False,
        help_text="Every imported signal is attributed to this source, shown by pseudonym "
        "and reliability grade.",
    )
    classification = forms.ChoiceField(
        label="File the signals as",
        required=False,
        help_text="The classification every imported signal carries. ACLED and UCDP data are "
        "public.",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sources = access.sources_visible(user).order_by("pseudonym")
        self.fields["source"].choices = [("", "Choose a source")] + [
            (s.pseudonym, f"{s.pseudonym} ({s.reliability}) · {s.get_source_type_display()}")
            for s in sources
        ]
        self.fields["classification"].choices = [
            (level.name, level.label) for level in Classification if level <= user.clearance
        ]
        self.fields["classification"].initial = Classification.PUBLIC.name

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "file": data.get("file"),
            "format": data.get("format") or "",
            "source": data.get("source") or "",
            "classification": data.get("classification") or Classification.PUBLIC.name,
        }


class ImportJobFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *ImportJob.Status.choices]
    )
    format = forms.ChoiceField(
        required=False, choices=[("", "Any format"), *ImportJob.Format.choices]
    )

    def filters(self) -> dict[str, str]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {key: data.get(key) or "" for key in ("status", "format")}
