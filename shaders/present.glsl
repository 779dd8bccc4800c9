// present.glsl: the preview window draws an image onto a rectangle of its own
// framebuffer: the finished frame (Compositor.ldr), upscaled when it was
// rendered smaller than the window, and the heads-up text over it.
//
// Both images are stored TOP ROW FIRST (the post pass flips the frame so that
// a read-back is in video order; Pillow's text image is top row first), while
// GL's texture coordinate v = 0 is the first row and the window's y axis points
// up.  So the sampler reads v = 1 - (height up the rectangle): the first row
// lands at the top of the rectangle.
//
// The values are display-encoded sRGB bytes already; the window framebuffer is
// not an sRGB one, so they are written through unchanged.

#if defined(VERTEX_SHADER)

// Rectangle in normalised device coordinates: (x0, y0) bottom left, (x1, y1)
// top right of the viewport, each in [-1, 1].
uniform vec4 u_rect;

out vec2 v_st;  // (0, 0) at the rectangle's bottom left, (1, 1) at its top right

// main: four vertices drawn as a triangle strip, corners chosen by
// gl_VertexID: 0 = (0, 0), 1 = (1, 0), 2 = (0, 1), 3 = (1, 1).
void main() {
    vec2 corner = vec2(float(gl_VertexID & 1), float((gl_VertexID >> 1) & 1));
    v_st = corner;
    gl_Position = vec4(mix(u_rect.xy, u_rect.zw, corner), 0.0, 1.0);
}

#elif defined(FRAGMENT_SHADER)

uniform sampler2D u_image;  // RGBA8, top row first, straight alpha

in vec2 v_st;
out vec4 frag_color;

void main() {
    frag_color = texture(u_image, vec2(v_st.x, 1.0 - v_st.y));
}
#endif
