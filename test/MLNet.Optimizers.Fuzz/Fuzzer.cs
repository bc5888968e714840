using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using MLNet.Optimizers.TestSupport;

namespace MLNet.Optimizers.Fuzz;

/// <summary>How one input ended.</summary>
public enum Outcome
{
    /// <summary>Parsed (and every follow-up check on the result held).</summary>
    Accepted,

    /// <summary>Rejected with a documented exception type whose message passed the target's check.</summary>
    Rejected,

    /// <summary>Any other exception, a documented type with an uninformative message, or an accepted input that broke a follow-up check.</summary>
    Unexpected,

    /// <summary>Did not finish within the time limit.</summary>
    Hang,

    /// <summary>The process died (only a supervised campaign can see this).</summary>
    Crash,

    /// <summary>A failed load or resume changed the object it loaded into.</summary>
    PartialChange,
}

/// <summary>One generated input.</summary>
/// <param name="Index">Its index in the campaign.</param>
/// <param name="Bytes">The input.</param>
/// <param name="SeedIndex">The seed it was derived from (targets load into an object built like that seed).</param>
/// <param name="Mutation">How it was derived.</param>
public sealed record FuzzInput(long Index, byte[] Bytes, int SeedIndex, string Mutation);

/// <summary>What a target reports besides its exception: state changes of a failed load, broken invariants of an accepted input.</summary>
public sealed class FuzzCheck
{
    internal string? Partial { get; private set; }

    internal string? Broken { get; private set; }

    /// <summary>Runs <paramref name="load"/> on <paramref name="target"/>; if it throws, compares <paramref name="target"/> field by field with its state before, records any change, and rethrows.</summary>
    /// <param name="target">The object being loaded into.</param>
    /// <param name="load">The load.</param>
    public void Unchanged(object target, Action load) => Unchanged(new[] { target }, load);

    /// <summary>As <see cref="Unchanged(object, Action)"/> for several objects.</summary>
    /// <param name="targets">The objects that must not change on failure.</param>
    /// <param name="load">The load.</param>
    public void Unchanged(IReadOnlyList<object> targets, Action load)
    {
        string[] before = targets.Select(t => StateSnapshot.Of(t)).ToArray();
        try
        {
            load();
        }
        catch
        {
            for (int i = 0; i < targets.Count; i++)
            {
                string? diff = StateSnapshot.FirstDifference(before[i], StateSnapshot.Of(targets[i]));
                if (diff != null)
                {
                    Partial ??= $"{targets[i].GetType().Name} changed: {diff}";
                }
            }

            throw;
        }
    }

    /// <summary>Records that an accepted input broke an invariant (e.g. it cannot be saved again).</summary>
    /// <param name="what">What broke.</param>
    public void Fail(string what) => Broken ??= what;

    /// <summary>Runs a follow-up of an accepted input; any exception from it is recorded as a broken invariant.</summary>
    /// <param name="what">The follow-up, for the message.</param>
    /// <param name="step">The step.</param>
    public void FollowUp(string what, Action step)
    {
        try
        {
            step();
        }
        catch (Exception e)
        {
            Fail($"accepted, then {what} threw {e.GetType().Name}: {OneLine(e.Message)}");
        }
    }

    internal static string OneLine(string s)
    {
        string t = s.Replace('\n', ' ').Replace('\r', ' ');
        return t.Length > 300 ? t[..300] + "..." : t;
    }
}

/// <summary>
/// A parser under attack: its seeds (valid files the library writes), how its inputs are mutated, the exception
/// types it documents, and how one input is run. Registered once in <see cref="Targets.All"/>.
/// </summary>
public sealed class FuzzTarget
{
    /// <summary>The name (a results-table row).</summary>
    public required string Name { get; init; }

    /// <summary>The input format (chooses the mutators).</summary>
    public required InputFormat Format { get; init; }

    /// <summary>Valid inputs the library writes; every mutation starts from one of them.</summary>
    public required IReadOnlyList<byte[]> Seeds { get; init; }

    /// <summary>The exception types the parser documents (exact types or subclasses count).</summary>
    public required IReadOnlyList<Type> Documented { get; init; }

    /// <summary>Runs one input: returns for an accepted input, throws for a rejected one; reports partial changes and follow-up failures to the check.</summary>
    public required Action<FuzzInput, FuzzCheck> Run { get; init; }

    /// <summary>What a documented exception's message must satisfy (e.g. name the field); null: anything.</summary>
    public Func<Exception, bool>? MessageCheck { get; init; }

    /// <summary>Seeds no longer than this are truncated at every length before random mutations begin.</summary>
    public int ExhaustiveTruncationLimit { get; init; } = 1024;

    /// <summary>The name a documented rejection is counted under (a results-table entry); null: the exception's type name.</summary>
    public Func<Exception, string>? RejectionName { get; init; }
}

/// <summary>The counts of one target's run, and the first findings.</summary>
public sealed class FuzzStats
{
    /// <summary>The target.</summary>
    public required string Target { get; init; }

    /// <summary>Inputs run.</summary>
    public long Inputs { get; set; }

    /// <summary>Counts per outcome.</summary>
    public Dictionary<Outcome, long> Counts { get; } = Enum.GetValues<Outcome>().ToDictionary(o => o, _ => 0L);

    /// <summary>Documented exception types seen, with counts.</summary>
    public Dictionary<string, long> RejectedBy { get; } = new(StringComparer.Ordinal);

    /// <summary>The first findings (unexpected, hang, crash, partial change): index, mutation, what happened.</summary>
    public List<string> Findings { get; } = new();

    /// <summary>Inputs of the findings, by index (for reproduction).</summary>
    public Dictionary<long, byte[]> FindingInputs { get; } = new();

    /// <summary>Wall time.</summary>
    public double Seconds { get; set; }

    /// <summary>The bad outcomes: unexpected + hang + crash + partial change.</summary>
    public long Bad => Counts[Outcome.Unexpected] + Counts[Outcome.Hang] + Counts[Outcome.Crash] + Counts[Outcome.PartialChange];

    /// <summary>Adds another run's counts.</summary>
    /// <param name="other">The other run (same target).</param>
    public void Add(FuzzStats other)
    {
        Inputs += other.Inputs;
        Seconds += other.Seconds;
        foreach ((Outcome o, long n) in other.Counts)
        {
            Counts[o] += n;
        }

        foreach ((string t, long n) in other.RejectedBy)
        {
            RejectedBy[t] = RejectedBy.GetValueOrDefault(t) + n;
        }

        foreach (string f in other.Findings)
        {
            if (Findings.Count < 50)
            {
                Findings.Add(f);
            }
        }
    }
}

/// <summary>Generates inputs from (seed, target, index) and runs them, each on a worker thread with a time limit.</summary>
public static class Fuzzer
{
    /// <summary>
    /// An input that spends longer than this working is a hang: 5 s (the environment variable
    /// <c>MLNET_FUZZ_HANG_SECONDS</c> changes it, for the fuzzer's own tests). "Working" is the process's CPU time while
    /// the input runs, so that a campaign at <c>nice 19</c> on a machine busy with other work (which may get 2 % of a
    /// core) does not count slow-but-finite inputs as hangs; an input that is blocked (no CPU used) is a hang once its
    /// wall-clock time passes <see cref="BlockedHangFactor"/> times this limit.
    /// </summary>
    public static TimeSpan HangLimit { get; set; } = TimeSpan.FromSeconds(
        double.TryParse(Environment.GetEnvironmentVariable("MLNET_FUZZ_HANG_SECONDS"), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double s) && s > 0 ? s : 5);

    /// <summary>An input whose wall-clock time passes this many times <see cref="HangLimit"/> is a hang whatever CPU time it used (a deadlock, a wait that never ends): 12 (60 s by default).</summary>
    public const int BlockedHangFactor = 12;

    /// <summary>The CPU time of this process so far.</summary>
    private static TimeSpan ProcessCpu()
    {
        using var p = Process.GetCurrentProcess();
        return p.TotalProcessorTime;
    }

    /// <summary>Input <paramref name="index"/> of <paramref name="target"/>: the first ones are every truncation of the small seeds, then 1-3 stacked random mutations of a random seed.</summary>
    /// <param name="target">The target.</param>
    /// <param name="seed">The campaign seed.</param>
    /// <param name="index">The input index.</param>
    /// <param name="truncationBudget">How many of the first indices may be exhaustive truncations.</param>
    /// <returns>The input.</returns>
    public static FuzzInput Generate(FuzzTarget target, ulong seed, long index, long truncationBudget)
    {
        long t = index;
        if (t < truncationBudget)
        {
            for (int s = 0; s < target.Seeds.Count; s++)
            {
                byte[] seedBytes = target.Seeds[s];
                if (seedBytes.Length > target.ExhaustiveTruncationLimit)
                {
                    continue;
                }

                if (t < seedBytes.Length)
                {
                    return new FuzzInput(index, seedBytes.AsSpan(0, (int)t).ToArray(), s, $"truncate at {t} of {seedBytes.Length}");
                }

                t -= seedBytes.Length;
            }
        }

        var rng = new FuzzRandom(FuzzRandom.Derive(seed, target.Name, index));
        int si = rng.Next(target.Seeds.Count);
        byte[] other = target.Seeds[rng.Next(target.Seeds.Count)];
        (byte[] bytes, string mutation) = Mutators.Mutate(target.Format, target.Seeds[si], other, rng);
        return new FuzzInput(index, bytes, si, mutation);
    }

    /// <summary>The number of exhaustive truncations of a target's small seeds.</summary>
    /// <param name="target">The target.</param>
    /// <returns>The count.</returns>
    public static long TruncationCount(FuzzTarget target) => target.Seeds.Where(s => s.Length <= target.ExhaustiveTruncationLimit).Sum(s => (long)s.Length);

    /// <summary>Runs inputs [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) of a target.</summary>
    /// <param name="target">The target.</param>
    /// <param name="seed">The campaign seed.</param>
    /// <param name="start">The first index.</param>
    /// <param name="count">How many.</param>
    /// <param name="truncationBudget">How many of the first indices of the whole campaign are exhaustive truncations (the same for every chunk).</param>
    /// <param name="beforeEach">Called with each index before it runs (a supervised child records it, so a crash can be attributed).</param>
    /// <param name="stopOnHang">Stop after a hang (the hung thread cannot be stopped; a supervised child then exits).</param>
    /// <returns>The counts.</returns>
    /// <remarks>
    /// The inputs run one after another on a worker thread; this thread only watches the input in progress, so an input
    /// running longer than <see cref="HangLimit"/> is a hang: its worker is abandoned and a new one continues after it.
    /// (A handoff per input would cost two context switches each, which on a loaded machine is most of the time.)
    /// </remarks>
    public static FuzzStats Run(FuzzTarget target, ulong seed, long start, long count, long truncationBudget, Action<long>? beforeEach = null, bool stopOnHang = false)
    {
        var stats = new FuzzStats { Target = target.Name };
        var watch = Stopwatch.StartNew();
        long next = start, end = start + count;
        while (next < end)
        {
            var batch = new Batch(target, seed, next, end, truncationBudget, beforeEach, stats);
            var thread = new Thread(batch.Loop) { IsBackground = true, Name = "fuzz " + target.Name };
            thread.Start();
            bool hung = false;
            long watched = -1;
            TimeSpan cpuAtStart = TimeSpan.Zero;
            while (!batch.Done.Wait(100))
            {
                // The input in progress: the CPU time of the process when the watch first saw it (within 100 ms of its start).
                (long current, TimeSpan running) = batch.InProgress();
                if (current != watched)
                {
                    watched = current;
                    cpuAtStart = ProcessCpu();
                    continue;
                }

                if (running > HangLimit && (running > HangLimit * BlockedHangFactor || ProcessCpu() - cpuAtStart > HangLimit))
                {
                    hung = true;
                    break;
                }
            }

            if (!hung)
            {
                break;
            }

            long at = batch.Abandon();
            stats.Inputs++;
            stats.Counts[Outcome.Hang]++;
            if (stats.Findings.Count < 50)
            {
                FuzzInput input = Generate(target, seed, at, truncationBudget);
                stats.Findings.Add($"{target.Name} #{at} ({input.Mutation}, {input.Bytes.Length} bytes, seed {input.SeedIndex}): Hang: more than {HangLimit.TotalSeconds} s of CPU time (or {HangLimit.TotalSeconds * BlockedHangFactor} s blocked)");
                stats.FindingInputs[at] = input.Bytes;
            }

            next = at + 1;
            if (stopOnHang)
            {
                break;
            }
        }

        stats.Seconds = watch.Elapsed.TotalSeconds;
        return stats;
    }

    /// <summary>A range of inputs run on one thread, recording into shared stats until abandoned.</summary>
    private sealed class Batch(FuzzTarget target, ulong seed, long start, long end, long budget, Action<long>? beforeEach, FuzzStats stats)
    {
        private readonly object _gate = new();
        private long _current = -1;
        private long _startedAt;
        private bool _abandoned;

        public ManualResetEventSlim Done { get; } = new(false);

        /// <summary>The index of the input in progress (-1 between inputs) and how long it has run.</summary>
        public (long Index, TimeSpan Running) InProgress()
        {
            lock (_gate)
            {
                long t = Volatile.Read(ref _startedAt);
                return t == 0 ? (-1, TimeSpan.Zero) : (_current, Stopwatch.GetElapsedTime(t));
            }
        }

        /// <summary>Stops recording; returns the index of the input in progress.</summary>
        public long Abandon()
        {
            lock (_gate)
            {
                _abandoned = true;
                return _current;
            }
        }

        public void Loop()
        {
            for (long i = start; i < end; i++)
            {
                FuzzInput input = Generate(target, seed, i, budget);
                lock (_gate)
                {
                    if (_abandoned)
                    {
                        return;
                    }

                    _current = i;
                    beforeEach?.Invoke(i);
                }

                Volatile.Write(ref _startedAt, Stopwatch.GetTimestamp());
                (Outcome outcome, string? detail, string? rejectedBy) = RunOne(target, input);
                Volatile.Write(ref _startedAt, 0);
                lock (_gate)
                {
                    if (_abandoned)
                    {
                        return;
                    }

                    stats.Inputs++;
                    stats.Counts[outcome]++;
                    if (rejectedBy != null)
                    {
                        stats.RejectedBy[rejectedBy] = stats.RejectedBy.GetValueOrDefault(rejectedBy) + 1;
                    }

                    if (outcome is not (Outcome.Accepted or Outcome.Rejected) && stats.Findings.Count < 50)
                    {
                        stats.Findings.Add($"{target.Name} #{i} ({input.Mutation}, {input.Bytes.Length} bytes, seed {input.SeedIndex}): {outcome}: {detail}");
                        stats.FindingInputs[i] = input.Bytes;
                    }
                }
            }

            Done.Set();
        }
    }

    /// <summary>Runs one input (on the calling thread) and classifies the outcome.</summary>
    /// <param name="target">The target.</param>
    /// <param name="input">The input.</param>
    /// <returns>The outcome, a detail for findings, and the documented exception type for rejections.</returns>
    internal static (Outcome Outcome, string? Detail, string? RejectedBy) RunOne(FuzzTarget target, FuzzInput input)
    {
        var check = new FuzzCheck();
        Exception? error = null;
        try
        {
            target.Run(input, check);
        }
        catch (Exception e)
        {
            error = e;
        }

        if (error is null)
        {
            return check.Broken is null ? (Outcome.Accepted, null, null) : (Outcome.Unexpected, check.Broken, null);
        }

        if (check.Partial != null)
        {
            return (Outcome.PartialChange, $"{error.GetType().Name} ({FuzzCheck.OneLine(error.Message)}) after {check.Partial}", null);
        }

        if (target.Documented.Any(t => t.IsInstanceOfType(error)))
        {
            if (target.MessageCheck is { } ok && !ok(error))
            {
                return (Outcome.Unexpected, $"{error.GetType().Name} with an uninformative message: {FuzzCheck.OneLine(error.Message)}", null);
            }

            return (Outcome.Rejected, null, target.RejectionName?.Invoke(error) ?? error.GetType().Name);
        }

        return (Outcome.Unexpected, $"{error.GetType().FullName}: {FuzzCheck.OneLine(error.Message)} at {FirstFrame(error)}", null);
    }

    private static string FirstFrame(Exception e)
    {
        string? trace = e.StackTrace;
        if (trace is null)
        {
            return "?";
        }

        string line = trace.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Contains("MLNet.Optimizers", StringComparison.Ordinal)) ?? trace.Split('\n')[0].Trim();
        return line.Length > 200 ? line[..200] : line;
    }
}
