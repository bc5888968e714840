using System.Text;

namespace MLNet.Optimizers.Reports;

/// <summary>Escaping for XML-well-formed HTML (numeric character references only).</summary>
internal static class Html
{
    /// <summary>Escapes element text.</summary>
    /// <param name="s">The text.</param>
    /// <returns>Escaped text.</returns>
    public static string Text(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (char c in s)
        {
            switch (c)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                default:
                    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
                    {
                        sb.Append('?');
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.ToString();
    }

    /// <summary>Escapes an attribute value (for double quotes).</summary>
    /// <param name="s">The value.</param>
    /// <returns>Escaped text.</returns>
    public static string Attr(string s) => Text(s).Replace("\"", "&quot;", System.StringComparison.Ordinal);
}
