"""School census SEN codes: the type of need (primary and secondary) and the provision (N, K, E).

Pure functions, no I/O. The codes are the DfE's school census codes ("School census 2025 to 2026: guide",
SEN type and SEN provision; https://www.gov.uk/guidance/complete-the-school-census): a pupil with SEN
provision K (SEN support) or E (an EHC plan) has a primary need, and may have a secondary one; NSA
("SEN support but no specialist assessment of type of need") is allowed only with provision K.
"""

from dataclasses import dataclass

NEEDS: dict[str, str] = {
    "SPLD": "Specific learning difficulty",
    "MLD": "Moderate learning difficulty",
    "SLD": "Severe learning difficulty",
    "PMLD": "Profound and multiple learning difficulty",
    "SEMH": "Social, emotional and mental health",
    "SLCN": "Speech, language and communication needs",
    "HI": "Hearing impairment",
    "VI": "Visual impairment",
    "MSI": "Multi-sensory impairment",
    "PD": "Physical disability",
    "ASD": "Autistic spectrum disorder",
    "OTH": "Other difficulty or disability",
    "NSA": "SEN support but no specialist assessment of type of need",
}
PROVISION = {"none": "N", "support": "K", "ehcp": "E"}
PROVISION_NAMES = {"N": "no special educational need", "K": "SEN support", "E": "EHC plan"}


def need_code(text: str) -> str | None:
    """The census code for ``text`` (case-insensitive), or None when it is not one."""
    code = text.strip().upper()
    return code if code in NEEDS else None


def provision_code(status: str) -> str:
    """N, K or E from sendbot's SEN status (none, support, ehcp): a plan outranks support."""
    return PROVISION[status]


@dataclass(frozen=True)
class CensusProblem:
    code: str  # a short name for the check
    message: str


def census_problems(provision: str, need: str | None, need2: str | None, has_plan: bool) -> list[CensusProblem]:
    """What in one pupil's record would fail the January census checks (see the module docstring).

    ``provision`` is N, K or E as recorded in the MIS or derived; ``has_plan`` says whether sendbot holds the
    EHC plan's issue date.
    """
    out: list[CensusProblem] = []
    if "NSA" in (need, need2) and provision != "K":
        out.append(CensusProblem("nsa-without-k", "need NSA is only for SEN support (K)"))
    if provision == "E" and not has_plan:
        out.append(CensusProblem("e-without-plan", "provision E but no EHC plan recorded"))
    if provision in ("K", "E") and not need:
        out.append(CensusProblem("no-primary-need", f"provision {provision} but no primary need"))
    if need2 and not need:
        out.append(CensusProblem("secondary-without-primary", "a secondary need but no primary need"))
    if need and need2 and need == need2:
        out.append(CensusProblem("same-need-twice", "the secondary need repeats the primary need"))
    return out
