#!/usr/bin/env python3
"""Writes small .mpxm test models (FORMAT.md), their configurations, inputs and the expected outputs computed
here with plain Python loops from the definitions in FORMAT.md and src/core/DESIGN.md §2 — independently of the C
runtime. Standard library only.

    make_test_model.py OUTDIR

OUTDIR/cnn.mpxm      CONV(+bias+relu) -> MAXPOOL -> RESHAPE -> DENSE -> SOFTMAX, 3 layers
OUTDIR/cnn.configs   HPVM text: perforation, sampling and fp16 configurations
OUTDIR/ops.mpxm      broadcasting arithmetic, AFFINE, TRANSPOSE, SLICE, PAD, CONCAT, MATMUL, pools, SOFTMAX
OUTDIR/ops.configs   one configuration with every slot in fp16
OUTDIR/<model>.input.f32, <model>.expected.f32   raw little-endian float32: inputs and, per configuration
                     (conf0 first, in file order), the outputs for every sample
OUTDIR/cnn_x.npy, cnn_y.npy   the cnn inputs and labels for mpxrun
"""
import itertools
import math
import os
import random
import struct
import sys
import zlib

CONV, DENSE, MATMUL, ADD, SUB, MUL, DIV, AFFINE, RELU, CLIP, LEAKY, SIGMOID, TANH = range(1, 14)
MAXPOOL, AVGPOOL, GAP, GMP, RESHAPE, TRANSPOSE, CONCAT, PAD, SLICE, SOFTMAX = range(14, 24)
SLOT = {"conv": 1, "group_conv": 2, "mul": 3, "add": 4, "relu": 5, "tanh": 6, "pool_max": 7, "pool_mean": 8,
        "softmax": 9, "batchnorm": 10, "sub": 11, "emul": 12, "div": 13, "sigmoid": 14, "clip": 15}


class Model:
    def __init__(self):
        self.strings = bytearray()
        self.offsets = {}
        self.tensors, self.ops, self.layers, self.weights = [], [], [], bytearray()

    def string(self, s):
        if s not in self.offsets:
            self.offsets[s] = len(self.strings)
            self.strings += s.encode() + b"\0"
        return self.offsets[s]

    def activation(self, name, dims):
        self.tensors.append((self.string(name), 0, dims, None))
        return len(self.tensors) - 1

    def constant(self, name, dims, values):
        assert len(values) == math.prod(dims)
        offset = len(self.weights)
        self.weights += struct.pack("<%df" % len(values), *values)
        self.weights += b"\0" * (-len(self.weights) % 16)
        self.tensors.append((self.string(name), 1, dims, offset))
        return len(self.tensors) - 1

    def op(self, type_, name, ins, out, iattr=(), fattr=()):
        self.ops.append((type_, self.string(name), ins, out, list(iattr), list(fattr)))
        return len(self.ops) - 1

    def layer(self, *slots):  # (slot name, part, op)
        self.layers.append(slots)

    def encode(self, input_id, output_ids):
        body = bytearray()
        for name, kind, dims, offset in self.tensors:
            body += struct.pack("<IBBBB", name, kind, 0, len(dims), 0) + struct.pack("<%dI" % len(dims), *dims)
            if kind == 1:
                body += struct.pack("<Q", offset)
        body += struct.pack("<I", input_id) + struct.pack("<%dI" % len(output_ids), *output_ids)
        for type_, name, ins, out, ia, fa in self.ops:
            body += struct.pack("<HHIBBBB", type_, 0, name, len(ins), 1, len(ia), len(fa))
            body += struct.pack("<%dI" % len(ins), *[0xFFFFFFFF if i is None else i for i in ins])
            body += struct.pack("<I", out) + struct.pack("<%di" % len(ia), *ia) + struct.pack("<%df" % len(fa), *fa)
        for slots in self.layers:
            body += struct.pack("<B3x", len(slots))
            for name, part, op in slots:
                body += struct.pack("<BBHI", SLOT[name], part, 0, op)
        head_len = 48 + len(self.strings) + len(body)
        padding = b"\0" * (-head_len % 16)
        size = head_len + len(padding) + len(self.weights) + 4
        header = b"MPXM" + struct.pack("<9IQ", 1, size, len(self.tensors), len(self.ops), len(self.layers), 1,
                                       len(output_ids), len(self.strings), 0, len(self.weights))
        data = header + bytes(self.strings) + bytes(body) + padding + bytes(self.weights)
        return data + struct.pack("<I", zlib.crc32(data) & 0xFFFFFFFF)


# ---- reference arithmetic on (shape, flat list) arrays ---------------------------------------------------
def half(v):
    return struct.unpack("<e", struct.pack("<e", v))[0]


def f32(v):
    return struct.unpack("<f", struct.pack("<f", v))[0]


def strides(shape):
    s, out = 1, []
    for d in reversed(shape):
        out.insert(0, s)
        s *= d
    return out


def index(shape, idx):
    return sum(i * s for i, s in zip(idx, strides(shape)))


def broadcast(a, b, fn):
    (sa, va), (sb, vb) = a, b
    r = max(len(sa), len(sb))
    pa, pb = [1] * (r - len(sa)) + list(sa), [1] * (r - len(sb)) + list(sb)
    shape = [max(x, y) for x, y in zip(pa, pb)]
    out = []
    for idx in itertools.product(*map(range, shape)):
        ia = [0 if d == 1 else i for i, d in zip(idx, pa)]
        ib = [0 if d == 1 else i for i, d in zip(idx, pb)]
        out.append(fn(va[index(pa, ia)], vb[index(pb, ib)]))
    return shape, out


def transpose(a, perm):
    shape, v = a
    out_shape = [shape[p] for p in perm]
    out = []
    for idx in itertools.product(*map(range, out_shape)):
        src = [0] * len(shape)
        for k, p in enumerate(perm):
            src[p] = idx[k]
        out.append(v[index(shape, src)])
    return out_shape, out


def conv2d(x, w, C, H, W, M, kh, kw, pad, dil=(1, 1), stride=(1, 1), dropped=None, scale=1.0, rounding=None):
    """Direct convolution of one sample; dropped(m, j) says whether flattened weight j of filter m is dropped."""
    Ho = (H + pad[0] + pad[2] - dil[0] * (kh - 1) - 1) // stride[0] + 1
    Wo = (W + pad[1] + pad[3] - dil[1] * (kw - 1) - 1) // stride[1] + 1
    r = rounding or (lambda v: v)
    y = [0.0] * (M * Ho * Wo)
    for m, oh, ow in itertools.product(range(M), range(Ho), range(Wo)):
        acc = 0.0
        for c, i, j in itertools.product(range(C), range(kh), range(kw)):
            flat = (c * kh + i) * kw + j
            if dropped and dropped(flat):
                continue
            ih, iw = oh * stride[0] - pad[0] + i * dil[0], ow * stride[1] - pad[1] + j * dil[1]
            if 0 <= ih < H and 0 <= iw < W:
                acc += r(x[(c * H + ih) * W + iw]) * r(f32(w[((m * C + c) * kh + i) * kw + j] * scale))
        y[(m * Ho + oh) * Wo + ow] = acc
    return y, Ho, Wo


def perforate(y, M, Ho, Wo, rows, x, o):
    """src/core/DESIGN.md §2: skipped rows (or columns) s, s+x, ... are filled from their computed neighbours."""
    n = Ho if rows else Wo
    skipped = set(range(o, n, x))
    def get(m, r, k):
        return y[(m * Ho + r) * Wo + k] if rows else y[(m * Ho + k) * Wo + r]
    out = list(y)
    for m, r, k in itertools.product(range(M), range(n), range(Wo if rows else Ho)):
        if r not in skipped:
            continue
        if r == n - 1:
            src = max(q for q in range(n) if q not in skipped)
            v = get(m, src, k)
        elif r == 0:
            v = get(m, 1, k)
        else:
            v = 0.5 * (get(m, r - 1, k) + get(m, r + 1, k))
        if rows:
            out[(m * Ho + r) * Wo + k] = v
        else:
            out[(m * Ho + k) * Wo + r] = v
    return out


def sampling_dropped(C, kh, kw, x, o):
    khw = kh * kw
    if khw % x == 0:
        return lambda j: (j % khw) >= (o + j // khw) % x and ((j % khw) - (o + j // khw) % x) % x == 0
    return lambda j: j >= o and (j - o) % x == 0


def softmax(v):
    m = max(v)
    e = [math.exp(t - m) for t in v]
    s = sum(e)
    return [t / s for t in e]


# ---- the CNN model --------------------------------------------------------------------------------------
def cnn(rng):
    C, H, W, M, K, P = 2, 6, 6, 3, 3, 4
    wconv = [rng.uniform(-0.5, 0.5) for _ in range(M * C * K * K)]
    bconv = [rng.uniform(-0.1, 0.2) for _ in range(M)]
    wd = [rng.uniform(-0.5, 0.5) for _ in range(P * 27)]
    bd = [rng.uniform(-0.1, 0.1) for _ in range(P)]
    m = Model()
    x = m.activation("x", [C, H, W])
    wc, bc = m.constant("conv1.w", [M, C, K, K], wconv), m.constant("conv1.b", [M], bconv)
    y1 = m.activation("conv1.y", [M, H, W])
    y2 = m.activation("pool1.y", [M, 3, 3])
    y3 = m.activation("flat", [27])
    wdt, bdt = m.constant("fc.w", [P, 27], wd), m.constant("fc.b", [P], bd)
    y4 = m.activation("fc.y", [P])
    y5 = m.activation("prob", [P])
    m.op(CONV, "conv1/Conv", [x, wc, bc], y1, [1, K, K, 1, 1, 1, 1, 1, 1, 1, 1, 1], [0.0, 0.0])
    m.op(MAXPOOL, "pool1/MaxPool", [y1], y2, [2, 2, 2, 2, 0, 0, 0, 0, 1, 1])
    m.op(RESHAPE, "flatten", [y2], y3)
    m.op(DENSE, "fc/Gemm", [y3, wdt, bdt], y4, [0], [0.0, 0.0])
    m.op(SOFTMAX, "softmax", [y4], y5, [1, 0])
    m.layer(("conv", 0, 0), ("add", 1, 0), ("relu", 2, 0), ("pool_max", 0, 1))
    m.layer(("mul", 0, 3), ("add", 1, 3))
    m.layer(("softmax", 0, 4))

    # configuration name -> (conv knob, conv fp16, bias fp16, relu fp16, pool fp16, dense fp16, dense bias fp16, softmax fp16)
    configs = [
        ("conf1", 121, 0, 0, 0, 0, 0, 0, 0), ("conf2", 136, 0, 0, 0, 0, 0, 0, 0),
        ("conf3", 231, 0, 0, 0, 0, 0, 0, 0), ("conf4", 234, 0, 0, 0, 0, 0, 0, 0),
        ("conf5", 12, 1, 1, 1, 1, 1, 1, 1), ("conf6", 153, 1, 0, 1, 0, 1, 0, 0), ("conf7", 11, 0, 0, 0, 0, 0, 0, 0),
    ]
    text = "0.0\n"
    name = lambda f: "fp16 12" if f else "fp32 11"
    for conf, knob, ch, bh, rh, ph, dh, dbh, sh in configs:
        fam = {11: "fp32", 12: "fp16"}.get(knob) or ("perf" if knob < 150 else "perf_fp16" if knob < 200 else
                                                      "samp" if knob < 260 else "samp_fp16")
        text += "+++++\n%s 1.5 1.0 90.0 0.5 0.9 0.95 0.6\n" % conf
        text += "1 cpu conv %s %d add %s relu %s pool_max %s\n" % (fam, knob, name(bh), name(rh), name(ph))
        text += "2 cpu mul %s add %s\n3 cpu softmax %s\n-----\n" % (name(dh), name(dbh), name(sh))

    def forward(sample, cfg):
        _, knob, ch, bh, rh, ph, dh, dbh, sh = cfg
        r16 = half if ch or knob in (12,) or 151 <= knob <= 168 or 261 <= knob <= 269 else None
        base = knob - 30 if knob >= 151 and (knob <= 168 or knob >= 261) else knob
        dropped, scale = None, 1.0
        if 231 <= base <= 239:
            x_, o_ = {231: (2, 0), 232: (2, 1), 233: (3, 0), 234: (3, 1), 235: (3, 2)}.get(base, (4, base - 236))
            dropped, scale = sampling_dropped(C, K, K, x_, o_), x_ / (x_ - 1)
        y, Ho, Wo = conv2d(sample, wconv, C, H, W, M, K, K, (1, 1, 1, 1), dropped=dropped, scale=scale, rounding=r16)
        if 121 <= base <= 138:
            table = {121: (0, 2, 0), 122: (0, 2, 1), 123: (1, 2, 0), 124: (1, 2, 1)}
            for i, o in enumerate(range(3)):
                table[125 + i] = (0, 3, o)
                table[128 + i] = (1, 3, o)
            for o in range(4):
                table[131 + o] = (0, 4, o)
                table[135 + o] = (1, 4, o)
            rows, x_, o_ = table[base]
            y = perforate(y, M, Ho, Wo, rows, x_, o_)
        if r16:
            y = [half(v) for v in y]
        hb = half if bh else (lambda v: v)
        hr = half if rh else (lambda v: v)
        y = [hb(hb(v) + hb(bconv[i // (Ho * Wo)])) for i, v in enumerate(y)]
        y = [hr(max(hr(v), 0.0)) for v in y]
        hp = half if ph else (lambda v: v)
        pooled = []
        for mm, i, j in itertools.product(range(M), range(3), range(3)):
            pooled.append(hp(max(hp(y[(mm * Ho + 2 * i + a) * Wo + 2 * j + b]) for a in (0, 1) for b in (0, 1))))
        hd, hdb = (half if dh else (lambda v: v)), (half if dbh else (lambda v: v))
        fc = [hd(sum(hd(pooled[k]) * hd(wd[p * 27 + k]) for k in range(27))) for p in range(P)]
        fc = [hdb(hdb(v) + hdb(bd[p])) for p, v in enumerate(fc)]
        hs = half if sh else (lambda v: v)
        return [hs(v) for v in softmax([hs(v) for v in fc])]

    samples = [[rng.uniform(-1, 1) for _ in range(C * H * W)] for _ in range(6)]
    exact = ("conf0", 11, 0, 0, 0, 0, 0, 0, 0)
    expected = [forward(s, cfg) for cfg in [exact] + configs for s in samples]
    return m.encode(x, [y5]), text, samples, expected


# ---- the op-coverage model -------------------------------------------------------------------------------
def ops(rng):
    m = Model()
    rnd = lambda n: [rng.uniform(-1, 1) for _ in range(n)]
    cbias, cscale, aff_s, aff_b, mm_w = rnd(3), rnd(5), rnd(3), rnd(3), rnd(10)
    x = m.activation("x", [3, 4, 5])
    t1 = m.activation("t1", [3, 4, 5]); m.op(ADD, "add_bias", [x, m.constant("cb", [3, 1, 1], cbias)], t1)
    t2 = m.activation("t2", [3, 4, 5]); m.op(MUL, "mul_row", [m.constant("cs", [5], cscale), t1], t2)
    t3 = m.activation("t3", [3, 4, 5]); m.op(AFFINE, "bn", [t2, m.constant("as", [3], aff_s), m.constant("ab", [3], aff_b)], t3)
    t4 = m.activation("t4", [4, 5, 3]); m.op(TRANSPOSE, "tr", [t3], t4, [0, 2, 3, 1])
    t5 = m.activation("t5", [4, 3, 3]); m.op(SLICE, "sl", [t4], t5, [0, 3, 0, 2, 1, -1, 2, -1])
    t6 = m.activation("t6", [5, 4, 5]); m.op(PAD, "pad", [t5], t6, [0, 1, 0, 0, 0, 0, 1, 2], [0.5])
    t7 = m.activation("t7", [5, 4, 5]); m.op(SIGMOID, "sig", [t6], t7)
    t8 = m.activation("t8", [5, 4, 5]); m.op(TANH, "tanh", [t6], t8)
    t9 = m.activation("t9", [10, 4, 5]); m.op(CONCAT, "cat", [t7, t8], t9, [1])
    t10 = m.activation("t10", [10, 4, 5]); m.op(CLIP, "clip", [t9], t10, [], [-0.2, 0.6])
    t11 = m.activation("t11", [10, 4, 5]); m.op(SUB, "sub", [t10, m.constant("third", [1], [0.3])], t11)
    t12 = m.activation("t12", [10, 4, 5]); m.op(LEAKY, "leaky", [t11], t12, [], [0.1])
    t13 = m.activation("t13", [10, 4, 2]); m.op(MATMUL, "mm", [t12, m.constant("mw", [5, 2], mm_w)], t13)
    t14 = m.activation("t14", [10, 4, 4]); t13r = m.activation("t13r", [10, 2, 4])
    m.op(TRANSPOSE, "tr2", [t13], t13r, [0, 1, 3, 2])
    m.op(MATMUL, "mm2", [t13, t13r], t14)
    t15 = m.activation("t15", [10, 4, 4]); m.op(AVGPOOL, "avg", [t14], t15, [2, 2, 1, 1, 1, 1, 0, 0, 1, 1, 0])
    t16 = m.activation("t16", [10, 1, 1]); m.op(GAP, "gap", [t15], t16)
    t17 = m.activation("t17", [10, 1, 1]); m.op(GMP, "gmp", [t14], t17)
    t18 = m.activation("t18", [10, 1, 1]); m.op(DIV, "div", [t16, t17], t18)
    t19 = m.activation("t19", [10]); m.op(RESHAPE, "flat", [t18], t19)
    t20 = m.activation("t20", [10]); m.op(SOFTMAX, "sm", [t19], t20, [1, 0])
    m.layer(("add", 0, 0)); m.layer(("emul", 0, 1)); m.layer(("batchnorm", 0, 2)); m.layer(("sigmoid", 0, 6))
    m.layer(("mul", 0, 12)); m.layer(("pool_mean", 0, 15)); m.layer(("softmax", 0, 20))

    def forward(sample, fp16):
        h = half if fp16 else (lambda v: v)  # the fp16 configuration: every slot of the model in binary16
        a = ([3, 4, 5], sample)
        a = broadcast(a, ([3, 1, 1], cbias), lambda p, q: h(h(p) + h(q)))
        a = broadcast(([5], cscale), a, lambda p, q: h(h(p) * h(q)))
        a = (a[0], [h(h(v) * h(aff_s[i // 20]) + h(aff_b[i // 20])) for i, v in enumerate(a[1])])
        a = transpose(a, [1, 2, 0])
        shape, v = a
        sl = [v[index(shape, (3 - i, 2 * j, 2 - k))] for i in range(4) for j in range(3) for k in range(3)]
        padded = [0.5] * (5 * 4 * 5)
        for i, j, k in itertools.product(range(4), range(3), range(3)):
            padded[index([5, 4, 5], (i + 1, j, k))] = sl[index([4, 3, 3], (i, j, k))]
        sig = [h(1 / (1 + math.exp(-h(t)))) for t in padded]
        cat = sig + [math.tanh(t) for t in padded]
        t = [min(max(v, f32(-0.2)), f32(0.6)) - f32(0.3) for v in cat]
        t = [v if v >= 0 else v * f32(0.1) for v in t]
        mm = [h(sum(h(t[(c * 4 + i) * 5 + k]) * h(mm_w[k * 2 + j]) for k in range(5)))
              for c in range(10) for i in range(4) for j in range(2)]
        mm2 = [sum(mm[(c * 4 + i) * 2 + k] * mm[(c * 4 + j) * 2 + k] for k in range(2)) for c in range(10) for i in range(4) for j in range(4)]
        avg = []
        for c, i, j in itertools.product(range(10), range(4), range(4)):
            vals = [mm2[(c * 4 + ih) * 4 + iw] for ih in (i - 1, i) for iw in (j - 1, j) if 0 <= ih < 4 and 0 <= iw < 4]
            avg.append(h(sum(h(v) for v in vals) / len(vals)))
        gap = [sum(avg[c * 16:(c + 1) * 16]) / 16 for c in range(10)]
        gmp = [max(mm2[c * 16:(c + 1) * 16]) for c in range(10)]
        return [h(v) for v in softmax([h(p / q) for p, q in zip(gap, gmp)])]  # DIV is fp32, the softmax reads h()

    slots = ["add", "emul", "batchnorm", "sigmoid", "mul", "pool_mean", "softmax"]
    text = "0.0\n+++++\nhalf 1.2 1.0 90.0 0.5\n%s-----\n" % "".join(
        "%d cpu %s fp16 12\n" % (i + 1, op) for i, op in enumerate(slots))
    samples = [[rng.uniform(-1, 1) for _ in range(60)] for _ in range(3)]
    return m.encode(x, [t20]), text, samples, [forward(s, fp16) for fp16 in (False, True) for s in samples]


def npy(path, descr, shape, fmt, values):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (descr, "".join("%d, " % d for d in shape))
    header += " " * (-(10 + len(header) + 1) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        f.write(struct.pack("<%d%s" % (len(values), fmt), *values))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    rng = random.Random(7)
    for name, build in (("cnn", cnn), ("ops", ops)):
        model, configs, samples, expected = build(rng)
        with open(os.path.join(out, name + ".mpxm"), "wb") as f:
            f.write(model)
        with open(os.path.join(out, name + ".configs"), "w") as f:
            f.write(configs)
        flat = [v for s in samples for v in s]
        with open(os.path.join(out, name + ".input.f32"), "wb") as f:
            f.write(struct.pack("<%df" % len(flat), *flat))
        flat = [v for s in expected for v in s]
        with open(os.path.join(out, name + ".expected.f32"), "wb") as f:
            f.write(struct.pack("<%df" % len(flat), *flat))
        if name == "cnn":
            npy(os.path.join(out, "cnn_x.npy"), "<f4", [len(samples), 2, 6, 6], "f", [v for s in samples for v in s])
            labels = [max(range(4), key=lambda k: e[k]) for e in expected[:len(samples)]]
            labels[0] = (labels[0] + 1) % 4  # one wrong label, so that accuracy is not trivially 100
            npy(os.path.join(out, "cnn_y.npy"), "<i8", [len(samples)], "q", labels)
    print("wrote test models to", out)


if __name__ == "__main__":
    main()
