using System;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.Compute;

namespace MLNet.Optimizers.Tests;

/// <summary>The default provider is a fixed rule of what loads and the CPU, and its provenance is a stable record.</summary>
[TestClass]
public sealed class ProviderRuleTests
{
    [TestMethod]
    [DataRow(CpuVectorLevel.Avx512, 14, true, DisplayName = "AVX-512 CPU, MKL on AVX512_E1 (Intel): usable")]
    [DataRow(CpuVectorLevel.Avx512, 12, true, DisplayName = "AVX-512 CPU, MKL on AVX512: usable")]
    [DataRow(CpuVectorLevel.Avx512, 10, false, DisplayName = "AVX-512 CPU, MKL on AVX2 (MKL_DEBUG_CPU_TYPE on AMD): not usable")]
    [DataRow(CpuVectorLevel.Avx512, 2, false, DisplayName = "AVX-512 CPU, MKL generic path (MKL 2020.4 on AMD): not usable")]
    [DataRow(CpuVectorLevel.Avx2, 10, true, DisplayName = "AVX2 CPU, MKL on AVX2: usable")]
    [DataRow(CpuVectorLevel.Avx2, 8, false, DisplayName = "AVX2 CPU, MKL on SSE4.2: not usable")]
    [DataRow(CpuVectorLevel.None, 4, true, DisplayName = "CPU without AVX2, MKL on SSE2: usable")]
    public void MklIsUsableOnlyOnACodePathAsWideAsTheCpu(object cpu, int branch, bool usable) =>
        Assert.AreEqual(usable, BlasRule.MklQualifies((CpuVectorLevel)cpu, branch));

    [TestMethod]
    [DataRow(true, true, "large=mkl NN=mkl NT=mkl TN=openblas TT=openblas", DisplayName = "Intel with MKL and OpenBLAS")]
    [DataRow(true, false, "all=mkl", DisplayName = "Intel with MKL only")]
    [DataRow(false, true, "large=openblas NN=openblas NT=managed TN=openblas TT=openblas", DisplayName = "AMD with MKL 2020 and OpenBLAS, or OpenBLAS only")]
    [DataRow(false, false, "all=managed", DisplayName = "no native library")]
    public void RoutesFollowThePreferenceTable(bool mkl, bool openBlas, string expected) =>
        Assert.AreEqual(expected, BlasRule.Routes(mkl, openBlas).ToString());

    [TestMethod]
    public void TheRuleChoosesTheSameProviderEveryTimeWithoutMeasuring()
    {
        BlasSelection a = BlasProviders.SelectByRule();
        BlasSelection b = BlasProviders.SelectByRule();
        Assert.AreEqual(BlasSelectionMethod.Rule, a.Method);
        Assert.IsFalse(a.Forced);
        Assert.AreEqual(a.Provenance, b.Provenance, a.ToString());
        Assert.IsTrue(a.Candidates.All(c => c.GigaflopsPerSecond == 0), "the rule measures nothing");
        Assert.IsTrue(a.Candidates.Single(c => c.Name == "managed").Available);

        // The choice is the table applied to what loaded here.
        bool mklUsable = BlasProviders.TryCreate("mkl", 1, out BlasProvider? mkl, out _) && BlasRule.MklQualifies(BlasRule.CpuLevel, ((MklProvider)mkl!).AutoBranchCode);
        bool openBlas = BlasProviders.TryCreate("openblas", 1, out _, out _);
        BlasRoutes expected = BlasRule.Routes(mklUsable, openBlas);
        Assert.AreEqual(expected.ToString(), a.Provenance.Routes, a.ToString());
        StringAssert.Contains(a.Reason, expected.ToString());
    }

    [TestMethod]
    public void TheDefaultIsTheRuleUnlessTheEnvironmentAsksOtherwise()
    {
        string? env = Environment.GetEnvironmentVariable(BlasProviders.EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(env) && !env.Trim().Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Inconclusive($"{BlasProviders.EnvironmentVariable}={env} chooses the default here.");
        }

        BlasSelection s = BlasProviders.Selection;
        if (s.Method == BlasSelectionMethod.Forced)
        {
            Assert.Inconclusive("another test in this process forced the default: " + s.Reason);
        }

        Assert.AreEqual(BlasSelectionMethod.Rule, s.Method, s.ToString());
        Assert.AreEqual(BlasProviders.SelectByRule().Provenance, BlasProviders.Default.Provenance);
    }

    [TestMethod]
    public void MeasuringIsOnlyDoneWhenAskedFor()
    {
        BlasProvider before = BlasProviders.Default;
        try
        {
            BlasProviders.Use("measure");
            Assert.AreEqual(BlasSelectionMethod.Measured, BlasProviders.Selection.Method);
            Assert.IsTrue(BlasProviders.Selection.Candidates.Where(c => c.Available).All(c => c.GigaflopsPerSecond > 0), BlasProviders.Selection.ToString());
            BlasProviders.Use("auto");
            Assert.AreEqual(BlasSelectionMethod.Rule, BlasProviders.Selection.Method);
        }
        finally
        {
            BlasProviders.Use(before.Name);
        }
    }

    [TestMethod]
    [DataRow("managed", DisplayName = "provenance: managed")]
    [DataRow("mkl", DisplayName = "provenance: mkl")]
    [DataRow("openblas", DisplayName = "provenance: openblas")]
    public void ProvenanceNamesTheLibraryAndThreadsButNoPath(string name)
    {
        BlasProvider p = BlasProviderTests.Get(name, 2);
        ComputeProvenance record = p.Provenance;
        Assert.AreEqual(name, record.Provider);
        Assert.AreEqual("all=" + name, record.Routes);
        Assert.AreEqual(p.NumThreads, record.Threads);
        StringAssert.StartsWith(record.Libraries, name + " ");
        if (p is NativeBlasProvider native)
        {
            Assert.DoesNotContain(native.LibraryPath, record.Libraries, "the file path is not part of the record");
        }

        Assert.AreEqual(record, BlasProviderTests.Get(name, 2).Provenance, "a second instance records the same");
        Assert.AreNotEqual(record, BlasProviderTests.Get(name, 1).Provenance, "the thread count is part of the record");
    }

    [TestMethod]
    public void RoutedProvenanceListsEveryRouteAndEachLibraryOnce()
    {
        var managed = new ManagedBlasProvider();
        var other = new ManagedBlasProvider { NumThreads = 1 };
        var routed = new RoutedBlasProvider(managed, new BlasProvider[] { managed, other, managed, other });
        ComputeProvenance p = routed.Provenance;
        Assert.AreEqual("auto", p.Provider);
        Assert.AreEqual("large=managed NN=managed NT=managed TN=managed TT=managed", p.Routes);
        Assert.AreEqual(managed.Provenance.Libraries, p.Libraries, "one library, listed once");
    }

    [TestMethod]
    public void AProviderOutsideTheLibraryRecordsItsTypeAndDifferencesNameTheField()
    {
        var custom = new CustomProvider();
        ComputeProvenance p = custom.Provenance;
        Assert.AreEqual(new ComputeProvenance("custom", "all=custom", typeof(CustomProvider).FullName!, 3), p);
        ComputeProvenance managed = new ManagedBlasProvider().Provenance;
        string diff = p.DifferenceFrom(managed, "now", "then");
        StringAssert.Contains(diff, "provider: then 'managed', now 'custom'");
        StringAssert.Contains(diff, "threads: then '1', now '3'");
        Assert.AreEqual(string.Empty, p.DifferenceFrom(p with { }));
    }

    private sealed class CustomProvider : BlasProvider
    {
        public override string Name => "custom";

        public override int NumThreads { get; set; } = 3;

        protected override void SgemmCore(Transpose transA, Transpose transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
        {
        }

        protected override void SgemvCore(Transpose transA, int m, int n, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> x, float beta, Span<float> y)
        {
        }

        protected override void SaxpyCore(float alpha, ReadOnlySpan<float> x, Span<float> y)
        {
        }

        protected override float SdotCore(ReadOnlySpan<float> x, ReadOnlySpan<float> y) => 0;

        protected override float Snrm2Core(ReadOnlySpan<float> x) => 0;
    }
}
