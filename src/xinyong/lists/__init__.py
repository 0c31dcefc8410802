"""Red and black lists, the published measure lists, joint incentive and punishment checks,
and credit grades (Art. 14–19)."""

# Court judgment defaulters reach the black list through the collection pipeline's hook.
from xinyong.lists import court_defaulters as _court_defaulters  # noqa: F401

# An organisation's entries in force follow its registered responsible persons (Art. 18).
from xinyong.lists import entry_persons as _entry_persons  # noqa: F401

# A public negative record ends the red-list entries it leaves short of their standard, through
# the pipeline's hook (decision 0041).
from xinyong.lists import red_list_exit as _red_list_exit  # noqa: F401
