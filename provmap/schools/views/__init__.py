"""The school set-up pages, for the SENCO and the SEND administrator: a first-run checklist,
the school's details, its years and terms, rates by role, staff, funding streams with their
budgets (and the budget page), general resources. Access is decided by each URL's policy
before a view runs; the views read the school from `request.access`, call one service per
change, record it in the audit trail and render through `web.pages.render_school_page`."""
