using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Training.Data;

namespace MLNet.Optimizers.Training.Tests;

// The radix sort of the numeric encoding's quantiles against Array.Sort: the same values in the same order (where
// Array.Sort leaves -0 and +0 in any order, the radix sort puts -0 first).
[TestClass]
public sealed class FloatSortTests
{
    public static IEnumerable<object[]> Cases()
    {
        var rng = new Random(7);
        float[] Normals(int n, float scale) => Enumerable.Range(0, n).Select(_ => (float)(scale * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()))).ToArray();
        yield return new object[] { "empty", Array.Empty<float>() };
        yield return new object[] { "one value", new[] { 3.5f } };
        yield return new object[] { "two values, descending", new[] { 2f, -1f } };
        yield return new object[] { "20,000 normals", Normals(20_000, 1f) };
        yield return new object[] { "values in [1, 1.5): the top digit agrees, its pass is skipped", Enumerable.Range(0, 5_000).Select(_ => 1f + (0.5f * (float)rng.NextDouble())).Where(v => v < 1.5f).ToArray() };
        yield return new object[] { "all equal", Enumerable.Repeat(0.25f, 1_000).ToArray() };
        yield return new object[] { "one-hot column", Enumerable.Range(0, 3_000).Select(i => i % 7 == 0 ? 1f : 0f).ToArray() };
        yield return new object[] { "many duplicates", Enumerable.Range(0, 4_000).Select(_ => (float)rng.Next(-5, 6)).ToArray() };
        yield return new object[] { "ascending", Enumerable.Range(-500, 1_000).Select(i => i * 0.5f).ToArray() };
        yield return new object[] { "descending", Enumerable.Range(-500, 1_000).Select(i => i * -0.5f).ToArray() };
        yield return new object[] { "wide range", Normals(2_000, 1f).Select(v => v * MathF.Pow(10, rng.Next(-30, 30))).ToArray() };
        yield return new object[] { "extremes and subnormals", new[] { float.MaxValue, float.MinValue, float.Epsilon, -float.Epsilon, 1e-40f, -1e-40f, float.PositiveInfinity, float.NegativeInfinity, 1f, -1f } };
        yield return new object[] { "signed zeros", new[] { 0f, -0f, 1f, -0f, 0f, -1f, -0f } };
    }

    public static string CaseName(System.Reflection.MethodInfo method, object[] data) => $"{method.Name}({data[0]})";

    [TestMethod]
    [DynamicData(nameof(Cases), DynamicDataDisplayName = nameof(CaseName))]
    public void Sorts_like_Array_Sort(string what, float[] values)
    {
        float[] expected = (float[])values.Clone();
        Array.Sort(expected);
        float[] actual = (float[])values.Clone();

        FloatSort.Sort(actual, new uint[actual.Length], new uint[actual.Length]);

        CollectionAssert.AreEqual(expected, actual, what); // float equality: -0 == +0
        CollectionAssert.AreEqual(Bits(values), Bits(actual), what + ": the same bit patterns");
        for (int i = 1; i < actual.Length; i++)
        {
            bool plusZeroThenMinusZero = actual[i - 1] == 0 && !float.IsNegative(actual[i - 1]) && actual[i] == 0 && float.IsNegative(actual[i]);
            Assert.IsFalse(plusZeroThenMinusZero, $"{what}: +0 before -0 at {i}");
        }
    }

    [TestMethod]
    public void NaNs_go_to_the_ends_by_sign_as_documented()
    {
        float negativeNaN = BitConverter.Int32BitsToSingle(unchecked((int)0xFFC00000));
        float positiveNaN = BitConverter.Int32BitsToSingle(0x7FC00000);
        float[] values = { 1f, positiveNaN, float.NegativeInfinity, negativeNaN, float.PositiveInfinity, -1f };

        FloatSort.Sort(values, new uint[values.Length], new uint[values.Length]);

        CollectionAssert.AreEqual(
            new[] { unchecked((int)0xFFC00000), BitConverter.SingleToInt32Bits(float.NegativeInfinity), BitConverter.SingleToInt32Bits(-1f), BitConverter.SingleToInt32Bits(1f), BitConverter.SingleToInt32Bits(float.PositiveInfinity), 0x7FC00000 },
            values.Select(BitConverter.SingleToInt32Bits).ToArray());
    }

    [TestMethod]
    [DataRow("keys", 4, 5, DisplayName = "keys too short")]
    [DataRow("other", 5, 4, DisplayName = "other too short")]
    public void Too_short_a_scratch_span_is_named_with_both_lengths(string name, int keys, int other)
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => FloatSort.Sort(new float[5], new uint[keys], new uint[other]));
        Assert.AreEqual(name, e.ParamName);
        StringAssert.Contains(e.Message, "has 4 elements");
        StringAssert.Contains(e.Message, "needs 5");
    }

    private static int[] Bits(float[] v) => v.Select(BitConverter.SingleToInt32Bits).OrderBy(b => b).ToArray();
}
