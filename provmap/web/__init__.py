"""What every app's pages share: rendering a school page with its header and navigation,
today's date, the query-string and form helpers, htmx, and the template filters and tags
that write numbers, money, counts and links (`provmap_format`, `impact_format`,
`provmap_urls`).

The views of every app import this; it imports no app's views."""
