"""Pages of the provision map, one module per area: the maps (map.py), the catalogue
(catalogue.py), runs and their groups (runs.py), the school's figures (figures.py) and a
parent's view (children.py).

Every view looks the school up through provmap.accounts.access (404 outside the user's
schools, 403 where their role does not reach), reads through the selectors, writes through
the services, and renders.
"""
