"""Lessons and bookmarks: scenes saved as steps, and the one interpreter that applies a step."""
