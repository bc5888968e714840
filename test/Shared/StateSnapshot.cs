using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace MLNet.Optimizers.TestSupport;

/// <summary>
/// A field-by-field picture of an object graph (every instance field of every class in the hierarchy, public or
/// not, followed into referenced objects, arrays and structs; floats by their bits), for asserting that a failed
/// operation changed nothing: take one before, one after, and compare them.
/// </summary>
internal static class StateSnapshot
{
    /// <summary>The snapshot as text, one line per field path.</summary>
    /// <param name="root">The object.</param>
    /// <param name="maxDepth">How far references are followed.</param>
    /// <returns>Lines "path = value".</returns>
    public static string Of(object root, int maxDepth = 8)
    {
        var sb = new StringBuilder();
        var seen = new Dictionary<object, string>(ReferenceEqualityComparer.Instance);
        Walk(root, "$", 0, maxDepth, sb, seen);
        return sb.ToString();
    }

    /// <summary>The first line that differs between two snapshots, or null.</summary>
    /// <param name="before">The first snapshot.</param>
    /// <param name="after">The second.</param>
    /// <returns>A description of the first difference.</returns>
    public static string? FirstDifference(string before, string after)
    {
        string[] a = before.Split('\n'), b = after.Split('\n');
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            if (a[i] != b[i])
            {
                return $"before: {a[i]}\nafter:  {b[i]}";
            }
        }

        return a.Length == b.Length ? null : $"{a.Length} vs {b.Length} lines";
    }

    private static void Walk(object? value, string path, int depth, int maxDepth, StringBuilder sb, Dictionary<object, string> seen)
    {
        switch (value)
        {
            case null:
                sb.Append(path).Append(" = null\n");
                return;
            case float f:
                sb.Append(path).Append(" = f").Append(BitConverter.SingleToInt32Bits(f).ToString("X8", CultureInfo.InvariantCulture)).Append('\n');
                return;
            case double d:
                sb.Append(path).Append(" = d").Append(BitConverter.DoubleToInt64Bits(d).ToString("X16", CultureInfo.InvariantCulture)).Append('\n');
                return;
            case string s:
                sb.Append(path).Append(" = \"").Append(s).Append("\"\n");
                return;
            case Delegate del:
                sb.Append(path).Append(" = delegate ").Append(del.Method.Name).Append('\n');
                return;
            case Type t:
                sb.Append(path).Append(" = type ").Append(t.FullName).Append('\n');
                return;
        }

        Type type = value.GetType();
        if (type.IsPrimitive || type.IsEnum || value is decimal)
        {
            sb.Append(path).Append(" = ").Append(Convert.ToString(value, CultureInfo.InvariantCulture)).Append('\n');
            return;
        }

        if (!type.IsValueType)
        {
            if (seen.TryGetValue(value, out string? first))
            {
                sb.Append(path).Append(" = same as ").Append(first).Append('\n');
                return;
            }

            seen[value] = path;
        }

        if (depth >= maxDepth || type.Namespace?.StartsWith("System.Threading", StringComparison.Ordinal) == true || value is System.Runtime.InteropServices.SafeHandle)
        {
            sb.Append(path).Append(" = ").Append(type.Name).Append(" (not followed)\n");
            return;
        }

        if (value is Array array)
        {
            sb.Append(path).Append(" = ").Append(type.Name).Append(" length ").Append(array.Length.ToString(CultureInfo.InvariantCulture)).Append('\n');
            int i = 0;
            foreach (object? item in array)
            {
                Walk(item, path + "[" + i.ToString(CultureInfo.InvariantCulture) + "]", depth + 1, maxDepth, sb, seen);
                i++;
            }

            return;
        }

        if (value is IEnumerable list && type.Namespace?.StartsWith("System.Collections", StringComparison.Ordinal) == true)
        {
            int i = 0;
            foreach (object? item in list)
            {
                Walk(item, path + "[" + i.ToString(CultureInfo.InvariantCulture) + "]", depth + 1, maxDepth, sb, seen);
                i++;
            }

            sb.Append(path).Append(" count ").Append(i.ToString(CultureInfo.InvariantCulture)).Append('\n');
            return;
        }

        for (Type? t = type; t != null && t != typeof(object); t = t.BaseType)
        {
            foreach (FieldInfo field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                Walk(field.GetValue(value), path + "." + t.Name + "." + field.Name, depth + 1, maxDepth, sb, seen);
            }
        }
    }
}
