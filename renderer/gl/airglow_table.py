"""The airglow table of ``shaders/lib/airglow_table.glsl``, made on the GPU each frame.

The Earth pass's programs read the airglow integrals of each ray from this
table (four pieces per layer as functions of the ray's closest approach to the
centre) instead of integrating them per pixel; the table depends on the
camera's radius, so it is made again for every instant drawn: 4,096 columns
per layer, a few thousand quadratures where a frame has millions of pixels.
"""

from __future__ import annotations

import moderngl

from renderer.gl.shaders import build_compute, set_uniform

TABLE_WIDTH = 4096  # shaders/lib/airglow_table.glsl AIRGLOW_TABLE_WIDTH
TABLE_ROWS = 8  # shaders/lib/airglow.glsl MAX_AIRGLOW_LAYERS


class AirglowTable:
    """The table's texture and the compute program that fills it."""

    def __init__(self, ctx: moderngl.Context) -> None:
        self.ctx = ctx
        self.program = build_compute(ctx, "airglow_table.glsl")
        self.texture = ctx.texture((TABLE_WIDTH, TABLE_ROWS), 4, dtype="f4")
        self.texture.filter = (moderngl.LINEAR, moderngl.LINEAR)
        self.texture.repeat_x = False
        self.texture.repeat_y = False

    def update(self, cam_radius_km: float, top_km: float, layers: int) -> None:
        """Fill the table for a camera at ``cam_radius_km`` (sphere space) and layers
        reaching up to ``top_km``; the program's airglow uniforms must be set."""
        set_uniform(self.program, "u_cam_radius", float(cam_radius_km))
        set_uniform(self.program, "u_airglow_table_top", float(top_km))
        self.texture.bind_to_image(0, read=False, write=True)
        self.program.run((TABLE_WIDTH + 63) // 64, max(layers, 1), 1)
        self.ctx.memory_barrier()

    def release(self) -> None:
        """Free GL objects."""
        self.program.release()
        self.texture.release()
