using System;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading;

namespace MLNet.Optimizers.Kernels;

/// <summary>
/// The process-wide helper threads of the element kernels (optimizer steps, the MLP's non-GEMM work). A call splits its
/// work into <em>parts</em> fixed by the data alone (never by the thread count); the calling thread and up to
/// <c>threads - 1</c> persistent background threads claim parts one at a time until none is left, so every part is
/// computed by the same instructions whoever runs it, and the result is bit-identical for any thread count, any load
/// and any interleaving. The caller always works too, so a descheduled or sleeping helper never stalls a call (it
/// finds nothing left to claim when it wakes). A call that finds the helpers busy with another thread's call runs all
/// its parts itself. Posting, claiming and waiting allocate nothing.
/// </summary>
/// <remarks>
/// Helpers spin briefly after a job (back-to-back calls start without a kernel wake-up), yielding the CPU every few
/// microseconds so an oversubscribed machine still runs the caller, then sleep on an event.
/// </remarks>
internal static unsafe class KernelThreads
{
    /// <summary>The most parts one call may have (the claim word keeps the count in 16 bits).</summary>
    public const int MaxParts = 0xFFFF;

    /// <summary>
    /// How long an idle helper spins before it sleeps (200 µs): long enough for back-to-back calls (an optimizer step
    /// over several tensors, a benchmark's repetitions) to start without a kernel wake-up, short enough that a helper
    /// left idle during a training step's GEMM (which runs on the BLAS library's own threads) sleeps instead of taking
    /// a core from them. The managed GEMM's worker (<c>ManagedGemmWorker</c>) spins as long, for the same reason.
    /// </summary>
    internal static readonly long IdleSpinTicks = Math.Max(1, Stopwatch.Frequency / 5000);

    private static readonly object Gate = new();
    private static Helper[] _helpers = Array.Empty<Helper>();

    /// <summary>1 while a call owns the helpers.</summary>
    private static int _busy;

    // The job. Written by the owning caller before it publishes the claim word; read by a helper only after its claim
    // succeeded (a claim of a valid part holds the job open, so the caller cannot overwrite it meanwhile).
    private static delegate*<void*, int, void> _body;
    private static void* _context;
    private static int _threads;

    /// <summary>generation (32 bits) | parts (16) | next part to claim (16).</summary>
    private static long _claim;

    private static int _done;
    private static int _generation;
    private static Exception? _error;

    /// <summary>Logical processors of this process: the default thread count of the kernels.</summary>
    public static int ProcessorCount { get; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>
    /// Runs <c>body(context, part)</c> for every part in [0, <paramref name="parts"/>) on the calling thread and up to
    /// <paramref name="threads"/> - 1 helpers; returns when every part is done. <paramref name="context"/> must stay
    /// valid (pinned, or on the caller's stack) until then. Exceptions from a part are rethrown (the first one) after
    /// every part has finished.
    /// </summary>
    /// <param name="parts">Number of parts (at most <see cref="MaxParts"/>).</param>
    /// <param name="threads">Threads that may work, the caller included (1 runs everything here).</param>
    /// <param name="body">The part function.</param>
    /// <param name="context">Its argument.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int parts, int threads, delegate*<void*, int, void> body, void* context)
    {
        if ((uint)parts > MaxParts)
        {
            throw new ArgumentOutOfRangeException(nameof(parts), parts, string.Create(CultureInfo.InvariantCulture, $"parts must be in [0, {MaxParts}], got {parts}."));
        }

        threads = Math.Min(Math.Min(threads, parts), ProcessorCount);
        if (threads <= 1 || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            for (int p = 0; p < parts; p++)
            {
                body(context, p);
            }

            return;
        }

        try
        {
            RunOwned(parts, threads, body, context);
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>
    /// Parts for <paramref name="length"/> elements in chunks of at least <paramref name="minChunk"/> (one part when the
    /// length is below <paramref name="minLength"/>): a function of the length only, never of the thread count.
    /// </summary>
    public static int PartsFor(long length, long minLength, long minChunk)
    {
        if (length < minLength || length < 2 * minChunk)
        {
            return 1;
        }

        return (int)Math.Min(MaxParts, length / minChunk);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunOwned(int parts, int threads, delegate*<void*, int, void> body, void* context)
    {
        EnsureHelpers(threads - 1);
        _body = body;
        _context = context;
        _threads = threads;
        _error = null;
        Volatile.Write(ref _done, 0);
        int generation = unchecked(++_generation);
        long word = ((long)(uint)generation << 32) | ((long)parts << 16);
        Interlocked.Exchange(ref _claim, word); // full fence: the job is visible before any claim can succeed
        Helper[] helpers = _helpers;
        for (int i = 0; i < threads - 1; i++)
        {
            helpers[i].Wake();
        }

        Work();

        // Parts claimed by helpers may still be running: wait for them (they are short, and a claimed part was started).
        int spins = 0;
        while (Volatile.Read(ref _done) != parts)
        {
            if (++spins < 4000)
            {
                Thread.SpinWait(1);
            }
            else
            {
                Thread.Yield();
            }
        }

        Exception? error = _error;
        if (error is not null)
        {
            _error = null;
            throw new InvalidOperationException("An element kernel failed.", error);
        }
    }

    /// <summary>Claims and runs parts of the current job until none is left (caller or helper).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Work()
    {
        while (true)
        {
            long w = Volatile.Read(ref _claim);
            int next = (int)(w & 0xFFFF);
            int parts = (int)((w >> 16) & 0xFFFF);
            if (next >= parts)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _claim, w + 1, w) != w)
            {
                continue;
            }

            try
            {
                _body(_context, next);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, e, null);
            }

            Interlocked.Increment(ref _done);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void EnsureHelpers(int count)
    {
        if (_helpers.Length >= count)
        {
            return;
        }

        lock (Gate)
        {
            if (_helpers.Length >= count)
            {
                return;
            }

            var grown = new Helper[count];
            Array.Copy(_helpers, grown, _helpers.Length);
            for (int i = _helpers.Length; i < count; i++)
            {
                grown[i] = new Helper(i);
            }

            _helpers = grown;
        }
    }

    /// <summary>One persistent background thread.</summary>
    private sealed class Helper
    {
        private readonly ManualResetEventSlim _wake = new(false, 0);
        private readonly int _index;
        private int _posted;
        private int _sleeping;

        public Helper(int index)
        {
            _index = index;
            var thread = new Thread(Loop)
            {
                IsBackground = true,
                Name = "MLNet.Optimizers kernel helper " + (index + 1).ToString(CultureInfo.InvariantCulture),
            };
            thread.Start();
        }

        public void Wake()
        {
            Interlocked.Increment(ref _posted); // full fence
            if (Volatile.Read(ref _sleeping) != 0)
            {
                _wake.Set();
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Loop()
        {
            int seen = 0;
            while (true)
            {
                if (Volatile.Read(ref _posted) == seen)
                {
                    long start = Stopwatch.GetTimestamp();
                    int spins = 0;
                    while (Volatile.Read(ref _posted) == seen && Stopwatch.GetTimestamp() - start < IdleSpinTicks)
                    {
                        Thread.SpinWait(4);
                        if ((++spins & 63) == 0)
                        {
                            Thread.Yield();
                        }
                    }

                    if (Volatile.Read(ref _posted) == seen)
                    {
                        _wake.Reset();
                        Interlocked.Exchange(ref _sleeping, 1); // full fence before re-reading the sequence
                        if (Volatile.Read(ref _posted) == seen)
                        {
                            _wake.Wait();
                        }

                        Interlocked.Exchange(ref _sleeping, 0);
                        continue;
                    }
                }

                seen = Volatile.Read(ref _posted);

                // Only helpers the call asked for take part (a job's thread count can be below the helper count). A
                // stale read of _threads can only make a helper claim parts of a job that asked for fewer threads,
                // which changes no result.
                if (_index < Volatile.Read(ref _threads) - 1)
                {
                    Work();
                }
            }
        }
    }
}
