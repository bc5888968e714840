using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace MLNet.Optimizers.Cli.Data;

/// <summary>
/// Reads CSV records as the training layer's loader does (RFC 4180: quoted fields may hold separators, doubled quotes
/// and line breaks; CRLF, LF or CR line endings; a UTF-8 byte order mark is skipped; completely empty lines are skipped).
/// Field text is returned as written (quotes removed, white space kept); callers trim where the loader trims.
/// </summary>
internal sealed class CsvRecordReader : IDisposable
{
    private readonly TextReader _reader;
    private readonly char _separator;
    private readonly string _source;
    private readonly List<string> _fields = new();
    private readonly StringBuilder _field = new();
    private long _line = 1;

    /// <summary>Reads from <paramref name="reader"/>.</summary>
    /// <param name="reader">The text.</param>
    /// <param name="separator">The field separator.</param>
    /// <param name="source">The file name for error messages.</param>
    public CsvRecordReader(TextReader reader, char separator, string source)
    {
        _reader = reader;
        _separator = separator;
        _source = source;
    }

    /// <summary>The fields of the current record.</summary>
    public IReadOnlyList<string> Fields => _fields;

    /// <summary>The 1-based line where the current record starts.</summary>
    public long RecordLine { get; private set; }

    /// <summary>Opens a file (UTF-8, byte order mark detected).</summary>
    /// <param name="path">The file.</param>
    /// <param name="separator">The field separator.</param>
    /// <returns>The reader.</returns>
    public static CsvRecordReader Open(string path, char separator) =>
        new(new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16), separator, path);

    /// <summary>Reads the next non-empty record.</summary>
    /// <returns>False at the end of the text.</returns>
    /// <exception cref="CliException">A quoted field is not closed before the end of the text.</exception>
    public bool Read()
    {
        while (true)
        {
            _fields.Clear();
            _field.Clear();
            RecordLine = _line;
            int c = _reader.Read();
            if (c < 0)
            {
                return false;
            }

            if (c == '\r' || c == '\n')
            {
                EndLine(c);
                continue;
            }

            bool quoted = false;
            bool inQuotes = false;
            while (true)
            {
                if (inQuotes)
                {
                    if (c < 0)
                    {
                        throw CliException.BadData($"{_source}:{RecordLine}: a quoted field is not closed before the end of the file.");
                    }

                    if (c == '"')
                    {
                        if (_reader.Peek() == '"')
                        {
                            _reader.Read();
                            _field.Append('"');
                        }
                        else
                        {
                            inQuotes = false;
                        }
                    }
                    else
                    {
                        if (c == '\n' || (c == '\r' && _reader.Peek() != '\n'))
                        {
                            _line++;
                        }

                        _field.Append((char)c);
                    }
                }
                else if (c < 0 || c == '\r' || c == '\n')
                {
                    _fields.Add(_field.ToString());
                    if (c >= 0)
                    {
                        EndLine(c);
                    }

                    return true;
                }
                else if (c == _separator)
                {
                    _fields.Add(_field.ToString());
                    _field.Clear();
                    quoted = false;
                }
                else if (c == '"' && !quoted && _field.ToString().Trim().Length == 0)
                {
                    _field.Clear();
                    quoted = true;
                    inQuotes = true;
                }
                else
                {
                    _field.Append((char)c);
                }

                c = _reader.Read();
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _reader.Dispose();

    private void EndLine(int c)
    {
        if (c == '\r' && _reader.Peek() == '\n')
        {
            _reader.Read();
        }

        _line++;
    }
}
