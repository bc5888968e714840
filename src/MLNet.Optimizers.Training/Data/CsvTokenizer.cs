using System;
using System.Globalization;
using System.IO;
using System.Text;

namespace MLNet.Optimizers.Training.Data;

/// <summary>
/// A streaming RFC 4180 record reader: quoted fields (separators, doubled quotes and line breaks inside), CRLF / LF / CR
/// line endings, a leading byte order mark, blank lines skipped. Fields are exposed as spans over a reused buffer, so
/// reading allocates nothing per record once the buffers have grown.
/// </summary>
internal sealed class CsvTokenizer : IDisposable
{
    private readonly TextReader _reader;
    private readonly char _sep;
    private readonly char[] _buf = new char[1 << 16];
    private int _bufPos;
    private int _bufLen;
    private bool _eof;
    private bool _first = true;
    private char[] _record = new char[256];
    private int _recordLen;
    private int[] _starts = new int[16];
    private int[] _lengths = new int[16];
    private int _fieldCount;
    private bool _firstFieldQuoted;
    private long _line = 1;

    public CsvTokenizer(TextReader reader, char separator, string? path)
    {
        _reader = reader;
        _sep = separator;
        Path = path;
    }

    /// <summary>The file, for error messages.</summary>
    public string? Path { get; }

    /// <summary>Column names for error messages (set once the header is known).</summary>
    public string[]? ColumnNames { get; set; }

    /// <summary>The 1-based line where the current record starts.</summary>
    public long RecordLine { get; private set; }

    /// <summary>Fields in the current record.</summary>
    public int FieldCount => _fieldCount;

    public static CsvTokenizer Open(string path, char separator)
    {
        var reader = new StreamReader(path, new UTF8Encoding(false), true, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.Read,
            BufferSize = 1 << 16,
            Options = FileOptions.SequentialScan,
        });
        return new CsvTokenizer(reader, separator, path);
    }

    /// <summary>A field of the current record (not trimmed; quotes removed and doubled quotes undone).</summary>
    public ReadOnlySpan<char> Field(int index) => _record.AsSpan(_starts[index], _lengths[index]);

    /// <summary>Reads the next non-blank record; false at the end of the input.</summary>
    public bool ReadRecord()
    {
        while (ReadRecordCore())
        {
            if (_fieldCount == 1 && !_firstFieldQuoted && Field(0).Trim().IsEmpty)
            {
                continue;
            }

            return true;
        }

        _fieldCount = 0;
        return false;
    }

    public void Dispose() => _reader.Dispose();

    private bool ReadRecordCore()
    {
        _recordLen = 0;
        _fieldCount = 0;
        int c = ReadChar();
        if (_first)
        {
            _first = false;
            if (c == '\uFEFF')
            {
                c = ReadChar();
            }
        }

        if (c == -1)
        {
            return false;
        }

        RecordLine = _line;
        while (true)
        {
            int start = _recordLen;
            bool quoted = false;
            while (c == ' ' || (c == '\t' && _sep != '\t'))
            {
                Append((char)c);
                c = ReadChar();
            }

            if (c == '"')
            {
                quoted = true;
                _recordLen = start;
                while (true)
                {
                    c = ReadChar();
                    if (c == -1)
                    {
                        throw Error("a quoted field is not closed before the end of the file");
                    }

                    if (c == '"')
                    {
                        if (PeekChar() == '"')
                        {
                            ReadChar();
                            Append('"');
                            continue;
                        }

                        break;
                    }

                    if (c == '\n' || (c == '\r' && PeekChar() != '\n'))
                    {
                        _line++;
                    }

                    Append((char)c);
                }

                c = ReadChar();
                while (c == ' ' || (c == '\t' && _sep != '\t'))
                {
                    c = ReadChar();
                }

                if (c != _sep && c != '\n' && c != '\r' && c != -1)
                {
                    throw Error($"unexpected character '{(char)c}' after the closing quote of a quoted field");
                }
            }
            else if (c != _sep && c != '\n' && c != '\r' && c != -1)
            {
                Append((char)c);
                c = ScanUnquoted();
            }

            AddField(start, _recordLen - start, quoted);
            if (c == _sep)
            {
                c = ReadChar();
                continue;
            }

            if (c == '\r')
            {
                if (PeekChar() == '\n')
                {
                    ReadChar();
                }

                _line++;
            }
            else if (c == '\n')
            {
                _line++;
            }

            return true;
        }
    }

    /// <summary>Appends the rest of an unquoted field (vectorized search for the next separator or line break); returns the character that ended it, or -1.</summary>
    private int ScanUnquoted()
    {
        while (true)
        {
            if (_bufPos >= _bufLen && !Fill())
            {
                return -1;
            }

            ReadOnlySpan<char> rest = _buf.AsSpan(_bufPos, _bufLen - _bufPos);
            int stop = rest.IndexOfAny(_sep, '\n', '\r');
            int take = stop < 0 ? rest.Length : stop;
            if (_recordLen + take > _record.Length)
            {
                Array.Resize(ref _record, Math.Max(_record.Length * 2, _recordLen + take));
            }

            rest.Slice(0, take).CopyTo(_record.AsSpan(_recordLen));
            _recordLen += take;
            _bufPos += take;
            if (stop >= 0)
            {
                return _buf[_bufPos++];
            }
        }
    }

    private CsvFormatException Error(string detail)
    {
        int field = _fieldCount;
        string? column = ColumnNames != null && field < ColumnNames.Length ? ColumnNames[field] : null;
        if (column == null)
        {
            detail = "field " + (field + 1).ToString(CultureInfo.InvariantCulture) + ": " + detail;
        }

        return new CsvFormatException(detail, Path, RecordLine, column);
    }

    private void AddField(int start, int length, bool quoted)
    {
        if (_fieldCount == _starts.Length)
        {
            Array.Resize(ref _starts, _fieldCount * 2);
            Array.Resize(ref _lengths, _fieldCount * 2);
        }

        if (_fieldCount == 0)
        {
            _firstFieldQuoted = quoted;
        }

        _starts[_fieldCount] = start;
        _lengths[_fieldCount] = length;
        _fieldCount++;
    }

    private void Append(char ch)
    {
        if (_recordLen == _record.Length)
        {
            Array.Resize(ref _record, _record.Length * 2);
        }

        _record[_recordLen++] = ch;
    }

    private int ReadChar()
    {
        if (_bufPos >= _bufLen && !Fill())
        {
            return -1;
        }

        return _buf[_bufPos++];
    }

    private int PeekChar()
    {
        if (_bufPos >= _bufLen && !Fill())
        {
            return -1;
        }

        return _buf[_bufPos];
    }

    private bool Fill()
    {
        if (_eof)
        {
            return false;
        }

        _bufLen = _reader.Read(_buf, 0, _buf.Length);
        _bufPos = 0;
        if (_bufLen <= 0)
        {
            _bufLen = 0;
            _eof = true;
            return false;
        }

        return true;
    }
}
