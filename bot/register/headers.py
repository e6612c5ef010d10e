"""Recognising the columns of an MIS export (SIMS, Arbor, Bromcom, ScholarPack, Wonde-style CSVs).

Headers are compared after folding case and dropping everything but letters and digits, so "Legal Surname",
"legal_surname" and "LEGAL SURNAME" are one header. ``--map column=field`` covers anything else.
"""

import re

# field → the headers that mean it, most specific first. A preferred name beats a legal one (it is the name
# staff use); when both are present the legal one is ignored.
FIELDS: dict[str, tuple[str, ...]] = {
    "upn": ("upn", "unique pupil number", "pupil upn"),
    "forename": ("preferred forename", "preferred first name", "forename", "legal forename", "first name",
                 "firstname", "given name", "forenames"),
    "surname": ("preferred surname", "preferred last name", "surname", "legal surname", "last name", "lastname",
                "family name"),
    "name": ("name", "pupil name", "full name", "student name", "pupil"),
    "year": ("year", "year group", "nc year", "national curriculum year", "ncy", "yr", "year taught in"),
    "class": ("reg group", "registration group", "reg", "form", "form group", "tutor group", "class", "classes",
              "teaching groups", "sets", "groups"),
    "dob": ("dob", "date of birth", "birth date", "birthdate"),
    "provision": ("sen provision", "sen status", "send status", "sen", "provision", "sen stage"),
    "need": ("primary need", "sen primary need", "sen need 1", "primary sen type", "sen type 1", "sen type",
             "need", "type of need", "sen need", "primary sen need"),
    "need2": ("secondary need", "sen secondary need", "sen need 2", "secondary sen type", "sen type 2",
              "secondary sen need"),
    "sen_start": ("sen start date", "sen start", "sen support start", "sen support start date", "start date",
                  "sen status start date"),
    "plan_date": ("ehc plan date", "ehcp date", "ehcp issued", "ehc plan issued", "ehcp issue date",
                  "ehc plan issue date", "plan date", "ehc plan start date", "ehcp start date"),
    "review_date": ("last annual review date", "last annual review", "annual review date", "last review date",
                    "last review", "ehcp last review"),
    "mis_id": ("mis id", "id", "pupil id", "student id", "admission number", "adno"),
}


def fold(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def recognise(headers: list[str], mapping: dict[str, str] | None = None) -> tuple[dict[str, int], list[str]]:
    """Which column holds which field: ``({field: column index}, [headers not used])``.

    ``mapping`` ({header: field}, from ``--map``) wins over recognition. The first matching alias (most specific)
    decides between two columns for the same field.
    """
    folded = [fold(h) for h in headers]
    found: dict[str, int] = {}
    for header, field in (mapping or {}).items():
        if fold(header) in folded:
            found[field] = folded.index(fold(header))
    taken = set(found.values())
    for field, aliases in FIELDS.items():
        if field in found:
            continue
        for alias in aliases:
            key = fold(alias)
            if key in folded and folded.index(key) not in taken:
                found[field] = folded.index(key)
                taken.add(found[field])
                break
    unused = [h for i, h in enumerate(headers) if i not in taken and h.strip()]
    return found, unused
