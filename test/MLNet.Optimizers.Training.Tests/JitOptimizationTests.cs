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
    public void EveryInlinedKernelLoopIsCalledOnlyFromOptimizedCode()
    {
        // A loop marked AggressiveInlining is only fast inside an optimized caller: every method that calls it must be
        // AggressiveOptimization, or AggressiveInlining and (recursively) called only from such methods.
        Dictionary<(Module, int), List<MethodBase>> callers = Callers(out int unresolved);
        Assert.AreEqual(0, unresolved, "every call target in the two assemblies resolves (else the caller map would miss edges)");
        var inlinedLoops = KernelTypes().SelectMany(Declared)
            .Where(m => HasBackwardBranch(m) && Has(m, MethodImplAttributes.AggressiveInlining))
            .ToList();
        Assert.IsTrue(inlinedLoops.Count >= 6, $"only {inlinedLoops.Count} inlined loops found: " + string.Join(", ", inlinedLoops.Select(Name)));
        var bad = new SortedSet<string>(StringComparer.Ordinal);
        foreach (MethodBase loop in inlinedLoops)
        {
            var seen = new HashSet<(Module, int)>();
            var stack = new Stack<MethodBase>();
            stack.Push(loop);
            while (stack.Count > 0)
            {
                MethodBase m = stack.Pop();
                if (!seen.Add((m.Module, m.MetadataToken)))
                {
                    continue;
                }

                if (!callers.TryGetValue((m.Module, m.MetadataToken), out List<MethodBase>? list))
                {
                    bad.Add($"{Name(m)} (no caller found for a method that inlines the loop {Name(loop)})");
                    continue;
                }

                foreach (MethodBase c in list)
                {
                    if (Has(c, MethodImplAttributes.AggressiveOptimization))
                    {
                        continue;
                    }

                    if (Has(c, MethodImplAttributes.AggressiveInlining))
                    {
                        stack.Push(c);
                        continue;
                    }

                    bad.Add($"{Name(c)} (calls {Name(m)}, which inlines the loop {Name(loop)})");
                }
            }
        }

        Assert.AreEqual(0, bad.Count, "inlined loops reached from methods left to tiered compilation: " + string.Join("; ", bad));
    }

    [TestMethod]
    public void TheCallerMapSeesDirectAndFunctionPointerCalls()
    {
        Dictionary<(Module, int), List<MethodBase>> callers = Callers(out _);
        MethodInfo range2 = typeof(global::MLNet.Optimizers.Lion).Assembly.GetType("MLNet.Optimizers.Kernels.Elementwise", throwOnError: true)!
            .GetMethod("Range2", BindingFlags.NonPublic | BindingFlags.Static)!;
        Assert.IsTrue(callers.TryGetValue((range2.Module, range2.MetadataToken), out List<MethodBase>? c) && c.Any(m => m.Name == "Run"), "Elementwise.Run calls Range2");
        MethodInfo part2 = range2.DeclaringType!.GetMethod("Part2", BindingFlags.NonPublic | BindingFlags.Static)!;
        Assert.IsTrue(callers.TryGetValue((part2.Module, part2.MetadataToken), out List<MethodBase>? p) && p.Count > 0, "the part function's address is taken (ldftn)");
    }

    /// <summary>Every call, callvirt, newobj and ldftn target in the two assemblies, with the methods that use it.</summary>
    private static Dictionary<(Module, int), List<MethodBase>> Callers(out int unresolved)
    {
        unresolved = 0;
        var map = new Dictionary<(Module, int), List<MethodBase>>();
        foreach (Type t in Core.GetTypes().Concat(Training.GetTypes()))
        {
            foreach (MethodBase caller in t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly).Cast<MethodBase>()
                .Concat(t.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)))
            {
                if (caller.GetMethodBody()?.GetILAsByteArray() is not byte[] il)
                {
                    continue;
                }

                Type[]? typeArgs = caller.DeclaringType!.IsGenericType ? caller.DeclaringType.GetGenericArguments() : null;
                Type[]? methodArgs = caller.IsGenericMethod ? caller.GetGenericArguments() : null;
                foreach (int token in CallTokens(il))
                {
                    MethodBase? callee;
                    try
                    {
                        callee = caller.Module.ResolveMethod(token, typeArgs, methodArgs);
                    }
                    catch (ArgumentException)
                    {
                        unresolved++;
                        continue;
                    }

                    if (callee is null || (callee.Module.Assembly != Core && callee.Module.Assembly != Training))
                    {
                        continue;
                    }

                    var key = (callee.Module, callee.MetadataToken);
                    if (!map.TryGetValue(key, out List<MethodBase>? list))
                    {
                        map[key] = list = new List<MethodBase>();
                    }

                    list.Add(caller);
                }
            }
        }

        return map;
    }

    private static IEnumerable<int> CallTokens(byte[] il)
    {
        var tokens = new List<int>();
        int pc = 0;
        while (pc < il.Length)
        {
            short value = il[pc] == 0xFE ? (short)(0xFE00 | il[pc + 1]) : il[pc];
            pc += il[pc] == 0xFE ? 2 : 1;
            OpCode op = OpCodesByValue[value];
            if (op.OperandType == OperandType.InlineMethod)
            {
                if (op == OpCodes.Call || op == OpCodes.Callvirt || op == OpCodes.Newobj || op == OpCodes.Ldftn)
                {
                    tokens.Add(BitConverter.ToInt32(il, pc));
                }
            }

            pc += OperandSize(op, il, pc);
        }

        return tokens;
    }

    private static int OperandSize(OpCode op, byte[] il, int pc) => op.OperandType switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, pc)),
        _ => 4,
    };

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
