using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MLNet.Optimizers.Tests;

/// <summary>Structural JSON equality: same key order, numbers compared as doubles (so 1e-30 equals 1E-30).</summary>
internal static class JsonCompare
{
    private static double Num(JsonValue v) => double.Parse(v.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture);

    public static string? Difference(JsonNode? expected, JsonNode? actual, string path = "$")
    {
        switch (expected)
        {
            case null:
                return actual is null ? null : $"{path}: expected null, got {actual.ToJsonString()}";
            case JsonObject eo:
                if (actual is not JsonObject ao)
                {
                    return $"{path}: expected an object, got {actual?.ToJsonString() ?? "null"}";
                }

                List<string> ek = eo.Select(kv => kv.Key).ToList();
                List<string> ak = ao.Select(kv => kv.Key).ToList();
                if (!ek.SequenceEqual(ak))
                {
                    return $"{path}: keys [{string.Join(", ", ek)}] expected, got [{string.Join(", ", ak)}]";
                }

                foreach (string k in ek)
                {
                    string? d = Difference(eo[k], ao[k], path + "." + k);
                    if (d != null)
                    {
                        return d;
                    }
                }

                return null;
            case JsonArray ea:
                if (actual is not JsonArray aa || aa.Count != ea.Count)
                {
                    return $"{path}: expected {ea.ToJsonString()}, got {actual?.ToJsonString() ?? "null"}";
                }

                for (int i = 0; i < ea.Count; i++)
                {
                    string? d = Difference(ea[i], aa[i], $"{path}[{i}]");
                    if (d != null)
                    {
                        return d;
                    }
                }

                return null;
            case JsonValue ev:
                if (actual is not JsonValue av || ev.GetValueKind() != av.GetValueKind())
                {
                    return $"{path}: expected {ev.ToJsonString()}, got {actual?.ToJsonString() ?? "null"}";
                }

                bool same = ev.GetValueKind() switch
                {
                    JsonValueKind.Number => Num(ev) == Num(av),
                    JsonValueKind.String => ev.GetValue<string>() == av.GetValue<string>(),
                    _ => true,
                };
                return same ? null : $"{path}: expected {ev.ToJsonString()}, got {av.ToJsonString()}";
            default:
                return $"{path}: unexpected node";
        }
    }
}
