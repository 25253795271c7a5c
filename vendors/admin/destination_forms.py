"""The destination form: where a destination sends (a connection, one of its vendor's
operations, a LeadByte campaign), then each fixed value in a typed field of its own, made
from that operation's fields (vendors.fixed_values)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from django import forms
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper

from vendors.base import VendorAdapter
from vendors.field_labels import plain_label
from vendors.fieldspec import FieldSpec
from vendors.fixed_rows import RowsTyped, fixed_values_shown, row_form_fields, rows_specs
from vendors.fixed_values import (
    FIXED_PREFIX,
    fixed_field_name,
    fixed_form_field,
    fixed_value_problems,
    stored_value,
    typed_specs,
)
from vendors.models import Campaign, Connection, Destination, operation_field_specs
from vendors.registry import VendorKind, adapter_class, implemented_kinds
from vendors.results import Operation

# The destination form's field for the vendor fields never sent (stored as None).
LEFT_OUT = "left_out"
# The destination form's field for the label staff read for one vendor field.
LABEL_PREFIX = "label__"


def label_field_name(name: str) -> str:
    return LABEL_PREFIX + name


def label_form_field(spec: FieldSpec) -> forms.CharField:
    """Where an admin sets the label staff read for ``spec``, named as the vendor names it;
    blank keeps the plain default."""
    default = plain_label(spec.label, spec.name)
    vendor = spec.label if spec.label in ("", spec.name) else f"{spec.label} ({spec.name})"
    return forms.CharField(
        label=vendor or spec.name,
        required=False,
        max_length=120,
        widget=forms.TextInput(attrs={"placeholder": default}),
        help_text=f"Blank: staff read “{default}”.",
    )


def operation_choice(kind: str, operation: str) -> str:
    """The value of one vendor's operation in the destination form: operation names repeat
    across vendors (every vendor has ``create_lead``), so the vendor is part of it."""
    return f"{kind}:{operation}"


def operation_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every vendor's operations a destination can use, grouped under the vendor's name."""
    groups = []
    for kind in sorted(implemented_kinds(), key=lambda k: VendorKind(k).label):
        ops = adapter_class(kind).operations.values()
        # Follow-ups start from a lead's page, never from a destination.
        options = [(operation_choice(kind, op.name), op.label) for op in ops if not op.follow_up]
        groups.append((VendorKind(kind).label, sorted(options, key=lambda o: o[1])))
    return groups


class OwnedOptionSelect(forms.Select):
    """A select whose options say whose they are (``data-<owner_attr>``), so the page's
    script (static/leadhub/destination_form.js) offers only those of the chosen owner."""

    owner_attr = ""

    def owner(self, instance: Any) -> str:
        raise NotImplementedError

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"][f"data-{self.owner_attr}"] = self.owner(instance)
        return option


class CampaignSelect(OwnedOptionSelect):
    owner_attr = "connection"

    def owner(self, instance: Any) -> str:
        return str(instance.connection_id)


class ConnectionSelect(OwnedOptionSelect):
    owner_attr = "kind"

    def owner(self, instance: Any) -> str:
        return str(instance.kind)


class CampaignChoiceField(forms.ModelChoiceField):
    """Campaigns LeadByte would refuse leads to are marked in the list; each option says
    its connection, for the page to offer only the chosen connection's."""

    widget = CampaignSelect
    # The first step lists every connection's campaigns: each says whose it is.
    with_connection = False

    def label_from_instance(self, obj: Any) -> str:
        label = f"{obj.connection.name} · {obj}" if self.with_connection else str(obj)
        if obj.usable:
            return label
        return f"{label} (not active in LeadByte: {obj.unusable_reason})"


@dataclass(frozen=True)
class DestinationTarget:
    """Where a destination sends: what its typed fixed-value fields are made from."""

    kind: str
    operation: Operation
    campaign: Campaign | None = None

    @property
    def specs(self) -> list[FieldSpec]:
        return operation_field_specs(self.operation, self.campaign)

    @classmethod
    def of(cls, destination: Destination) -> DestinationTarget:
        return cls(destination.connection.kind, destination.operation_spec, destination.campaign)


def destination_target_problems(
    connection: Connection,
    choice: str,
    campaign: Campaign | None,
    *,
    current_campaign_id: int | None = None,
) -> dict[str, str]:
    """What is wrong with a destination sending ``choice`` (an operation_choice) through
    ``connection`` to ``campaign``, by form field; empty when nothing is."""
    kind, _, operation = choice.partition(":")
    spec = connection.adapter_class.operations.get(operation)
    vendor = connection.get_kind_display()
    if kind != connection.kind or spec is None or spec.follow_up:
        return {"operation": f"{vendor} has no such operation: pick one listed under {vendor}."}
    if spec.uses_campaign and campaign is None:
        return {"campaign": "This operation sends to a campaign: pick one."}
    if campaign is None:
        return {}
    if campaign.connection_id != connection.pk:
        return {"campaign": "The campaign belongs to another connection."}
    if not campaign.usable and campaign.pk != current_campaign_id:
        # LeadByte refuses every lead to it (-9); a destination already on it keeps
        # saving, so its other settings can still be changed.
        return {
            "campaign": "This campaign is not active in LeadByte, which refuses every lead "
            "sent to it. Pick an active campaign, or sync campaigns if it was switched on since."
        }
    return {}


class DestinationStartForm(forms.Form):
    """The add page's first step: where the destination sends, which decides its fields."""

    connection = forms.ModelChoiceField(queryset=Connection.objects.all(), widget=ConnectionSelect)
    operation = forms.ChoiceField(
        choices=lambda: [("", "---------"), *operation_choices()],
        help_text="Pick one listed under the connection's vendor.",
    )
    campaign = CampaignChoiceField(
        queryset=Campaign.objects.select_related("connection"),
        required=False,
        help_text="LeadByte only: the campaign leads go to. Its fields become the form's.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        campaign = self.fields["campaign"]
        assert isinstance(campaign, CampaignChoiceField)  # declared above
        campaign.with_connection = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        connection, choice = cleaned.get("connection"), cleaned.get("operation")
        if connection and choice:
            for name, message in destination_target_problems(
                connection, choice, cleaned.get("campaign")
            ).items():
                self.add_error(name, message)
        return cleaned

    def target(self) -> DestinationTarget:
        connection: Connection = self.cleaned_data["connection"]
        operation = connection.adapter_class.operations[
            self.cleaned_data["operation"].split(":")[1]
        ]
        campaign = self.cleaned_data.get("campaign") if operation.uses_campaign else None
        return DestinationTarget(connection.kind, operation, campaign)


class DestinationForm(forms.ModelForm):
    """A destination. ``destination_form_class`` makes the form for one connection vendor
    and operation: each fixed value in a typed field of its own; this base alone takes
    them as JSON, checked the same way."""

    operation = forms.ChoiceField(
        choices=(), help_text="What the destination does, among its connection's vendor's."
    )
    fixed_values = forms.JSONField(
        label="Extra fixed values (JSON)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="A JSON object of vendor field name: value, for what the fields above cannot "
        'say (a CRM.COM identifier by another key, like {"category_identifier": '
        '{"alternative_code": "RES"}}; Getlead additional fields). Checked like the fields.',
    )
    # Set by destination_form_class: the target and its vendor fields (read once).
    target: ClassVar[DestinationTarget | None] = None
    target_specs: ClassVar[tuple[FieldSpec, ...]] = ()

    class Meta:
        model = Destination
        fields = (
            "name",
            "slug",
            "connection",
            "operation",
            "campaign",
            "fixed_values",
            "is_active",
        )
        field_classes = {"campaign": CampaignChoiceField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        operation = self.fields["operation"]
        assert isinstance(operation, forms.ChoiceField)  # declared above
        operation.choices = operation_choices()
        if self.instance.pk and self.instance.connection_id:
            self.initial["operation"] = operation_choice(
                self.instance.connection.kind, self.instance.operation
            )
        if self.target is not None:
            self._fit_to(self.target)

    def _fit_to(self, target: DestinationTarget) -> None:
        """The vendor and operation are settled (the first step, or the saved destination):
        only that vendor's connections, and the stored values in their typed fields."""
        choice = operation_choice(target.kind, target.operation.name)
        self.initial["operation"] = self.fields["operation"].initial = choice
        settled = self.fields["operation"]
        settled.disabled = True
        settled.help_text = (
            "Settled when the destination was added: add another destination to change it."
        )
        connection = self.fields["connection"]
        assert isinstance(connection, forms.ModelChoiceField)  # a foreign key
        connection.queryset = Connection.objects.filter(kind=target.kind)
        if target.operation.uses_campaign:
            campaign = self.fields["campaign"]
            assert isinstance(campaign, forms.ModelChoiceField)
            campaign.queryset = Campaign.objects.filter(connection__kind=target.kind)
            # The admin wraps the select (its add and view links): mark the select itself.
            wrapped = campaign.widget
            select = wrapped.widget if isinstance(wrapped, RelatedFieldWidgetWrapper) else wrapped
            select.attrs = {**select.attrs, "data-shows-fields": "campaign"}
            campaign.help_text = "Picking another campaign shows its fields before you save."
            if target.campaign is not None:  # the campaign whose fields the form shows
                self.initial["campaign"] = target.campaign.pk
        typed, left_out, rest = fixed_values_shown(self.target_specs, self.instance.fixed_values)
        self.initial.update(typed)
        if LEFT_OUT in self.fields:
            self.initial[LEFT_OUT] = left_out
        self.initial["fixed_values"] = rest
        for name, label in (self.instance.field_labels or {}).items():
            self.initial[label_field_name(name)] = label

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        connection: Connection | None = cleaned.get("connection")
        choice = str(cleaned.get("operation") or "")
        cleaned["operation"] = choice.partition(":")[2]
        extra = cleaned.get("fixed_values")
        extra = {} if extra is None else extra
        if not isinstance(extra, dict):
            self.add_error("fixed_values", "Fixed values must be a JSON object of field: value.")
            return cleaned
        if connection is None or not choice:
            return cleaned
        campaign = cleaned.get("campaign")
        problems = destination_target_problems(
            connection, choice, campaign, current_campaign_id=self.instance.campaign_id
        ) or self._shown_campaign_problem(campaign)
        for name, message in problems.items():
            self.add_error(name, message)
        if not problems:
            operation = connection.adapter_class.operations[cleaned["operation"]]
            specs = operation_field_specs(operation, campaign)
            cleaned["fixed_values"] = self._fixed_values(connection.adapter_class, specs, extra)
            if self.target_specs:
                self.instance.field_labels = self._field_labels(specs)
        return cleaned

    def _field_labels(self, specs: list[FieldSpec]) -> dict[str, str]:
        """The labels typed, by vendor field name: only those set, only the fields sent."""
        return {
            spec.name: label
            for spec in specs
            if (label := (self.cleaned_data.get(label_field_name(spec.name)) or "").strip())
        }

    def _shown_campaign_problem(self, campaign: Campaign | None) -> dict[str, str]:
        """The fixed values typed are for the campaign whose fields the form shows: saving
        them on another would fix values that campaign may not have."""
        target = self.target
        if target is None or target.campaign is None or campaign is None:
            return {}
        if campaign.pk == target.campaign.pk:
            return {}
        return {
            "campaign": f"The fixed values below are those of {target.campaign}. Let the page "
            f"show the fields of {campaign} first (it does once the campaign is picked, or "
            "open the page again with it chosen), check them, then save."
        }

    def _fixed_values(
        self, vendor: type[VendorAdapter], specs: list[FieldSpec], extra: dict[str, Any]
    ) -> dict[str, Any]:
        """The typed fields, the fields left out and the JSON, as one dict, each value
        checked against the vendor field it fixes; each problem shown where it was typed."""
        operation = self.cleaned_data["operation"]
        rows = RowsTyped.of(self.target_specs, self.cleaned_data, self.errors, vendor, operation)
        for where, messages in rows.problems.items():
            self.add_error(where, messages)
        typed: dict[str, Any] = dict(rows.values)
        for name in self.fields:
            if name.startswith(FIXED_PREFIX) and name not in (*self.errors, *rows.fields):
                spec_name = name.removeprefix(FIXED_PREFIX)
                value = stored_value(self._spec(spec_name), self.cleaned_data.get(name))
                if value is not None:
                    typed[spec_name] = value
        left_out = {name: None for name in self.cleaned_data.get(LEFT_OUT) or ()}
        labels = {spec.name: spec.label for spec in specs}

        def field_of(name: str) -> str | None:
            """Where a problem with ``name`` typed above is shown."""
            if name in rows.first:
                return rows.first[name]
            return fixed_field_name(name) if fixed_field_name(name) in self.fields else None

        for name in typed.keys() & left_out.keys():
            self.add_error(field_of(name), "Fixed and left out at once: pick one.")
        for name in sorted(extra.keys() & (typed.keys() | left_out.keys())):
            self.add_error(
                "fixed_values",
                f"{labels.get(name, name)} ({name}) is set above too: keep one of the two.",
            )
        merged = {**typed, **left_out, **extra}
        for name, problem in fixed_value_problems(vendor, specs, merged).items():
            label = labels.get(name, name)
            if name in extra:
                self.add_error("fixed_values", f"{label} ({name}): {problem}")
            elif name in left_out:
                self.add_error(LEFT_OUT, f"{label}: {problem}")
            elif name in rows.first:
                self.add_error(rows.first[name], f"{label}: {problem}")
            elif (field := field_of(name)) is not None:
                self.add_error(field, problem)
            else:
                self.add_error(None, f"{label} ({name}): {problem}")
        return merged

    def _spec(self, name: str) -> FieldSpec:
        return next(spec for spec in self.target_specs if spec.name == name)


def destination_form_class(target: DestinationTarget) -> type[DestinationForm]:
    """The destination form for one vendor's operation (and LeadByte campaign): a typed
    field per vendor field, and the optional ones to leave out of every lead."""
    specs = target.specs
    attrs: dict[str, Any] = {"target": target, "target_specs": tuple(specs)}
    for spec in typed_specs(specs):
        attrs[fixed_field_name(spec.name)] = fixed_form_field(spec)
    for spec in rows_specs(specs):
        attrs.update(row_form_fields(spec))
    for spec in specs:
        attrs[label_field_name(spec.name)] = label_form_field(spec)
    optional = [(spec.name, spec.label) for spec in specs if not spec.required]
    if optional:
        attrs[LEFT_OUT] = forms.MultipleChoiceField(
            label="Left out of every lead",
            choices=optional,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text="Staff are not asked for these (a phone number this vendor cannot "
            "take, say).",
        )
    return type("DestinationForm", (DestinationForm,), attrs)
