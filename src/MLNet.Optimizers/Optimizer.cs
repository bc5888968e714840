using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using MLNet.Optimizers.Kernels;

namespace MLNet.Optimizers;

/// <summary>What <see cref="Optimizer.Apply(IReadOnlyList{ReadOnlyMemory{float}?})"/> does with a NaN or infinite gradient value.</summary>
public enum NonFiniteGradientPolicy
{
    /// <summary>Keras's behaviour: the values flow through the update (the default).</summary>
    Propagate,

    /// <summary>Skip the whole call: no parameter, slot or iteration changes; <see cref="Optimizer.SkippedSteps"/> counts it.</summary>
    SkipStep,

    /// <summary>Throw an <see cref="ArgumentException"/> naming the parameter, before anything changes.</summary>
    Throw,
}

/// <summary>
/// The Keras 3 optimizer base. Every <see cref="Apply(IReadOnlyList{ReadOnlyMemory{float}?})"/> runs Keras's order:
/// loss-scale undo → gradient accumulation → one of clipnorm / clipvalue / global_clipnorm → decoupled weight decay →
/// the algorithm's update step → EMA → iterations, in float32 with Keras's operation order (see the README, "Keras semantics").
/// Missing (null) gradients are skipped exactly as Keras skips them. Subclasses add slots and a short update step.
/// </summary>
/// <remarks>
/// Hyperparameters are kept as given (doubles, like Keras's Python floats) and rounded to float32 where Keras rounds
/// them. No step allocates once the optimizer is built.
/// </remarks>
public abstract partial class Optimizer
{
    private LearningRate _learningRate;
    private double? _weightDecay;
    private double? _clipNorm;
    private double? _clipValue;
    private double? _globalClipNorm;
    private bool _useEma;
    private double _emaMomentum = OptimizerDefaults.EmaMomentum;
    private int? _emaOverwriteFrequency;
    private double? _lossScaleFactor;
    private int? _gradientAccumulationSteps;
    private string _name;

    private readonly List<Parameter> _excludedParameters = new();
    private readonly List<string> _excludedNamePatterns = new();

    private Parameter[] _parameters = Array.Empty<Parameter>();
    private List<Slot>[] _slots = Array.Empty<List<Slot>>();
    private float[][] _averages = Array.Empty<float[]>();
    private float[][] _accumulators = Array.Empty<float[]>();
    private bool[] _decay = Array.Empty<bool>();
    private float[] _scratch = Array.Empty<float>();
    private ReadOnlyMemory<float>?[] _gradientList = Array.Empty<ReadOnlyMemory<float>?>();

    /// <summary>1 while a thread is in <see cref="Apply(IReadOnlyList{ReadOnlyMemory{float}?})"/> (concurrent steps are detected, not raced).</summary>
    private int _applying;
    private long _rawIterations;
    private int _maxLength;
    private int _numThreads = OptimizerDefaults.NumThreads;
    private int _minParallelLength = OptimizerDefaults.MinParallelLength;

    /// <summary>Initializes the base options with Keras's defaults.</summary>
    /// <param name="name">Keras <c>name</c>.</param>
    /// <param name="learningRate">Keras <c>learning_rate</c>.</param>
    protected Optimizer(string name, LearningRate learningRate)
    {
        ArgumentNullException.ThrowIfNull(learningRate);
        _name = name;
        _learningRate = learningRate;
    }

    /// <summary>Keras's class name (<c>Lion</c>, <c>Adafactor</c>, <c>SGD</c>, <c>AdamW</c>).</summary>
    public abstract string ClassName { get; }

    /// <summary>Keras <c>name</c>.</summary>
    public string Name
    {
        get => _name;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            _name = value;
        }
    }

    /// <summary>Keras <c>learning_rate</c>: a constant (rounded to float32), a schedule, or a callback. May change between steps.</summary>
    public LearningRate LearningRate
    {
        get => _learningRate;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            _learningRate = value;
        }
    }

    /// <summary>Keras <c>weight_decay</c>: decoupled decay <c>var -= var*wd*lr</c> before the update, or null for none. 0 still runs it, as in Keras.</summary>
    public double? WeightDecay
    {
        get => _weightDecay;
        set => _weightDecay = value is double v ? Check.NonNegative(v, "weight_decay") : null;
    }

    /// <summary>Keras <c>clipnorm</c>: clip each gradient to this L2 norm. Values &lt;= 0 are accepted and turn clipping off, as in Keras.</summary>
    public double? ClipNorm
    {
        get => _clipNorm;
        set => _clipNorm = CheckClip(value, "clipnorm", _clipValue, "clipvalue", _globalClipNorm, "global_clipnorm");
    }

    /// <summary>Keras <c>clipvalue</c>: clip each gradient value to [-v, v]. Values &lt;= 0 turn clipping off, as in Keras.</summary>
    public double? ClipValue
    {
        get => _clipValue;
        set => _clipValue = CheckClip(value, "clipvalue", _clipNorm, "clipnorm", _globalClipNorm, "global_clipnorm");
    }

    /// <summary>Keras <c>global_clipnorm</c>: clip all gradients together to this global L2 norm. Values &lt;= 0 turn clipping off.</summary>
    public double? GlobalClipNorm
    {
        get => _globalClipNorm;
        set => _globalClipNorm = CheckClip(value, "global_clipnorm", _clipNorm, "clipnorm", _clipValue, "clipvalue");
    }

    /// <summary>Keras <c>use_ema</c>: keep an exponential moving average of the parameters. Set before the first step.</summary>
    public bool UseEma
    {
        get => _useEma;
        set
        {
            ThrowIfBuilt("use_ema");
            _useEma = value;
        }
    }

    /// <summary>Keras <c>ema_momentum</c>, in [0, 1].</summary>
    public double EmaMomentum
    {
        get => _emaMomentum;
        set => _emaMomentum = Check.InRange(value, "ema_momentum", 0, 1, true, true);
    }

    /// <summary>Keras <c>ema_overwrite_frequency</c>: every this many (effective) iterations the parameters are overwritten by their averages. Null or 0: never.</summary>
    public int? EmaOverwriteFrequency
    {
        get => _emaOverwriteFrequency;
        set
        {
            if (value is int f && f < 0)
            {
                throw new ArgumentOutOfRangeException("ema_overwrite_frequency", f, $"ema_overwrite_frequency must be null or an integer >= 0, got {f}.");
            }

            _emaOverwriteFrequency = value;
        }
    }

    /// <summary>Keras <c>loss_scale_factor</c>: gradients are divided by it first. Null: none.</summary>
    public double? LossScaleFactor
    {
        get => _lossScaleFactor;
        set => _lossScaleFactor = value is double v ? Check.Positive(v, "loss_scale_factor") : null;
    }

    /// <summary>Keras <c>gradient_accumulation_steps</c>: update once every this many calls with the mean gradient. Null or 1: every call. Set before the first step.</summary>
    public int? GradientAccumulationSteps
    {
        get => _gradientAccumulationSteps;
        set
        {
            ThrowIfBuilt("gradient_accumulation_steps");
            if (value is int n && n < 1)
            {
                throw new ArgumentOutOfRangeException("gradient_accumulation_steps", n, $"gradient_accumulation_steps must be null or an integer >= 1, got {n}.");
            }

            _gradientAccumulationSteps = value;
        }
    }

    /// <summary>
    /// Threads one step may use (not a Keras option): 0 (the default) for every logical processor, or 1 to
    /// <see cref="Environment.ProcessorCount"/>. Tensors of at least <see cref="MinParallelLength"/> values are split into
    /// parts fixed by their size (reductions split where NumPy's pairwise tree splits), so every value gives the same
    /// bits.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int NumThreads
    {
        get => _numThreads;
        set => _numThreads = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(NumThreads), value, $"NumThreads must be >= 0 (0 = every logical processor), got {value}.");
    }

    /// <summary>Tensors with fewer values than this are stepped on one thread (default <see cref="OptimizerDefaults.MinParallelLength"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1.</exception>
    public int MinParallelLength
    {
        get => _minParallelLength;
        set => _minParallelLength = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MinParallelLength), value, $"MinParallelLength must be >= 1, got {value}.");
    }

    /// <summary>Values per part of a split step (tests use small parts to split small tensors unevenly).</summary>
    internal int PartLength { get; set; } = OptimizerDefaults.PartLength;

    /// <summary>The widest registers the element kernels may use: 512, 256, 128 or 0 (tests force each; all give the same bits).</summary>
    internal int Width { get; set; } = Simd.BestWidth;

    /// <summary>How this step's element kernels are split.</summary>
    internal Threading Threading => new(_numThreads == 0 ? KernelThreads.ProcessorCount : Math.Min(_numThreads, KernelThreads.ProcessorCount), _minParallelLength, PartLength, Width);

    /// <summary>What a NaN or infinite gradient does (not a Keras option; Keras propagates).</summary>
    public NonFiniteGradientPolicy NonFiniteGradientPolicy { get; set; } = NonFiniteGradientPolicy.Propagate;

    /// <summary>Whether <see cref="Build"/> has run.</summary>
    public bool IsBuilt { get; private set; }

    /// <summary>The parameters this optimizer was built for, in order.</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>Keras <c>optimizer._iterations</c>: the number of apply calls made (including accumulation-only calls).</summary>
    public long RawIterations => _rawIterations;

    /// <summary>Keras <c>optimizer.iterations</c>: the number of updates (raw iterations divided by the accumulation steps).</summary>
    public long Iterations => AccumulationSteps >= 2 ? _rawIterations / AccumulationSteps : _rawIterations;

    /// <summary>Apply calls skipped by <see cref="NonFiniteGradientPolicy.SkipStep"/>.</summary>
    public long SkippedSteps { get; private set; }

    /// <summary>The float32 learning rate the last apply used (NaN before the first).</summary>
    public float LastLearningRate { get; private set; } = float.NaN;

    /// <summary>Bytes of optimizer state: slots, EMA averages and gradient accumulators (what a checkpoint stores).</summary>
    public long StateSizeInBytes
    {
        get
        {
            long n = 0;
            for (int i = 0; i < _slots.Length; i++)
            {
                foreach (Slot s in _slots[i])
                {
                    n += s.Data.Length;
                }
            }

            return n * sizeof(float);
        }
    }

    /// <summary>Bytes of scratch space (not state): a gradient buffer when clipping or loss scaling needs one, and per-optimizer work buffers.</summary>
    public long WorkspaceSizeInBytes => ((long)_scratch.Length + WorkspaceFloats) * sizeof(float);

    /// <summary>Scratch floats a subclass allocated in <see cref="BuildSlots"/>.</summary>
    protected virtual long WorkspaceFloats => 0;

    private int AccumulationSteps => _gradientAccumulationSteps ?? 1;

    /// <summary>Whether the learning rate is a plain constant (Adafactor's <c>relative_step</c> only applies then).</summary>
    protected bool LearningRateIsConstant => _learningRate.Kind == LearningRateKind.Constant;

    /// <summary>
    /// Keras <c>exclude_from_weight_decay</c>: parameters excluded by identity, or by name patterns (regular-expression
    /// <em>search</em> in the parameter name). May be called before or after <see cref="Build"/>.
    /// </summary>
    /// <param name="parameters">Parameters to exclude.</param>
    /// <param name="namePatterns">Regular expressions; a parameter whose name contains a match is excluded.</param>
    /// <exception cref="ArgumentException">A pattern is not a valid regular expression.</exception>
    public void ExcludeFromWeightDecay(IEnumerable<Parameter>? parameters = null, IEnumerable<string>? namePatterns = null)
    {
        // Validate everything first, so a bad entry adds nothing.
        var newParameters = new List<Parameter>();
        var newPatterns = new List<string>();
        if (parameters != null)
        {
            foreach (Parameter p in parameters)
            {
                ArgumentNullException.ThrowIfNull(p, nameof(parameters));
                newParameters.Add(p);
            }
        }

        if (namePatterns != null)
        {
            foreach (string pattern in namePatterns)
            {
                ArgumentNullException.ThrowIfNull(pattern, nameof(namePatterns));
                try
                {
                    _ = new Regex(pattern, RegexOptions.CultureInvariant);
                }
                catch (ArgumentException e)
                {
                    throw new ArgumentException($"var_names: '{pattern}' is not a valid regular expression: {e.Message}", nameof(namePatterns), e);
                }

                newPatterns.Add(pattern);
            }
        }

        _excludedParameters.AddRange(newParameters);
        _excludedNamePatterns.AddRange(newPatterns);
        if (IsBuilt)
        {
            ComputeDecayFlags();
        }
    }

    /// <summary>The name patterns given to <see cref="ExcludeFromWeightDecay"/>.</summary>
    public IReadOnlyList<string> ExcludedNamePatterns => _excludedNamePatterns;

    /// <summary>Whether weight decay applies to parameter <paramref name="index"/> (false when weight decay is off).</summary>
    /// <param name="index">The parameter index.</param>
    /// <returns>True when the parameter is decayed.</returns>
    public bool UsesWeightDecay(int index)
    {
        EnsureBuilt();
        return _weightDecay.HasValue && _decay[index];
    }

    /// <summary>Creates the state for <paramref name="parameters"/> (Keras's <c>build</c>): every slot zero.</summary>
    /// <param name="parameters">The parameters, in the order gradients will be given.</param>
    /// <exception cref="InvalidOperationException">Already built.</exception>
    /// <exception cref="ArgumentException">The list is empty or holds null or duplicate entries.</exception>
    public void Build(IReadOnlyList<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (IsBuilt)
        {
            throw new InvalidOperationException($"{ClassName} is already built for {_parameters.Length} parameters; create a new optimizer for another set.");
        }

        if (parameters.Count == 0)
        {
            throw new ArgumentException("At least one parameter is needed.", nameof(parameters));
        }

        var set = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < parameters.Count; i++)
        {
            Parameter? p = parameters[i];
            if (p is null)
            {
                throw new ArgumentException($"parameters[{i}] is null.", nameof(parameters));
            }

            if (!set.Add(p))
            {
                throw new ArgumentException($"Parameter '{p.Name}' appears twice (index {i}).", nameof(parameters));
            }

            if (!names.Add(p.Name))
            {
                throw new ArgumentException($"Two parameters are named '{p.Name}'; names identify parameters in checkpoints and must be unique.", nameof(parameters));
            }
        }

        int n = parameters.Count;
        _parameters = new Parameter[n];
        _slots = new List<Slot>[n];
        _averages = new float[n][];
        _accumulators = new float[n][];
        _gradientList = new ReadOnlyMemory<float>?[n];
        int maxLength = 0;
        for (int i = 0; i < n; i++)
        {
            _parameters[i] = parameters[i];
            _slots[i] = new List<Slot>();
            maxLength = Math.Max(maxLength, parameters[i].Length);
        }

        for (int i = 0; i < n; i++)
        {
            if (_useEma)
            {
                _averages[i] = AddSlot(i, "average", _parameters[i].Length);
            }

            if (AccumulationSteps >= 2)
            {
                _accumulators[i] = AddSlot(i, "gradient_accumulator", _parameters[i].Length);
            }
        }

        for (int i = 0; i < n; i++)
        {
            BuildSlots(i, _parameters[i]);
        }

        _maxLength = maxLength;
        _scratch = Array.Empty<float>();
        EnsureScratch();
        BuildWorkspace();
        IsBuilt = true;
        ComputeDecayFlags();
    }

    /// <summary>Creates the algorithm's slots for one parameter with <see cref="AddSlot"/>.</summary>
    /// <param name="index">The parameter index.</param>
    /// <param name="parameter">The parameter.</param>
    protected abstract void BuildSlots(int index, Parameter parameter);

    /// <summary>Allocates scratch buffers once all slots exist (no state; never saved).</summary>
    protected virtual void BuildWorkspace()
    {
    }

    /// <summary>Adds a zero-filled slot to parameter <paramref name="index"/>.</summary>
    /// <param name="index">The parameter index.</param>
    /// <param name="name">The slot name (Keras's suffix: <c>momentum</c>, <c>velocity</c>, ...).</param>
    /// <param name="length">Number of floats.</param>
    /// <returns>The slot's storage.</returns>
    protected float[] AddSlot(int index, string name, int length)
    {
        var data = new float[length];
        _slots[index].Add(new Slot(name, data));
        return data;
    }

    /// <summary>The slot names of parameter <paramref name="index"/>, in checkpoint order.</summary>
    /// <param name="index">The parameter index.</param>
    /// <returns>Names such as <c>average</c>, <c>gradient_accumulator</c>, <c>momentum</c>, <c>r</c>, <c>c</c>, <c>v</c>.</returns>
    public IReadOnlyList<string> GetSlotNames(int index)
    {
        EnsureBuilt();
        var names = new List<string>();
        foreach (Slot s in _slots[index])
        {
            names.Add(s.Name);
        }

        return names;
    }

    /// <summary>A slot's values (live view, row-major).</summary>
    /// <param name="index">The parameter index.</param>
    /// <param name="name">The slot name.</param>
    /// <returns>The slot's values.</returns>
    /// <exception cref="KeyNotFoundException">No such slot for that parameter.</exception>
    public ReadOnlyMemory<float> GetSlot(int index, string name)
    {
        EnsureBuilt();
        foreach (Slot s in _slots[index])
        {
            if (s.Name == name)
            {
                return s.Data;
            }
        }

        throw new KeyNotFoundException($"Parameter '{_parameters[index].Name}' has no slot '{name}'; it has: {string.Join(", ", GetSlotNames(index))}.");
    }

    /// <summary>Applies one step with gradients aligned to <see cref="Parameters"/>; a null entry is a missing gradient (skipped as Keras skips it).</summary>
    /// <param name="gradients">One gradient per parameter, same length as the parameter, or null.</param>
    /// <exception cref="InvalidOperationException">Not built; the learning rate at this iteration is NaN or infinite in float32 (a schedule or callback overflowed; nothing is changed); or another thread is in <c>Apply</c> on this optimizer (an optimizer steps one thread at a time: the call that finds it busy changes nothing and throws rather than race).</exception>
    /// <exception cref="ArgumentException">Wrong count, a length mismatch (names the parameter), every gradient null, or a non-finite value under <see cref="NonFiniteGradientPolicy.Throw"/>.</exception>
    public void Apply(IReadOnlyList<ReadOnlyMemory<float>?> gradients)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        EnsureBuilt();
        if (System.Threading.Interlocked.Exchange(ref _applying, 1) != 0)
        {
            throw new InvalidOperationException($"{ClassName}.Apply was called while another thread is applying a step of the same optimizer; an optimizer's state is stepped by one thread at a time (nothing was changed by this call).");
        }

        try
        {
            ApplyChecked(gradients);
        }
        finally
        {
            System.Threading.Volatile.Write(ref _applying, 0);
        }
    }

    private void ApplyChecked(IReadOnlyList<ReadOnlyMemory<float>?> gradients)
    {
        int n = _parameters.Length;
        if (gradients.Count != n)
        {
            throw new ArgumentException($"Expected {n} gradients (one per parameter, null for a missing one), got {gradients.Count}.", nameof(gradients));
        }

        bool any = false;
        for (int i = 0; i < n; i++)
        {
            ReadOnlyMemory<float>? g = gradients[i];
            _gradientList[i] = g;
            if (g is ReadOnlyMemory<float> gm)
            {
                any = true;
                if (gm.Length != _parameters[i].Length)
                {
                    string hint = gm.Length == 0
                        ? " (a null float[] converts to an empty ReadOnlyMemory<float>; to mark a missing gradient, store null in the ReadOnlyMemory<float>? entry itself)"
                        : "";
                    throw new ArgumentException(
                        $"The gradient of parameter '{_parameters[i].Name}' {_parameters[i].ShapeText} has {gm.Length} values; expected {_parameters[i].Length}.{hint}",
                        nameof(gradients));
                }
            }
        }

        if (!any)
        {
            throw new ArgumentException($"No gradients provided for any parameter (all {n} are null).", nameof(gradients));
        }

        if (NonFiniteGradientPolicy != NonFiniteGradientPolicy.Propagate)
        {
            for (int i = 0; i < n; i++)
            {
                if (_gradientList[i] is ReadOnlyMemory<float> gm && !Finite.All(gm.Span))
                {
                    if (NonFiniteGradientPolicy == NonFiniteGradientPolicy.Throw)
                    {
                        throw new ArgumentException($"The gradient of parameter '{_parameters[i].Name}' contains NaN or infinity (NonFiniteGradientPolicy.Throw).", nameof(gradients));
                    }

                    SkippedSteps++;
                    return;
                }
            }
        }

        ApplyCore();
    }

    /// <summary>Keras's <c>apply(grads, vars)</c>: builds on the first call, then applies one step.</summary>
    /// <param name="gradients">One gradient per parameter, or null for a missing one.</param>
    /// <param name="parameters">The parameters; after the first call they must be the same objects in the same order.</param>
    /// <exception cref="ArgumentException">The parameters differ from the built ones, or see <see cref="Apply(IReadOnlyList{ReadOnlyMemory{float}?})"/>.</exception>
    public void Apply(IReadOnlyList<ReadOnlyMemory<float>?> gradients, IReadOnlyList<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!IsBuilt)
        {
            Build(parameters);
        }
        else
        {
            if (parameters.Count != _parameters.Length)
            {
                throw new ArgumentException($"The optimizer was built for {_parameters.Length} parameters, got {parameters.Count}.", nameof(parameters));
            }

            for (int i = 0; i < parameters.Count; i++)
            {
                if (!ReferenceEquals(parameters[i], _parameters[i]))
                {
                    throw new ArgumentException($"parameters[{i}] ('{parameters[i]?.Name}') is not the parameter the optimizer was built with ('{_parameters[i].Name}').", nameof(parameters));
                }
            }
        }

        Apply(gradients);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ApplyCore()
    {
        float lr = _learningRate.Evaluate(_rawIterations);
        if (!float.IsFinite(lr))
        {
            // Before anything moves: a NaN or infinite rate would turn every weight into NaN.
            throw new InvalidOperationException(string.Create(
                CultureInfo.InvariantCulture,
                $"The learning rate at iteration {_rawIterations} is {lr} in float32 ({_learningRate}); nothing was applied. A schedule that grows (decay_rate > 1, m_mul > 1) or a callback can overflow float32."));
        }

        EnsureScratch();
        int n = _parameters.Length;
        LastLearningRate = lr;
        bool divide = _lossScaleFactor.HasValue;
        float scale = divide ? (float)_lossScaleFactor!.Value : 1f;
        int nAcc = AccumulationSteps;
        Threading t = Threading;

        if (nAcc >= 2)
        {
            bool update = (_rawIterations + 1) % nAcc == 0;
            for (int i = 0; i < n; i++)
            {
                if (_gradientList[i] is ReadOnlyMemory<float> g)
                {
                    if (update)
                    {
                        Elementwise.Run(_accumulators[i], g.Span, new AccumulateAverageOp(divide, scale, nAcc), t);
                    }
                    else
                    {
                        Elementwise.Run(_accumulators[i], g.Span, new AccumulateOp(divide, scale), t);
                    }
                }
            }

            if (update)
            {
                ClipDecayUpdate(lr, inPlace: true, divide: false, scale: 1f);
                for (int i = 0; i < n; i++)
                {
                    Array.Clear(_accumulators[i]);
                }
            }
        }
        else
        {
            ClipDecayUpdate(lr, inPlace: false, divide, scale);
        }

        if (_useEma)
        {
            long effective = Iterations;
            float mom = effective != 0 ? (float)_emaMomentum : 0f;
            var op = new EmaOp(mom, 1f - mom);
            for (int i = 0; i < n; i++)
            {
                Elementwise.Run(_averages[i], _parameters[i].Value.Span, op, t);
            }

            if (_emaOverwriteFrequency is int f && f > 0 && (effective + 1) % f == 0)
            {
                for (int i = 0; i < n; i++)
                {
                    _averages[i].AsSpan().CopyTo(_parameters[i].Value.Span);
                }
            }
        }

        _rawIterations++;
    }

    /// <summary>
    /// The gradient scratch buffer exists only while loss scaling or clipping needs one without accumulation. Created at
    /// build, or on the first step after such an option is switched on later (a one-time allocation).
    /// </summary>
    private void EnsureScratch()
    {
        bool needed = AccumulationSteps < 2 && (_lossScaleFactor.HasValue || _clipNorm.HasValue || _clipValue.HasValue || _globalClipNorm.HasValue);
        if (needed && _scratch.Length < _maxLength)
        {
            _scratch = new float[_maxLength];
        }
    }

    private ReadOnlySpan<float> EffectiveGradient(int i, bool inPlace) =>
        inPlace ? _accumulators[i] : _gradientList[i]!.Value.Span;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ClipDecayUpdate(float lr, bool inPlace, bool divide, float scale)
    {
        int n = _parameters.Length;
        Threading t = Threading;
        ClipMode mode = ClipMode.None;
        float p = 0f;
        if (_clipNorm is double cn && cn > 0)
        {
            mode = ClipMode.Norm;
            p = (float)cn;
        }
        else if (_globalClipNorm is double gc && gc > 0)
        {
            float total = 0f;
            for (int i = 0; i < n; i++)
            {
                if (_gradientList[i] is not null)
                {
                    ReadOnlySpan<float> g = EffectiveGradient(i, inPlace);
                    total += divide ? Pairwise.SumOfSquaresDivided(g, scale, t) : Pairwise.SumOfSquares(g, t);
                }
            }

            float norm = MathF.Sqrt(total);
            float s = (float)gc * MathF.Min(1f / norm, (float)(1.0 / gc));
            s += norm - norm;
            mode = ClipMode.Scale;
            p = s;
        }
        else if (_clipValue is double cv && cv > 0)
        {
            mode = ClipMode.Value;
            p = (float)cv;
        }

        bool decayOn = _weightDecay.HasValue;
        float wd = decayOn ? (float)_weightDecay!.Value : 0f;
        for (int i = 0; i < n; i++)
        {
            if (_gradientList[i] is null)
            {
                continue;
            }

            ReadOnlySpan<float> source = EffectiveGradient(i, inPlace);
            float q = 0f;
            if (mode == ClipMode.Norm)
            {
                float l2 = divide ? Pairwise.SumOfSquaresDivided(source, scale, t) : Pairwise.SumOfSquares(source, t);
                float norm = l2 > 0f ? MathF.Sqrt(l2) : l2;
                q = MathF.Max(norm, p);
            }

            ReadOnlySpan<float> gradient = source;
            if (mode != ClipMode.None || divide)
            {
                var op = new GradientTransformOp(divide, scale, mode, p, q);
                Span<float> dest = inPlace ? _accumulators[i] : _scratch.AsSpan(0, source.Length);
                Elementwise.Run(dest, source, op, t);
                gradient = dest;
            }

            UpdateStep(i, gradient, lr, decayOn && _decay[i], wd);
        }
    }

    /// <summary>
    /// The algorithm's step for one parameter (Keras's <c>update_step</c>), with the decoupled weight decay that Keras
    /// applies just before it (<c>var = var - (var*wd)*lr</c>) when <paramref name="decay"/> is set; subclasses may fuse
    /// the decay into their pass or call <see cref="ApplyWeightDecay"/>.
    /// </summary>
    /// <param name="index">The parameter index.</param>
    /// <param name="gradient">The gradient after loss-scale undo, accumulation and clipping.</param>
    /// <param name="learningRate">The float32 learning rate of this call.</param>
    /// <param name="decay">Whether weight decay applies to this parameter.</param>
    /// <param name="weightDecay">float32 weight decay.</param>
    protected abstract void UpdateStep(int index, ReadOnlySpan<float> gradient, float learningRate, bool decay, float weightDecay);

    /// <summary>Keras's decoupled weight decay on one parameter: <c>var = var - (var*wd)*lr</c>.</summary>
    /// <param name="variable">The parameter values.</param>
    /// <param name="weightDecay">float32 weight decay.</param>
    /// <param name="learningRate">float32 learning rate.</param>
    protected void ApplyWeightDecay(Span<float> variable, float weightDecay, float learningRate) =>
        Elementwise.Run(variable, variable, new WeightDecayOp(weightDecay, learningRate), Threading);

    /// <summary>Keras <c>finalize_variable_values</c>: with EMA on, copies each average into its parameter; otherwise does nothing.</summary>
    public void FinalizeVariableValues()
    {
        EnsureBuilt();
        if (!_useEma)
        {
            return;
        }

        for (int i = 0; i < _parameters.Length; i++)
        {
            _averages[i].AsSpan().CopyTo(_parameters[i].Value.Span);
        }
    }

    /// <summary>The EMA of parameter <paramref name="index"/> (Keras <c>"&lt;var&gt;_average"</c>).</summary>
    /// <param name="index">The parameter index.</param>
    /// <returns>The moving average.</returns>
    /// <exception cref="InvalidOperationException">EMA is off.</exception>
    public ReadOnlyMemory<float> GetAverage(int index)
    {
        EnsureBuilt();
        return _useEma ? _averages[index] : throw new InvalidOperationException("use_ema is false: there are no averages.");
    }

    private void ComputeDecayFlags()
    {
        _decay = new bool[_parameters.Length];
        var regexes = new List<Regex>();
        foreach (string s in _excludedNamePatterns)
        {
            regexes.Add(new Regex(s, RegexOptions.CultureInvariant, PatternTimeout));
        }

        for (int i = 0; i < _parameters.Length; i++)
        {
            bool use = true;
            foreach (Parameter e in _excludedParameters)
            {
                if (ReferenceEquals(e, _parameters[i]))
                {
                    use = false;
                }
            }

            foreach (Regex r in regexes)
            {
                bool match;
                try
                {
                    match = r.IsMatch(_parameters[i].Name);
                }
                catch (RegexMatchTimeoutException e)
                {
                    throw new ArgumentException($"var_names: the pattern '{r}' took longer than {PatternTimeout.TotalSeconds} s to match the parameter name '{_parameters[i].Name}'.", "namePatterns", e);
                }

                if (match)
                {
                    use = false;
                }
            }

            _decay[i] = use;
        }
    }

    /// <summary>Throws <see cref="InvalidOperationException"/> before <see cref="Build"/>.</summary>
    protected void EnsureBuilt()
    {
        if (!IsBuilt)
        {
            throw new InvalidOperationException($"{ClassName} is not built: call Build(parameters) or Apply(gradients, parameters) first.");
        }
    }

    private void ThrowIfBuilt(string option)
    {
        if (IsBuilt)
        {
            throw new InvalidOperationException($"{option} cannot change after the optimizer is built (its state depends on it).");
        }
    }

    private static double? CheckClip(double? value, string name, double? other1, string name1, double? other2, string name2)
    {
        if (value is not double v)
        {
            return null;
        }

        if (!Check.IsFinite32(v))
        {
            throw new ArgumentOutOfRangeException(name, v, $"{name} must be a finite float32 number (|x| <= 3.4028235E+38), got {v.ToString("R", CultureInfo.InvariantCulture)}.");
        }

        if (other1.HasValue || other2.HasValue)
        {
            string set = other1.HasValue ? name1 : name2;
            throw new ArgumentException($"Only one of clipnorm, clipvalue and global_clipnorm can be set: {set} is already set, got {name}={v.ToString("R", CultureInfo.InvariantCulture)}.", name);
        }

        return v;
    }

    /// <summary>How long one weight-decay pattern may take to match one parameter name (a pattern read from a file cannot hang a build).</summary>
    private static readonly TimeSpan PatternTimeout = TimeSpan.FromSeconds(1);

    private sealed record Slot(string Name, float[] Data);
}
