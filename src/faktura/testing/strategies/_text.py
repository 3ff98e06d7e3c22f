"""Free text: the descriptions, headings and notes of lines and documents, in several
scripts, and any printable text."""

from __future__ import annotations

from hypothesis import strategies as st

_DESCRIPTIONS = (
    "Consulting",
    "Hosting, May",
    "Kaffe og kage",
    "Ærøskøbing delivery",
    "Widget 3000 (blue)",
    "Läderväska",
    "配送料",
)
_TEXT = st.text(
    # Documents refuse control characters; surrogates cannot be encoded, and private-use or
    # unassigned code points have no glyph in any font.
    alphabet=st.characters(exclude_categories=("Cc", "Cs", "Co", "Cn")),
    min_size=1,
    max_size=30,
)

#: A description: a usual one, or any text that is not blank.
DESCRIPTION = st.one_of(st.sampled_from(_DESCRIPTIONS), _TEXT.filter(lambda s: bool(s.strip())))
#: An optional description (a reference, a note ...).
OPTIONAL_TEXT = st.none() | DESCRIPTION
#: A heading: empty, or a description.
HEADING = st.just("") | DESCRIPTION
