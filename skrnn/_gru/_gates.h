/*
 * Fused GRU gate math for one time step, forward and backward.
 *
 * Why a C header next to the Cython kernel: the per-step work outside the
 * hidden-to-hidden GEMM is a few element-wise passes over (batch, hidden)
 * values whose cost is dominated by exp/tanh. libm's expf/tanhf are scalar
 * calls that the compiler cannot vectorise without -ffast-math, which would
 * also change NaN/inf handling for the whole extension. So exp is written
 * here as a branch-free Cephes-style polynomial (relative error ~1 ulp over
 * the clamped range) that GCC/Clang vectorise at -O3, and sigmoid/tanh are
 * built on it. Results match PyTorch's gates to float32 rounding (absolute
 * error < 2e-7 on the gate values).
 *
 * On x86-64 Linux with GCC the two step functions are compiled several times
 * (target_clones: baseline SSE2, AVX2+FMA, AVX-512) and the best one for the
 * running CPU is picked once at load time, so a portable build still uses
 * wide vectors. Elsewhere they are compiled once for the baseline.
 *
 * Layout (row-major, float32): per step, `bs` active rows; gates in PyTorch's
 * order r, z, n, so a gate row has 3*H values [r | z | n].
 */
#ifndef SKRNN_GRU_GATES_H
#define SKRNN_GRU_GATES_H

#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) \
    && (__GNUC__ >= 8)
#define SKRNN_CLONES __attribute__((target_clones("default", "arch=haswell", "arch=skylake-avx512")))
#else
#define SKRNN_CLONES
#endif

/* exp(x) for float32, vectorisable: clamp, x = n*ln2 + r, exp(r) by a degree-6
 * polynomial, 2^n assembled in the exponent bits. */
static inline float skrnn_expf(float x)
{
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
    /* round x*log2(e) to the nearest integer: adding 1.5*2^23 leaves the
       integer in the low mantissa bits of t */
    float t = x * 1.44269504088896341f + 12582912.0f;
    float n = t - 12582912.0f;
    float r = x - n * 0.693359375f;     /* ln2 split in a high part exact in float */
    r = r - n * -2.12194440e-4f;        /* and the low remainder (Cephes) */
    float z = r * r;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * z + r + 1.0f;
    int32_t bits;
    memcpy(&bits, &t, sizeof bits);
    bits = (bits - 0x4B400000 + 127) << 23; /* 2^n, n in [-126, 127] */
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

static inline float skrnn_sigmoidf(float x) { return 1.0f / (1.0f + skrnn_expf(-x)); }

/* tanh(x) = 2*sigmoid(2x) - 1: absolute error ~1e-7 near 0, saturates exactly. */
static inline float skrnn_tanhf(float x) { return 2.0f / (1.0f + skrnn_expf(-2.0f * x)) - 1.0f; }

/*
 * Forward gates for `bs` rows.
 *   gx    (bs, 3H)  input projection x W_ih^T + b_ih of this step
 *   gh    (bs, 3H)  h_{t-1} W_hh^T (without bias)
 *   bhh   (3H)      hidden bias (zeros when the layer has no bias)
 *   h     (bs, H)   state, read as h_{t-1}, overwritten with h_t
 *   out   (bs, H)   output of this step (h_t)
 *   hprev (bs, H)   copy of h_{t-1} for backward, or NULL (inference)
 *   save  (bs, 4H)  [r | z | n | gh_n + b_hn] for backward, or NULL
 */
SKRNN_CLONES
static void skrnn_gru_gates_forward(int bs, int H, const float *restrict gx,
                                    const float *restrict gh, const float *restrict bhh,
                                    float *restrict h, float *restrict out,
                                    float *restrict hprev, float *restrict save)
{
    for (int b = 0; b < bs; b++) {
        const float *gxb = gx + (int64_t)b * 3 * H;
        const float *ghb = gh + (int64_t)b * 3 * H;
        float *hb = h + (int64_t)b * H;
        float *ob = out + (int64_t)b * H;
        if (save) {
            float *hp = hprev + (int64_t)b * H;
            float *sv = save + (int64_t)b * 4 * H;
            for (int j = 0; j < H; j++) {
                float r = skrnn_sigmoidf(gxb[j] + ghb[j] + bhh[j]);
                float z = skrnn_sigmoidf(gxb[H + j] + ghb[H + j] + bhh[H + j]);
                float ghn = ghb[2 * H + j] + bhh[2 * H + j];
                float n = skrnn_tanhf(gxb[2 * H + j] + r * ghn);
                float hv = hb[j];
                /* PyTorch's form: h' = n + z * (h - n) */
                float hn = n + z * (hv - n);
                hp[j] = hv;
                sv[j] = r;
                sv[H + j] = z;
                sv[2 * H + j] = n;
                sv[3 * H + j] = ghn;
                hb[j] = hn;
                ob[j] = hn;
            }
        } else {
            for (int j = 0; j < H; j++) {
                float r = skrnn_sigmoidf(gxb[j] + ghb[j] + bhh[j]);
                float z = skrnn_sigmoidf(gxb[H + j] + ghb[H + j] + bhh[H + j]);
                float ghn = ghb[2 * H + j] + bhh[2 * H + j];
                float n = skrnn_tanhf(gxb[2 * H + j] + r * ghn);
                float hn = n + z * (hb[j] - n);
                hb[j] = hn;
                ob[j] = hn;
            }
        }
    }
}

/*
 * Backward gates for `bs` rows of one step.
 *   dout  (bs, H)   gradient w.r.t. this step's output
 *   dh    (bs, H)   gradient w.r.t. h_t flowing from later steps; overwritten
 *                   with the part of dL/dh_{t-1} that does not go through
 *                   W_hh (dh * z). The caller adds dgh W_hh with a GEMM.
 *   hprev, save     as stored by the forward
 *   dgx   (bs, 3H)  gradient w.r.t. the input-side pre-activations
 *   dgh   (bs, 3H)  gradient w.r.t. h_{t-1} W_hh^T + b_hh
 */
SKRNN_CLONES
static void skrnn_gru_gates_backward(int bs, int H, const float *restrict dout,
                                     float *restrict dh, const float *restrict hprev,
                                     const float *restrict save, float *restrict dgx,
                                     float *restrict dgh)
{
    for (int b = 0; b < bs; b++) {
        const float *dob = dout + (int64_t)b * H;
        float *dhb = dh + (int64_t)b * H;
        const float *hp = hprev + (int64_t)b * H;
        const float *sv = save + (int64_t)b * 4 * H;
        float *dx = dgx + (int64_t)b * 3 * H;
        float *dg = dgh + (int64_t)b * 3 * H;
        for (int j = 0; j < H; j++) {
            float d = dhb[j] + dob[j];
            float r = sv[j], z = sv[H + j], n = sv[2 * H + j], ghn = sv[3 * H + j];
            float dn_pre = d * (1.0f - z) * (1.0f - n * n);
            float dz_pre = d * (hp[j] - n) * z * (1.0f - z);
            float dr_pre = dn_pre * ghn * r * (1.0f - r);
            dx[j] = dr_pre;
            dx[H + j] = dz_pre;
            dx[2 * H + j] = dn_pre;
            dg[j] = dr_pre;
            dg[H + j] = dz_pre;
            dg[2 * H + j] = dn_pre * r;
            dhb[j] = d * z;
        }
    }
}

#endif
