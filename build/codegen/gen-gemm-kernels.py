# Generates the unrolled SIMD micro-kernels pasted into src/MLNet.Optimizers/Compute/ManagedGemm.cs
# (the register-tiled 12x32 / 12x16 Vector512 and 6x16 Vector256 kernels). Run: python3 build/codegen/gen-gemm-kernels.py
# and replace the generated region of ManagedGemm.cs with its output. Our own code: keep it with the kernels it makes.
def kernel(name, vec, width, mr, nv, summary, direct=False):
    V = f"Vector{vec}<float>"
    VS = f"Vector{vec}"
    L = []
    L.append(f"    /// <summary>{summary}</summary>")
    L.append("    [MethodImpl(MethodImplOptions.AggressiveOptimization)]")
    if direct:
        L.append(f"    private static void {name}(int kc, float* a, nint lda, float* b, float* c, nint ldc, float alpha, float beta, float* t)")
    else:
        L.append(f"    private static void {name}(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta, float* t)")
    L.append("    {")
    if direct:
        L.append("        nint lda2 = 2 * lda;")
        for g in range(1, mr // 3):
            L.append(f"        float* a{3*g} = a + ({3*g} * lda);")
    accs = [[f"c{r:x}{v}" for v in range(nv)] for r in range(mr)]
    flat = [x for row in accs for x in row]
    for i in range(0, len(flat), 4):
        L.append("        " + f"{V} " + ", ".join(f"{x} = default" for x in flat[i:i+4]) + ";")
    L.append("        for (int p = 0; p < kc; p++)")
    L.append("        {")
    for v in range(nv):
        off = f" + {v*width}" if v else ""
        L.append(f"            {V} b{v} = {VS}.Load(b{off});")
    def aref(r):
        if not direct:
            return f"a[{r}]"
        base = "a" if r // 3 == 0 else f"a{3*(r//3)}"
        return [f"{base}[0]", f"{base}[lda]", f"{base}[lda2]"][r % 3]
    for r in range(mr):
        if nv == 1:
            L.append(f"            {accs[r][0]} = MulAdd({VS}.Create({aref(r)}), b0, {accs[r][0]});")
        else:
            L.append(f"            {'' if r else V + ' '}x = {VS}.Create({aref(r)});")
            for v in range(nv):
                L.append(f"            {accs[r][v]} = MulAdd(x, b{v}, {accs[r][v]});")
    if direct:
        L.append("            a++;")
        for g in range(1, mr // 3):
            L.append(f"            a{3*g}++;")
    else:
        L.append(f"            a += {mr};")
    L.append(f"            b += {width*nv};")
    L.append("        }")
    L.append("")
    L.append("        if (t == null)")
    L.append("        {")
    L.append(f"            {V} va = {VS}.Create(alpha);")
    L.append(f"            {V} vb = {VS}.Create(beta);")
    for r in range(mr):
        for v in range(nv):
            off = f" + {v*width}" if v else ""
            L.append(f"            Out({accs[r][v]}, c{off}, va, vb, beta);")
        if r != mr - 1:
            L.append("            c += ldc;")
    L.append("        }")
    L.append("        else")
    L.append("        {")
    for r in range(mr):
        for v in range(nv):
            o = (r*nv+v)*width
            off = f" + {o}" if o else ""
            L.append(f"            {VS}.Store({accs[r][v]}, t{off});")
    L.append("        }")
    L.append("    }")
    return "\n".join(L)

out = []
out.append(kernel("Kernel512x32", 512, 16, 12, 2, "AVX-512 12×32 micro-kernel (24 zmm accumulators): C tile (or T when <paramref name=\"t\"/> is not null) from Ap[kc×12] and Bp[kc×32]."))
out.append(kernel("Kernel512x16", 512, 16, 12, 1, "AVX-512 12×16 micro-kernel for a narrow last panel (12 zmm accumulators)."))
out.append(kernel("Kernel256x16", 256, 8, 6, 2, "AVX2 6×16 micro-kernel (12 ymm accumulators)."))
out.append(kernel("Kernel256x8", 256, 8, 6, 1, "AVX2 6×8 micro-kernel for a narrow last panel."))
D = "Reads A in place (rows <paramref name=\"lda\"/> apart) instead of a packed panel: used when the panel would be read by one kernel call only."
out.append(kernel("Kernel512x32Direct", 512, 16, 12, 2, "AVX-512 12×32 micro-kernel. " + D, True))
out.append(kernel("Kernel512x16Direct", 512, 16, 12, 1, "AVX-512 12×16 micro-kernel. " + D, True))
out.append(kernel("Kernel256x16Direct", 256, 8, 6, 2, "AVX2 6×16 micro-kernel. " + D, True))
out.append(kernel("Kernel256x8Direct", 256, 8, 6, 1, "AVX2 6×8 micro-kernel. " + D, True))
print("\n\n".join(out))
