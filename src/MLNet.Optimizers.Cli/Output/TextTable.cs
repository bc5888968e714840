using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Spectre.Console;

namespace MLNet.Optimizers.Cli.Output;

/// <summary>
/// A console table laid out by the tool itself so it never wraps a number: columns sized to their widest cell, two
/// spaces apart (one when two would not fit the console's width), a rule under the header; a cell may be marked (bold
/// green on a terminal, a trailing '*' otherwise).
/// </summary>
internal sealed class TextTable
{
    private readonly List<(string Header, bool Right)> _columns = new();
    private readonly List<(string[] Cells, int Marked)> _rows = new();

    /// <summary>Adds a column.</summary>
    /// <param name="header">The header.</param>
    /// <param name="right">Whether cells are right-aligned (numbers).</param>
    /// <returns>This table.</returns>
    public TextTable Column(string header, bool right = true)
    {
        _columns.Add((header, right));
        return this;
    }

    /// <summary>Adds a row.</summary>
    /// <param name="cells">One cell per column.</param>
    /// <param name="marked">The index of a cell to mark, or -1.</param>
    /// <returns>This table.</returns>
    public TextTable Row(IReadOnlyList<string> cells, int marked = -1)
    {
        if (cells.Count != _columns.Count)
        {
            throw new ArgumentException($"{cells.Count} cells for {_columns.Count} columns.", nameof(cells));
        }

        _rows.Add((cells.ToArray(), marked));
        return this;
    }

    /// <summary>The widest line the table renders (without the marks' colour).</summary>
    public int Width
    {
        get
        {
            int[] w = Widths();
            return w.Sum() + (2 * Math.Max(0, w.Length - 1));
        }
    }

    /// <summary>The widest line with one space between columns.</summary>
    private int NarrowWidth => Widths().Sum() + Math.Max(0, _columns.Count - 1);

    /// <summary>Whether the table fits <paramref name="width"/> columns (with one space between columns if need be).</summary>
    /// <param name="width">The console's width.</param>
    /// <returns>True when <see cref="Write"/> renders no line longer than the width.</returns>
    public bool FitsIn(int width) => NarrowWidth <= width;

    /// <summary>Writes the table (its title first) to the console's stdout.</summary>
    /// <param name="console">The console.</param>
    /// <param name="title">The title line, or null.</param>
    public void Write(CliConsole console, string? title)
    {
        if (title != null)
        {
            console.Out.WriteLine(title);
        }

        int[] w = Widths();
        string gap = Width > console.Width && NarrowWidth <= console.Width ? " " : "  ";
        console.Out.WriteLine(Line(_columns.Select(c => c.Header).ToArray(), w, -1, console, gap));
        console.Out.WriteLine(string.Join(gap, w.Select(x => new string('-', x))));
        foreach ((string[] cells, int marked) in _rows)
        {
            console.Out.WriteLine(Line(cells, w, marked, console, gap));
        }
    }

    private int[] Widths()
    {
        var w = _columns.Select(c => c.Header.Length).ToArray();
        foreach ((string[] cells, int marked) in _rows)
        {
            for (int i = 0; i < w.Length; i++)
            {
                w[i] = Math.Max(w[i], cells[i].Length + (i == marked ? 1 : 0));
            }
        }

        return w;
    }

    private string Line(string[] cells, int[] w, int marked, CliConsole console, string gap)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < cells.Length; i++)
        {
            string cell = cells[i];
            bool mark = i == marked;
            string shown = mark && !console.OutputIsTerminal ? cell + "*" : cell;
            string padded = _columns[i].Right ? shown.PadLeft(w[i]) : shown.PadRight(w[i]);
            if (mark && console.OutputIsTerminal && !console.NoColor)
            {
                int at = padded.IndexOf(cell, StringComparison.Ordinal);
                padded = padded[..at] + "\u001b[1;32m" + cell + "\u001b[0m" + padded[(at + cell.Length)..];
            }

            sb.Append(padded);
            if (i < cells.Length - 1)
            {
                sb.Append(gap);
            }
        }

        return sb.ToString().TrimEnd();
    }
}
