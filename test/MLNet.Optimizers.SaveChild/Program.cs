using System;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using MLNet.Optimizers;
using MLNet.Optimizers.Compute;
using MLNet.Optimizers.IO;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.SaveChild;
using MLNet.Optimizers.Training.Training;

// Saves <target> again and again with one of the library's writers until it is killed, printing "ready" once the
// first save is complete (so the target exists from then on). Usage: SaveChild optimizer|trainer|text <target>
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: SaveChild optimizer|trainer|text <target>");
    return 2;
}

string mode = args[0], target = args[1];
switch (mode)
{
    case "optimizer":
    {
        // 1M weights and two slots (Lion + EMA): a checkpoint of about 12 MB.
        Parameter[] vars = SaveChildShapes.OptimizerParameters();
        var opt = SaveChildShapes.Optimizer();
        opt.Build(vars);
        var grad = new float[vars[0].Length];
        for (int i = 0; i < grad.Length; i++)
        {
            grad[i] = MathF.Sin(i);
        }

        for (long gen = 1; ; gen++)
        {
            opt.Apply(new ReadOnlyMemory<float>?[] { grad });
            opt.SaveState(target);
            Ready(gen);
        }
    }

    case "text":
    {
        for (long gen = 1; ; gen++)
        {
            // Streamed line by line, so the time goes into the save itself (AtomicFile.WriteAllText is this with one write).
            long g = gen;
            AtomicFile.Write(target, stream =>
            {
                using var w = new StreamWriter(stream, new UTF8Encoding(false), 1 << 12, leaveOpen: true);
                foreach (string line in SaveChildShapes.TextLines(g))
                {
                    w.Write(line);
                }
            });
            Ready(gen);
        }
    }

    case "trainer":
    {
        (NeuralModel model, DenseTable data) = SaveChildShapes.Trainer();
        var options = new TrainerOptions
        {
            Epochs = 1_000_000,
            BatchSize = 8,
            Blas = new ManagedBlasProvider(),
            CheckpointPath = target,
            CheckpointEverySteps = 1,
            ReportEverySteps = 1,
        };
        var progress = new ReadyAfterSecondStep();
        Trainer.Fit(model, new Lion(1e-4), new InMemoryBatchSource(data, 8, shuffle: true, seed: 1), null, options, progress);
        return 0;
    }

    default:
        Console.Error.WriteLine("unknown mode " + mode);
        return 2;
}

static void Ready(long gen)
{
    if (gen == 1)
    {
        Console.Out.WriteLine("ready");
        Console.Out.Flush();
    }
}

/// <summary>Prints "ready" once a checkpoint is complete (the report of step 2 comes after step 1's checkpoint).</summary>
internal sealed class ReadyAfterSecondStep : IProgress<TrainingProgress>
{
    private int _said;

    public void Report(TrainingProgress value)
    {
        if (value.Step >= 2 && Interlocked.Exchange(ref _said, 1) == 0)
        {
            Console.Out.WriteLine("ready");
            Console.Out.Flush();
        }
    }
}
