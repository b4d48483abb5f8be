"""Staff roles, with the short codes schools use on their maps (seed maps: T, TA, LSA, LM, S)."""

from django.db import models


class StaffRole(models.TextChoices):
    TEACHER = "teacher", "Teacher"
    SENCO = "senco", "SENCO"
    SUPPORT_TEACHER = "support_teacher", "Learning support teacher"
    HLTA = "hlta", "Higher level teaching assistant"
    TA = "ta", "Teaching assistant"
    LSA = "lsa", "Learning support assistant"
    LEARNING_MENTOR = "learning_mentor", "Learning mentor"
    SENIOR_LEADER = "senior_leader", "Senior leader"
    COUNSELLOR = "counsellor", "Counsellor"
    FAMILY_LIAISON = "family_liaison", "Family liaison worker"
    SALT = "salt", "Speech and language therapist"
    OT = "ot", "Occupational therapist"
    EP = "ep", "Educational psychologist"
    EXTERNAL = "external", "Other external specialist"

    @property
    def code(self) -> str:
        return ROLE_CODES[self]


ROLE_CODES = {
    StaffRole.TEACHER: "T",
    StaffRole.SENCO: "S",
    StaffRole.SUPPORT_TEACHER: "LST",
    StaffRole.HLTA: "HLTA",
    StaffRole.TA: "TA",
    StaffRole.LSA: "LSA",
    StaffRole.LEARNING_MENTOR: "LM",
    StaffRole.SENIOR_LEADER: "SLT",
    StaffRole.COUNSELLOR: "C",
    StaffRole.FAMILY_LIAISON: "FLW",
    StaffRole.SALT: "SALT",
    StaffRole.OT: "OT",
    StaffRole.EP: "EP",
    StaffRole.EXTERNAL: "EXT",
}
