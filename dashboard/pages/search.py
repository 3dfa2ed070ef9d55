"""A page of the dashboard: `dashboard.views.search_page` (signed in by `dashboard.app.main`)."""
from dashboard.views import search_page

search_page()
