using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;
using MLNet.Optimizers.Compute;
using MLNet.Optimizers.MLNet.Recipes;
using MLNet.Optimizers.Schedules;
using MLNet.Optimizers.Serialization;
using MLNet.Optimizers.Training.Data;
using MLNet.Optimizers.Training.Models;
using MLNet.Optimizers.Training.Training;

namespace MLNet.Optimizers.Fuzz;

/// <summary>
/// Every parser the fuzzer attacks, each registered by one line in <see cref="All"/>. Seeds are valid files the
/// library writes, built when the target is created. To add a parser (the recipe JSON, CSV schema inference, CLI
/// arguments), write a method that returns a <see cref="FuzzTarget"/> and add it to <see cref="All"/>.
/// </summary>
public static partial class Targets
{
    /// <summary>The registered targets, by name.</summary>
    public static IReadOnlyList<(string Name, Func<FuzzTarget> Create)> All { get; } = new (string, Func<FuzzTarget>)[]
    {
        ("optimizer-checkpoint", OptimizerCheckpoint),
        ("keras-config", KerasConfigJson),
        ("trainer-checkpoint", TrainerCheckpoint),
        ("idx-images", IdxImagesFile),
        ("idx-labels", IdxLabelsFile),
        ("recipe-json", RecipeJsonText),
        ("csv-inference", CsvInferenceFile),
        ("cli-arguments", CliArguments),
    };

    /// <summary>Creates a registered target (or a self-test target) by name.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The target.</returns>
    public static FuzzTarget Create(string name) =>
        All.Concat(SelfTest).FirstOrDefault(t => t.Name == name).Create?.Invoke() ?? throw new ArgumentException($"unknown target '{name}'; known: {string.Join(", ", All.Select(t => t.Name))}");

    /// <summary>
    /// Targets that misbehave on purpose, for the fuzzer's own tests (not part of a campaign): <c>selftest</c>
    /// accepts, rejects, throws an undocumented type, gives an unnamed message, changes state before failing, crashes
    /// the process or hangs, by input index modulo 10.
    /// </summary>
    internal static IReadOnlyList<(string Name, Func<FuzzTarget> Create)> SelfTest { get; } = new (string, Func<FuzzTarget>)[]
    {
        ("selftest", () => Misbehaving(crash: false)),
        ("selftest-crash", () => Misbehaving(crash: true)),
    };

    private static long _spin;

    private static FuzzTarget Misbehaving(bool crash) => new()
    {
        Name = crash ? "selftest-crash" : "selftest",
        Format = InputFormat.Binary,
        Seeds = new[] { new byte[] { 1, 2, 3, 4 } },
        Documented = new[] { typeof(InvalidDataException) },
        MessageCheck = e => e.Message.Contains("field '", StringComparison.Ordinal),
        ExhaustiveTruncationLimit = 0,
        Run = (input, check) =>
        {
            var state = new List<int> { 1 };
            switch (input.Index % 10)
            {
                case 0:
                case 1:
                    return;
                case 2:
                case 3:
                    throw new InvalidDataException("Test field 'x': bad.");
                case 4:
                    throw new InvalidCastException("undocumented");
                case 5:
                    throw new InvalidDataException("no name");
                case 6:
                    check.Unchanged(state, () =>
                    {
                        state.Add(2);
                        throw new InvalidDataException("Test field 'y': bad after a change.");
                    });
                    return;
                case 7:
                    check.FollowUp("a follow-up", () => throw new FormatException("broken after acceptance"));
                    return;
                case 8 when crash:
                    Environment.FailFast("selftest crash");
                    return;
                case 9 when crash && input.Index % 20 == 9:
                    Thread.Sleep(Timeout.Infinite); // blocked: a hang by wall-clock time
                    return;
                case 9 when crash:
                    while (Volatile.Read(ref _spin) >= 0)
                    {
                        _spin++; // busy: a hang by CPU time
                    }

                    return;
                default:
                    return;
            }
        },
    };

    private static readonly BlasProvider Managed = new ManagedBlasProvider();

    private static string TempFolder(string name)
    {
        // Every input is written to a file: on a RAM disk when there is one (Linux /dev/shm), else the temp folder.
        string root = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        string folder = Path.Combine(root, "mlnopt-fuzz-" + name + "-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(folder, true);
            }
            catch (IOException)
            {
            }
        };
        return folder;
    }

    private static bool NamesAField(Exception e) => e.Message.Contains("field '", StringComparison.Ordinal) && !e.Message.Contains("field ''", StringComparison.Ordinal);

    private static List<Parameter> Parameters() => new()
    {
        Parameter.Create("dense/kernel", new[] { 3, 4 }, Enumerable.Range(0, 12).Select(i => MathF.Sin(i)).ToArray()),
        Parameter.Create("dense/bias", new[] { 4 }, new float[] { 0.1f, -0.2f, 0.3f, 0f }),
    };

    /// <summary>The optimizers whose state and config seed the optimizer targets: every class, every schedule, EMA, accumulation, clipping, exclusions.</summary>
    private static IReadOnlyList<Func<Optimizer>> OptimizerFactories { get; } = new Func<Optimizer>[]
    {
        () => Exclude(new Lion(0.01) { WeightDecay = 0.1, UseEma = true, EmaOverwriteFrequency = 3 }),
        () => new Adafactor(0.05) { GlobalClipNorm = 1.0, GradientAccumulationSteps = 2 },
        () => Exclude(new AdamW(new CosineDecay(1e-2, 100, 0.1, warmupTarget: 0.02, warmupSteps: 5)) { Amsgrad = true, ClipNorm = 0.5 }),
        () => new Sgd(new ExponentialDecay(0.1, 10, 0.5, staircase: true), 0.9, nesterov: true) { ClipValue = 2 },
        () => new Lion(new PiecewiseConstantDecay(new long[] { 2, 5 }, new[] { 0.1, 0.01, 0.001 })) { LossScaleFactor = 128 },
        () => new AdamW(new PolynomialDecay(0.01, 20, 0.001, 2.0, cycle: true)),
        () => new Adafactor(new CosineDecayRestarts(0.05, 4, 1.5, 0.8, 0.1)) { UseEma = true },
        () => new Sgd(new InverseTimeDecay(0.1, 5, 0.5)),
        () => new Lion(LearningRate.FromCallback(() => 0.003, "lr_fn")),
    };

    private static Optimizer Exclude(Optimizer o)
    {
        o.ExcludeFromWeightDecay(namePatterns: new[] { "bias" });
        return o;
    }

    private static readonly KerasConfigOptions Resolver = new() { CallableResolver = name => name == "lr_fn" ? () => 0.003 : null };

    /// <summary>An optimizer built like seed <paramref name="index"/> after three steps.</summary>
    private static (Optimizer Opt, List<Parameter> Vars) Stepped(int index)
    {
        List<Parameter> vars = Parameters();
        Optimizer o = OptimizerFactories[index]();
        o.Build(vars);
        for (int s = 0; s < 3; s++)
        {
            o.Apply(new ReadOnlyMemory<float>?[] { Enumerable.Range(0, 12).Select(i => MathF.Cos(i + s)).ToArray(), new float[] { 1, -1, 0.5f, -0.5f } });
        }

        return (o, vars);
    }

    private static byte[] Saved(Optimizer o)
    {
        var ms = new MemoryStream();
        o.SaveState(ms);
        return ms.ToArray();
    }

    /// <summary>Optimizer checkpoints: <see cref="Optimizer.LoadCheckpoint"/> and <see cref="Optimizer.LoadState(Stream)"/>.</summary>
    public static FuzzTarget OptimizerCheckpoint() => new()
    {
        Name = "optimizer-checkpoint",
        Format = InputFormat.Framed,
        Seeds = Enumerable.Range(0, OptimizerFactories.Count).Select(i => Saved(Stepped(i).Opt)).ToArray(),
        Documented = new[] { typeof(InvalidDataException) },
        MessageCheck = NamesAField,
        Run = (input, check) =>
        {
            Exception? viaStatic = Try(() =>
            {
                Optimizer loaded = Optimizer.LoadCheckpoint(new MemoryStream(input.Bytes, writable: false), Parameters(), Resolver);
                check.FollowUp("SaveState/LoadCheckpoint round trip", () =>
                {
                    byte[] a = Saved(loaded);
                    byte[] b = Saved(Optimizer.LoadCheckpoint(new MemoryStream(a), Parameters(), Resolver));
                    if (!a.AsSpan().SequenceEqual(b))
                    {
                        throw new InvalidOperationException("a checkpoint saved from a loaded checkpoint does not reload to the same bytes");
                    }
                });
                check.FollowUp("Serialize", () => KerasConfig.DeserializeOptimizer(loaded.Serialize(), Resolver));
            });
            (Optimizer target, _) = Stepped(input.SeedIndex);
            Exception? intoExisting = Try(() => check.Unchanged(target, () => target.LoadState(new MemoryStream(input.Bytes, writable: false))));
            Rethrow(viaStatic, intoExisting, typeof(InvalidDataException));
        },
    };

    private static Exception? Try(Action a)
    {
        try
        {
            a();
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    /// <summary>Throws the first exception that is not of the documented type, else the first one, else nothing.</summary>
    private static void Rethrow(Exception? a, Exception? b, Type documented)
    {
        Exception? worst = new[] { a, b }.FirstOrDefault(e => e != null && !documented.IsInstanceOfType(e)) ?? a ?? b;
        if (worst != null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(worst).Throw();
        }
    }

    /// <summary>Keras config JSON: <see cref="KerasConfig.DeserializeOptimizer(string, KerasConfigOptions?)"/>, then the result must serialize, build, step and save.</summary>
    public static FuzzTarget KerasConfigJson() => new()
    {
        Name = "keras-config",
        Format = InputFormat.Json,
        Seeds = OptimizerFactories.Select(f => Encoding.UTF8.GetBytes(f().Serialize().ToJsonString())).ToArray(),
        Documented = new[] { typeof(OptimizerConfigException) },
        MessageCheck = e => e is OptimizerConfigException c && c.JsonPath.StartsWith('$') && c.Reason.Length > 0,
        ExhaustiveTruncationLimit = 2048,
        Run = (input, check) =>
        {
            string text = Encoding.UTF8.GetString(input.Bytes);
            Optimizer o;
            try
            {
                o = KerasConfig.DeserializeOptimizer(text, Resolver);
            }
            catch (OptimizerConfigException)
            {
                // The JsonObject overload must agree on a document System.Text.Json can parse.
                if (TryParseObject(text) is JsonObject parsed)
                {
                    check.FollowUp("the JsonObject overload (expected to reject too)", () =>
                    {
                        try
                        {
                            KerasConfig.DeserializeOptimizer(parsed, Resolver);
                        }
                        catch (OptimizerConfigException)
                        {
                            return;
                        }

                        throw new InvalidOperationException("the JsonObject overload accepted what the string overload rejected");
                    });
                }

                throw;
            }

            check.FollowUp("Serialize round trip", () =>
            {
                string a = o.Serialize().ToJsonString();
                string b = KerasConfig.DeserializeOptimizer(a, Resolver).Serialize().ToJsonString();
                if (a != b)
                {
                    throw new InvalidOperationException($"the serialized config does not round-trip: {a} vs {b}");
                }
            });
            check.FollowUp("Build, Apply and SaveState", () =>
            {
                o.Build(Parameters());
                o.Apply(new ReadOnlyMemory<float>?[] { Enumerable.Repeat(0.5f, 12).ToArray(), new float[] { 1, 2, 3, 4 } });
                Saved(o);
            });
        },
    };

    private static JsonObject? TryParseObject(string text)
    {
        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or ArgumentException)
        {
            return null;
        }
    }

    private sealed record TrainerSetup(Func<(NeuralModel Model, Optimizer Opt, InMemoryBatchSource Source, DenseTable? Valid)> Create, TrainerOptions Options);

    private static DenseTable Table(int rows, int features, int classes, ulong seed)
    {
        var rng = new DeterministicRandom(seed);
        var x = new float[rows * features];
        var y = new float[rows];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)rng.NextGaussian();
        }

        for (int i = 0; i < rows; i++)
        {
            y[i] = classes == 0 ? x[i * features] * 2 : i % classes;
        }

        return new DenseTable(x, features, y);
    }

    private static readonly TrainerSetup[] TrainerSetups =
    {
        new(() =>
        {
            DenseTable t = Table(40, 5, 3, 1);
            var m = new NeuralModel(5, new ModelOptions { Task = TaskKind.MulticlassClassification, ClassCount = 3, HiddenLayers = new[] { 4 }, Dropout = 0.2 }, 3);
            return (m, new Lion(1e-3) { WeightDecay = 0.01 }, new InMemoryBatchSource(t, 8, true, 2), Table(12, 5, 3, 9));
        }, new TrainerOptions { Epochs = 2, BatchSize = 8, Seed = 4, Blas = Managed, EarlyStoppingPatience = 3, CheckpointEverySteps = 3 }),
        new(() =>
        {
            DenseTable t = Table(30, 4, 0, 2);
            var m = new NeuralModel(4, new ModelOptions { Task = TaskKind.Regression, HiddenLayers = new[] { 3 } }, 5);
            return (m, new AdamW(1e-2), new InMemoryBatchSource(t, 7, true, 3), null);
        }, new TrainerOptions { Epochs = 2, BatchSize = 7, Seed = 6, Blas = Managed, CheckpointEverySteps = 2 }),
        new(() =>
        {
            DenseTable t = Table(24, 3, 2, 3);
            var m = new NeuralModel(3, new ModelOptions { Task = TaskKind.BinaryClassification }, 7);
            return (m, new Adafactor(0.05) { GradientAccumulationSteps = 2 }, new InMemoryBatchSource(t, 6, false, 0), Table(8, 3, 2, 4));
        }, new TrainerOptions { Epochs = 2, BatchSize = 6, Seed = 8, Blas = Managed, EarlyStoppingPatience = 1, CheckpointEverySteps = 1 }),
    };

    private static TrainerOptions With(TrainerOptions o, string? checkpoint, string? resume, int epochs) => new()
    {
        Epochs = epochs,
        BatchSize = o.BatchSize,
        Seed = o.Seed,
        Blas = o.Blas,
        EarlyStoppingPatience = o.EarlyStoppingPatience,
        CheckpointEverySteps = o.CheckpointEverySteps,
        CheckpointPath = checkpoint,
        ResumeFrom = resume,
        ReportEverySteps = 1,
    };

    /// <summary>Checkpoints of each setup: after the first epoch, and in the middle of the second (killed by cancellation).</summary>
    private static List<(byte[] Bytes, int Setup)> TrainerSeeds(string folder)
    {
        var seeds = new List<(byte[], int)>();
        for (int k = 0; k < TrainerSetups.Length; k++)
        {
            string path = Path.Combine(folder, $"seed{k}.ckpt");
            (NeuralModel m, Optimizer o, InMemoryBatchSource s, DenseTable? v) = TrainerSetups[k].Create();
            Trainer.Fit(m, o, s, v, With(TrainerSetups[k].Options, path, null, 1));
            seeds.Add((FixedSeconds(File.ReadAllBytes(path)), k));
            (m, o, s, v) = TrainerSetups[k].Create();
            using var cts = new CancellationTokenSource();
            var stopper = new Stopper(cts, (int)((s.RowCount ?? 8) / TrainerSetups[k].Options.BatchSize) + 2);
            try
            {
                Trainer.Fit(m, o, s, v, With(TrainerSetups[k].Options, path, null, 2), stopper, cts.Token);
            }
            catch (OperationCanceledException)
            {
            }

            seeds.Add((FixedSeconds(File.ReadAllBytes(path)), k));
        }

        return seeds;
    }

    /// <summary>A trainer checkpoint with every epoch's wall time set to 0.25 s, so the seeds (and every input) are the same in every process.</summary>
    private static byte[] FixedSeconds(byte[] file)
    {
        byte[] payload = file.AsSpan(20, file.Length - 24).ToArray();
        var r = new global::MLNet.Optimizers.IO.FieldReader(payload, "seed");
        r.String("provider");
        r.String("routes");
        r.String("libraries");
        r.Int32("threads");
        r.Bytes("trainer state", 4 + 8 + 8 + 8 + 8 + 8 + 4 + 4 + 1 + 8 + 8 + 32);
        int history = r.Int32("history_count");
        for (int i = 0; i < history; i++)
        {
            r.Bytes("record", 4 + 8 + 8 + 8);
            BitConverter.GetBytes(0.25).CopyTo(payload, r.Position);
            r.Double("seconds");
        }

        return Mutators.Reframe(file, payload);
    }

    private sealed class Stopper(CancellationTokenSource cts, int step) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Step >= step)
            {
                cts.Cancel();
            }
        }
    }

    /// <summary>Trainer checkpoints: a resumed <see cref="Trainer.Fit"/>; a failed resume must leave the model, the optimizer and the data source unchanged.</summary>
    public static FuzzTarget TrainerCheckpoint()
    {
        string folder = TempFolder("trainer");
        List<(byte[] Bytes, int Setup)> seeds = TrainerSeeds(folder);
        var file = new ThreadLocal<string>(() => Path.Combine(folder, "input-" + Environment.CurrentManagedThreadId.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".ckpt"));
        return new FuzzTarget
        {
            Name = "trainer-checkpoint",
            Format = InputFormat.Framed,
            Seeds = seeds.Select(s => s.Bytes).ToArray(),
            Documented = new[] { typeof(InvalidDataException) },
            MessageCheck = NamesAField,
            ExhaustiveTruncationLimit = 512,
            Run = (input, check) =>
            {
                string path = file.Value!;
                File.WriteAllBytes(path, input.Bytes);
                TrainerSetup setup = TrainerSetups[seeds[input.SeedIndex].Setup];
                (NeuralModel m, Optimizer o, InMemoryBatchSource s, DenseTable? v) = setup.Create();
                o.Build(m.Parameters);
                check.Unchanged(new object[] { m, o, s }, () =>
                {
                    try
                    {
                        Trainer.Fit(m, o, s, v, With(setup.Options, null, path, 3));
                    }
                    catch (TrainingDivergedException)
                    {
                        // The checkpoint loaded (its weights may be anything finite or not); divergence is a training outcome.
                    }
                });
            },
        };
    }

    private static byte[] Idx(int magic, int[] dims, byte[] payload, bool gzip)
    {
        var ms = new MemoryStream();
        Span<byte> four = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(four, magic);
        ms.Write(four);
        foreach (int d in dims)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(four, d);
            ms.Write(four);
        }

        ms.Write(payload);
        if (!gzip)
        {
            return ms.ToArray();
        }

        var gz = new MemoryStream();
        using (var z = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
        {
            z.Write(ms.ToArray());
        }

        return gz.ToArray();
    }

    private static FuzzTarget Idx(string name, Func<string, object> read, byte[][] seeds)
    {
        string folder = TempFolder(name);
        var file = new ThreadLocal<string>(() => Path.Combine(folder, "input-" + Environment.CurrentManagedThreadId.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".idx"));
        return new FuzzTarget
        {
            Name = name,
            Format = InputFormat.Binary,
            Seeds = seeds,
            Documented = new[] { typeof(InvalidDataException) },
            MessageCheck = e => e.Message.StartsWith(folder, StringComparison.Ordinal) && e.Message.Length > folder.Length + 20,
            ExhaustiveTruncationLimit = 256,
            Run = (input, check) =>
            {
                string path = file.Value!;
                File.WriteAllBytes(path, input.Bytes);
                object result = read(path);
                if (result is IdxImages images && (long)images.Count * images.Rows * images.Columns != images.Pixels.Length)
                {
                    check.Fail($"accepted {images.Count}x{images.Rows}x{images.Columns} images with {images.Pixels.Length} pixels");
                }
            },
        };
    }

    /// <summary>IDX image files, plain and gzip: <see cref="IdxLoader.ReadImages"/>.</summary>
    public static FuzzTarget IdxImagesFile()
    {
        byte[] pixels = Enumerable.Range(0, 3 * 4 * 5).Select(i => (byte)(i * 37)).ToArray();
        return Idx("idx-images", IdxLoader.ReadImages, new[]
        {
            Idx(IdxLoader.ImagesMagic, new[] { 3, 4, 5 }, pixels, false),
            Idx(IdxLoader.ImagesMagic, new[] { 3, 4, 5 }, pixels, true),
            Idx(IdxLoader.ImagesMagic, new[] { 1, 1, 1 }, new byte[] { 255 }, false),
        });
    }

    /// <summary>IDX label files, plain and gzip: <see cref="IdxLoader.ReadLabels"/>.</summary>
    public static FuzzTarget IdxLabelsFile()
    {
        byte[] labels = Enumerable.Range(0, 10).Select(i => (byte)i).ToArray();
        return Idx("idx-labels", IdxLoader.ReadLabels, new[]
        {
            Idx(IdxLoader.LabelsMagic, new[] { 10 }, labels, false),
            Idx(IdxLoader.LabelsMagic, new[] { 10 }, labels, true),
        });
    }

    /// <summary>Recipes of three shapes (an MLP with early stopping on text classes, a linear regression with a log label, a vector range with a positive class), as the library writes them.</summary>
    private static readonly string[] RecipeSources =
    {
        """
        {"format_version": 1, "seed": 7,
         "data": {"separator": ",", "has_header": true, "holdout_fraction": 0.2, "missing_tokens": ["NA"],
                  "columns": [{"name": "a", "type": "single", "index": 0}, {"name": "b", "type": "single", "index": 1}, {"name": "kind", "type": "string", "index": 2}]},
         "label": {"column": "kind"},
         "featurization": [{"kind": "concatenate", "output": "Features", "columns": ["a", "b"]}, {"kind": "normalize", "columns": ["Features"], "method": "mean_variance"}],
         "trainer": {"task": "multiclass_classification", "model": {"type": "mlp", "hidden_layers": [8, 4], "activation": "sigmoid", "dropout": 0.1},
                     "optimizer": {"class_name": "Lion", "config": {"learning_rate": 0.003, "weight_decay": 0.5}}, "exclude_from_weight_decay": ["bias"],
                     "epochs": 10, "batch_size": 16, "early_stopping": {"selection_fraction": 0.1, "patience": 3}}}
        """,
        """
        {"format_version": 1,
         "data": {"columns": [{"name": "x", "type": "single", "index": 0}, {"name": "cut", "type": "string", "index": 1}, {"name": "price", "type": "single", "index": 2}]},
         "label": {"column": "price", "transform": "log"},
         "featurization": [{"kind": "replace_missing", "columns": ["x"]}, {"kind": "one_hot", "columns": ["cut"]}, {"kind": "concatenate", "columns": ["x", "cut"]}, {"kind": "normalize", "columns": ["Features"], "method": "min_max"}],
         "trainer": {"task": "regression", "model": {"type": "linear"}, "optimizer": {"class_name": "AdamW", "config": {"learning_rate": {"class_name": "CosineDecay", "config": {"initial_learning_rate": 0.01, "decay_steps": 100}}}},
                     "epochs": 4, "batch_size": 64}}
        """,
        """
        {"format_version": 1, "seed": 3,
         "data": {"columns": [{"name": "Features", "type": "single", "range": [0, 9]}, {"name": "diagnosis", "type": "string", "index": 10}]},
         "label": {"column": "diagnosis", "positive_class": "malignant"},
         "featurization": [{"kind": "normalize", "columns": ["Features"]}],
         "trainer": {"task": "binary_classification", "model": {"type": "mlp", "hidden_layers": [8], "activation": "tanh"},
                     "optimizer": {"class_name": "Adafactor", "config": {"learning_rate": 0.05}}, "epochs": 15}}
        """,
    };

    /// <summary>The pipeline recipe JSON: <see cref="Recipe.Parse"/>; an accepted recipe must write, re-read and build its ML.NET pipeline.</summary>
    public static FuzzTarget RecipeJsonText() => new()
    {
        Name = "recipe-json",
        Format = InputFormat.Json,
        Seeds = RecipeSources.Select(j => Encoding.UTF8.GetBytes(Recipe.Parse(j).ToJson())).ToArray(),
        Documented = new[] { typeof(RecipeException) },
        MessageCheck = e => e is RecipeException r && r.JsonPath.StartsWith('$') && r.Reason.Length > 0,
        ExhaustiveTruncationLimit = 0,
        Run = (input, check) =>
        {
            Recipe recipe = Recipe.Parse(Encoding.UTF8.GetString(input.Bytes));
            check.FollowUp("ToJson round trip", () =>
            {
                string a = recipe.ToJson();
                Recipe again = Recipe.Parse(a);
                if (a != again.ToJson() || !again.Equals(recipe))
                {
                    throw new InvalidOperationException("the canonical JSON does not read back to an equal recipe");
                }
            });
            check.FollowUp("BuildPipeline", () => recipe.BuildPipeline(new Microsoft.ML.MLContext(seed: 1)));
        },
    };

    /// <summary>CSV files of four shapes with their label: text classes, a skewed regression with categories and missing
    /// values, semicolons with decimal commas, quoted fields with a binary label.</summary>
    private static readonly (string Csv, string Label)[] CsvSources =
    {
        ("a,b,c,kind\n1.5,2,0.25,x\n-3,4.5,1,y\n2,0,-0.5,x\n0.1,7,2,z\n5,1,3,y\n4,2,2.5,z\n", "kind"),
        ("size,color,weight,price\n3,red,1.5,10\n4,blue,,120\n5,red,2.5,15\n6,green,NA,400\n7,blue,3.5,22\n8,red,4,1000\n9,green,4.5,30\n", "price"),
        ("x;y;label\n1,5;2;0\n2,25;3,5;1\n-1;0,5;0\n3;4;1\n", "label"),
        ("name,score,ok\n\"a, b\",1,yes\n\"say \"\"hi\"\"\",2,no\nc,3,yes\nd,4,no\n", "ok"),
    };

    /// <summary>CSV schema inference: <see cref="global::MLNet.Optimizers.MLNet.Data.CsvInference.Infer"/>; an accepted file must give a recipe that writes and re-reads, and every number ML.NET then reads from it must be finite in float32 (issue 18 #5).</summary>
    public static FuzzTarget CsvInferenceFile()
    {
        string folder = TempFolder("csv");
        var file = new ThreadLocal<string>(() => Path.Combine(folder, "input-" + Environment.CurrentManagedThreadId.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".csv"));
        return new FuzzTarget
        {
            Name = "csv-inference",
            Format = InputFormat.Csv,
            Seeds = CsvSources.Select(c => Encoding.UTF8.GetBytes(c.Csv)).ToArray(),
            Documented = new[] { typeof(global::MLNet.Optimizers.MLNet.Data.CsvDataException) },
            MessageCheck = e => e.Message.StartsWith("data file '", StringComparison.Ordinal),
            ExhaustiveTruncationLimit = 256,
            Run = (input, check) =>
            {
                string path = file.Value!;
                File.WriteAllBytes(path, input.Bytes);
                global::MLNet.Optimizers.MLNet.Data.CsvInferenceResult r = global::MLNet.Optimizers.MLNet.Data.CsvInference.Infer(path, CsvSources[input.SeedIndex].Label);
                check.FollowUp("the inferred recipe's ToJson round trip", () =>
                {
                    string a = r.Recipe.ToJson();
                    if (Recipe.Parse(a).ToJson() != a)
                    {
                        throw new InvalidOperationException("the inferred recipe does not round-trip");
                    }
                });
                check.FollowUp("reading the file with the inferred recipe", () => CheckFinite(r.Recipe, path));
            },
        };
    }

    /// <summary>Reads the file with the recipe's loader (after the recipe's own data check) and fails on a float32 infinity in a number column.</summary>
    private static void CheckFinite(Recipe recipe, string path)
    {
        var ml = new Microsoft.ML.MLContext(seed: 1);
        recipe.CheckData(path);
        Microsoft.ML.IDataView data = recipe.LoadData(ml, path);
        foreach (Microsoft.ML.DataViewSchema.Column c in data.Schema)
        {
            if (c.Type == Microsoft.ML.Data.NumberDataViewType.Single)
            {
                foreach (float v in Microsoft.ML.Data.ColumnCursorExtensions.GetColumn<float>(data, c))
                {
                    if (float.IsInfinity(v))
                    {
                        throw new InvalidDataException($"column '{c.Name}' holds {v}: a cell outside float32 was accepted");
                    }
                }
            }
            else if (c.Type is Microsoft.ML.Data.VectorDataViewType { ItemType: Microsoft.ML.Data.NumberDataViewType t } && t == Microsoft.ML.Data.NumberDataViewType.Single)
            {
                foreach (Microsoft.ML.Data.VBuffer<float> row in Microsoft.ML.Data.ColumnCursorExtensions.GetColumn<Microsoft.ML.Data.VBuffer<float>>(data, c))
                {
                    foreach (float v in row.DenseValues())
                    {
                        if (float.IsInfinity(v))
                        {
                            throw new InvalidDataException($"column '{c.Name}' holds {v}: a cell outside float32 was accepted");
                        }
                    }
                }
            }
        }
    }
}
