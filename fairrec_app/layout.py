"""Page frame: title, sidebar menu, the sidebar status of the session's data, model and
re-ranking, and the error box that keeps the app working when the input is bad."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from fairrec_core.errors import FairrecError

#: The pages in menu order: script path (relative to app.py), label, icon.
PAGES = (
    ("app.py", "Home", ":material/home:"),
    ("pages/0_Scorecard.py", "Scorecard", ":material/traffic:"),
    ("pages/1_Data.py", "Data", ":material/database:"),
    ("pages/2_Models.py", "Models", ":material/model_training:"),
    ("pages/3_Recommendations.py", "Recommendations", ":material/format_list_numbered:"),
    ("pages/4_Fairness_audit.py", "Fairness audit", ":material/balance:"),
    ("pages/5_What-if.py", "What-if", ":material/tune:"),
    ("pages/6_Close_a_gap.py", "Close a gap", ":material/target:"),
    ("pages/7_Mitigation.py", "Mitigation", ":material/healing:"),
    ("pages/8_Feedback_loop.py", "Feedback loop", ":material/autorenew:"),
    ("pages/9_New_items.py", "New items", ":material/fiber_new:"),
    ("pages/10_LLM_audit.py", "LLM audit", ":material/smart_toy:"),
    ("pages/11_Privacy.py", "Privacy", ":material/lock:"),
    ("pages/12_Open_audit.py", "Open an audit", ":material/folder_open:"),
)
#: Pages that show an audit read from files and load no data set or model in the session.
FILE_PAGES = ("pages/12_Open_audit.py",)
PAGE_PATH = {label: path for path, label, _ in PAGES}

TAGLINE = (
    "fairrec assesses how well a recommender system serves each group of its users — accuracy, "
    "what gets recommended, and which items get seen — with confidence intervals and significance "
    "tests for every gap. It then lets you try fairness re-rankers that mitigate those gaps and "
    "shows, before you ship, what each setting costs in accuracy."
)


#: Session-state key of presenter mode (a plain key, so it survives page switches; the sidebar
#: toggle copies its value here on every change).
PRESENTER = "app.presenter"
_PRESENTER_WIDGET = "app.w.presenter"


def presenter() -> bool:
    """True in presenter mode: pages hide technical detail (methods, downloads, parameter
    names, tables of p-values) and show the verdicts and charts."""
    return bool(st.session_state.get(PRESENTER, False))


def _remember_presenter() -> None:
    st.session_state[PRESENTER] = bool(st.session_state.get(_PRESENTER_WIDGET, False))


def page(title: str, icon: str, caption: str | None = None) -> None:
    """Configure the page and draw its title and the sidebar menu (with the presenter-mode
    toggle)."""
    st.set_page_config(page_title=f"{title} · fairrec", page_icon=icon, layout="wide")
    with st.sidebar:
        st.markdown("### fairrec")
        for path, label, page_icon in PAGES:
            st.page_link(path, label=label, icon=page_icon)
        st.session_state[_PRESENTER_WIDGET] = presenter()
        st.toggle("Presenter mode", key=_PRESENTER_WIDGET, on_change=_remember_presenter,
                  help="Hide technical detail (methods, parameter names, downloads, tables of "
                       "p-values) for a demo; the verdicts and charts stay.")
        glossary_popover()
    st.title(title)
    if caption:
        st.caption(caption)


def glossary_popover() -> None:
    """The glossary on demand: every term the app uses with its plain explanation
    (:func:`fairrec_core.glossary.entries`, one definition each), in a sidebar popover."""
    from fairrec_core import glossary

    with st.popover("Glossary", icon=":material/menu_book:", width="stretch",
                    help="What every term on these pages means."):
        st.markdown("\n".join(f"- **{term}** — {text}" for term, text in glossary.entries()))


def link(label: str, text: str | None = None) -> None:
    """A link to another page by its menu label."""
    path = PAGE_PATH[label]
    icon = next(i for p, _, i in PAGES if p == path)
    st.page_link(path, label=text or label, icon=icon)


@contextmanager
def error_box(what: str | None = None) -> Iterator[None]:
    """Show a :class:`FairrecError` as an error box naming the problem; the page goes on.

    Anything else is a bug and propagates (Streamlit shows it with a traceback).
    """
    try:
        yield
    except FairrecError as exc:
        st.error(f"{what}: {exc}" if what else str(exc), icon=":material/error:")


@contextmanager
def input_box(what: str, doing: str = "read this input") -> Iterator[None]:
    """:func:`error_box` for reading what a user gave (an upload, a path) or writing a file:
    besides a :class:`FairrecError`, a failure to ``doing`` it (out of memory, an OS error, a
    malformed file the loader did not foresee) is shown as one short line too, never as a
    traceback."""
    try:
        yield
    except FairrecError as exc:
        st.error(f"{what}: {exc}", icon=":material/error:")
    except MemoryError:
        st.error(f"{what}: not enough memory to {doing}; try a smaller input",
                 icon=":material/error:")
    except Exception as exc:  # noqa: BLE001 - user input must never end in a traceback
        detail = " ".join(str(exc).split())
        detail = detail if len(detail) <= 160 else detail[:157] + "..."
        st.error(f"{what}: could not {doing} ({type(exc).__name__}{': ' if detail else ''}"
                 f"{detail})", icon=":material/error:")
