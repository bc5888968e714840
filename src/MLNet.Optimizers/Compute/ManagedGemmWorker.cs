using System;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using MLNet.Optimizers.Kernels;

namespace MLNet.Optimizers.Compute;

/// <summary>
/// A persistent background thread that runs one slice of an SGEMM at a time, with its own pack buffers. After a job
/// it spins briefly (<see cref="KernelThreads.IdleSpinTicks"/>, 200 µs, so back-to-back calls start without a kernel
/// wake-up), then sleeps on an event. A longer spin (it was 2 ms) takes the second core of a 2-core machine from
/// everything a training step does between products: on Fashion-MNIST 784-256-10 (AMD EPYC, 2 threads, all products
/// managed) 2 ms gave 115k examples/s with the Lion step at 609 µs, 200 µs gives 195k with it at 134 µs
/// (docs/speed.md); the spin changes no bit. If the thread has
/// not started a slice by the time the caller finishes its own, the caller takes it back and runs it (so a busy or
/// sleeping worker never stalls a call). Posting and waiting allocate nothing. The thread references only this
/// object, never the provider, so an abandoned provider can be finalized; its finalizer calls <see cref="Stop"/>.
/// </summary>
internal sealed unsafe class ManagedGemmWorker
{
    private readonly ManualResetEventSlim _wake = new(false, 0);
    private readonly ManagedPackBuffers _buffers = new();
    private ManagedGemmArgs _args;
    private int _i0;
    private int _i1;
    private int _j0;
    private int _j1;
    private int _posted;
    private int _done;
    private int _claim; // 0 = posted and unclaimed, 1 = taken by the worker, 2 = taken back by the caller
    private int _sleeping;
    private volatile bool _stop;
    private Exception? _error;

    /// <summary>Starts the worker thread.</summary>
    /// <param name="index">A number for the thread's name.</param>
    public ManagedGemmWorker(int index)
    {
        var thread = new Thread(Loop)
        {
            IsBackground = true,
            Name = "MLNet.Optimizers managed BLAS worker " + index.ToString(CultureInfo.InvariantCulture),
        };
        thread.Start();
    }

    /// <summary>
    /// Hands the worker rows [i0, i1) × columns [j0, j1) of the call. The operands must stay pinned until
    /// <see cref="TryTakeBack"/> returns true (then the caller runs the slice itself) or <see cref="Wait"/> returns.
    /// </summary>
    public void Post(in ManagedGemmArgs args, int i0, int i1, int j0, int j1)
    {
        // Size the worker's buffers here, on the caller's thread, so any growth happens on the first call of a shape
        // whichever thread ends up running the slice.
        _buffers.PackedB(ManagedGemm.PackedBFloats(args));
        _buffers.PackedA(ManagedGemm.PackedAFloats(args));
        _args = args;
        _i0 = i0;
        _i1 = i1;
        _j0 = j0;
        _j1 = j1;
        Volatile.Write(ref _claim, 0);       // release: the job is written before it can be claimed
        Interlocked.Increment(ref _posted); // full fence
        if (Volatile.Read(ref _sleeping) != 0)
        {
            _wake.Set();
        }
    }

    /// <summary>
    /// Takes the posted slice back if the worker has not started it (it is descheduled, or still waking up). Then the
    /// caller must run it; the worker will skip it. The slice is computed identically on either thread.
    /// </summary>
    /// <returns>True when the caller now owns the slice.</returns>
    public bool TryTakeBack() => Interlocked.CompareExchange(ref _claim, 2, 0) == 0;

    /// <summary>Runs a slice taken back with <see cref="TryTakeBack"/> on the calling thread.</summary>
    /// <param name="buffers">The calling thread's pack buffers.</param>
    public void RunHere(ManagedPackBuffers buffers) => ManagedGemm.Run(_args, buffers, _i0, _i1, _j0, _j1);

    /// <summary>Waits until the worker has finished the posted slice it claimed; rethrows anything it threw.</summary>
    public void Wait()
    {
        int target = Volatile.Read(ref _posted);
        int spins = 0;
        while (Volatile.Read(ref _done) != target)
        {
            // Slices are balanced, so the wait is usually short: poll tightly (SpinWait's growing back-off would add
            // microseconds to every small call), and only after ~50 µs start yielding the CPU.
            if (++spins < 2000)
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
            throw new InvalidOperationException("The managed BLAS worker thread failed.", error);
        }
    }

    /// <summary>Asks the thread to exit (idempotent).</summary>
    public void Stop()
    {
        _stop = true;
        Interlocked.Increment(ref _posted);
        _wake.Set();
    }

    private void Loop()
    {
        int seen = 0;
        while (true)
        {
            if (Volatile.Read(ref _posted) == seen)
            {
                long start = Stopwatch.GetTimestamp();
                int spins = 0;
                while (Volatile.Read(ref _posted) == seen && Stopwatch.GetTimestamp() - start < KernelThreads.IdleSpinTicks)
                {
                    Thread.SpinWait(4);
                    if ((++spins & 63) == 0)
                    {
                        // Every ~10 µs let another runnable thread on this CPU (the caller, when the machine is
                        // oversubscribed) have it; with nothing else to run this returns at once.
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
            if (_stop)
            {
                return;
            }

            // Claim the slice (the caller may have taken it back). A claim can pick up a job posted after `seen` was
            // read; then this pass runs it and the next pass, seeing the newer sequence, only acknowledges it.
            if (Interlocked.CompareExchange(ref _claim, 1, 0) == 0)
            {
                try
                {
                    ManagedGemmArgs job = _args; // read after the claim (a full fence): the complete job
                    ManagedGemm.Run(job, _buffers, _i0, _i1, _j0, _j1);
                }
                catch (Exception e)
                {
                    _error = e;
                }
            }

            Volatile.Write(ref _done, seen);
        }
    }
}
