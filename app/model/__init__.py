"""The atlas as data, free of Qt and VTK so that it can be tested alone, in domains that
import only downwards (the order is a contract in ``pyproject.toml``):

- :mod:`app.model.quiz`      questions generated from the data, quiz files, the SM-2 schedule
- :mod:`app.model.atlas`     the whole data set loaded from a folder (``Atlas.load(root)``)
- :mod:`app.model.teaching`  lessons, bookmarks and the step interpreter (``apply_step``)
- :mod:`app.model.scene`     what is shown: scene state, views, palette, emphasis, history
- :mod:`app.model.motion`    joints, poses, playback, deformation, muscle mechanics, the body
- :mod:`app.model.sections`  section planes and what they cut
- :mod:`app.model.anatomy`   structures, meshes, landmarks, content, search
- :mod:`app.model.io`        the plumbing: paths, atomic files, bounded reading, problems
"""
