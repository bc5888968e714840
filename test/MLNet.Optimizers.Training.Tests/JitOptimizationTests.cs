using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace MLNet.Optimizers.Training.Tests;

/// <summary>
/// The hot loops must not wait for tiered compilation. ML.NET's pipelines compile new code on every fit (expression
/// lambdas, getters), and the runtime postpones every tier-up while new methods keep being compiled (its call-counting
/// delay), so a kernel left to tiering could run unoptimized for a whole fit: measured on this machine, a
/// breast_cancer MLP fit took 69 ms in some processes and 200 ms in others (all repetitions), with Lion's element loop
/// still at the instrumented tier. Loop-bearing kernel methods are therefore compiled fully optimized on their first
/// call (<see cref="MethodImplOptions.AggressiveOptimization"/>), and the small element functions they call are
/// <see cref="MethodImplOptions.AggressiveInlining"/> (an optimized caller without profile data would not inline them).
/// </summary>
[TestClass]
public sealed class JitOptimizationTests
{
    private static readonly Assembly Core = typeof(global::MLNet.Optimizers.Lion).Assembly;
    private static readonly Assembly Training = typeof(global::MLNet.Optimizers.Training.Models.NeuralModel).Assembly;

    /// <summary>Types whose every loop runs per element or per step.</summary>
    private static IEnumerable<Type> KernelTypes()
    {
        foreach (Type t in Core.GetTypes().Concat(Training.GetTypes()))
        {
            string ns = t.Namespace ?? string.Empty;
            string top = TopLevel(t).Name;
            if (ns == "MLNet.Optimizers.Kernels"
                || top is "ManagedGemm" or "ManagedVectorOps" or "ManagedTranspose" or "OptimizerKernels" or "LayerKernels" or "InMemoryBatchSource"
                || (t.IsValueType && t.Name.EndsWith("Op", StringComparison.Ordinal) && ns == "MLNet.Optimizers"))
            {
                yield return t;
            }
        }
    }

    private static Type TopLevel(Type t)
    {
        while (t.DeclaringType != null)
        {
            t = t.DeclaringType;
        }

        return t;
    }

    private static IEnumerable<MethodBase> Declared(Type t) =>
        t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => !m.IsAbstract && m.GetMethodBody() != null && !m.IsDefined(typeof(CompilerGeneratedAttribute)))
            .Cast<MethodBase>();

    private static string Name(MethodBase m) => m.DeclaringType!.FullName + "." + m.Name;

    private static bool Has(MethodBase m, MethodImplAttributes flag) => (m.MethodImplementationFlags & flag) != 0;

    [TestMethod]
    public void EveryKernelLoopIsOptimizedOnItsFirstCallOrInlinedIntoOneThatIs()
    {
        var types = KernelTypes().ToList();
        Assert.IsTrue(types.Count >= 20, $"the kernel types were not found ({types.Count})");
        var loops = types.SelectMany(Declared).Where(HasBackwardBranch).ToList();
        Assert.IsTrue(loops.Count >= 40, $"the loop detector found only {loops.Count} loops");
        string[] missing = loops
            .Where(m => !Has(m, MethodImplAttributes.AggressiveOptimization) && !Has(m, MethodImplAttributes.AggressiveInlining))
            .Select(Name).Distinct().OrderBy(s => s, StringComparer.Ordinal).ToArray();
        Assert.AreEqual(0, missing.Length, "loops left to tiered compilation: " + string.Join(", ", missing));
    }

    [TestMethod]
    public void EveryThreadPartBodyIsOptimizedOnItsFirstCall()
    {
        // The part functions KernelThreads runs (void* context, int part) call AggressiveInlining loops; they must be
        // optimized themselves or the loops they inline stay unoptimized.
        var parts = Core.GetTypes().Concat(Training.GetTypes()).SelectMany(Declared)
            .Where(m => m.GetParameters() is { Length: 2 } p && p[0].ParameterType == typeof(void*) && p[1].ParameterType == typeof(int))
            .ToList();
        Assert.IsTrue(parts.Count >= 10, $"only {parts.Count} part functions found");
        string[] missing = parts.Where(m => !Has(m, MethodImplAttributes.AggressiveOptimization)).Select(Name).OrderBy(s => s, StringComparer.Ordinal).ToArray();
        Assert.AreEqual(0, missing.Length, "part functions left to tiered compilation: " + string.Join(", ", missing));
    }

    [TestMethod]
    public void EveryElementFunctionOfAnOpOrRegisterStructIsInlined()
    {
        // The structs a kernel is instantiated over (ops, register widths, activations, sources): their methods are
        // the loop bodies. Without profile data an optimized caller inlines only small methods, so each is marked.
        var structs = KernelTypes().Concat(Training.GetTypes().Where(t => TopLevel(t).Name == "LayerKernels"))
            .Where(t => t.IsValueType && !t.IsEnum && t.GetInterfaces().Any(i => i.Assembly == Core || i.Assembly == Training))
            .Distinct().ToList();
        Assert.IsTrue(structs.Count >= 15, $"only {structs.Count} op structs found");
        string[] missing = structs.SelectMany(Declared)
            .Where(m => m is MethodInfo && !m.IsSpecialName && !HasBackwardBranch(m) && !Has(m, MethodImplAttributes.AggressiveInlining))
            .Select(Name).Distinct().OrderBy(s => s, StringComparer.Ordinal).ToArray();
        Assert.AreEqual(0, missing.Length, "element functions not marked AggressiveInlining: " + string.Join(", ", missing));
    }

    [TestMethod]
    public void TheLoopDetectorSeesLoopsAndOnlyLoops()
    {
        Assert.IsTrue(HasBackwardBranch(typeof(JitOptimizationTests).GetMethod(nameof(SampleLoop), BindingFlags.NonPublic | BindingFlags.Static)!));
        Assert.IsFalse(HasBackwardBranch(typeof(JitOptimizationTests).GetMethod(nameof(SampleBranches), BindingFlags.NonPublic | BindingFlags.Static)!));
    }

    private static int SampleLoop(int n)
    {
        int s = 0;
        for (int i = 0; i < n; i++)
        {
            s += i;
        }

        return s;
    }

    private static int SampleBranches(int n) => n > 3 ? n * 2 : n < -3 ? -n : n switch { 0 => 7, 1 => 9, _ => 11 };

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>Whether the method's IL jumps backwards (a loop, or a recursion written as goto).</summary>
    private static bool HasBackwardBranch(MethodBase m)
    {
        byte[] il = m.GetMethodBody()!.GetILAsByteArray()!;
        int pc = 0;
        while (pc < il.Length)
        {
            int start = pc;
            short value = il[pc] == 0xFE ? (short)(0xFE00 | il[pc + 1]) : il[pc];
            pc += il[pc] == 0xFE ? 2 : 1;
            OpCode op = OpCodesByValue[value];
            switch (op.OperandType)
            {
                case OperandType.ShortInlineBrTarget:
                    if (pc + 1 + (sbyte)il[pc] <= start)
                    {
                        return true;
                    }

                    pc += 1;
                    break;
                case OperandType.InlineBrTarget:
                    if (pc + 4 + BitConverter.ToInt32(il, pc) <= start)
                    {
                        return true;
                    }

                    pc += 4;
                    break;
                case OperandType.InlineSwitch:
                    int count = BitConverter.ToInt32(il, pc);
                    int end = pc + 4 + (4 * count);
                    for (int k = 0; k < count; k++)
                    {
                        if (end + BitConverter.ToInt32(il, pc + 4 + (4 * k)) <= start)
                        {
                            return true;
                        }
                    }

                    pc = end;
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineI:
                case OperandType.ShortInlineVar:
                    pc += 1;
                    break;
                case OperandType.InlineVar:
                    pc += 2;
                    break;
                case OperandType.InlineI8:
                case OperandType.InlineR:
                    pc += 8;
                    break;
                default:
                    pc += 4;
                    break;
            }
        }

        return false;
    }
}
