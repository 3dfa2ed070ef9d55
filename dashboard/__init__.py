"""The dashboard: a Streamlit page (`dashboard/app.py`) over plain read functions (`dashboard.data`).

`dashboard.data` never imports Streamlit, so tests and other front ends call it directly with
an injected `now`.
"""
