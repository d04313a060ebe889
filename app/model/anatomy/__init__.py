"""The anatomy as the data files give it: structures, their meshes, landmarks and attachments,
the content with its sources, and search over all of it."""
