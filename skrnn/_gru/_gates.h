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

/* Clones are dispatched on CPU features: "arch=x86-64-v3" (AVX2+FMA) and
   "arch=x86-64-v4" (AVX-512) test the ISA level; "arch=haswell" would test
   the CPU *model* and never match an AMD chip. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) \
    && (__GNUC__ >= 12)
#define SKRNN_CLONES __attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4")))
#elif defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) \
    && (__GNUC__ >= 8)
#define SKRNN_CLONES __attribute__((target_clones("default", "avx2", "avx512f")))
#else
#define SKRNN_CLONES
#endif

/* The math helpers must be inlined into each clone (GCC will not inline a
   default-target function into an arch=... one otherwise), or the loops
   that call them cannot be vectorised. */
#if defined(__GNUC__)
#define SKRNN_INLINE static inline __attribute__((always_inline))
#else
#define SKRNN_INLINE static inline
#endif

/* exp(x) for float32, vectorisable: clamp, x = n*ln2 + r, exp(r) by a degree-6
 * polynomial, 2^n assembled in the exponent bits. */
SKRNN_INLINE float skrnn_expf(float x)
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

SKRNN_INLINE float skrnn_sigmoidf(float x) { return 1.0f / (1.0f + skrnn_expf(-x)); }

/* tanh(x) = 2*sigmoid(2x) - 1: absolute error ~1e-7 near 0, saturates exactly. */
SKRNN_INLINE float skrnn_tanhf(float x) { return 2.0f / (1.0f + skrnn_expf(-2.0f * x)) - 1.0f; }

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
    /* One pointer per gate block, indexed by j alone: index expressions like
       2*H + j defeat the vectoriser under -fwrapv (which Python's build
       flags add). */
    const float *restrict br = bhh, *restrict bz = bhh + H, *restrict bn = bhh + 2 * H;
    for (int b = 0; b < bs; b++) {
        const float *restrict xr = gx + (int64_t)b * 3 * H;
        const float *restrict xz = xr + H, *restrict xn = xr + 2 * H;
        const float *restrict hr = gh + (int64_t)b * 3 * H;
        const float *restrict hz = hr + H, *restrict hn_ = hr + 2 * H;
        float *restrict hb = h + (int64_t)b * H;
        float *restrict ob = out + (int64_t)b * H;
        if (save) {
            float *restrict hp = hprev + (int64_t)b * H;
            float *restrict sr = save + (int64_t)b * 4 * H;
            float *restrict sz = sr + H, *restrict sn = sr + 2 * H, *restrict sg = sr + 3 * H;
            for (int j = 0; j < H; j++) {
                float r = skrnn_sigmoidf(xr[j] + hr[j] + br[j]);
                float z = skrnn_sigmoidf(xz[j] + hz[j] + bz[j]);
                float ghn = hn_[j] + bn[j];
                float n = skrnn_tanhf(xn[j] + r * ghn);
                float hv = hb[j];
                /* PyTorch's form: h' = n + z * (h - n) */
                float hnew = n + z * (hv - n);
                hp[j] = hv;
                sr[j] = r;
                sz[j] = z;
                sn[j] = n;
                sg[j] = ghn;
                hb[j] = hnew;
                ob[j] = hnew;
            }
        } else {
            for (int j = 0; j < H; j++) {
                float r = skrnn_sigmoidf(xr[j] + hr[j] + br[j]);
                float z = skrnn_sigmoidf(xz[j] + hz[j] + bz[j]);
                float n = skrnn_tanhf(xn[j] + r * (hn_[j] + bn[j]));
                float hnew = n + z * (hb[j] - n);
                hb[j] = hnew;
                ob[j] = hnew;
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
        const float *restrict dob = dout + (int64_t)b * H;
        float *restrict dhb = dh + (int64_t)b * H;
        const float *restrict hp = hprev + (int64_t)b * H;
        const float *restrict sr = save + (int64_t)b * 4 * H;
        const float *restrict sz = sr + H, *restrict sn = sr + 2 * H, *restrict sg = sr + 3 * H;
        float *restrict xr = dgx + (int64_t)b * 3 * H;
        float *restrict xz = xr + H, *restrict xn = xr + 2 * H;
        float *restrict gr = dgh + (int64_t)b * 3 * H;
        float *restrict gz = gr + H, *restrict gn = gr + 2 * H;
        for (int j = 0; j < H; j++) {
            float d = dhb[j] + dob[j];
            float r = sr[j], z = sz[j], n = sn[j];
            float dn_pre = d * (1.0f - z) * (1.0f - n * n);
            float dz_pre = d * (hp[j] - n) * z * (1.0f - z);
            float dr_pre = dn_pre * sg[j] * r * (1.0f - r);
            xr[j] = dr_pre;
            xz[j] = dz_pre;
            xn[j] = dn_pre;
            gr[j] = dr_pre;
            gz[j] = dz_pre;
            gn[j] = dn_pre * r;
            dhb[j] = d * z;
        }
    }
}

#endif
