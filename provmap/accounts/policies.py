"""Every URL's access policy, by URL name: the one table that says who may open what.

AccessPolicyMiddleware applies it before any view runs (so a view that forgets a check cannot
leak), and tests/accounts/test_access_matrix.py walks the whole URLconf and fails for any URL
without an entry here. A new page therefore starts by choosing its rule below.

Rules about a school need a `urn` in the URL. For those:
- a school the user holds no role in (directly or through their trust) answers 404, so its
  existence does not leak;
- a school of theirs whose page their role does not reach answers 403;
- a `pupil_id` in the URL must name a pupil of that school the rule lets them see, else 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from provmap.accounts.permissions import PupilScope


class Rule(StrEnum):
    # Anyone, signed in or not (the password-reset link, "account inactive").
    PUBLIC = "public"
    # Pages for signing in: anyone may open them; signed-in users are sent on.
    GUEST = "guest"
    # Any signed-in user: their home page, their own account and security settings.
    SIGNED_IN = "signed_in"
    # The school's map of runs: whole-school readers, heads of year, the staff who deliver,
    # trust leaders granted pupil access. Never governors or parents.
    SCHOOL_MAP = "school_map"
    # Aggregated figures only, no pupil: everyone above but deliverers, plus governors and
    # trust leaders.
    SCHOOL_FIGURES = "school_figures"
    # A pupil's record as staff see it: those who see the map, and only pupils in their scope.
    PUPIL_READ = "pupil_read"
    # Support plans, targets and reviews in full: whole-school readers, heads of year (their
    # year groups' pupils), trust leaders granted pupil access. Not those who teach or
    # deliver (they see a pupil's one-page profile, under PUPIL_READ), nor parents (their
    # child's plan is on their own pages), nor governors.
    PLAN_READ = "plan_read"
    # A parent's pages about their own children (never costs, never other pupils).
    PARENT_CHILD = "parent_child"
    # Changes to the catalogue and the map: the SENCO and the SEND administrator.
    SCHOOL_EDIT = "school_edit"
    # The SENCO's own pages: the audit trail, data protection (archive, erasure, SAR),
    # people and their roles.
    SENCO = "senco"
    # A trust leader's pages about their own trust (its leaders): `trust_id` in the URL must
    # name a trust they lead, else 404.
    TRUST = "trust"


SCHOOL_RULES = frozenset(
    {
        Rule.SCHOOL_MAP,
        Rule.SCHOOL_FIGURES,
        Rule.PUPIL_READ,
        Rule.PLAN_READ,
        Rule.PARENT_CHILD,
        Rule.SCHOOL_EDIT,
        Rule.SENCO,
    }
)


class Outcome(StrEnum):
    """What a GET answers: the access matrix test compares status codes with these."""

    OK = "200"
    LOGIN = "302 to sign-in"
    REDIRECT = "302 elsewhere"
    FORBIDDEN = "403"
    NOT_FOUND = "404"
    NOT_ALLOWED = "405"


@dataclass(frozen=True)
class Policy:
    rule: Rule
    # What a GET answers once access is granted: most pages show themselves; some only take
    # POST (405) or send the user on (a redirect).
    on_get: Outcome = Outcome.OK
    # Pages open to visitors: what an anonymous GET answers, where it differs from `on_get`.
    anonymous_get: Outcome | None = None

    @property
    def school_scoped(self) -> bool:
        return self.rule in SCHOOL_RULES


def rule_allows(rule: Rule, scope: PupilScope) -> bool:
    """Does the user's scope in one school open pages of this rule?"""
    match rule:
        case Rule.SCHOOL_MAP | Rule.PUPIL_READ:
            return scope.sees_map
        case Rule.PLAN_READ:
            return scope.sees_plans
        case Rule.SCHOOL_FIGURES:
            return scope.figures
        case Rule.PARENT_CHILD:
            return bool(scope.pupil_ids)
        case Rule.SCHOOL_EDIT:
            return scope.can_edit
        case Rule.SENCO:
            return scope.senco
    return True


def _post_only(rule: Rule) -> Policy:
    return Policy(rule, on_get=Outcome.NOT_ALLOWED)


def _sign_in_step() -> Policy:
    return Policy(Rule.GUEST, on_get=Outcome.REDIRECT, anonymous_get=Outcome.LOGIN)


POLICIES: dict[str, Policy] = {
    # --- provmap's own pages ---------------------------------------------------------------
    # A user with one school is sent straight to its first page; others see the list.
    "home": Policy(Rule.SIGNED_IN, on_get=Outcome.REDIRECT),
    "term_map": Policy(Rule.SCHOOL_MAP),
    "school_figures": Policy(Rule.SCHOOL_FIGURES),
    "my_children": Policy(Rule.PARENT_CHILD),
    # The provision map in the browser: the maps, the catalogue, runs, a pupil, staff time.
    "map_pupils": Policy(Rule.SCHOOL_MAP),
    "year_map": Policy(Rule.SCHOOL_MAP),
    "waves": Policy(Rule.SCHOOL_MAP),
    # Pupils with a need and no provision in a term: each user's own pupils only.
    "unmet_need": Policy(Rule.SCHOOL_MAP),
    # The home page of those who deliver (their runs this week, the results due); others
    # who see the map are told they lead or deliver no run.
    "my_week": Policy(Rule.SCHOOL_MAP),
    "catalogue": Policy(Rule.SCHOOL_MAP),
    "provision_detail": Policy(Rule.SCHOOL_MAP),
    "provision_new": Policy(Rule.SCHOOL_EDIT),
    "provision_edit": Policy(Rule.SCHOOL_EDIT),
    "provision_delete": _post_only(Rule.SCHOOL_EDIT),
    "run_new": Policy(Rule.SCHOOL_EDIT),
    "run_detail": Policy(Rule.SCHOOL_MAP),
    "run_add_pupils": _post_only(Rule.SCHOOL_EDIT),
    "run_remove_pupil": _post_only(Rule.SCHOOL_EDIT),
    # Editors, and the staff who lead or deliver the run: the view tells which.
    "run_results": _post_only(Rule.SCHOOL_MAP),
    # A run's session register: read by all who see the run; recorded by editors and the
    # staff who lead or deliver it (the view tells which and refuses others' saves).
    "run_register": Policy(Rule.SCHOOL_MAP),
    # Deleting a register recorded by mistake: the same people as record it.
    "run_session_delete": _post_only(Rule.SCHOOL_MAP),
    "run_close": Policy(Rule.SCHOOL_EDIT),
    "run_edit": Policy(Rule.SCHOOL_EDIT),
    "run_delete": Policy(Rule.SCHOOL_EDIT),
    "run_undo": _post_only(Rule.SCHOOL_EDIT),
    # When a run meets (its timetable slots): added and removed from its edit page.
    "run_slot_add": _post_only(Rule.SCHOOL_EDIT),
    "run_slot_remove": _post_only(Rule.SCHOOL_EDIT),
    # Planning: a term's timetable clashes (pupils, staff, hours, missed lessons) and the
    # lessons a week each year group has of each subject: for those who plan provision.
    "clashes": Policy(Rule.SCHOOL_EDIT),
    "subject_lessons": Policy(Rule.SCHOOL_EDIT),
    "placement_edit": Policy(Rule.SCHOOL_EDIT),
    "placement_withdraw": _post_only(Rule.SCHOOL_EDIT),
    "pupil_detail": Policy(Rule.PUPIL_READ),
    # A pupil's support plan, its earlier versions and its reviews: for those who see plans.
    "support_plan": Policy(Rule.PLAN_READ),
    "support_plan_version": Policy(Rule.PLAN_READ),
    "review_detail": Policy(Rule.PLAN_READ),
    # Writing the draft (its text and targets), agreeing or discarding it, recording a
    # review (which may change the pupil's provision): those who edit the map.
    "support_plan_edit": Policy(Rule.SCHOOL_EDIT),
    "support_plan_target": _post_only(Rule.SCHOOL_EDIT),
    "support_plan_agree": _post_only(Rule.SCHOOL_EDIT),
    "support_plan_discard": _post_only(Rule.SCHOOL_EDIT),
    "review_new": Policy(Rule.SCHOOL_EDIT),
    # Finding a pupil by name or UPN (the header's box): only among the pupils one may see.
    "pupil_search": Policy(Rule.PUPIL_READ),
    # Everyone's hours, pay rates and costs: for those who deploy staff.
    "staff_load": Policy(Rule.SCHOOL_EDIT),
    "audit_log": Policy(Rule.SENCO),
    "data_protection": Policy(Rule.SENCO),
    "pupil_data": Policy(Rule.SENCO),
    "pupil_sar_export": _post_only(Rule.SENCO),
    "pupil_erase": _post_only(Rule.SENCO),
    # People and their roles: inviting, changing and removing roles, (de)activating accounts.
    "people": Policy(Rule.SENCO),
    "people_invite": Policy(Rule.SENCO),
    "people_pupil_find": Policy(Rule.SENCO),
    "membership_edit": Policy(Rule.SENCO),
    "membership_remove": _post_only(Rule.SENCO),
    "invitation_resend": _post_only(Rule.SENCO),
    "person_deactivate": _post_only(Rule.SENCO),
    "person_reactivate": _post_only(Rule.SENCO),
    "trust_people": Policy(Rule.TRUST),
    # The trust's schools side by side: figures only (counts by the small-number rule),
    # for the leaders of that trust; to anyone else the trust does not exist.
    "trust_dashboard": Policy(Rule.TRUST),
    # Impact: figures for everyone who sees the school's figures (pupils are named only to
    # whole-school readers, by the views); the list of pupils not progressing, cut to each
    # user's pupils, for those who see the map; review decisions by those who edit it.
    "impact_overview": Policy(Rule.SCHOOL_FIGURES),
    "impact_provision": Policy(Rule.SCHOOL_FIGURES),
    "impact_decision_record": _post_only(Rule.SCHOOL_EDIT),
    "impact_method": Policy(Rule.SCHOOL_FIGURES),
    "impact_groups": Policy(Rule.SCHOOL_FIGURES),
    "impact_not_progressing": Policy(Rule.SCHOOL_FIGURES),
    "impact_not_progressing_pupils": Policy(Rule.SCHOOL_MAP),
    # Imports: upload, preview, confirm, progress (those who edit the map). Exports: as the
    # page exported; a pupil's only for those who may see that pupil (never governors,
    # parents or trust leaders without pupil access), and cut to each user's pupils.
    "imports": Policy(Rule.SCHOOL_EDIT),
    "import_job": Policy(Rule.SCHOOL_EDIT),
    "import_recheck": _post_only(Rule.SCHOOL_EDIT),
    "import_confirm": _post_only(Rule.SCHOOL_EDIT),
    "import_cancel": _post_only(Rule.SCHOOL_EDIT),
    "export_map": Policy(Rule.SCHOOL_MAP),
    "export_run": Policy(Rule.SCHOOL_MAP),
    "export_pupil": Policy(Rule.PUPIL_READ),
    # A large map export written in the background: its progress and its file, for those who
    # export the map; the view finds only the user's own (anyone else's is not found).
    "export_job": Policy(Rule.SCHOOL_MAP),
    "export_job_download": Policy(Rule.SCHOOL_MAP),
    # Starting a failed one again (a new job): POST only, and only the user's own is found.
    "export_job_again": _post_only(Rule.SCHOOL_MAP),
    # School set-up: the school's details, years and terms, rates by role (pay rates), staff,
    # funding streams and their budgets, general resources; for those who edit the map (the
    # SENCO and the SEND administrator, who see pay rates). The budget page shows money:
    # the view refuses those who see no costs.
    "school_setup": Policy(Rule.SCHOOL_EDIT),
    "school_details": Policy(Rule.SCHOOL_EDIT),
    "setup_years": Policy(Rule.SCHOOL_EDIT),
    # Planning: next term's map made from this one (a preview, then one button that creates
    # the runs and places).
    "roll_forward": Policy(Rule.SCHOOL_EDIT),
    "year_new": Policy(Rule.SCHOOL_EDIT),
    "year_edit": Policy(Rule.SCHOOL_EDIT),
    "year_delete": _post_only(Rule.SCHOOL_EDIT),
    "term_new": Policy(Rule.SCHOOL_EDIT),
    "term_edit": Policy(Rule.SCHOOL_EDIT),
    "term_delete": _post_only(Rule.SCHOOL_EDIT),
    "role_rates": Policy(Rule.SCHOOL_EDIT),
    "role_rate_new": Policy(Rule.SCHOOL_EDIT),
    "role_rates_import": Policy(Rule.SCHOOL_EDIT),
    "role_rate_edit": Policy(Rule.SCHOOL_EDIT),
    "role_rate_delete": _post_only(Rule.SCHOOL_EDIT),
    "setup_staff": Policy(Rule.SCHOOL_EDIT),
    "staff_member_new": Policy(Rule.SCHOOL_EDIT),
    "staff_member_edit": Policy(Rule.SCHOOL_EDIT),
    "staff_member_delete": _post_only(Rule.SCHOOL_EDIT),
    "funding_streams": Policy(Rule.SCHOOL_EDIT),
    "funding_stream_new": Policy(Rule.SCHOOL_EDIT),
    "funding_stream_edit": Policy(Rule.SCHOOL_EDIT),
    "funding_stream_delete": _post_only(Rule.SCHOOL_EDIT),
    "funding_budget_set": _post_only(Rule.SCHOOL_EDIT),
    "funding_budget_delete": _post_only(Rule.SCHOOL_EDIT),
    "school_budget": Policy(Rule.SCHOOL_EDIT),
    "general_resources": Policy(Rule.SCHOOL_EDIT),
    "general_resource_new": Policy(Rule.SCHOOL_EDIT),
    "general_resource_edit": Policy(Rule.SCHOOL_EDIT),
    "general_resource_delete": _post_only(Rule.SCHOOL_EDIT),
    # --- Support plans' documents, a parent's pages, teachers' one-page profiles --------------
    # A plan of any version and a review record as PDFs: for those who read plans in full.
    "plan_pdf": Policy(Rule.PLAN_READ),
    "review_pdf": Policy(Rule.PLAN_READ),
    # The one-page profile of a pupil's agreed plan (and nothing else of it): for everyone who
    # may open the pupil, those who teach them included.
    "pupil_profile": Policy(Rule.PUPIL_READ),
    # The profiles of the pupils in one's reach, on a page and as a PDF (cut to the scope).
    "my_pupils_profiles": Policy(Rule.SCHOOL_MAP),
    "profiles_pdf": Policy(Rule.SCHOOL_MAP),
    # A parent's child's agreed plan in plain English with their views before the next
    # review (GET and POST), the plan and the highlighted provision map as PDFs.
    "child_plan": Policy(Rule.PARENT_CHILD),
    "child_plan_pdf": Policy(Rule.PARENT_CHILD),
    "child_map_pdf": Policy(Rule.PARENT_CHILD),
    # Reviews due, overdue and pupils with no agreed plan (and the same rows as CSV): for
    # those who see plans, cut to their pupils (heads of year: their year groups).
    "reviews_due": Policy(Rule.PLAN_READ),
    "reviews_due_export": Policy(Rule.PLAN_READ),
    # --- Planning next term -------------------------------------------------------------------
    # Gaps, over-provision and duplication in the term being planned, the pupils behind each
    # figure, and the training needs (with their CSV): the SENCO and the SEND administrator.
    # Where each step of planning the term stands, with a link to each.
    "planning_home": Policy(Rule.SCHOOL_EDIT),
    "planning_gaps": Policy(Rule.SCHOOL_EDIT),
    "planning_gaps_pupils": Policy(Rule.SCHOOL_EDIT),
    "training_needs": Policy(Rule.SCHOOL_EDIT),
    "training_needs_export": Policy(Rule.SCHOOL_EDIT),
    # The needs audit (pupils against kinds of provision, must/should/could), its cells saved
    # one at a time or a page at once, its pre-fill, and its columns: the SENCO and the SEND
    # administrator.
    "needs_audit": Policy(Rule.SCHOOL_EDIT),
    "needs_audit_cell": _post_only(Rule.SCHOOL_EDIT),
    "needs_audit_prefill": _post_only(Rule.SCHOOL_EDIT),
    "need_kinds": Policy(Rule.SCHOOL_EDIT),
    # The planner: make a plan for next term within a share of the budget, a plan's groups,
    # pupils and unmet needs (taking out a pupil or a group, copying, accepting it into
    # planned runs by POST), two plans side by side. For those who edit the map.
    "planner": Policy(Rule.SCHOOL_EDIT),
    "plan_detail": Policy(Rule.SCHOOL_EDIT),
    "plans_compare": Policy(Rule.SCHOOL_EDIT),
    # --- Signing in and out (django-allauth) ----------------------------------------------
    "account_login": Policy(Rule.GUEST, on_get=Outcome.REDIRECT, anonymous_get=Outcome.OK),
    # Signing out is a POST: a link or an image tag cannot sign anyone out.
    "account_logout": Policy(Rule.PUBLIC, on_get=Outcome.NOT_ALLOWED),
    "account_signup": Policy(Rule.GUEST, on_get=Outcome.REDIRECT, anonymous_get=Outcome.OK),
    "account_inactive": Policy(Rule.PUBLIC),
    "account_email_verification_sent": Policy(Rule.PUBLIC),
    "account_confirm_email": Policy(Rule.PUBLIC),
    # Steps of signing in: without a sign-in under way they send the visitor back.
    "account_confirm_login_code": _sign_in_step(),
    "mfa_authenticate": _sign_in_step(),
    "account_reset_password": Policy(Rule.PUBLIC),
    "account_reset_password_done": Policy(Rule.PUBLIC),
    "account_reset_password_from_key": Policy(Rule.PUBLIC),
    "account_reset_password_from_key_done": Policy(Rule.PUBLIC),
    # --- One's own account and security ----------------------------------------------------
    "account_reauthenticate": Policy(Rule.SIGNED_IN),
    "account_email": Policy(Rule.SIGNED_IN),
    "account_change_password": Policy(Rule.SIGNED_IN),
    # Everyone has a password, so "set" sends them to "change".
    "account_set_password": Policy(Rule.SIGNED_IN, on_get=Outcome.REDIRECT),
    "mfa_index": Policy(Rule.SIGNED_IN),
    "mfa_reauthenticate": Policy(Rule.SIGNED_IN),
    # Changing an authenticator or recovery codes first asks for the password again.
    "mfa_activate_totp": Policy(Rule.SIGNED_IN, on_get=Outcome.REDIRECT),
    "mfa_deactivate_totp": Policy(Rule.SIGNED_IN, on_get=Outcome.REDIRECT),
    "mfa_view_recovery_codes": Policy(Rule.SIGNED_IN, on_get=Outcome.REDIRECT),
    "mfa_generate_recovery_codes": Policy(Rule.SIGNED_IN, on_get=Outcome.REDIRECT),
    "mfa_download_recovery_codes": Policy(Rule.SIGNED_IN, on_get=Outcome.REDIRECT),
    "usersessions_list": Policy(Rule.SIGNED_IN),
}


def policy_for(url_name: str | None) -> Policy | None:
    return POLICIES.get(url_name or "")
