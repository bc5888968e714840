using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using MLNet.Optimizers.MLNet.Recipes;

namespace MLNet.Optimizers.MLNet.Tests;

// Every bad recipe is a RecipeException naming the JSON path, the reason and the value.
[TestClass]
public sealed class RecipeErrorTests
{
    public static IEnumerable<object[]> Cases()
    {
        // name, edit of the iris recipe (a JSON path and the new value, or null to remove), expected path, expected text in the reason
        yield return Case("typo'd key", "$.trainer.model.hiden_layers", "[8]", "$.trainer.model.hiden_layers", "did you mean \"hidden_layers\"");
        yield return Case("unknown top-level key", "$.sed", "3", "$.sed", "did you mean \"seed\"");
        yield return Case("wrong type", "$.trainer.epochs", "\"many\"", "$.trainer.epochs", "expected an integer in [1, 1000000], got \"many\"");
        yield return Case("fractional integer", "$.trainer.batch_size", "2.5", "$.trainer.batch_size", "got 2.5");
        yield return Case("zero epochs", "$.trainer.epochs", "0", "$.trainer.epochs", "got 0");
        yield return Case("negative seed", "$.seed", "-1", "$.seed", "an integer in [0, 18446744073709551615]");
        yield return Case("dropout out of range", "$.trainer.model.dropout", "1", "$.trainer.model.dropout", "[0, 1)");
        yield return Case("unknown activation", "$.trainer.model.activation", "\"gelu\"", "$.trainer.model.activation", "\"relu\", \"tanh\" or \"sigmoid\"");
        yield return Case("unknown task", "$.trainer.task", "\"clustering\"", "$.trainer.task", "\"regression\"");
        yield return Case("mlp key on a linear model", "$.trainer.model", "{\"type\": \"linear\", \"dropout\": 0.1}", "$.trainer.model.dropout", "\"mlp\" models only");
        yield return Case("regression key on a classifier", "$.trainer.loss", "\"huber\"", "$.trainer.loss", "regression only");
        yield return Case("transform on a classifier", "$.label.transform", "\"log\"", "$.label.transform", "regression only");
        yield return Case("unknown optimizer", "$.trainer.optimizer", "{\"class_name\": \"Adam\", \"config\": {}}", "$.trainer.optimizer.class_name", "did you mean");
        yield return Case("bad optimizer value", "$.trainer.optimizer", "{\"class_name\": \"Lion\", \"config\": {\"beta_1\": 1.5}}", "$.trainer.optimizer.config.beta_1", "1.5");
        yield return Case("float32 overflow in the optimizer", "$.trainer.optimizer", "{\"class_name\": \"Lion\", \"config\": {\"learning_rate\": 1e39}}", "$.trainer.optimizer.config.learning_rate", "float32");
        yield return Case("double overflow", "$.trainer.early_stopping.min_delta", "1e400", "$.trainer.early_stopping.min_delta", "out of range");
        yield return Case("selection fraction 1", "$.trainer.early_stopping.selection_fraction", "1", "$.trainer.early_stopping.selection_fraction", "(0, 1)");
        yield return Case("unknown keep rule", "$.trainer.early_stopping.keep", "\"best\"", "$.trainer.early_stopping.keep", "\"best_loss\"");
        yield return Case("bad regular expression", "$.trainer.exclude_from_weight_decay", "[\"(\"]", "$.trainer.exclude_from_weight_decay[0]", "not a valid regular expression");
        yield return Case("two-character separator", "$.data.separator", "\";;\"", "$.data.separator", "exactly one character");
        yield return Case("decimal comma with comma separator", "$.data.decimal_separator", "\",\"", "$.data.decimal_separator", "cannot be the field separator");
        yield return Case("unknown column type", "$.data.columns[0].type", "\"float\"", "$.data.columns[0].type", "\"single\"");
        yield return Case("index and range", "$.data.columns[0].range", "[0, 2]", "$.data.columns[0]", "not both");
        yield return Case("duplicate column", "$.data.columns[1].name", "\"sepal_length\"", "$.data.columns[1].name", "declared twice");
        yield return Case("unknown label", "$.label.column", "\"specis\"", "$.label.column", "did you mean \"species\"");
        yield return Case("numeric multiclass label", "$.label.column", "\"sepal_length\"", "$.label.column", "must be a \"string\" column");
        yield return Case("unknown step kind", "$.featurization[1].kind", "\"normalise\"", "$.featurization[1].kind", "did you mean \"normalize\"");
        yield return Case("step on a missing column", "$.featurization[0].columns", "[\"sepal_length\", \"petal_widht\"]", "$.featurization[0].columns[1]", "did you mean \"petal_width\"");
        yield return Case("step on the label", "$.featurization[0].columns", "[\"sepal_length\", \"species\"]", "$.featurization[0].columns[1]", "the label");
        yield return Case("text into concatenate", "$.featurization", "[{\"kind\": \"drop\", \"columns\": [\"sepal_width\"]}]", "$.featurization", "must end with a \"Features\" column");
        yield return Case("fix_zero on robust scaling", "$.featurization[1]", "{\"kind\": \"normalize\", \"columns\": [\"Features\"], \"method\": \"robust_scaling\", \"fix_zero\": true}", "$.featurization[1].fix_zero", "min_max");
        yield return Case("future format", "$.format_version", "2", "$.format_version", "unsupported format version 2");
        yield return Case("missing trainer", "$.trainer", null, "$.trainer", "required key \"trainer\" is missing");
        yield return Case("null list entry", "$.featurization[0].columns", "[\"sepal_length\", null]", "$.featurization[0].columns[1]", "expected a string, got null");
        yield return Case("empty list", "$.featurization[0].columns", "[]", "$.featurization[0].columns", "at least one");

        // The recommended MLP's keys (issue 14): each with its path, type and range.
        yield return Case("ensemble size of the wrong type", "$.trainer.model.ensemble_size", "\"two\"", "$.trainer.model.ensemble_size", "expected an integer in [1, 64], got \"two\"");
        yield return Case("ensemble size too large", "$.trainer.model.ensemble_size", "65", "$.trainer.model.ensemble_size", "got 65");
        yield return Case("numeric encoding not an object", "$.trainer.model.numeric_encoding", "true", "$.trainer.model.numeric_encoding", "expected an object, got true");
        yield return Case("numeric encoding typo'd key", "$.trainer.model.numeric_encoding.smooth_clipping", "3", "$.trainer.model.numeric_encoding.smooth_clipping", "unknown key \"smooth_clipping\"");
        yield return Case("robust scaling not a boolean", "$.trainer.model.numeric_encoding.robust_scaling", "1", "$.trainer.model.numeric_encoding.robust_scaling", "expected true or false, got 1");
        yield return Case("negative smooth clip", "$.trainer.model.numeric_encoding.smooth_clip", "-1", "$.trainer.model.numeric_encoding.smooth_clip", "got -1");
        yield return Case("one piecewise-linear bin", "$.trainer.model.numeric_encoding.piecewise_linear_bins", "1", "$.trainer.model.numeric_encoding.piecewise_linear_bins", "must be 0 (off) or an integer in [2, 1024], got 1");
        yield return Case("too many piecewise-linear bins", "$.trainer.model.numeric_encoding.piecewise_linear_bins", "2000", "$.trainer.model.numeric_encoding.piecewise_linear_bins", "got 2000");
        yield return Case("unknown learning-rate curve", "$.trainer.learning_rate_curve", "\"cosine\"", "$.trainer.learning_rate_curve", "\"constant\" or \"warmup_cosine\"");
        yield return Case("warmup fraction 1", "$.trainer.warmup_fraction", "1", "$.trainer.warmup_fraction", "[0, 1)");
        yield return Case("warmup fraction with a constant curve", "$.trainer.learning_rate_curve", "\"constant\"", "$.trainer.warmup_fraction", "only with \"learning_rate_curve\": \"warmup_cosine\"");
        yield return Case("zero max steps", "$.trainer.max_steps", "0", "$.trainer.max_steps", "or null, got 0");
        yield return Case("max steps of the wrong type", "$.trainer.max_steps", "\"many\"", "$.trainer.max_steps", "got \"many\"");
        yield return Case("label smoothing 1", "$.trainer.label_smoothing", "1", "$.trainer.label_smoothing", "[0, 1)");
        yield return Case("label smoothing of the wrong type", "$.trainer.label_smoothing", "\"a little\"", "$.trainer.label_smoothing", "expected a number");
        yield return Case("mlp trainer key on a linear model", "$.trainer.model", "{\"type\": \"linear\"}", "$.trainer.label_smoothing", "\"mlp\" models only");
        yield return Case("ensemble size on a linear model", "$.trainer.model", "{\"type\": \"linear\", \"ensemble_size\": 2}", "$.trainer.model.ensemble_size", "\"mlp\" models only");
        yield return Case("numeric encoding on a linear model", "$.trainer.model", "{\"type\": \"linear\", \"numeric_encoding\": {}}", "$.trainer.model.numeric_encoding", "\"mlp\" models only");
    }

    public static string CaseName(System.Reflection.MethodInfo method, object[] data) => $"{method.Name}({data[0]})";

    [TestMethod]
    [DynamicData(nameof(Cases), DynamicDataDisplayName = nameof(CaseName))]
    public void A_bad_recipe_names_the_path_the_reason_and_the_value(string name, string editPath, string? value, string expectedPath, string expectedText)
    {
        string json = Edit(RecipeTests.IrisJson, editPath, value);
        var e = Assert.ThrowsExactly<RecipeException>(() => Recipe.Parse(json), name);
        Assert.AreEqual(expectedPath, e.JsonPath, $"{name}: {e.Message}");
        StringAssert.Contains(e.Message, expectedText, name);
        StringAssert.StartsWith(e.Message, expectedPath + ": ", name);
    }

    [TestMethod]
    public void Syntax_errors_have_one_based_line_and_column_and_duplicate_keys_are_refused()
    {
        var e = Assert.ThrowsExactly<RecipeException>(() => Recipe.Parse("{\n  \"format_version\": 1,\n  \"seed\": 42,,\n}"));
        Assert.AreEqual(3, e.Line);
        Assert.AreEqual(14, e.Column, e.Message);
        StringAssert.StartsWith(e.Message, "line 3, column 14: not valid JSON");
        var comment = Assert.ThrowsExactly<RecipeException>(() => Recipe.Parse("// a comment\n{}"));
        Assert.AreEqual(1, comment.Line);
        Assert.AreEqual(1, comment.Column);
        var dup = Assert.ThrowsExactly<RecipeException>(() => Recipe.Parse("{\"format_version\": 1, \"seed\": 1, \"seed\": 2}"));
        Assert.AreEqual("$.seed", dup.JsonPath);
        StringAssert.Contains(dup.Message, "appears twice");
        Assert.ThrowsExactly<RecipeException>(() => Recipe.Parse("[1, 2]"));
        Assert.ThrowsExactly<RecipeException>(() => Recipe.Parse(new string('[', 100) + new string(']', 100)), "too deep");
        Assert.ThrowsExactly<RecipeException>(() => Recipe.Parse(""));
        Assert.ThrowsExactly<ArgumentNullException>(() => Recipe.Parse(null!));
    }

    [TestMethod]
    public void A_recipe_built_in_code_is_checked_before_it_is_written_or_fitted()
    {
        Recipe r = Recipe.Parse(RecipeTests.IrisJson);
        r.Trainer.HiddenLayers.Add(1);
        var e = Assert.ThrowsExactly<RecipeException>(() => r.ToJson());
        Assert.AreEqual("$.trainer.model.hidden_layers[1]", e.JsonPath);
        Assert.StartsWith("invalid recipe: $.trainer.model.hidden_layers[1]", r.ToString());
        r = Recipe.Parse(RecipeTests.IrisJson);
        r.Featurization.Add(null!);
        Assert.AreEqual("$.featurization[2]", Assert.ThrowsExactly<RecipeException>(() => r.BuildPipeline(new Microsoft.ML.MLContext())).JsonPath);
        r = Recipe.Parse(RecipeTests.IrisJson);
        r.Trainer.Activation = Training.Models.Activation.Gelu;
        StringAssert.Contains(Assert.ThrowsExactly<RecipeException>(() => r.Validate()).Message, "ML.NET can score");
    }

    [TestMethod]
    public void Mutated_recipes_throw_only_RecipeException()
    {
        const string Inserts = "{}[],:\"0-e.\\ u";
        // A small built-in fuzz (the robust engineer's fuzzer goes further): text edits and value swaps of the canonical
        // recipes either parse or throw RecipeException; nothing else escapes.
        string[] values = { "null", "\"\"", "\"x\"", "-1", "0", "1", "1.5", "1e39", "-1e39", "1e-50", "2147483648", "18446744073709551616", "true", "[]", "{}", "[null]", "[\"Features\"]", "{\"a\": 1}" };
        var rng = new Training.Data.DeterministicRandom(11);
        int parsed = 0, failed = 0;
        foreach (string baseJson in new[] { Recipe.Parse(RecipeTests.IrisJson).ToJson(), Recipe.Parse(RecipeTests.DiamondsJson).ToJson(), Recipe.Parse(RecipeTests.BreastCancerJson).ToJson() })
        {
            JsonNode root = JsonNode.Parse(baseJson)!;
            var paths = new List<(JsonNode Parent, object Key)>();
            void Walk(JsonNode n)
            {
                if (n is JsonObject o)
                {
                    foreach (KeyValuePair<string, JsonNode?> kv in o.ToList())
                    {
                        paths.Add((o, kv.Key));
                        if (kv.Value != null)
                        {
                            Walk(kv.Value);
                        }
                    }
                }
                else if (n is JsonArray a)
                {
                    for (int i = 0; i < a.Count; i++)
                    {
                        paths.Add((a, i));
                        if (a[i] != null)
                        {
                            Walk(a[i]!);
                        }
                    }
                }
            }

            Walk(root);
            for (int k = 0; k < 600; k++)
            {
                string text;
                if (k % 3 == 0)
                {
                    var chars = baseJson.ToCharArray().ToList();
                    int at = rng.NextInt(chars.Count);
                    switch (rng.NextInt(3))
                    {
                        case 0: chars.RemoveAt(at); break;
                        case 1: chars.Insert(at, Inserts[rng.NextInt(Inserts.Length)]); break;
                        default: chars[at] = (char)(32 + rng.NextInt(95)); break;
                    }

                    text = new string(chars.ToArray());
                }
                else
                {
                    JsonNode copy = JsonNode.Parse(baseJson)!;
                    paths.Clear();
                    Walk(copy);
                    (JsonNode parent, object key) = paths[rng.NextInt(paths.Count)];
                    JsonNode? v = JsonNode.Parse(values[rng.NextInt(values.Length)]);
                    if (key is int i)
                    {
                        parent.AsArray()[i] = v;
                    }
                    else if (rng.NextInt(5) == 0)
                    {
                        parent.AsObject().Remove((string)key);
                    }
                    else
                    {
                        parent[(string)key] = v;
                    }

                    text = copy.ToJsonString();
                }

                try
                {
                    Recipe r = Recipe.Parse(text);
                    Assert.AreEqual(r.ToJson(), Recipe.Parse(r.ToJson()).ToJson(), "whatever parses writes canonically");
                    parsed++;
                }
                catch (RecipeException)
                {
                    failed++;
                }
            }
        }

        Assert.IsGreaterThan(100, failed, "most mutations are errors");
        Assert.IsGreaterThan(10, parsed, "some mutations are still valid recipes");
    }

    private static object[] Case(string name, string path, string? value, string expectedPath, string expectedText) => new object[] { name, path, value!, expectedPath, expectedText };

    /// <summary>Sets (or, with null, removes) the value at a simple JSON path ($.a.b[0].c) of a document.</summary>
    private static string Edit(string json, string path, string? value)
    {
        JsonNode root = JsonNode.Parse(json)!;
        var parts = new List<object>();
        foreach (string seg in path[2..].Split('.'))
        {
            int b = seg.IndexOf('[', StringComparison.Ordinal);
            parts.Add(b < 0 ? seg : seg[..b]);
            if (b >= 0)
            {
                parts.Add(int.Parse(seg[(b + 1)..^1], System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        JsonNode node = root;
        foreach (object p in parts.Take(parts.Count - 1))
        {
            node = p is int i ? node[i]! : node[(string)p]!;
        }

        object last = parts[^1];
        JsonNode? v = value is null ? null : JsonNode.Parse(value);
        if (last is int index)
        {
            node.AsArray()[index] = v;
        }
        else if (value is null)
        {
            node.AsObject().Remove((string)last);
        }
        else
        {
            node[(string)last] = v;
        }

        return root.ToJsonString();
    }
}
