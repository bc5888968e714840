using System;
using System.Text.Json.Nodes;
using MLNet.Optimizers.Training.Data;

namespace MLNet.Optimizers.MLNet.Recipes;

/// <summary>What a regression recipe trains on instead of the label itself.</summary>
public enum LabelTransform
{
    /// <summary>The label as it is. JSON <c>"none"</c>.</summary>
    None,

    /// <summary>
    /// The natural logarithm of the label (labels must be &gt; 0), for skewed positive targets such as prices and wages.
    /// The model's <c>Score</c> is <c>exp</c> of the predicted log, clamped to the range of the training labels, so it is
    /// in the label's own units (an estimate of the median, not the mean); metrics are computed on that <c>Score</c>
    /// against the label. JSON <c>"log"</c>.
    /// </summary>
    Log,

    /// <summary><c>ln(1 + label)</c> (labels must be &gt; -1, zeros allowed: counts); <c>Score</c> is <c>exp(x) - 1</c>. JSON <c>"log1p"</c>.</summary>
    Log1p,
}

/// <summary>
/// The <c>label</c> section of a recipe. JSON keys: <c>column</c> (required: a <c>data.columns</c> name); for regression
/// <c>transform</c> (<c>"none"</c>, <c>"log"</c>, <c>"log1p"</c>; default <c>"none"</c>; see <see cref="LabelTransform"/>);
/// for binary classification of a <c>string</c> label <c>positive_class</c> (required: the value that is <c>true</c>).
/// A key that does not apply to the task or the label's type is an error.
/// </summary>
/// <remarks>
/// The pipeline makes the trainer's <c>Label</c> column from it: regression: the label (a <c>single</c> column) and, with
/// a transform, <c>TransformedLabel</c>, which the trainer fits; binary: <c>label == positive_class</c> for a
/// <c>string</c> label, the label itself for a <c>boolean</c> one; multiclass: <c>MapValueToKey</c> of a <c>string</c>
/// label (classes sorted by value), with <c>PredictedLabel</c> mapped back to the class text at the end.
/// </remarks>
public sealed class RecipeLabel : IEquatable<RecipeLabel>
{
    /// <summary>The label column (a <c>data.columns</c> name).</summary>
    public string Column { get; set; } = string.Empty;

    /// <summary>Regression only: what the model trains on.</summary>
    public LabelTransform Transform { get; set; } = LabelTransform.None;

    /// <summary>Binary classification of a <c>string</c> label only: the value that is the positive class.</summary>
    public string? PositiveClass { get; set; }

    /// <summary>A copy.</summary>
    /// <returns>The copy.</returns>
    public RecipeLabel Clone() => new() { Column = Column, Transform = Transform, PositiveClass = PositiveClass };

    /// <inheritdoc />
    public bool Equals(RecipeLabel? other) => other is not null && Column == other.Column && Transform == other.Transform && PositiveClass == other.PositiveClass;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as RecipeLabel);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Column, Transform, PositiveClass);

    internal static RecipeLabel Read(RecipeReader r, TaskKind task, RecipeData data)
    {
        var l = new RecipeLabel { Column = r.RequiredString("column") };
        RecipeColumn? c = data.Find(l.Column);
        if (task == TaskKind.Regression)
        {
            l.Transform = r.Enum("transform", RecipeNames.LabelTransforms, LabelTransform.None);
        }
        else if (r.Has("transform"))
        {
            throw new RecipeException(r.PathOf("transform"), "applies to regression only (a classification label is a class).");
        }

        if (task == TaskKind.BinaryClassification && c?.Type == RecipeColumnType.String)
        {
            if (!r.Has("positive_class"))
            {
                throw r.Missing("positive_class", $"the value of \"{l.Column}\" that is the positive class");
            }

            l.PositiveClass = r.RequiredString("positive_class");
        }
        else if (r.Has("positive_class"))
        {
            throw new RecipeException(r.PathOf("positive_class"), task == TaskKind.BinaryClassification
                ? $"applies only to a \"string\" label; \"{l.Column}\" is {(c is null ? "not a column" : "\"" + RecipeJson.NameOf(RecipeNames.ColumnTypes, c.Type) + "\"")}."
                : "applies to binary classification only.");
        }

        r.Done();
        return l;
    }

    internal JsonObject Write(TaskKind task)
    {
        var o = new JsonObject { ["column"] = Column };
        if (task == TaskKind.Regression)
        {
            o["transform"] = RecipeJson.NameOf(RecipeNames.LabelTransforms, Transform);
        }

        if (PositiveClass != null)
        {
            o["positive_class"] = PositiveClass;
        }

        return o;
    }

    internal void Validate(string path, TaskKind task, RecipeData data)
    {
        string cp = RecipeJson.Property(path, "column");
        RecipeColumn? c = string.IsNullOrEmpty(Column) ? null : data.Find(Column);
        if (c is null)
        {
            string? near = RecipeJson.Closest(Column ?? string.Empty, data.Columns.ConvertAll(x => x.Name));
            throw new RecipeException(cp, $"\"{Column}\" is not one of the columns in $.data.columns" + (near is null ? "." : $"; did you mean \"{near}\"?"), RecipeJson.Quote(Column ?? string.Empty));
        }

        if (c.IsVector)
        {
            throw new RecipeException(cp, $"the label must be one field; \"{Column}\" is a range.", RecipeJson.Quote(Column));
        }

        string tp = RecipeJson.Property(path, "transform");
        if (!RecipeJson.IsDefined(RecipeNames.LabelTransforms, Transform))
        {
            throw new RecipeException(tp, $"expected {RecipeJson.Choices(RecipeNames.LabelTransforms)}, got {(int)Transform}.");
        }

        switch (task)
        {
            case TaskKind.Regression when c.Type != RecipeColumnType.Single:
                throw new RecipeException(cp, $"a regression label must be a \"single\" column; \"{Column}\" is \"{RecipeJson.NameOf(RecipeNames.ColumnTypes, c.Type)}\".", RecipeJson.Quote(Column));
            case TaskKind.BinaryClassification when c.Type == RecipeColumnType.Single:
                throw new RecipeException(cp, $"a binary label must be a \"string\" column (with label.positive_class) or a \"boolean\" one; \"{Column}\" is \"single\" (declare it \"string\").", RecipeJson.Quote(Column));
            case TaskKind.MulticlassClassification when c.Type != RecipeColumnType.String:
                throw new RecipeException(cp, $"a multiclass label must be a \"string\" column; \"{Column}\" is \"{RecipeJson.NameOf(RecipeNames.ColumnTypes, c.Type)}\" (declare it \"string\").", RecipeJson.Quote(Column));
        }

        if (task != TaskKind.Regression && Transform != LabelTransform.None)
        {
            throw new RecipeException(tp, "applies to regression only (a classification label is a class).");
        }

        string pp = RecipeJson.Property(path, "positive_class");
        bool needsPositive = task == TaskKind.BinaryClassification && c.Type == RecipeColumnType.String;
        if (needsPositive && string.IsNullOrEmpty(PositiveClass))
        {
            throw new RecipeException(pp, $"required for a binary \"string\" label: the value of \"{Column}\" that is the positive class.");
        }

        if (!needsPositive && PositiveClass != null)
        {
            throw new RecipeException(pp, task == TaskKind.BinaryClassification ? $"applies only to a \"string\" label; \"{Column}\" is \"boolean\"." : "applies to binary classification only.");
        }
    }
}
