"""A page of the dashboard: `dashboard.views.case_page` (signed in by `dashboard.app.main`)."""
from dashboard.views import case_page

case_page()
