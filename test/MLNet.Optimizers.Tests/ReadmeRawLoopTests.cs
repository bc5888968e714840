using System;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers;
using MLNet.Optimizers.Schedules;
using MLNet.Optimizers.Serialization;

namespace MLNet.Optimizers.Tests;

/// <summary>
/// The README's third quick start (the raw optimizer loop, core only), as the README shows it: the region between the
/// markers is the code of the README's block (build/check-links.sh checks that every line of that block is here, in
/// order), so the front page's code compiles and does what it says.
/// </summary>
[TestClass]
public sealed class ReadmeRawLoopTests
{
    /// <summary>
    /// The loop moves the weights toward the least-squares target, writes a Keras config that reads back to the same
    /// optimizer, and a checkpoint that resumes to the same bits as the optimizer that wrote it.
    /// </summary>
    [TestMethod]
    [DoNotParallelize] // it writes lion.ckpt in a folder of its own (a relative path, as in the README)
    public void TheReadmeRawLoopStepsSerializesAndCheckpoints()
    {
        var random = new Random(7);
        float[] target = Enumerable.Range(0, 784 * 256).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        float[] biasTarget = Enumerable.Range(0, 256).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        string folder = Path.Combine(Path.GetTempPath(), "readme-rawloop-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        string previous = Environment.CurrentDirectory;
        Environment.CurrentDirectory = folder;
        try
        {
            // README quick start 3: begin
            float[] kernel = new float[784 * 256], bias = new float[256];   // your weights: updated in place
            var w = new Parameter("dense/kernel", new[] { 784, 256 }, kernel);
            var b = new Parameter("dense/bias", new[] { 256 }, bias);

            var lion = new Lion(new CosineDecay(3e-4, decaySteps: 10_000, warmupTarget: 1e-3, warmupSteps: 500))
            {
                WeightDecay = 0.1,        // decoupled: var -= var * wd * lr, before the update
                GlobalClipNorm = 1.0,     // or ClipNorm / ClipValue (one of them)
                UseEma = true,            // EmaMomentum, EmaOverwriteFrequency
            };
            lion.ExcludeFromWeightDecay(namePatterns: new[] { "bias" });   // a regex search in the name, as Keras does
            lion.Build(new[] { w, b });

            float[] gradKernel = new float[784 * 256], gradBias = new float[256];
            var gradients = new ReadOnlyMemory<float>?[] { gradKernel, gradBias };   // null: no gradient (skipped, as Keras does)
            for (int step = 0; step < 100; step++)
            {
                ComputeGradients(kernel, bias, gradKernel, gradBias);   // your backward pass
                lion.Apply(gradients);                                  // one Keras-exact step; allocates nothing
            }

            lion.FinalizeVariableValues();                      // with EMA: the weights become their moving averages
            string config = lion.Serialize().ToJsonString();    // Keras's JSON: {"module": "keras.optimizers", "class_name": "Lion", ...}
            lion.SaveState("lion.ckpt");                        // the config, every slot and counter; written atomically
            // README quick start 3: end

            Assert.AreEqual(100L, lion.Iterations);
            double before = target.Sum(t => (double)t * t) + biasTarget.Sum(t => (double)t * t);
            double after = kernel.Select((v, i) => Square(v - target[i])).Sum() + bias.Select((v, i) => Square(v - biasTarget[i])).Sum();
            Assert.IsLessThan(before, after, $"squared distance to the target: {after} after the loop, {before} before");

            Optimizer fromConfig = KerasConfig.DeserializeOptimizer(config);
            Assert.IsInstanceOfType<Lion>(fromConfig);
            Assert.IsTrue(JsonNode.DeepEquals(lion.GetConfig(), fromConfig.GetConfig()), $"config round trip: {config}");

            // The checkpoint resumes: one more step from the saved state gives the bits of one more step of the original.
            float[] kernel2 = (float[])kernel.Clone(), bias2 = (float[])bias.Clone();
            Optimizer resumed;
            using (FileStream file = File.OpenRead("lion.ckpt"))
            {
                resumed = Optimizer.LoadCheckpoint(file, new[] { new Parameter("dense/kernel", new[] { 784, 256 }, kernel2), new Parameter("dense/bias", new[] { 256 }, bias2) });
            }

            Assert.AreEqual(100L, resumed.Iterations);
            ComputeGradients(kernel, bias, gradKernel, gradBias);
            lion.Apply(gradients);
            resumed.Apply(gradients);
            CollectionAssert.AreEqual(kernel.Select(BitConverter.SingleToInt32Bits).ToArray(), kernel2.Select(BitConverter.SingleToInt32Bits).ToArray(), "kernel bits after a resumed step");
            CollectionAssert.AreEqual(bias.Select(BitConverter.SingleToInt32Bits).ToArray(), bias2.Select(BitConverter.SingleToInt32Bits).ToArray(), "bias bits after a resumed step");
        }
        finally
        {
            Environment.CurrentDirectory = previous;
            Directory.Delete(folder, recursive: true);
        }

        // The gradient of 0.5 * |weights - target|^2.
        void ComputeGradients(float[] kernel, float[] bias, float[] gradKernel, float[] gradBias)
        {
            for (int i = 0; i < kernel.Length; i++)
            {
                gradKernel[i] = kernel[i] - target[i];
            }

            for (int i = 0; i < bias.Length; i++)
            {
                gradBias[i] = bias[i] - biasTarget[i];
            }
        }

        static double Square(double x) => x * x;
    }
}
