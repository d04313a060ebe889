"""The anatomy and the scene state, free of Qt and VTK so that it can be tested alone."""

from app.model.anatomy import AnnotationError, Catalogue, Structure, load_catalogue
from app.model.landmarks import Attachment, load_attachments, load_landmarks
from app.model.scene import SceneModel
from app.model.views import VIEWS, View

__all__ = [
    "VIEWS",
    "AnnotationError",
    "Attachment",
    "Catalogue",
    "SceneModel",
    "Structure",
    "View",
    "load_attachments",
    "load_catalogue",
    "load_landmarks",
]
