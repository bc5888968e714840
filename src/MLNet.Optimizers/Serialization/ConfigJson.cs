using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MLNet.Optimizers.Serialization;

/// <summary>
/// The one way configuration JSON enters the library: parses text, rejects duplicate keys (which
/// <see cref="JsonNode.Parse(string, JsonNodeOptions?, JsonDocumentOptions)"/> accepts and <see cref="JsonObject"/> then
/// throws a bare <see cref="ArgumentException"/> for on first use), deep nesting and non-objects, and reports every
/// failure as an <see cref="OptimizerConfigException"/> with the JSON path.
/// </summary>
public static class ConfigJson
{
    /// <summary>The deepest nesting accepted (System.Text.Json's default).</summary>
    public const int MaxDepth = 64;

    /// <summary>Parses a JSON object.</summary>
    /// <param name="json">The text.</param>
    /// <param name="path">The JSON path of the text's root, for messages (usually <c>$</c>).</param>
    /// <returns>The object, free of duplicate keys at every level.</returns>
    /// <exception cref="OptimizerConfigException">Not valid JSON (with line and position), nested deeper than <see cref="MaxDepth"/>, a duplicate key (its path), or not an object.</exception>
    public static JsonObject ParseObject(string json, string path = "$")
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(path);
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException e)
        {
            string where = e.LineNumber is long line ? string.Create(CultureInfo.InvariantCulture, $" (line {line + 1}, byte {e.BytePositionInLine + 1})") : string.Empty;
            throw new OptimizerConfigException(path, $"not valid JSON{where}: {FirstLine(e.Message)}", e);
        }
        catch (ArgumentException e)
        {
            throw new OptimizerConfigException(path, $"not valid JSON: {FirstLine(e.Message)}", e);
        }

        string? duplicate = FindDuplicateKey(json);
        if (duplicate != null)
        {
            throw new OptimizerConfigException(path + duplicate, "duplicate key (each key may appear once in an object).");
        }

        return node as JsonObject ?? throw new OptimizerConfigException(path, $"expected a JSON object, got {ConfigReader.Describe(node)}.");
    }

    /// <summary>
    /// Checks an object that may have been parsed elsewhere (so may hold duplicate keys that <see cref="JsonObject"/>
    /// only notices on first use) before it is read.
    /// </summary>
    /// <param name="obj">The object.</param>
    /// <param name="path">Its JSON path.</param>
    /// <exception cref="OptimizerConfigException">A duplicate key (its path).</exception>
    public static void EnsureUsable(JsonObject obj, string path)
    {
        ArgumentNullException.ThrowIfNull(obj);
        try
        {
            _ = obj.Count;
        }
        catch (ArgumentException e)
        {
            // The object still holds its parsed text, which serializes as read: find the key in it.
            string? duplicate = FindDuplicateKey(obj.ToJsonString());
            throw new OptimizerConfigException(path + (duplicate ?? string.Empty), "duplicate key (each key may appear once in an object).", e);
        }
    }

    /// <summary>The relative path (<c>.a.b</c>, <c>.a[2].b</c>) of the first key repeated within one object of valid JSON, or null.</summary>
    /// <param name="json">Valid JSON text.</param>
    /// <returns>The path, or null when every object's keys are distinct.</returns>
    internal static string? FindDuplicateKey(string json)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json), new JsonReaderOptions { MaxDepth = MaxDepth + 1, CommentHandling = JsonCommentHandling.Skip });
        var stack = new List<Frame>();
        string ValuePath()
        {
            if (stack.Count == 0)
            {
                return string.Empty;
            }

            Frame top = stack[^1];
            if (top.Keys != null)
            {
                return top.Pending;
            }

            string p = top.Path + "[" + top.Index.ToString(CultureInfo.InvariantCulture) + "]";
            top.Index++;
            return p;
        }

        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    stack.Add(new Frame(ValuePath(), new HashSet<string>(StringComparer.Ordinal)));
                    break;
                case JsonTokenType.StartArray:
                    stack.Add(new Frame(ValuePath(), null));
                    break;
                case JsonTokenType.EndObject:
                case JsonTokenType.EndArray:
                    stack.RemoveAt(stack.Count - 1);
                    break;
                case JsonTokenType.PropertyName:
                {
                    Frame top = stack[^1];
                    string name = reader.GetString()!;
                    top.Pending = top.Path + "." + name;
                    if (!top.Keys!.Add(name))
                    {
                        return top.Pending;
                    }

                    break;
                }

                default:
                    ValuePath();
                    break;
            }
        }

        return null;
    }

    private static string FirstLine(string message)
    {
        int nl = message.IndexOf('\n', StringComparison.Ordinal);
        return (nl >= 0 ? message[..nl] : message).Trim();
    }

    private sealed class Frame(string path, HashSet<string>? keys)
    {
        public string Path { get; } = path;

        public HashSet<string>? Keys { get; } = keys;

        public string Pending { get; set; } = path;

        public int Index { get; set; }
    }
}
