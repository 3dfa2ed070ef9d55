"""A page of the dashboard: `dashboard.views.case_list` (signed in by `dashboard.app.main`)."""
from dashboard.views import case_list

case_list()
