"""Words for CAP's codes on the pages (the alerts themselves keep the codes the standard
defines: Immediate, Severe, Observed, Safety…)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

URGENCY = {
    "Immediate": _l("Immediate: act now"),
    "Expected": _l("Expected: act soon (within the next hour)"),
    "Future": _l("Future: act in the near future"),
    "Past": _l("Past: no action needed any more"),
    "Unknown": _l("Unknown urgency"),
}
SEVERITY = {
    "Extreme": _l("Extreme threat to life or property"),
    "Severe": _l("Significant threat to life or property"),
    "Moderate": _l("Possible threat to life or property"),
    "Minor": _l("Minimal threat to life or property"),
    "Unknown": _l("Unknown severity"),
}
CERTAINTY = {
    "Observed": _l("Observed: it is happening"),
    "Likely": _l("Likely: more likely than not"),
    "Possible": _l("Possible: as likely as not, or less"),
    "Unlikely": _l("Not expected to happen"),
    "Unknown": _l("Unknown certainty"),
}
CATEGORY = {
    "Geo": _l("Geophysical (landslide, earthquake)"),
    "Met": _l("Weather (storm, flood)"),
    "Safety": _l("General safety and public order"),
    "Security": _l("Security"),
    "Rescue": _l("Rescue and recovery"),
    "Fire": _l("Fire"),
    "Health": _l("Health (epidemic)"),
    "Env": _l("Environment (pollution)"),
    "Transport": _l("Transport"),
    "Infra": _l("Utilities and infrastructure"),
    "CBRNE": _l("Chemical, biological, radiological, nuclear or explosive"),
    "Other": _l("Other"),
}
MSG_TYPE = {
    "Alert": _l("Alert"),
    "Update": _l("Update"),
    "Cancel": _l("Cancel"),
}
FIELD_LABELS = {"urgency": URGENCY, "severity": SEVERITY, "certainty": CERTAINTY}
REFUSALS = {
    "too_large": _l("The document is larger than allowed."),
    "doctype": _l("The document declares a DTD or entities, which are refused (a protection)."),
    "malformed": _l("The document is not well-formed XML."),
    "not_cap": _l("The document is not a CAP alert."),
    "incomplete": _l("The alert lacks a required part (identifier, sender, sent, status, type)."),
    "http": _l("The source answered with an error."),
    "unreachable": _l("The source could not be reached."),
}
NOTES = {
    "already received": _l("This alert was received before."),
    "no area of ours": _l("The alert names none of our areas."),
    "expired": _l("The alert has already expired."),
    "cancels an alert that made no message": _l("It cancels an alert that made no message here."),
    "a linked alert is fetched only by polling": _l(
        "Alerts linked from a feed are read only when polling."
    ),
    "refers to an alert": _l("It refers to an earlier alert of this message."),
}


def note(detail: str) -> object:
    """The page's words for a log row's detail, when there are some."""
    code = detail.split(":", 1)[0].strip()
    return REFUSALS.get(code) or NOTES.get(detail.strip()) or ""
