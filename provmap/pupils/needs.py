"""SEN need types (school census codes) and the four broad areas of need they belong to."""

from django.db import models


class Area(models.TextChoices):
    COMMUNICATION = "CI", "Communication and interaction"
    COGNITION = "CL", "Cognition and learning"
    SEMH = "SEMH", "Social, emotional and mental health"
    SENSORY_PHYSICAL = "SP", "Sensory and/or physical"
    UNCLASSIFIED = "OTH", "Other or not yet assessed"


class NeedType(models.TextChoices):
    SPLD = "SPLD", "Specific learning difficulty"
    MLD = "MLD", "Moderate learning difficulty"
    SLD = "SLD", "Severe learning difficulty"
    PMLD = "PMLD", "Profound and multiple learning difficulty"
    SEMH = "SEMH", "Social, emotional and mental health"
    SLCN = "SLCN", "Speech, language and communication needs"
    HI = "HI", "Hearing impairment"
    VI = "VI", "Visual impairment"
    MSI = "MSI", "Multi-sensory impairment"
    PD = "PD", "Physical disability"
    ASD = "ASD", "Autistic spectrum disorder"
    OTH = "OTH", "Other difficulty or disability"
    NSA = "NSA", "SEN support but no specialist assessment"


AREA_OF_NEED: dict[str, str] = {
    NeedType.SLCN: Area.COMMUNICATION,
    NeedType.ASD: Area.COMMUNICATION,
    NeedType.SPLD: Area.COGNITION,
    NeedType.MLD: Area.COGNITION,
    NeedType.SLD: Area.COGNITION,
    NeedType.PMLD: Area.COGNITION,
    NeedType.SEMH: Area.SEMH,
    NeedType.HI: Area.SENSORY_PHYSICAL,
    NeedType.VI: Area.SENSORY_PHYSICAL,
    NeedType.MSI: Area.SENSORY_PHYSICAL,
    NeedType.PD: Area.SENSORY_PHYSICAL,
    NeedType.OTH: Area.UNCLASSIFIED,
    NeedType.NSA: Area.UNCLASSIFIED,
}


def area_of(need_type: str) -> str:
    """The broad area of need for a census need type ('' for none)."""
    return AREA_OF_NEED.get(need_type, Area.UNCLASSIFIED if need_type else "")
