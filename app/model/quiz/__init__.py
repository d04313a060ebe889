"""Quizzes: questions generated from the atlas' own data, instructors' quiz files, and the
SM-2 schedule with the user's progress."""
