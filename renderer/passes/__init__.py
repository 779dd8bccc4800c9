"""GL passes: one module and one shader file each (earth, post, ...).

:class:`renderer.passes.compositor.Compositor` runs them in order for one frame.
"""
