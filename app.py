"""forceplan what-if workbench: ``streamlit run app.py`` (or ``make run``).

Opens on ``data/contributions.xlsx`` (``FORCEPLAN_WORKBOOK`` overrides it);
saved scenarios go to ``models/`` (``FORCEPLAN_MODELS_DIR``).  Who may do
what, sign-in and the audit trail: :mod:`app_pages.auth`.  The pages are
in ``app_pages/``; the logic they call is :mod:`optimizer.workbench`, which
never hands the app a pyomo object.
"""

from __future__ import annotations

import streamlit as st

from app_pages import auth, sidebar, state
from optimizer.workbench.access import Role

# A local favicon: a material-icon favicon would be fetched from the internet.
st.set_page_config(page_title="forceplan workbench", page_icon=str(state.ROOT / "app_pages" / "static" / "favicon.png"), layout="wide")

state.configure_logging()
user = auth.current_user()  # signs in, or stops the page with a refusal
auth.banner(user)
state.init_session()
sidebar.wait_briefly()
if user.role is Role.LIAISON:  # its own offer and its nation in the plan; no other page exists for it
    pages = [
        st.Page("app_pages/my_offer.py", title="My offer", icon=":material/assignment:", default=True),
        st.Page("app_pages/my_plan.py", title="My nation in the plan", icon=":material/flag:", url_path="my-plan"),
    ]
else:
    pages = [
        st.Page("app_pages/plan.py", title="Plan", icon=":material/insights:", default=True),
        st.Page("app_pages/timeline.py", title="Timeline", icon=":material/timeline:", url_path="timeline"),
    ]
    if user.can("edit inputs"):
        pages.append(st.Page("app_pages/inputs.py", title="Inputs", icon=":material/table_edit:", url_path="inputs"))
    pages += [
        st.Page("app_pages/scenarios.py", title="Scenarios", icon=":material/folder_open:", url_path="scenarios"),
        st.Page("app_pages/compare.py", title="Compare", icon=":material/compare_arrows:", url_path="compare"),
    ]
    if user.can("analyse"):
        pages += [
            st.Page("app_pages/why_gaps.py", title="Why the gaps", icon=":material/troubleshoot:", url_path="why-the-gaps"),
            st.Page("app_pages/stress.py", title="Withdrawal stress", icon=":material/person_remove:", url_path="stress"),
            st.Page("app_pages/frontiers.py", title="Frontiers", icon=":material/stacked_bar_chart:", url_path="frontiers"),
        ]
    if user.can("review offers"):
        pages.append(st.Page("app_pages/submissions.py", title="Submissions", icon=":material/inbox:", url_path="submissions"))
    if user.can("read audit"):
        pages.append(st.Page("app_pages/audit.py", title="Audit", icon=":material/policy:", url_path="audit"))
page = st.navigation(pages, position="top")
try:
    page.run()
except Exception:  # a page failed: log it, keep the sidebar; Streamlit's rerun/stop are BaseExceptions and pass
    state.log.exception("page %s failed", page.title)
    st.error("Something went wrong on this page. The details are in the server log.", icon=":material/error:")
if user.can("edit inputs"):
    sidebar.render()  # after the page, so it reflects this run's edits
    state.autosave()
elif user.can("see plans"):  # a viewer: how far the plan is, no controls
    sidebar.render_readonly()
