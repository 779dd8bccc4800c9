// ycbcr.glsl: BT.709 Y'CbCr, limited range, from display R'G'B' (ITU-R
// BT.709-6, table 3), in 8-bit code values over 255 (UNORM8 targets store
// v/255 as the code round(v)):
//     E'y  = 0.2126 R' + 0.7152 G' + 0.0722 B'
//     Y'   = 16 + 219 E'y
//     E'cb = (B' - E'y) / 1.8556,   E'cr = (R' - E'y) / 1.5748
//     Cb   = 128 + 224 E'cb,        Cr   = 128 + 224 E'cr

const vec3 K709 = vec3(0.2126, 0.7152, 0.0722);

// luma_unorm: Y' of an R'G'B' colour (each in [0, 1]), over 255.
float luma_unorm(vec3 c) {
    return (16.0 + 219.0 * dot(K709, c)) / 255.0;
}

// chroma_of: (E'cb, E'cr) of an R'G'B' colour, in [-0.5, 0.5].
vec2 chroma_of(vec3 c) {
    float ey = dot(K709, c);
    return vec2((c.b - ey) / 1.8556, (c.r - ey) / 1.5748);
}
