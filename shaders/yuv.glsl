// yuv.glsl: display R'G'B' to BT.709 Y'CbCr 4:2:0, limited range, on the GPU.
//
// The encoder then receives the three planes ready to compress and converts
// nothing, and the read-back is half the bytes of RGB.
//
// Input: the post pass's 8-bit frame (R'G'B', sRGB-encoded; rows stored top row
// first, which is also the order the planes are read back in, so no flip here).
//
// Y' is one sample per pixel, chroma one per 2x2 block (lib/ycbcr.glsl has
// the formulas), sited as H.264/MPEG-2 decoders assume by default ("left"): horizontally on
// the even luma column, vertically midway between the two rows.  So the
// 4:2:0 sample at block (i, j) filters columns 2i-1, 2i, 2i+1 with weights
// 1/4, 1/2, 1/4 (clamped at the image edge) and averages rows 2j and 2j+1.
// Outputs are UNORM8: a value v/255 is stored as the code round(v).  The post
// pass writes Y' itself for a full frame (post.glsl, LUMA): LUMA here serves
// callers that convert a frame drawn without it.

#include "lib/common.glsl"
#include "lib/ycbcr.glsl"

#if defined(VERTEX_SHADER)
void main() { fullscreen_vertex(); }

#elif defined(FRAGMENT_SHADER)

uniform sampler2D u_rgb;   // R'G'B' 8-bit frame, texel (x, y) = image column x, row y from the top

vec3 rgb_at(ivec2 p) {
    ivec2 size = textureSize(u_rgb, 0);
    return texelFetch(u_rgb, clamp(p, ivec2(0), size - 1), 0).rgb;
}

#if defined(LUMA)
layout(location = 0) out float y_out;

void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    y_out = luma_unorm(rgb_at(p));
}

#else  // CHROMA: one fragment per 2x2 block, writing both planes
layout(location = 0) out float cb_out;
layout(location = 1) out float cr_out;

void main() {
    ivec2 b = ivec2(gl_FragCoord.xy) * 2;
    vec2 c = vec2(0.0);
    for (int dy = 0; dy < 2; ++dy) {
        c += 0.25 * chroma_of(rgb_at(b + ivec2(-1, dy)));
        c += 0.50 * chroma_of(rgb_at(b + ivec2(0, dy)));
        c += 0.25 * chroma_of(rgb_at(b + ivec2(1, dy)));
    }
    c *= 0.5;  // mean of the two rows
    cb_out = (128.0 + 224.0 * c.x) / 255.0;
    cr_out = (128.0 + 224.0 * c.y) / 255.0;
}
#endif
#endif
