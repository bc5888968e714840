using System;

namespace MLNet.Optimizers.Compute;

/// <summary>
/// One thread's reusable SGEMM scratch: the packed B block, the packed A micro-panel and the micro-kernel output
/// tiles. The arrays live on the pinned object heap, so the cached pointers stay valid for the object's lifetime; they
/// are 64-byte aligned and grow only when a call needs more, so steady-state calls allocate nothing.
/// </summary>
internal sealed unsafe class ManagedPackBuffers
{
    private const int AlignFloats = 16; // 64 bytes

    private float[]? _bArray;
    private float* _b;
    private int _bCapacity;

    private float[]? _aArray;
    private float* _a;
    private int _aCapacity;

    private readonly float[] _tileArray;

    /// <summary>Creates the buffers; each tile area holds the largest micro-kernel output.</summary>
    public ManagedPackBuffers()
    {
        _tileArray = GC.AllocateUninitializedArray<float>((3 * ManagedGemm.MaxTileFloats) + AlignFloats, pinned: true);
        Tile = Align(_tileArray);
    }

    /// <summary>Three tile-sized scratch areas (two kernel outputs and one transpose; 3 × <see cref="ManagedGemm.MaxTileFloats"/> floats, 64-byte aligned).</summary>
    public float* Tile { get; }

    /// <summary>A packed-B buffer of at least <paramref name="floats"/> floats.</summary>
    /// <param name="floats">The size needed.</param>
    /// <returns>The 64-byte aligned buffer.</returns>
    public float* PackedB(int floats)
    {
        if (floats > _bCapacity)
        {
            _bArray = GC.AllocateUninitializedArray<float>(floats + AlignFloats, pinned: true);
            _b = Align(_bArray);
            _bCapacity = floats;
        }

        return _b;
    }

    /// <summary>A packed-A buffer of at least <paramref name="floats"/> floats.</summary>
    /// <param name="floats">The size needed.</param>
    /// <returns>The 64-byte aligned buffer.</returns>
    public float* PackedA(int floats)
    {
        if (floats > _aCapacity)
        {
            _aArray = GC.AllocateUninitializedArray<float>(floats + AlignFloats, pinned: true);
            _a = Align(_aArray);
            _aCapacity = floats;
        }

        return _a;
    }

    private static float* Align(float[] array)
    {
        // The array is pinned (POH) for its whole life, so its address never changes.
        fixed (float* p = array)
        {
            nuint addr = (nuint)p;
            nuint aligned = (addr + 63) & ~(nuint)63;
            return (float*)aligned;
        }
    }
}
