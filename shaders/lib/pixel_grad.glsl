// pixel_grad.glsl: the differences of a value between neighbouring pixels,
// the same in a fragment shader and in a compute shader.
//
// A fragment shader runs its pixels in 2x2 quads, and dFdx / dFdy give, per
// pixel, the value's difference across its quad: right column minus left
// column in the pixel's own row, top row minus bottom row in its own column
// (the "fine" differences; rows count up from the bottom, as gl_FragCoord).
// Texture look-ups size their footprint from these differences (textureGrad),
// so a compute shader that draws the same picture must take the same ones.
// Here a compute shader's work group is a square of PIXEL_GRAD_GROUP pixels
// (even, so its quads are the window's quads, aligned to even coordinates):
// each invocation puts its value in shared memory and reads its quad's
// neighbours back.  Every invocation of the group must call pixel_grad the
// same number of times, in uniform control flow (it holds barriers), which a
// fragment shader asks of derivatives anyway.

#if defined(COMPUTE_SHADER)
shared vec4 pixel_grad_values[PIXEL_GRAD_GROUP * PIXEL_GRAD_GROUP];

// pixel_grad: dx = v(right column of the quad) - v(left column), in this
// invocation's row; dy = v(top row) - v(bottom row), in its column.
void pixel_grad(vec4 v, out vec4 dx, out vec4 dy) {
    uvec2 l = gl_LocalInvocationID.xy;
    uvec2 q = l & ~1u;   // the quad's bottom-left pixel
    barrier();           // every read of the last call is done before the write
    pixel_grad_values[l.y * PIXEL_GRAD_GROUP + l.x] = v;
    memoryBarrierShared();
    barrier();
    dx = pixel_grad_values[l.y * PIXEL_GRAD_GROUP + q.x + 1u]
       - pixel_grad_values[l.y * PIXEL_GRAD_GROUP + q.x];
    dy = pixel_grad_values[(q.y + 1u) * PIXEL_GRAD_GROUP + l.x]
       - pixel_grad_values[q.y * PIXEL_GRAD_GROUP + l.x];
}
#elif defined(FRAGMENT_SHADER)
// pixel_grad: dFdx and dFdy of v.  The implementation's own choice, as the
// fragment path has always drawn with: llvmpipe takes the fine differences
// (tests/gl/test_earth_compute.py compares the two paths there), and Mesa
// 22's llvmpipe gets dFdxCoarse wrong, so neither is asked for by name.
void pixel_grad(vec4 v, out vec4 dx, out vec4 dy) {
    dx = dFdx(v);
    dy = dFdy(v);
}
#endif
