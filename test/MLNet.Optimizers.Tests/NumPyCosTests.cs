using System;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Schedules;

namespace MLNet.Optimizers.Tests;

/// <summary>The port of NumPy's float32 cos used by the cosine schedules.</summary>
[TestClass]
public sealed class NumPyCosTests
{
    [TestMethod]
    public void StaysWithinNumPysErrorBoundOfTheCorrectlyRoundedCosine()
    {
        var rng = new Random(3);
        int differ = 0;
        for (int i = 0; i < 200_000; i++)
        {
            float x = (float)((rng.NextDouble() * 200) - 100);
            float exact = (float)Math.Cos(x);
            float mine = NumPyMath.Cos(x);
            long ulps = FloatCompare.Ulps(exact, mine);
            Assert.IsLessThanOrEqualTo(2L, ulps, $"cos({x:R}): {mine:R} vs {exact:R}");
            differ += ulps > 0 ? 1 : 0;
        }

        // NumPy's cos is not correctly rounded: a faithful port must differ somewhere (the golden cases need it to).
        Assert.IsGreaterThan(0, differ);
    }

    [TestMethod]
    public void KnownValueFromKerasCosineWarmupSchedule()
    {
        // lion_combo_a, step 7: cos(f32(pi) * 0.8f) as NumPy computes it, which makes Keras's learning rate 0.0018594235
        // where the correctly rounded cosine gives 0.0018594231.
        float x = (float)Math.PI * (4f / 5f);
        float cd = 0.5f * (1f + NumPyMath.Cos(x));
        float lr = 0.01f * (((float)(1.0 - 0.1) * cd) + 0.1f);
        Assert.AreEqual(0.0018594235f, lr);
        Assert.AreNotEqual((float)Math.Cos(x), NumPyMath.Cos(x));
    }

    [TestMethod]
    public void SpecialValues()
    {
        Assert.IsTrue(float.IsNaN(NumPyMath.Cos(float.NaN)));
        Assert.IsTrue(float.IsNaN(NumPyMath.Cos(float.PositiveInfinity)));
        Assert.AreEqual(1f, NumPyMath.Cos(0f));
        Assert.AreEqual(MathF.Cos(1e6f), NumPyMath.Cos(1e6f), "beyond the Cody-Waite range NumPy calls the C library's cosf");
    }
}
