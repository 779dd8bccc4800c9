"""The preview window: a scene played live, steered by keys and mouse, reloaded on save.

Nothing here is imported by the headless commands (render, still, check, info).
"""
