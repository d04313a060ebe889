"""The atlas with its teaching files, and the questions it makes, loaded once per module."""

from __future__ import annotations

import pytest

from app.model.atlas import Atlas
from app.model.quiz.questions import QuestionBank


@pytest.fixture(scope="module")
def atlas():
    return Atlas.load(teaching=True)


@pytest.fixture(scope="module")
def bank(atlas):
    return QuestionBank.for_atlas(atlas)
