using System.Text;

namespace Vireo.Cli.Output;

/// <summary>
/// stdout under virsh's -q. virsh ends every command's output with an empty line except in quiet
/// mode; Vireo's commands write that line themselves, so this writer holds newlines back and, when
/// the command is done, drops the last one if the output ended in an empty line. Everything else
/// passes through as it is written (console and event streams are not buffered).
/// </summary>
public sealed class QuietWriter(TextWriter inner) : TextWriter
{
    private int _pendingNewlines;

    public override Encoding Encoding => inner.Encoding;

    public override void Write(char value)
    {
        if (value == '\n') { _pendingNewlines++; return; }
        FlushPending();
        inner.Write(value);
    }

    public override void Write(string? value)
    {
        if (string.IsNullOrEmpty(value)) return;
        var body = value.TrimEnd('\n');
        if (body.Length > 0)
        {
            FlushPending();
            inner.Write(body);
        }
        _pendingNewlines += value.Length - body.Length;
    }

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void WriteLine(string? value) => Write(value + "\n");

    public override void Flush() => inner.Flush();

    /// <summary>The command has finished: what it wrote, without the trailing empty line.</summary>
    public void Finish()
    {
        if (_pendingNewlines >= 2) _pendingNewlines--;
        FlushPending();
        inner.Flush();
    }

    private void FlushPending()
    {
        if (_pendingNewlines == 0) return;
        inner.Write(new string('\n', _pendingNewlines));
        _pendingNewlines = 0;
    }
}
