using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;

namespace MLNet.Optimizers.MLNet.Tuning;

/// <summary>Why a sweep ended.</summary>
public enum SweepStopReason
{
    /// <summary>Every scheduled evaluation ran.</summary>
    Completed,

    /// <summary>The time budget ran out; the leaderboard holds what finished.</summary>
    TimeBudget,

    /// <summary>The cancellation token fired; the leaderboard holds what finished.</summary>
    Cancelled,
}

/// <summary>One evaluation of a candidate at a budget (a rung of successive halving).</summary>
/// <param name="Candidate">The candidate's index (0 is the base recipe when the sweep includes it).</param>
/// <param name="Rung">The rung (0 = smallest budget).</param>
/// <param name="Epochs">The epochs it trained for.</param>
/// <param name="Score">The evaluation score, higher is better; NaN when the evaluation failed.</param>
/// <param name="Seconds">Time of the evaluation on the tuner's clock.</param>
/// <param name="Error">Why the evaluation failed, or null.</param>
public sealed record RungResult(int Candidate, int Rung, int Epochs, double Score, double Seconds, string? Error);

/// <summary>
/// The scheduling core of the tuner, free of any model type: candidates evaluated by successive halving. Rung 0
/// trains every candidate for the smallest budget, each later rung keeps the best 1/η of the previous one and trains
/// them (from scratch, so a result depends only on its candidate and budget) for η times more epochs, up to the
/// maximum. Ties are broken by candidate index, so equal inputs give equal schedules. Time is read from a
/// <see cref="TimeProvider"/> only to decide whether to start the next evaluation, so a test drives the budget with a
/// clock of its own.
/// </summary>
internal static class SuccessiveHalving
{
    /// <summary>The epochs of each rung: max, max/η, max/η², ... down to at least <paramref name="minEpochs"/>, smallest first.</summary>
    public static int[] RungEpochs(int minEpochs, int maxEpochs, int eta)
    {
        var rungs = new List<int> { maxEpochs };
        while (true)
        {
            int next = rungs[^1] / eta;
            if (next < minEpochs || next < 1 || next == rungs[^1])
            {
                break;
            }

            rungs.Add(next);
        }

        rungs.Reverse();
        return rungs.ToArray();
    }

    /// <summary>Runs one bracket of the schedule over candidates <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> - 1.</summary>
    /// <param name="first">The first candidate's index.</param>
    /// <param name="count">How many candidates.</param>
    /// <param name="rungEpochs">Epochs per rung, increasing.</param>
    /// <param name="eta">Reduction factor (at least 2).</param>
    /// <param name="alwaysPromote">A candidate promoted to every rung regardless of its score (the base recipe), or -1.</param>
    /// <param name="evaluate">Evaluates (candidate, epochs); higher is better. An exception other than cancellation marks the evaluation failed.</param>
    /// <param name="clock">The clock the budget and the evaluations' times are read from.</param>
    /// <param name="start">The clock's timestamp when the sweep started (<see cref="TimeProvider.GetTimestamp"/>).</param>
    /// <param name="timeBudget">The budget from <paramref name="start"/>, or null: no evaluation starts once it has passed.</param>
    /// <param name="onResult">Called after each evaluation.</param>
    /// <param name="cancellationToken">Stops the sweep between (and, through <paramref name="evaluate"/>, inside) evaluations.</param>
    /// <returns>Every evaluation of the bracket that finished, and why the bracket ended.</returns>
    public static (List<RungResult> Results, SweepStopReason Reason) Run(
        int first,
        int count,
        IReadOnlyList<int> rungEpochs,
        int eta,
        int alwaysPromote,
        Func<int, int, CancellationToken, double> evaluate,
        TimeProvider clock,
        long start,
        TimeSpan? timeBudget,
        Action<RungResult>? onResult,
        CancellationToken cancellationToken)
    {
        var results = new List<RungResult>();
        var alive = Enumerable.Range(first, count).ToList();
        for (int rung = 0; rung < rungEpochs.Count; rung++)
        {
            if (rung > 0)
            {
                // The always-promoted candidate rides along: it does not take a place among the best 1/eta.
                int contenders = alive.Count(c => c != alwaysPromote);
                int keep = Math.Max(1, (int)Math.Ceiling(contenders / (double)eta));
                var ranked = results.Where(r => r.Rung == rung - 1 && !double.IsNaN(r.Score) && r.Candidate != alwaysPromote)
                    .OrderByDescending(r => r.Score)
                    .ThenBy(r => r.Candidate)
                    .Select(r => r.Candidate)
                    .ToList();
                var next = ranked.Take(keep).ToList();
                if (alwaysPromote >= 0 && results.Any(r => r.Rung == rung - 1 && r.Candidate == alwaysPromote && !double.IsNaN(r.Score)) && !next.Contains(alwaysPromote))
                {
                    next.Add(alwaysPromote);
                }

                next.Sort();
                alive = next;
                if (alive.Count == 0)
                {
                    break;
                }
            }

            foreach (int candidate in alive)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    return (results, SweepStopReason.Cancelled);
                }

                if (timeBudget is TimeSpan budget && clock.GetElapsedTime(start) >= budget)
                {
                    return (results, SweepStopReason.TimeBudget);
                }

                long began = clock.GetTimestamp();
                double score;
                string? error = null;
                try
                {
                    score = evaluate(candidate, rungEpochs[rung], cancellationToken);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return (results, SweepStopReason.Cancelled);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    score = double.NaN;
                    error = ex.GetType().Name + ": " + ex.Message;
                }

                var result = new RungResult(candidate, rung, rungEpochs[rung], score, clock.GetElapsedTime(began).TotalSeconds, error);
                results.Add(result);
                onResult?.Invoke(result);
            }
        }

        return (results, SweepStopReason.Completed);
    }
}
