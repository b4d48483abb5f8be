"""Pages of the provision map, one module per area: the maps (map.py), the catalogue
(catalogue.py), runs and their groups (runs.py), staff time (staff.py), the school's
figures (figures.py) and a parent's view (children.py).

Every view reads the school and the user's rights from `request.access` (the access policy
was applied before it ran), reads through the selectors, writes through the services, and
renders with provmap.web.
"""
