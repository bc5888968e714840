using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace MLNet.Optimizers.Compute;

/// <summary>One candidate examined by provider selection.</summary>
/// <param name="Name">The provider name.</param>
/// <param name="Available">Whether it loaded.</param>
/// <param name="GigaflopsPerSecond">Measured SGEMM GFLOP/s; 0 when unavailable or not measured (the rule measures nothing).</param>
/// <param name="Detail">The provider description (and, for the rule, whether it is usable), or the load trace when it did not load.</param>
public sealed record BlasCandidate(string Name, bool Available, double GigaflopsPerSecond, string Detail);

/// <summary>How the default provider was chosen.</summary>
public enum BlasSelectionMethod
{
    /// <summary>The fixed rule from what is installed and the CPU (the default): the same in every process on a machine.</summary>
    Rule,

    /// <summary>Forced by <see cref="BlasProviders.Use"/> or the environment variable.</summary>
    Forced,

    /// <summary>Measured (SGEMM timings), only when asked for with <c>measure</c>: can differ between processes on a loaded machine.</summary>
    Measured,
}

/// <summary>How the default provider was chosen: by the rule, forced (by API or environment variable), or measured.</summary>
/// <param name="Chosen">The provider in use.</param>
/// <param name="Forced">Whether it was forced rather than chosen by the rule or measured.</param>
/// <param name="Reason">A one-line explanation.</param>
/// <param name="Candidates">Every provider examined, with its load trace (and its measurement when measured).</param>
public sealed record BlasSelection(BlasProvider Chosen, bool Forced, string Reason, IReadOnlyList<BlasCandidate> Candidates)
{
    /// <summary>How <see cref="Chosen"/> was chosen.</summary>
    public BlasSelectionMethod Method { get; init; } = Forced ? BlasSelectionMethod.Forced : BlasSelectionMethod.Measured;

    /// <summary>The stable record of what computes (<see cref="BlasProvider.Provenance"/> of <see cref="Chosen"/>).</summary>
    public ComputeProvenance Provenance => Chosen.Provenance;

    /// <inheritdoc />
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"BLAS provider: {Chosen.Name} ({Reason})");
        foreach (BlasCandidate c in Candidates)
        {
            sb.AppendLine();
            string rate = Method == BlasSelectionMethod.Measured ? string.Create(CultureInfo.InvariantCulture, $"{c.GigaflopsPerSecond:F1} GFLOP/s, ") : string.Empty;
            sb.Append(CultureInfo.InvariantCulture, $"  {c.Name}: {(c.Available ? rate + c.Detail : "unavailable: " + c.Detail.Replace(Environment.NewLine, " | ", StringComparison.Ordinal))}");
        }

        return sb.ToString();
    }
}

/// <summary>
/// Chooses the compute provider. By default with a <b>fixed rule</b> from what is installed and the CPU — never a
/// stopwatch — so every process on a machine with the same libraries computes the same bits:
/// <list type="number">
/// <item>MKL is usable when it loads and dispatches to a code path as wide as the CPU's widest vector instruction set
/// (always on Intel CPUs; not with MKL 2020.1+ on AMD or Hygon CPUs, which get MKL's generic path and run narrow
/// products several times slower). OpenBLAS and managed are usable when they load (managed always does).</item>
/// <item>Large products (smallest dimension above <see cref="RoutedBlasProvider.NarrowLimit"/>) and GEMV, AXPY, DOT,
/// NRM2: MKL, then OpenBLAS, then managed.</item>
/// <item>Narrow products, by transpose: NN MKL, OpenBLAS, managed; NT (B transposed) MKL, managed; TN and TT (A
/// transposed) OpenBLAS, MKL, managed.</item>
/// </list>
/// When the classes go to different providers the default is a <see cref="RoutedBlasProvider"/>. Forced with
/// <see cref="Use"/> or the environment variable <c>MLNET_OPTIMIZERS_BLAS</c> (<c>auto</c> = the rule, <c>managed</c>,
/// <c>mkl</c>, <c>openblas</c>, or <c>measure</c> for the timing-based choice): a forced provider that cannot load
/// throws <see cref="BlasProviderLoadException"/> with the load trace. <see cref="Selection"/> reports what was chosen
/// and why; <see cref="BlasProvider.Provenance"/> is the stable record to store with results.
/// </summary>
public static class BlasProviders
{
    /// <summary>The environment variable that chooses the provider: <c>auto</c> (default: the rule), <c>managed</c>, <c>mkl</c>, <c>openblas</c>, <c>measure</c> (timing-based).</summary>
    public const string EnvironmentVariable = "MLNET_OPTIMIZERS_BLAS";

    /// <summary>The provider names, in the rule's order of preference for large products (and when measurements tie).</summary>
    public static IReadOnlyList<string> Names { get; } = new[] { "mkl", "openblas", "managed" };

    /// <summary>
    /// For the timing-based choice (<c>measure</c>) only: how much faster (as a ratio) a candidate must measure to be
    /// preferred over an earlier one in <see cref="Names"/> (MKL, then OpenBLAS, then managed).
    /// </summary>
    public const double PreferenceMargin = 1.10;

    private static readonly object Gate = new();
    private static BlasSelection? _selection;

    /// <summary>The provider in use: the forced one, or the rule's choice, made on first access. One instance for the whole process, safe to call from several threads at once.</summary>
    /// <exception cref="BlasProviderLoadException">The environment variable forces a provider that cannot load.</exception>
    public static BlasProvider Default => Selection.Chosen;

    /// <summary>How <see cref="Default"/> was chosen (computed on first access).</summary>
    /// <exception cref="BlasProviderLoadException">The environment variable forces a provider that cannot load.</exception>
    public static BlasSelection Selection
    {
        get
        {
            lock (Gate)
            {
                return _selection ??= SelectFromEnvironment();
            }
        }
    }

    /// <summary>Sets the default provider (the API form of <c>MLNET_OPTIMIZERS_BLAS</c>).</summary>
    /// <param name="name"><c>managed</c>, <c>mkl</c>, <c>openblas</c>, <c>auto</c> (the rule) or <c>measure</c> (the timing-based choice).</param>
    /// <param name="numThreads">Threads per call.</param>
    /// <returns>The provider now in use.</returns>
    /// <exception cref="ArgumentException">An unknown name.</exception>
    /// <exception cref="BlasProviderLoadException">The provider cannot load (the message has the load trace).</exception>
    public static BlasProvider Use(string name, int numThreads = 1)
    {
        ArgumentNullException.ThrowIfNull(name);
        BlasSelection s = Normalize(name) switch
        {
            "auto" => SelectByRule(numThreads),
            "measure" => SelectFastest(numThreads),
            _ => new BlasSelection(Create(name, numThreads), true, "forced by API", Array.Empty<BlasCandidate>()),
        };
        lock (Gate)
        {
            _selection = s;
        }

        return s.Chosen;
    }

    /// <summary>Like <see cref="Use"/> but returns false (with the load trace) instead of throwing when the provider cannot load.</summary>
    /// <param name="name">The provider name.</param>
    /// <param name="provider">The provider now in use, or null.</param>
    /// <param name="loadTrace">Why it could not load, or empty.</param>
    /// <param name="numThreads">Threads per call.</param>
    /// <returns>True when the provider is now the default.</returns>
    /// <exception cref="ArgumentException">An unknown name.</exception>
    public static bool TryUse(string name, out BlasProvider? provider, out string loadTrace, int numThreads = 1)
    {
        if (!TryCreate(name, numThreads, out provider, out loadTrace))
        {
            return false;
        }

        lock (Gate)
        {
            _selection = new BlasSelection(provider!, true, "forced by API", Array.Empty<BlasCandidate>());
        }

        return true;
    }

    /// <summary>Creates a provider by name (not made the default).</summary>
    /// <param name="name"><c>managed</c>, <c>mkl</c> or <c>openblas</c>.</param>
    /// <param name="numThreads">Threads per call.</param>
    /// <returns>The provider.</returns>
    /// <exception cref="ArgumentException">An unknown name.</exception>
    /// <exception cref="BlasProviderLoadException">A native provider cannot load.</exception>
    public static BlasProvider Create(string name, int numThreads = 1)
    {
        if (!TryCreate(name, numThreads, out BlasProvider? p, out string trace))
        {
            throw new BlasProviderLoadException($"The '{Normalize(name)}' BLAS provider cannot load.", trace);
        }

        return p!;
    }

    /// <summary>Creates a provider by name, or returns false with the load trace.</summary>
    /// <param name="name"><c>managed</c>, <c>mkl</c> or <c>openblas</c>.</param>
    /// <param name="numThreads">Threads per call.</param>
    /// <param name="provider">The provider, or null.</param>
    /// <param name="loadTrace">Why it could not load, or empty.</param>
    /// <returns>True when the provider loaded.</returns>
    /// <exception cref="ArgumentException">An unknown name.</exception>
    public static bool TryCreate(string name, int numThreads, out BlasProvider? provider, out string loadTrace)
    {
        ArgumentNullException.ThrowIfNull(name);
        switch (Normalize(name))
        {
            case "managed":
                provider = new ManagedBlasProvider { NumThreads = numThreads };
                loadTrace = "";
                return true;
            case "mkl":
                bool okMkl = MklProvider.TryLoad(out MklProvider? mkl, out loadTrace, numThreads);
                provider = mkl;
                return okMkl;
            case "openblas":
                bool okOpen = OpenBlasProvider.TryLoad(out OpenBlasProvider? open, out loadTrace, numThreads);
                provider = open;
                return okOpen;
            default:
                throw new ArgumentException($"Unknown BLAS provider '{name}'; expected managed, mkl, openblas, auto or measure.", nameof(name));
        }
    }

    /// <summary>
    /// The default choice: the fixed rule of <see cref="BlasProviders"/> from what loads and the CPU, without timing. The
    /// same libraries on the same CPU give the same choice in every process, whatever the load of the machine.
    /// </summary>
    /// <param name="numThreads">Threads per call for every provider used.</param>
    /// <returns>The selection (<see cref="BlasSelectionMethod.Rule"/>), with every candidate's load trace or description and whether the rule may use it.</returns>
    public static BlasSelection SelectByRule(int numThreads = 1)
    {
        var candidates = new List<BlasCandidate>();
        var loaded = new Dictionary<string, BlasProvider>(StringComparer.Ordinal);
        CpuVectorLevel cpu = BlasRule.CpuLevel;
        bool mklUsable = false;
        string mklNote = "not loaded";
        foreach (string name in Names)
        {
            if (!TryCreate(name, numThreads, out BlasProvider? p, out string trace))
            {
                candidates.Add(new BlasCandidate(name, false, 0, trace));
                continue;
            }

            string detail = p!.Description;
            if (p is MklProvider mkl)
            {
                mklUsable = BlasRule.MklQualifies(cpu, mkl.AutoBranchCode);
                mklNote = mklUsable
                    ? $"usable (code path {mkl.AutoBranch} on a {NativeLibraryLoader.CpuVendor} {cpu} CPU)"
                    : $"not used by the rule: its code path ({mkl.AutoBranch}) is narrower than this {NativeLibraryLoader.CpuVendor} CPU's {cpu} (MKL 2020.1+ gives non-Intel CPUs its generic path); force it with {EnvironmentVariable}=mkl";
                detail += " | " + mklNote;
                if (mklUsable)
                {
                    loaded[name] = p;
                }
            }
            else
            {
                loaded[name] = p;
            }

            candidates.Add(new BlasCandidate(name, true, 0, detail));
        }

        BlasRoutes routes = BlasRule.Routes(mklUsable, loaded.ContainsKey("openblas"));
        string reason = $"rule: {NativeLibraryLoader.CpuVendor} CPU, widest vectors {cpu}; mkl {mklNote}; openblas {(loaded.ContainsKey("openblas") ? "loaded" : "not loaded")} -> {routes}; {numThreads} thread(s)";
        BlasProvider chosen = routes.Single
            ? loaded[routes.Large]
            : new RoutedBlasProvider(loaded[routes.Large], new[] { loaded[routes.NN], loaded[routes.NT], loaded[routes.TN], loaded[routes.TT] });
        return new BlasSelection(chosen, false, reason, candidates) { Method = BlasSelectionMethod.Rule };
    }

    /// <summary>
    /// The timing-based choice, only when asked for (<c>measure</c>): measures every provider that loads and returns
    /// the fastest, preferring MKL, then OpenBLAS, then managed unless a later one is at least
    /// <see cref="PreferenceMargin"/> times faster. On a loaded machine two processes can choose differently, and so
    /// compute different bits; <see cref="SelectByRule"/> (the default) cannot.
    /// </summary>
    /// <param name="numThreads">Threads per call for every candidate.</param>
    /// <returns>The selection, with every candidate's measurement or load trace.</returns>
    public static BlasSelection SelectFastest(int numThreads = 1)
    {
        var candidates = new List<BlasCandidate>();
        var loaded = new List<(BlasProvider P, double Rate)>();
        BlasProvider? best = null;
        double bestRate = -1;
        foreach (string name in Names)
        {
            if (!TryCreate(name, numThreads, out BlasProvider? p, out string trace))
            {
                candidates.Add(new BlasCandidate(name, false, 0, trace));
                continue;
            }

            double rate = Measure(p!);
            candidates.Add(new BlasCandidate(name, true, rate, p!.Description));
            loaded.Add((p!, rate));

            // Hysteresis: a later candidate must be clearly faster, so that run-to-run noise between two providers of
            // nearly equal speed does not flip the choice (results are bit-identical only for the same provider).
            if (rate > bestRate * PreferenceMargin)
            {
                best = p;
                bestRate = rate;
            }
        }

        // Narrow products (an output layer with 10 classes) rank the providers differently: route each transpose
        // combination to its own winner, with the same preference margin.
        var narrow = new BlasProvider[4];
        bool routed = false;
        for (int i = 0; i < 4; i++)
        {
            (Transpose ta, Transpose tb, int m, int n, int k) = RoutedBlasProvider.NarrowShapes[i];
            BlasProvider? winner = null;
            double winnerRate = -1;
            foreach ((BlasProvider p, double _) in loaded)
            {
                double r = MeasureShape(p, ta, tb, m, n, k, 40);
                if (r > winnerRate * PreferenceMargin)
                {
                    winner = p;
                    winnerRate = r;
                }
            }

            narrow[i] = winner!;
            routed |= !ReferenceEquals(winner, best);
        }

        string reason = string.Create(CultureInfo.InvariantCulture, $"fastest measured: {bestRate:F1} GFLOP/s SGEMM at 256³/512³, {numThreads} thread(s)");
        if (routed)
        {
            var r = new RoutedBlasProvider(best!, narrow);
            return new BlasSelection(r, false, reason + "; " + r.Description, candidates) { Method = BlasSelectionMethod.Measured };
        }

        return new BlasSelection(best!, false, reason, candidates) { Method = BlasSelectionMethod.Measured };
    }

    private static BlasSelection SelectFromEnvironment()
    {
        string? forced = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(forced) || Normalize(forced) == "auto")
        {
            return SelectByRule();
        }

        if (Normalize(forced) == "measure")
        {
            BlasSelection measured = SelectFastest();
            return measured with { Reason = $"{EnvironmentVariable}={forced}: {measured.Reason}" };
        }

        BlasProvider p;
        try
        {
            p = Create(forced);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{EnvironmentVariable}={forced}: {e.Message}", e);
        }

        return new BlasSelection(p, true, $"forced by {EnvironmentVariable}={forced}", Array.Empty<BlasCandidate>());
    }

    private static string Normalize(string name) => name.Trim().ToLowerInvariant();

    /// <summary>Best-of-N GFLOP/s over SGEMM 256³ and 512³ (the harmonic mean of the two), after warm-up.</summary>
    private static double Measure(BlasProvider p)
    {
        double r256 = MeasureShape(p, Transpose.No, Transpose.No, 256, 256, 256, 12);
        double r512 = MeasureShape(p, Transpose.No, Transpose.No, 512, 512, 512, 4);
        return 2 / ((1 / r256) + (1 / r512));
    }

    private static double MeasureShape(BlasProvider p, Transpose ta, Transpose tb, int m, int n, int k, int reps)
    {
        int aCols = ta == Transpose.No ? k : m, aRows = ta == Transpose.No ? m : k;
        int bCols = tb == Transpose.No ? n : k, bRows = tb == Transpose.No ? k : n;
        var a = new float[aRows * aCols];
        var b = new float[bRows * bCols];
        var c = new float[m * n];
        var rng = new Random(1);
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = (float)rng.NextDouble();
        }

        for (int i = 0; i < b.Length; i++)
        {
            b[i] = (float)rng.NextDouble();
        }

        for (int i = 0; i < 3; i++)
        {
            p.Sgemm(ta, tb, m, n, k, 1f, a, aCols, b, bCols, 0f, c, n);
        }

        var times = new double[reps];
        for (int i = 0; i < reps; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            p.Sgemm(ta, tb, m, n, k, 1f, a, aCols, b, bCols, 0f, c, n);
            times[i] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        }

        // The fastest repetition, not the median: on a loaded machine other processes only ever add time, so the
        // minimum is the repetition least disturbed and the ranking of providers flips less often under load.
        Array.Sort(times);
        return 2.0 * m * n * k / times[0] / 1e9;
    }
}
