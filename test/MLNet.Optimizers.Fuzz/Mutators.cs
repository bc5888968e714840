using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MLNet.Optimizers.Fuzz;

/// <summary>What kind of input a target parses, which decides how its seeds are mutated.</summary>
public enum InputFormat
{
    /// <summary>Raw bytes.</summary>
    Binary,

    /// <summary>The library's framed format (magic, version, length, payload, CRC-32): payload mutations are re-framed with a valid CRC half the time, so they reach the field checks.</summary>
    Framed,

    /// <summary>JSON text: structural mutations (numbers, types, nesting, strings, keys) and text mutations.</summary>
    Json,

    /// <summary>CSV text: rows, cells, quotes, line ends, special numbers.</summary>
    Csv,

    /// <summary>Command-line arguments, encoded as a JSON array of strings.</summary>
    Arguments,
}

/// <summary>Mutations of seeds, by format. Every mutation is a pure function of (seed bytes, random source).</summary>
internal static class Mutators
{
    private static readonly string[] BinaryNames = { "bit-flip", "byte-set", "int-overwrite", "float-overwrite", "insert", "delete", "duplicate", "truncate", "splice", "zero-range" };

    private static readonly string[] JsonNames = { "number", "wrong-type", "long-string", "deep-nesting", "duplicate-key", "remove-key", "unknown-key", "empty-container", "big-array", "bom", "invalid-utf8" };

    private static readonly string[] CsvNames = { "ragged-row", "quote", "bom", "crlf", "empty-cell", "special-number", "long-line", "empty-lines", "duplicate-header", "header-only", "separator" };

    private static readonly string[] ArgumentNames = { "drop", "duplicate", "swap", "value", "unknown-flag", "known-flag", "nul", "long", "empty" };

    /// <summary>Every flag of <c>mlnet-opt</c>'s verbs (a "known-flag" mutation inserts one, with a value, anywhere).</summary>
    private static readonly string[] CliFlags =
    {
        "--data", "-d", "--label", "-l", "--config", "-c", "--output", "-o", "--task", "--model", "--hidden", "--activation", "--dropout", "--epochs",
        "--batch-size", "--holdout-fraction", "--selection-fraction", "--patience", "--keep", "--refit", "--normalize", "--categorical", "--ignore",
        "--missing-values", "--impute", "--separator", "--decimal-separator", "--seed", "--compute", "--no-report", "--quiet", "-q", "--optimizer",
        "--learning-rate", "--lr", "--weight-decay", "--wd", "--checkpoint", "--checkpoint-every", "--resume", "--optimizers", "--trials", "--max-epochs",
        "--min-epochs", "--eta", "--no-halving", "--time-budget", "--cv", "--tuning-fraction", "--report", "--json", "--help", "-h", "--version",
    };

    /// <summary>
    /// Values a mutation puts in place of an argument: out of range, malformed, hostile paths, and valid spellings of the
    /// flags' choices (small numbers only: a valid value must not make a run legitimately long, which would count as a hang).
    /// </summary>
    private static readonly string[] ArgumentValues =
    {
        "-1", "0", "1e400", "NaN", "2147483648", "-9223372036854775809", "1,2,,3", "é", "../../etc/passwd", " ", "\n", "\"", "auto",
        "1", "2", "0.5", "0.95", "1e-300", "none", "tab", ";", ",", ".", "lion", "adamw:lr=0.01,wd=0.1", "sgd:momentum=0.9", "adafactor", "lion:lr=NaN",
        "linear", "mlp", "relu", "tanh", "sigmoid", "gelu", "regression", "binary", "multiclass", "last", "best-metric", "min-max", "robust", "mean",
        "managed", "openblas", "mkl", "2,2", "0.3s", "1ms", "-", "--", "=", "--epochs=2", "a\tb", "\u00A0", "\uFFFD",
    };

    /// <summary>Every mutation name, by format (for coverage checks and the results table).</summary>
    public static readonly IReadOnlyDictionary<InputFormat, string[]> Names = new Dictionary<InputFormat, string[]>
    {
        [InputFormat.Binary] = BinaryNames,
        [InputFormat.Framed] = BinaryNames.Select(n => "payload " + n).Concat(BinaryNames).ToArray(),
        [InputFormat.Json] = JsonNames.Concat(BinaryNames.Select(n => "text " + n)).ToArray(),
        [InputFormat.Csv] = CsvNames.Concat(BinaryNames.Select(n => "text " + n)).ToArray(),
        [InputFormat.Arguments] = ArgumentNames,
    };

    private static readonly long[] InterestingIntegers =
    {
        0, 1, -1, 2, 7, 255, 256, 65535, 65536, int.MaxValue, int.MinValue, int.MaxValue - 1, 1L << 24, 1L << 31, 1L << 32,
        long.MaxValue, long.MinValue, long.MinValue + 7, 1L << 40, -2, 0x7FFFFFFFL, 0xFFFFFFFFL,
    };

    private static readonly double[] InterestingDoubles =
    {
        double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.MaxValue, -double.MaxValue, double.Epsilon, 0.0, -0.0, 1e39, -1e39, 1e-50, 3.5e38,
    };

    private static readonly string[] JsonNumbers =
    {
        "1e39", "-1e39", "1e400", "-1e400", "1e-50", "0", "-0", "-1", "-1e-300", "9007199254740993", "1.7976931348623157e308", "3.4028236e38",
        "NaN", "Infinity", "-Infinity", "0.1e1", "1" + new string('0', 400), "2147483648", "-2147483649", "9223372036854775808", "1.5", "1e5", "0x10", "01",
    };

    private static readonly string[] JsonWrongTypes = { "\"x\"", "\"\"", "[]", "{}", "true", "false", "null", "[1,2]", "{\"a\":1}", "[null]", "\"1\"" };

    private static readonly string[] CsvSpecials = { "NaN", "nan", "inf", "-inf", "Infinity", "-Infinity", "1e400", "-1e400", "1e39", "-0", "0x10", "1,000", " 1 ", "1e-400", "+5", "", "\"\"", "NA", "?", "٣" };

    /// <summary>Applies 1 to 3 stacked mutations of <paramref name="format"/> to <paramref name="seed"/>.</summary>
    /// <param name="format">The format.</param>
    /// <param name="seed">The seed input.</param>
    /// <param name="other">Another seed (for splices).</param>
    /// <param name="rng">The random source.</param>
    /// <returns>The mutated input and a description of the mutations.</returns>
    public static (byte[] Bytes, string Mutation) Mutate(InputFormat format, byte[] seed, byte[] other, FuzzRandom rng)
    {
        int stack = rng.Chance(0.6) ? 1 : rng.Next(2, 4);
        byte[] data = seed;
        var names = new List<string>();
        for (int i = 0; i < stack; i++)
        {
            (data, string name) = format switch
            {
                InputFormat.Binary => Binary(data, other, rng),
                InputFormat.Framed => Framed(data, other, rng),
                InputFormat.Json => Json(data, other, rng),
                InputFormat.Csv => Csv(data, other, rng),
                _ => Arguments(data, rng),
            };
            names.Add(name);
        }

        return (data, string.Join(" + ", names));
    }

    public static (byte[], string) Binary(byte[] data, byte[] other, FuzzRandom rng)
    {
        string name = rng.Pick(BinaryNames);
        return (ApplyBinary(name, data, other, rng), name);
    }

    public static byte[] ApplyBinary(string name, byte[] data, byte[] other, FuzzRandom rng)
    {
        var d = new List<byte>(data);
        switch (name)
        {
            case "bit-flip":
                for (int k = rng.Next(1, 5); k > 0 && d.Count > 0; k--)
                {
                    int at = rng.Next(d.Count);
                    d[at] ^= (byte)(1 << rng.Next(8));
                }

                break;
            case "byte-set":
                for (int k = rng.Next(1, 5); k > 0 && d.Count > 0; k--)
                {
                    d[rng.Next(d.Count)] = rng.Chance(0.5) ? rng.NextByte() : rng.Pick(new byte[] { 0x00, 0xFF, 0x7F, 0x80, 0x01, 0xFE });
                }

                break;
            case "int-overwrite":
            {
                long v = rng.Pick(InterestingIntegers);
                int size = rng.Chance(0.5) ? 4 : 8;
                byte[] b = size == 4 ? BitConverter.GetBytes((int)v) : BitConverter.GetBytes(v);
                if (rng.Chance(0.25))
                {
                    Array.Reverse(b);
                }

                Overwrite(d, b, rng);
                break;
            }

            case "float-overwrite":
            {
                double v = rng.Pick(InterestingDoubles);
                byte[] b = rng.Chance(0.5) ? BitConverter.GetBytes((float)v) : BitConverter.GetBytes(v);
                Overwrite(d, b, rng);
                break;
            }

            case "insert":
            {
                int at = rng.Next(d.Count + 1);
                int n = rng.SmallLength(64);
                d.InsertRange(at, Enumerable.Range(0, n).Select(_ => rng.NextByte()));
                break;
            }

            case "delete":
                if (d.Count > 0)
                {
                    int at = rng.Next(d.Count);
                    d.RemoveRange(at, Math.Min(d.Count - at, rng.SmallLength(d.Count)));
                }

                break;
            case "duplicate":
                if (d.Count > 0)
                {
                    int at = rng.Next(d.Count);
                    int n = Math.Min(d.Count - at, rng.SmallLength(256));
                    d.InsertRange(rng.Next(d.Count + 1), d.GetRange(at, n));
                }

                break;
            case "truncate":
                if (d.Count > 0)
                {
                    int keep = rng.Next(d.Count);
                    d.RemoveRange(keep, d.Count - keep);
                }

                break;
            case "splice":
            {
                int a = rng.Next(d.Count + 1);
                int b = rng.Next(other.Length + 1);
                d.RemoveRange(a, d.Count - a);
                d.AddRange(other.AsSpan(b).ToArray());
                break;
            }

            default:
                if (d.Count > 0)
                {
                    int at = rng.Next(d.Count);
                    int n = Math.Min(d.Count - at, rng.SmallLength(64));
                    for (int i = 0; i < n; i++)
                    {
                        d[at + i] = 0;
                    }
                }

                break;
        }

        return d.ToArray();
    }

    private static void Overwrite(List<byte> d, byte[] b, FuzzRandom rng)
    {
        if (d.Count < b.Length)
        {
            d.AddRange(b);
            return;
        }

        int at = rng.Next(d.Count - b.Length + 1);
        for (int i = 0; i < b.Length; i++)
        {
            d[at + i] = b[i];
        }
    }

    /// <summary>Framed: half the time the payload is mutated and the frame rebuilt (valid length and CRC), else the raw bytes.</summary>
    public static (byte[], string) Framed(byte[] data, byte[] other, FuzzRandom rng)
    {
        if (data.Length >= 24 && rng.Chance(0.6))
        {
            long declared = BitConverter.ToInt64(data, 12);
            int payloadLength = declared >= 0 && declared <= data.Length - 24 ? (int)declared : data.Length - 24;
            byte[] payload = data.AsSpan(20, payloadLength).ToArray();
            byte[] otherPayload = other.Length >= 24 ? other.AsSpan(20, other.Length - 24).ToArray() : other;
            string name = rng.Pick(BinaryNames);
            byte[] mutated = ApplyBinary(name, payload, otherPayload, rng);
            return (Reframe(data, mutated), "payload " + name);
        }

        return Binary(data, other, rng);
    }

    /// <summary>The frame of <paramref name="file"/> (magic and version) around a new payload, with its length and CRC.</summary>
    public static byte[] Reframe(byte[] file, byte[] payload)
    {
        var result = new byte[24 + payload.Length];
        file.AsSpan(0, 12).CopyTo(result);
        BitConverter.GetBytes((long)payload.Length).CopyTo(result, 12);
        payload.CopyTo(result, 20);
        BitConverter.GetBytes(global::MLNet.Optimizers.Serialization.Crc32.Compute(payload)).CopyTo(result, 20 + payload.Length);
        return result;
    }

    public static (byte[], string) Json(byte[] data, byte[] other, FuzzRandom rng)
    {
        if (rng.Chance(0.25))
        {
            (byte[] b, string n) = Binary(data, other, rng);
            return (b, "text " + n);
        }

        string name = rng.Pick(JsonNames);
        string text = Encoding.UTF8.GetString(data);
        if (name == "bom")
        {
            return (Encoding.UTF8.GetPreamble().Concat(data).ToArray(), name);
        }

        if (name == "invalid-utf8")
        {
            var d = data.ToList();
            d.InsertRange(rng.Next(d.Count + 1), rng.Pick(new[] { new byte[] { 0xC3, 0x28 }, new byte[] { 0xFF }, new byte[] { 0xED, 0xA0, 0x80 }, new byte[] { 0xF4, 0x90, 0x80, 0x80 } }));
            return (d.ToArray(), name);
        }

        JsonNode? root;
        var nodes = new List<JsonNode?>();
        try
        {
            root = JsonNode.Parse(text);
            Collect(root, nodes);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            // Already broken by an earlier mutation: keep mutating its text.
            (byte[] b, string n) = Binary(data, other, rng);
            return (b, "text " + n);
        }

        JsonNode? target = nodes[rng.Next(nodes.Count)];
        string replacement = name switch
        {
            "number" => rng.Pick(JsonNumbers),
            "wrong-type" => rng.Pick(JsonWrongTypes),
            "long-string" => "\"" + new string((char)('a' + rng.Next(26)), rng.Pick(new[] { 300, 70_000, 1 << 20 })) + "\"",
            "deep-nesting" => Nest(Emit(target, null, null), rng.Pick(new[] { 63, 64, 65, 200, 5000, 100_000 }), rng.Chance(0.5)),
            "empty-container" => rng.Chance(0.5) ? "{}" : "[]",
            "big-array" => "[" + string.Join(",", Enumerable.Repeat("0.5", rng.Pick(new[] { 1000, 100_000 }))) + "]",
            _ => "",
        };
        if (name is "duplicate-key" or "remove-key" or "unknown-key")
        {
            JsonObject? obj = nodes.OfType<JsonObject>().Where(o => o.Count > 0 || name == "unknown-key").Select(o => o).ToList() is { Count: > 0 } objects ? objects[rng.Next(objects.Count)] : null;
            if (obj is null)
            {
                return (Encoding.UTF8.GetBytes(Emit(root, target, rng.Pick(JsonWrongTypes))), "wrong-type");
            }

            string key = obj.Count > 0 ? obj.ElementAt(rng.Next(obj.Count)).Key : "";
            return (Encoding.UTF8.GetBytes(Emit(root, null, null, obj, name, key, rng)), name);
        }

        return (Encoding.UTF8.GetBytes(Emit(root, target, replacement)), name);
    }

    private static string Nest(string inner, int depth, bool arrays)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < depth; i++)
        {
            sb.Append(arrays ? "[" : "{\"a\":");
        }

        sb.Append(inner);
        for (int i = 0; i < depth; i++)
        {
            sb.Append(arrays ? ']' : '}');
        }

        return sb.ToString();
    }

    private static void Collect(JsonNode? node, List<JsonNode?> into)
    {
        into.Add(node);
        switch (node)
        {
            case JsonObject o:
                foreach (KeyValuePair<string, JsonNode?> kv in o)
                {
                    Collect(kv.Value, into);
                }

                break;
            case JsonArray a:
                foreach (JsonNode? item in a)
                {
                    Collect(item, into);
                }

                break;
        }
    }

    /// <summary>Writes <paramref name="node"/> as text, replacing <paramref name="target"/> by raw text, or changing one object's members.</summary>
    private static string Emit(JsonNode? node, JsonNode? target, string? replacement, JsonObject? edit = null, string? editKind = null, string? key = null, FuzzRandom? rng = null)
    {
        var sb = new StringBuilder();
        Write(node);
        return sb.ToString();

        void Write(JsonNode? n)
        {
            if (target != null && ReferenceEquals(n, target) && replacement != null)
            {
                sb.Append(replacement);
                return;
            }

            switch (n)
            {
                case null:
                    sb.Append("null");
                    break;
                case JsonObject o:
                {
                    sb.Append('{');
                    bool first = true;
                    void Member(string k, JsonNode? v)
                    {
                        if (!first)
                        {
                            sb.Append(',');
                        }

                        first = false;
                        sb.Append(JsonSerializer.Serialize(k)).Append(':');
                        Write(v);
                    }

                    foreach (KeyValuePair<string, JsonNode?> kv in o)
                    {
                        if (ReferenceEquals(o, edit) && kv.Key == key && editKind == "remove-key")
                        {
                            continue;
                        }

                        Member(kv.Key, kv.Value);
                        if (ReferenceEquals(o, edit) && kv.Key == key && editKind == "duplicate-key")
                        {
                            Member(kv.Key, kv.Value);
                        }
                    }

                    if (ReferenceEquals(o, edit) && editKind == "unknown-key")
                    {
                        Member(rng!.Chance(0.5) ? "zz_unknown" : (key ?? "x").ToUpperInvariant(), JsonValue.Create(1));
                    }

                    sb.Append('}');
                    break;
                }

                case JsonArray a:
                {
                    sb.Append('[');
                    for (int i = 0; i < a.Count; i++)
                    {
                        if (i > 0)
                        {
                            sb.Append(',');
                        }

                        Write(a[i]);
                    }

                    sb.Append(']');
                    break;
                }

                default:
                    sb.Append(n.ToJsonString());
                    break;
            }
        }
    }

    public static (byte[], string) Csv(byte[] data, byte[] other, FuzzRandom rng)
    {
        if (rng.Chance(0.2))
        {
            (byte[] b, string n) = Binary(data, other, rng);
            return (b, "text " + n);
        }

        string name = rng.Pick(CsvNames);
        string text = Encoding.UTF8.GetString(data);
        List<string> lines = text.Split('\n').ToList();
        if (lines.Count == 0)
        {
            lines.Add(string.Empty);
        }

        int row = rng.Next(lines.Count);
        List<string> cells = lines[row].Split(',').ToList();
        int col = rng.Next(cells.Count);
        switch (name)
        {
            case "ragged-row":
                if (rng.Chance(0.5) && cells.Count > 1)
                {
                    cells.RemoveAt(col);
                }
                else
                {
                    cells.Insert(col, "1");
                }

                lines[row] = string.Join(",", cells);
                break;
            case "quote":
                cells[col] = rng.Next(5) switch
                {
                    0 => "\"" + cells[col] + "\"",
                    1 => "\"" + cells[col],
                    2 => "\"a,b\"",
                    3 => "\"line\nbreak\"",
                    _ => "\"say \"\"hi\"\"\"",
                };
                lines[row] = string.Join(",", cells);
                break;
            case "bom":
                lines[0] = "\uFEFF" + lines[0];
                break;
            case "crlf":
                return (Encoding.UTF8.GetBytes(rng.Chance(0.7) ? text.Replace("\n", "\r\n", StringComparison.Ordinal) : text.Replace("\n", "\r", StringComparison.Ordinal)), name);
            case "empty-cell":
                cells[col] = string.Empty;
                lines[row] = string.Join(",", cells);
                break;
            case "special-number":
                cells[col] = rng.Pick(CsvSpecials);
                lines[row] = string.Join(",", cells);
                break;
            case "long-line":
                cells[col] = rng.Chance(0.5) ? new string('9', rng.Pick(new[] { 1000, 100_000, 1 << 20 })) : string.Join(",", Enumerable.Repeat("1", rng.Pick(new[] { 1000, 50_000 })));
                lines[row] = string.Join(",", cells);
                break;
            case "empty-lines":
                lines.Insert(rng.Next(lines.Count + 1), rng.Chance(0.5) ? string.Empty : "   ");
                break;
            case "duplicate-header":
            {
                List<string> header = lines[0].Split(',').ToList();
                header.Insert(rng.Next(header.Count + 1), header[rng.Next(header.Count)]);
                lines[0] = string.Join(",", header);
                break;
            }

            case "header-only":
                lines = lines.Take(1).ToList();
                break;
            default:
                return (Encoding.UTF8.GetBytes(text.Replace(",", rng.Pick(new[] { ";", "\t", "|", ", " }), StringComparison.Ordinal)), name);
        }

        return (Encoding.UTF8.GetBytes(string.Join("\n", lines)), name);
    }

    /// <summary>Encodes arguments as a JSON array of strings (the input of an <see cref="InputFormat.Arguments"/> target).</summary>
    public static byte[] EncodeArguments(IEnumerable<string> args) => JsonSerializer.SerializeToUtf8Bytes(args.ToArray());

    /// <summary>Decodes <see cref="EncodeArguments"/>.</summary>
    public static string[] DecodeArguments(byte[] data) => JsonSerializer.Deserialize<string[]>(data) ?? Array.Empty<string>();

    public static (byte[], string) Arguments(byte[] data, FuzzRandom rng)
    {
        List<string> args = DecodeArguments(data).ToList();
        string name = rng.Pick(ArgumentNames);
        int at = rng.Next(Math.Max(1, args.Count));
        switch (name)
        {
            case "drop" when args.Count > 0:
                args.RemoveAt(at);
                break;
            case "duplicate" when args.Count > 0:
                args.Insert(rng.Next(args.Count + 1), args[at]);
                break;
            case "swap" when args.Count > 1:
                int b = rng.Next(args.Count);
                (args[at], args[b]) = (args[b], args[at]);
                break;
            case "unknown-flag":
                args.Insert(rng.Next(args.Count + 1), rng.Pick(new[] { "--nope", "-x", "--", "---", "--EPOCHS" }));
                break;
            case "known-flag":
            {
                int where = rng.Next(args.Count + 1);
                args.Insert(where, rng.Pick(CliFlags));
                if (rng.Chance(0.8))
                {
                    args.Insert(where + 1, rng.Pick(ArgumentValues));
                }

                break;
            }

            case "nul":
                Replace(args, at, "a\0b");
                break;
            case "long":
                Replace(args, at, new string('x', 100_000));
                break;
            case "empty":
                Replace(args, at, string.Empty);
                break;
            default:
                Replace(args, at, rng.Pick(ArgumentValues));
                break;
        }

        return (EncodeArguments(args), name);
    }

    private static void Replace(List<string> args, int at, string value)
    {
        if (args.Count == 0)
        {
            args.Add(value);
        }
        else
        {
            args[at] = value;
        }
    }
}
