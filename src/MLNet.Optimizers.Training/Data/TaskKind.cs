namespace MLNet.Optimizers.Training.Data;

/// <summary>The learning task, which fixes the label encoding, the model head and the loss.</summary>
public enum TaskKind
{
    /// <summary>A real-valued label; squared (or Huber) loss.</summary>
    Regression,

    /// <summary>A label of 0 or 1; sigmoid head, log loss.</summary>
    BinaryClassification,

    /// <summary>A class index 0..K-1 (stored as a float); softmax head, cross-entropy.</summary>
    MulticlassClassification,
}
